// Package v1alpha1 contains the AWS provider configuration API: how Stowage
// authenticates to AWS and which endpoint it talks to.
// +kubebuilder:object:generate=true
// +groupName=aws.stowage.dev
// +versionName=v1alpha1
package v1alpha1
