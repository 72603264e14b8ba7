// Package v1alpha1 contains the Azure provider configuration API: how Stowage
// authenticates to Azure Resource Manager and which endpoint it talks to.
// +kubebuilder:object:generate=true
// +groupName=azure.stowage.dev
// +versionName=v1alpha1
package v1alpha1
