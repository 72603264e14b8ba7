// Package providerconfig finds the ProviderConfig or ClusterProviderConfig a
// managed resource references and reads the credentials Secret it names. The
// rules are the same on every cloud, so every cloud's client uses this.
package providerconfig

import (
	"context"
	"fmt"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Kinds a managed resource may reference.
const (
	KindProviderConfig        = "ProviderConfig"
	KindClusterProviderConfig = "ClusterProviderConfig"
)

// Get reads the provider config mg references into pc (for a ProviderConfig
// in mg's namespace) or cpc (for a ClusterProviderConfig) and returns the one
// it filled.
func Get(ctx context.Context, kube client.Client, mg resource.ModernManaged, pc, cpc client.Object) (client.Object, error) {
	ref := mg.GetProviderConfigReference()
	if ref == nil || ref.Name == "" {
		return nil, errors.New("spec.providerConfigRef is not set")
	}
	var obj client.Object
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
	return obj, nil
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
