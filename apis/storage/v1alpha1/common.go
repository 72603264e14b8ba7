package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
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
