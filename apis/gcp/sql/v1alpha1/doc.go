// Package v1alpha1 contains the Google Cloud SQL managed resources.
// +kubebuilder:object:generate=true
// +groupName=sql.gcp.stowage.dev
// +versionName=v1alpha1
package v1alpha1
