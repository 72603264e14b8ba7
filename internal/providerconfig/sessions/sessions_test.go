package sessions

import (
	"context"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/stowage-dev/stowage/apis"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig"
)

// TestSecretReadAtMostEveryRefresh: however many resources connect, the
// credentials Secret is read once per SecretRefresh; rotated credentials
// are used once it is read again; a changed provider config is read at once.
func TestSecretReadAtMostEveryRefresh(t *testing.T) {
	ctx := context.Background()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apis.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "creds"}, Data: map[string][]byte{"k": []byte("one")}}
	pc := &v1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "default", UID: "pc-uid"},
		Spec: v1alpha1.ProviderConfigSpec{Region: "eu-west-1", Credentials: v1alpha1.Credentials{
			Source: v1alpha1.CredentialsSourceSecret, SecretRef: &v1alpha1.SecretKeySelector{Name: "creds", Key: "k"}}},
	}
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(secret, pc).Build()
	mr := &s3v1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "b"}}
	mr.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}

	reads, builds := 0, 0
	c := New(Cloud[v1alpha1.ProviderConfigSpec, string]{
		NewConfig:        func() providerconfig.Config { return &v1alpha1.ProviderConfig{} },
		NewClusterConfig: func() providerconfig.ClusterConfig { return &v1alpha1.ClusterProviderConfig{} },
		Spec:             func(o providerconfig.Config) v1alpha1.ProviderConfigSpec { return o.(*v1alpha1.ProviderConfig).Spec },
		Secret: func(ctx context.Context, kube client.Client, owner client.Object, spec v1alpha1.ProviderConfigSpec) ([]byte, error) {
			reads++
			ref := spec.Credentials.SecretRef
			return providerconfig.ReadSecretKey(ctx, kube, owner, providerconfig.SecretKey{Name: ref.Name, Key: ref.Key})
		},
		Build: func(_ context.Context, spec v1alpha1.ProviderConfigSpec, secret []byte) (string, error) {
			builds++
			return spec.Region + "/" + string(secret), nil
		},
	})
	now := time.Now()
	c.SetClock(func() time.Time { return now })
	type counts struct {
		Session       string
		Reads, Builds int
	}
	connect := func(n int) counts {
		t.Helper()
		var got string
		for range n {
			var err error
			if got, err = c.Get(ctx, kube, mr, &feature.Flags{}); err != nil {
				t.Fatal(err)
			}
		}
		return counts{got, reads, builds}
	}
	steps := []struct {
		reason string
		before func()
		want   counts
	}{
		{reason: "Many connects within SecretRefresh read the Secret once.",
			want: counts{"eu-west-1/one", 1, 1}},
		{reason: "Rotated credentials are not seen until SecretRefresh has passed.",
			before: func() {
				secret.Data["k"] = []byte("two")
				if err := kube.Update(ctx, secret); err != nil {
					t.Fatal(err)
				}
				now = now.Add(SecretRefresh - time.Second)
			},
			want: counts{"eu-west-1/one", 1, 1}},
		{reason: "Once it has, the Secret is read again and the rotated credentials used.",
			before: func() { now = now.Add(time.Second) },
			want:   counts{"eu-west-1/two", 2, 2}},
		{reason: "Read again with nothing changed, the session is kept.",
			before: func() { now = now.Add(SecretRefresh) },
			want:   counts{"eu-west-1/two", 3, 2}},
		{reason: "A changed provider config spec is read at once.",
			before: func() {
				pc.Spec.Region = "us-east-1"
				if err := kube.Update(ctx, pc); err != nil {
					t.Fatal(err)
				}
			},
			want: counts{"us-east-1/two", 4, 3}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		if diff := cmp.Diff(st.want, connect(50)); diff != "" {
			t.Errorf("%s\n50 connects: -want, +got:\n%s", st.reason, diff)
		}
	}
}
