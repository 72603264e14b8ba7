package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A ReclaimPolicy says what happens to the cloud resources when a claim is
// deleted.
// +kubebuilder:validation:Enum=Delete;Retain
type ReclaimPolicy string

// Reclaim policies.
const (
	ReclaimDelete ReclaimPolicy = "Delete"
	ReclaimRetain ReclaimPolicy = "Retain"
)

// A ProviderConfigReference names the provider config the managed resources
// use. A ProviderConfig is looked up in the claim's namespace.
type ProviderConfigReference struct {
	// Kind of the provider config.
	// +kubebuilder:validation:Enum=ProviderConfig;ClusterProviderConfig
	// +kubebuilder:default=ClusterProviderConfig
	Kind string `json:"kind,omitempty"`

	// Name of the provider config.
	// +kubebuilder:default=default
	Name string `json:"name,omitempty"`
}

// A ResourceReference names a managed resource a claim created in its own
// namespace.
type ResourceReference struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// GetCondition of this BucketClaim.
func (c *BucketClaim) GetCondition(ct xpv2.ConditionType) xpv2.Condition {
	return c.Status.GetCondition(ct)
}

// SetConditions of this BucketClaim.
func (c *BucketClaim) SetConditions(cs ...xpv2.Condition) { c.Status.SetConditions(cs...) }

// GetClassName is the class the claim is bound to, or "" while unbound.
func (c *BucketClaim) GetClassName() string {
	if c.Spec.ClassName == nil {
		return ""
	}
	return *c.Spec.ClassName
}

// SetClassName records the claim's binding.
func (c *BucketClaim) SetClassName(name string) { c.Spec.ClassName = &name }

// GetReclaimPolicyOverride is the claim's own reclaim policy, or "".
func (c *BucketClaim) GetReclaimPolicyOverride() string {
	if c.Spec.ReclaimPolicy == nil {
		return ""
	}
	return string(*c.Spec.ReclaimPolicy)
}

// GetReclaimPolicy is the reclaim policy in effect, as the status records it.
func (c *BucketClaim) GetReclaimPolicy() string { return string(c.Status.ReclaimPolicy) }

// SetReclaimPolicy records the reclaim policy in effect.
func (c *BucketClaim) SetReclaimPolicy(p string) { c.Status.ReclaimPolicy = ReclaimPolicy(p) }

// GetConnectionSecretName is the Secret the claim's connection details go to.
func (c *BucketClaim) GetConnectionSecretName() string { return c.Spec.WriteConnectionSecretToRef.Name }

// GetBindingName is the Secret status.binding names, or "" while unset.
func (c *BucketClaim) GetBindingName() string {
	if c.Status.Binding == nil {
		return ""
	}
	return c.Status.Binding.Name
}

// SetBindingName sets status.binding to the Secret name; "" unsets it.
func (c *BucketClaim) SetBindingName(name string) {
	if name == "" {
		c.Status.Binding = nil
		return
	}
	c.Status.Binding = &BindingReference{Name: name}
}

// IsDefault reports whether claims without a className bind to the class.
func (c *BucketClass) IsDefault() bool { return c.Spec.Default }

// GetReclaimPolicy is the class's reclaim policy.
func (c *BucketClass) GetReclaimPolicy() string { return string(c.Spec.ReclaimPolicy) }

// AllowsReclaimPolicyOverride reports whether claims may choose their own.
func (c *BucketClass) AllowsReclaimPolicyOverride() bool { return c.Spec.AllowReclaimPolicyOverride }

// GetNamespaceSelector selects the namespaces whose claims may use the class.
func (c *BucketClass) GetNamespaceSelector() *metav1.LabelSelector { return c.Spec.NamespaceSelector }

// GetObservedGeneration is the generation the claim controller last acted on.
func (c *BucketClaim) GetObservedGeneration() int64 { return c.Status.ObservedGeneration }

// SetObservedGeneration records the generation the claim controller acted on.
func (c *BucketClaim) SetObservedGeneration(g int64) { c.Status.ObservedGeneration = g }
