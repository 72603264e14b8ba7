// Package v1alpha1 contains the Google Cloud provider configuration API: how
// Stowage authenticates to Google Cloud and which endpoint it talks to.
// +kubebuilder:object:generate=true
// +groupName=gcp.stowage.dev
// +versionName=v1alpha1
package v1alpha1
