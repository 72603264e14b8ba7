// Package v1alpha1 contains the Azure resource group managed resource.
// +kubebuilder:object:generate=true
// +groupName=resources.azure.stowage.dev
// +versionName=v1alpha1
package v1alpha1
