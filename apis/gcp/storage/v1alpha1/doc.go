// Package v1alpha1 contains the Google Cloud Storage managed resources.
// +kubebuilder:object:generate=true
// +groupName=storage.gcp.stowage.dev
// +versionName=v1alpha1
package v1alpha1
