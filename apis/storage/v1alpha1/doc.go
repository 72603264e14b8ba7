// Package v1alpha1 contains the portable bucket claim and class API:
// BucketClaim (namespaced) and BucketClass (cluster-scoped).
// +kubebuilder:object:generate=true
// +groupName=storage.stowage.dev
// +versionName=v1alpha1
package v1alpha1
