package awsclient

import (
	"context"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/stowage-dev/stowage/apis"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig/sessions"
)

func TestConnectAfterProviderConfigIsGone(t *testing.T) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := apis.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "creds"},
		Data:       map[string][]byte{"credentials": []byte("[default]\naws_access_key_id = AK\naws_secret_access_key = SK\n")},
	}
	pc := &v1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "gone-soon"},
		Spec: v1alpha1.ProviderConfigSpec{Region: "eu-west-1", Credentials: v1alpha1.Credentials{
			Source: v1alpha1.CredentialsSourceSecret, SecretRef: &v1alpha1.SecretKeySelector{Name: "creds", Key: "credentials"}}},
	}
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(secret, pc).Build()
	mr := &s3v1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "b"}}
	mr.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "gone-soon"}
	ctx := context.Background()
	f := &feature.Flags{}
	clock := time.Now()
	cache.cache.SetClock(func() time.Time { return clock })
	defer cache.cache.SetClock(time.Now)

	if _, err := Connect(ctx, kube, mr, "", f); err != nil {
		t.Fatal(err)
	}
	// The namespace teardown deletes the credentials Secret, which is seen
	// when it is next read.
	if err := kube.Delete(ctx, secret); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(sessions.SecretRefresh)
	if _, err := Connect(ctx, kube, mr, "", f); err == nil {
		t.Error("a live managed resource connected without its credentials Secret")
	}
	now := metav1.Now()
	mr.SetDeletionTimestamp(&now)
	got, err := Connect(ctx, kube, mr, "", f)
	if err != nil {
		t.Fatalf("a managed resource being deleted cannot connect after its credentials Secret went: %v", err)
	}
	if got.Config.Region != "eu-west-1" {
		t.Errorf("region %q, want the provider config's", got.Config.Region)
	}
	// Another provider config's resources never get this one's session.
	other := mr.DeepCopy()
	other.Spec.ProviderConfigReference.Name = "never-seen"
	if _, err := Connect(ctx, kube, other, "", f); err == nil {
		t.Error("a managed resource being deleted connected through a provider config that never worked")
	}
}
