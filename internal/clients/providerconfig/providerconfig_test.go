package providerconfig

import (
	"context"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	s3v1alpha1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
)

func scheme(t *testing.T) *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := awsv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReadSecretKey(t *testing.T) {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "creds"}, Data: map[string][]byte{"k": []byte("v")}}
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "creds"}, Data: map[string][]byte{"k": []byte("b")}}
	namespaced := &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "pc"}}
	cluster := &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "cpc"}}

	cases := map[string]struct {
		reason  string
		owner   client.Object
		ref     SecretKey
		want    string
		wantErr string
	}{
		"OwnNamespace":   {reason: "A namespaced config reads its own namespace by default.", owner: namespaced, ref: SecretKey{Name: "creds", Key: "k"}, want: "v"},
		"CrossNamespace": {reason: "A namespaced config may not borrow another namespace's Secret.", owner: namespaced, ref: SecretKey{Name: "creds", Namespace: "team-b", Key: "k"}, wantErr: `spec.credentials.secretRef.namespace "team-b": a namespaced ProviderConfig may only read Secrets in its own namespace "team-a"`},
		"ClusterAnyNs":   {reason: "A cluster config names the namespace.", owner: cluster, ref: SecretKey{Name: "creds", Namespace: "team-b", Key: "k"}, want: "b"},
		"ClusterNoNs":    {reason: "A cluster config must name the namespace.", owner: cluster, ref: SecretKey{Name: "creds", Key: "k"}, wantErr: "spec.credentials.secretRef.namespace is required for a ClusterProviderConfig"},
		"MissingSecret":  {reason: "A missing Secret is named.", owner: namespaced, ref: SecretKey{Name: "gone", Key: "k"}, wantErr: "credentials Secret team-a/gone not found"},
		"MissingKey":     {reason: "A missing key is named.", owner: namespaced, ref: SecretKey{Name: "creds", Key: "nope"}, wantErr: `credentials Secret team-a/creds has no key "nope"`},
	}
	kube := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(secret, other).Build()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ReadSecretKey(context.Background(), kube, tc.owner, tc.ref)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("%s\nReadSecretKey(...) error: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("%s\nReadSecretKey(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestGet(t *testing.T) {
	pc := &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "default"}}
	kube := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(pc).Build()
	cases := map[string]struct {
		reason  string
		ref     *xpv2.ProviderConfigReference
		ns      string
		wantErr string
	}{
		"Found":       {reason: "A ProviderConfig is read from the resource's namespace.", ref: &xpv2.ProviderConfigReference{Kind: KindProviderConfig, Name: "default"}, ns: "team-a"},
		"OtherNs":     {reason: "A ProviderConfig in another namespace is not visible.", ref: &xpv2.ProviderConfigReference{Kind: KindProviderConfig, Name: "default"}, ns: "team-b", wantErr: "ProviderConfig team-b/default not found"},
		"MissingCPC":  {reason: "A missing ClusterProviderConfig is named.", ref: &xpv2.ProviderConfigReference{Kind: KindClusterProviderConfig, Name: "default"}, ns: "team-a", wantErr: `ClusterProviderConfig "default" not found`},
		"BadKind":     {reason: "An unknown kind is refused with the kinds that work.", ref: &xpv2.ProviderConfigReference{Kind: "Nope", Name: "x"}, ns: "team-a", wantErr: `spec.providerConfigRef.kind "Nope" is not supported: use ProviderConfig or ClusterProviderConfig`},
		"NoReference": {reason: "No reference is reported.", ns: "team-a", wantErr: "spec.providerConfigRef is not set"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mg := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: tc.ns, Name: "b"}}
			mg.Spec.ProviderConfigReference = tc.ref
			_, err := Get(context.Background(), kube, mg, &awsv1alpha1.ProviderConfig{}, &awsv1alpha1.ClusterProviderConfig{})
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("%s\nGet(...) error: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
