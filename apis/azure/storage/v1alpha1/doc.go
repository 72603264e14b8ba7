// Package v1alpha1 contains the Azure Storage managed resources: storage
// accounts and blob containers.
// +kubebuilder:object:generate=true
// +groupName=storage.azure.stowage.dev
// +versionName=v1alpha1
package v1alpha1
