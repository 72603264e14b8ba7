package providerconfig

import (
	"context"
	"fmt"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
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
	ambient := &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "ambient"},
		Spec: awsv1alpha1.ProviderConfigSpec{Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceInjectedIdentity}}}
	prod := &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec: awsv1alpha1.ClusterProviderConfigSpec{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}}
	nsA := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}
	kube := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(pc, ambient, prod, nsA).Build()
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
		"AmbientRefused": {reason: "A namespaced config with the provider's identity is refused by default.", ref: &xpv2.ProviderConfigReference{Kind: KindProviderConfig, Name: "ambient"}, ns: "team-a",
			wantErr: "ProviderConfig team-a/ambient: spec.credentials.source InjectedIdentity is the provider's own identity, which a namespaced ProviderConfig may use only when the provider runs with --allow-namespaced-ambient-credentials: use source Secret with a Secret in namespace team-a, or a ClusterProviderConfig"},
		"NotSelected": {reason: "A cluster config refuses a namespace its selector does not select.", ref: &xpv2.ProviderConfigReference{Kind: KindClusterProviderConfig, Name: "prod"}, ns: "team-a",
			wantErr: "ClusterProviderConfig prod does not select namespace team-a (spec.namespaceSelector)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mg := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: tc.ns, Name: "b"}}
			mg.Spec.ProviderConfigReference = tc.ref
			_, err := Get(context.Background(), kube, mg, &awsv1alpha1.ProviderConfig{}, &awsv1alpha1.ClusterProviderConfig{}, &feature.Flags{})
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

func TestCheckSource(t *testing.T) {
	pc := func(ns string, src awsv1alpha1.CredentialsSource) Config {
		if ns == "" {
			c := &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "cpc"}}
			c.Spec.Credentials.Source = src
			return c
		}
		c := &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pc"}}
		c.Spec.Credentials.Source = src
		return c
	}
	off, allowed := &feature.Flags{}, &feature.Flags{}
	allowed.Enable(EnableNamespacedAmbientCredentials)
	const refused = "ProviderConfig team-a/pc: spec.credentials.source %s is the provider's own identity, which a namespaced ProviderConfig may use only when the provider runs with --allow-namespaced-ambient-credentials: use source Secret with a Secret in namespace team-a, or a ClusterProviderConfig"

	cases := map[string]struct {
		reason  string
		pc      Config
		flags   *feature.Flags
		wantErr string
	}{
		"Secret":               {reason: "A namespaced config may use a Secret in its namespace.", pc: pc("team-a", awsv1alpha1.CredentialsSourceSecret), flags: off},
		"Defaulted":            {reason: "An unset source is the Secret default.", pc: pc("team-a", ""), flags: off},
		"None":                 {reason: "A namespaced config may send unsigned requests.", pc: pc("team-a", awsv1alpha1.CredentialsSourceNone), flags: off},
		"InjectedIdentity":     {reason: "The provider's pod identity is the administrator's, not a tenant's.", pc: pc("team-a", awsv1alpha1.CredentialsSourceInjectedIdentity), wantErr: fmt.Sprintf(refused, "InjectedIdentity"), flags: off},
		"Environment":          {reason: "The provider's environment is the administrator's, not a tenant's.", pc: pc("team-a", awsv1alpha1.CredentialsSourceEnvironment), wantErr: fmt.Sprintf(refused, "Environment"), flags: off},
		"NilFlags":             {reason: "No flags means nothing is enabled.", pc: pc("team-a", awsv1alpha1.CredentialsSourceInjectedIdentity), flags: nil, wantErr: fmt.Sprintf(refused, "InjectedIdentity")},
		"AllowedByFlag":        {reason: "The administrator may allow ambient identity for namespaced configs.", pc: pc("team-a", awsv1alpha1.CredentialsSourceInjectedIdentity), flags: allowed},
		"ClusterConfigAmbient": {reason: "A ClusterProviderConfig is the administrator's own, so it may use the provider's identity.", pc: pc("", awsv1alpha1.CredentialsSourceInjectedIdentity), flags: off},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.wantErr, errString(CheckSource(tc.pc, tc.flags))); diff != "" {
				t.Errorf("%s\nCheckSource(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCheckNamespace(t *testing.T) {
	prod := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"env": "prod"}}}
	dev := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "sandbox", Labels: map[string]string{"env": "dev"}}}
	kube := fake.NewClientBuilder().WithScheme(scheme(t)).WithObjects(prod, dev).Build()
	cpc := func(sel *metav1.LabelSelector) ClusterConfig {
		return &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "cpc"}, Spec: awsv1alpha1.ClusterProviderConfigSpec{NamespaceSelector: sel}}
	}
	cases := map[string]struct {
		reason  string
		cpc     ClusterConfig
		ns      string
		wantErr string
	}{
		"NoSelector":  {reason: "Without a selector every namespace may use it.", cpc: cpc(nil), ns: "sandbox"},
		"Empty":       {reason: "An empty selector selects every namespace.", cpc: cpc(&metav1.LabelSelector{}), ns: "sandbox"},
		"Selected":    {reason: "A selected namespace may use it.", cpc: cpc(&metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}), ns: "shop"},
		"NotSelected": {reason: "Another namespace is refused, naming the config, the namespace and the field.", cpc: cpc(&metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}), ns: "sandbox", wantErr: "ClusterProviderConfig cpc does not select namespace sandbox (spec.namespaceSelector)"},
		"Expression": {reason: "Match expressions work too.", cpc: cpc(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"prod"}}}}), ns: "shop",
			wantErr: "ClusterProviderConfig cpc does not select namespace shop (spec.namespaceSelector)"},
		"Invalid": {reason: "An invalid selector is reported, not treated as everything.", cpc: cpc(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Near"}}}), ns: "shop",
			wantErr: `ClusterProviderConfig cpc has an invalid spec.namespaceSelector: "Near" is not a valid label selector operator`},
		"MissingNamespace": {reason: "A namespace that cannot be read is an error, not a match.", cpc: cpc(&metav1.LabelSelector{}), ns: "gone",
			wantErr: `cannot get namespace gone to check ClusterProviderConfig cpc's spec.namespaceSelector: namespaces "gone" not found`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.wantErr, errString(CheckNamespace(context.Background(), kube, tc.cpc, tc.ns))); diff != "" {
				t.Errorf("%s\nCheckNamespace(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
