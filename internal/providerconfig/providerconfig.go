// Package providerconfig finds the ProviderConfig or ClusterProviderConfig a
// managed resource references, checks the resource may use it, and reads the
// credentials Secret it names. The rules (tenant boundaries) are the same on
// every cloud, so every cloud's client uses this.
package providerconfig

import (
	"context"
	"fmt"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Kinds a managed resource may reference.
const (
	KindProviderConfig        = "ProviderConfig"
	KindClusterProviderConfig = "ClusterProviderConfig"
)

// EnableNamespacedAmbientCredentials lets a namespaced ProviderConfig use
// the provider's own identity (InjectedIdentity, Environment). Off by
// default: that identity is the cluster administrator's, not a tenant's.
const EnableNamespacedAmbientCredentials feature.Flag = "EnableNamespacedAmbientCredentials"

// FlagNamespacedAmbientCredentials is the provider flag that enables
// EnableNamespacedAmbientCredentials, as messages name it.
const FlagNamespacedAmbientCredentials = "--allow-namespaced-ambient-credentials"

// A Config is a ProviderConfig or ClusterProviderConfig of any cloud.
type Config interface {
	client.Object
	GetCredentialsSource() string
}

// A ClusterConfig is a ClusterProviderConfig of any cloud.
type ClusterConfig interface {
	Config
	GetNamespaceSelector() *metav1.LabelSelector
}

// Credential sources every cloud names the same way that use no identity
// but what the provider config itself supplies.
const (
	sourceSecret = "Secret"
	sourceNone   = "None"
)

// Get reads the provider config mg references into pc (for a ProviderConfig
// in mg's namespace) or cpc (for a ClusterProviderConfig) and returns the one
// it filled, once it has checked that mg may use it: a namespaced
// ProviderConfig only with its own credentials (CheckSource), a
// ClusterProviderConfig only from a namespace it selects (CheckNamespace).
// f is read on every call, so the flags may change while the provider runs.
func Get(ctx context.Context, kube client.Client, mg resource.ModernManaged, pc Config, cpc ClusterConfig, f *feature.Flags) (Config, error) {
	ref := mg.GetProviderConfigReference()
	if ref == nil || ref.Name == "" {
		return nil, errors.New("spec.providerConfigRef is not set")
	}
	var obj Config
	key := types.NamespacedName{Name: ref.Name}
	switch ref.Kind {
	case KindProviderConfig:
		obj, key.Namespace = pc, mg.GetNamespace()
	case KindClusterProviderConfig:
		obj = cpc
	default:
		return nil, errors.Errorf("spec.providerConfigRef.kind %q is not supported: use %s or %s", ref.Kind, KindProviderConfig, KindClusterProviderConfig)
	}
	if err := kube.Get(ctx, key, obj); err != nil {
		if kerrors.IsNotFound(err) {
			return nil, errors.Errorf("%s %s not found", ref.Kind, describe(key))
		}
		return nil, errors.Wrapf(err, "cannot get %s %s", ref.Kind, describe(key))
	}
	if ref.Kind == KindClusterProviderConfig {
		return obj, CheckNamespace(ctx, kube, cpc, mg.GetNamespace())
	}
	return obj, CheckSource(pc, f)
}

// CheckSource refuses a namespaced ProviderConfig whose credentials are the
// provider's own identity (anything but a Secret or None), unless the
// cluster administrator allowed that with EnableNamespacedAmbientCredentials.
// Otherwise any tenant could act with the provider's cloud identity.
func CheckSource(pc Config, f *feature.Flags) error {
	if pc.GetNamespace() == "" {
		return nil
	}
	switch src := pc.GetCredentialsSource(); src {
	case sourceSecret, sourceNone, "":
		return nil
	default:
		if f.Enabled(EnableNamespacedAmbientCredentials) {
			return nil
		}
		return errors.Errorf("ProviderConfig %s/%s: spec.credentials.source %s is the provider's own identity, which a namespaced ProviderConfig may use only when the provider runs with %s: use source Secret with a Secret in namespace %s, or a ClusterProviderConfig",
			pc.GetNamespace(), pc.GetName(), src, FlagNamespacedAmbientCredentials, pc.GetNamespace())
	}
}

// CheckNamespace refuses a ClusterProviderConfig to a managed resource in a
// namespace its spec.namespaceSelector does not select.
func CheckNamespace(ctx context.Context, kube client.Reader, cpc ClusterConfig, ns string) error {
	ls := cpc.GetNamespaceSelector()
	if ls == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return errors.Wrapf(err, "ClusterProviderConfig %s has an invalid spec.namespaceSelector", cpc.GetName())
	}
	n := &corev1.Namespace{}
	if err := kube.Get(ctx, types.NamespacedName{Name: ns}, n); err != nil {
		return errors.Wrapf(err, "cannot get namespace %s to check ClusterProviderConfig %s's spec.namespaceSelector", ns, cpc.GetName())
	}
	if !sel.Matches(labels.Set(n.Labels)) {
		return errors.Errorf("ClusterProviderConfig %s does not select namespace %s (spec.namespaceSelector)", cpc.GetName(), ns)
	}
	return nil
}

// SecretKey names one key of a Secret. Namespace may be empty for a
// namespaced provider config, meaning its own namespace.
type SecretKey struct {
	Name      string
	Namespace string
	Key       string
}

// ReadSecretKey returns the value of a credentials Secret key. owner is the
// provider config naming it: a namespaced ProviderConfig may only read
// Secrets in its own namespace, so a team cannot borrow another team's
// credentials.
//
// Credentials Secrets are the user's: the provider's cache does not hold
// them, and kube (the manager's client, package secrets) reads them from the
// API server. Package sessions calls this at most every
// sessions.SecretRefresh per provider config.
func ReadSecretKey(ctx context.Context, kube client.Client, owner client.Object, ref SecretKey) ([]byte, error) {
	ns := ref.Namespace
	if owner.GetNamespace() != "" {
		if ns != "" && ns != owner.GetNamespace() {
			return nil, errors.Errorf("spec.credentials.secretRef.namespace %q: a namespaced ProviderConfig may only read Secrets in its own namespace %q", ns, owner.GetNamespace())
		}
		ns = owner.GetNamespace()
	}
	if ns == "" {
		return nil, errors.New("spec.credentials.secretRef.namespace is required for a ClusterProviderConfig")
	}
	s := &corev1.Secret{}
	nn := types.NamespacedName{Namespace: ns, Name: ref.Name}
	if err := kube.Get(ctx, nn, s); err != nil {
		if kerrors.IsNotFound(err) {
			return nil, errors.Errorf("credentials Secret %s not found", nn)
		}
		return nil, errors.Wrapf(err, "cannot get credentials Secret %s", nn)
	}
	v, ok := s.Data[ref.Key]
	if !ok || len(v) == 0 {
		return nil, errors.Errorf("credentials Secret %s has no key %q", nn, ref.Key)
	}
	return v, nil
}

func describe(nn types.NamespacedName) string {
	if nn.Namespace == "" {
		return fmt.Sprintf("%q", nn.Name)
	}
	return nn.String()
}
