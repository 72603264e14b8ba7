// Package v1alpha1 contains the portable database claim and class API:
// DatabaseClaim (namespaced) and DatabaseClass (cluster-scoped).
// +kubebuilder:object:generate=true
// +groupName=database.stowage.dev
// +versionName=v1alpha1
package v1alpha1
