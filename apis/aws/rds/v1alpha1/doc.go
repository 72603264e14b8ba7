// Package v1alpha1 contains the Amazon RDS managed resources.
// +kubebuilder:object:generate=true
// +groupName=rds.aws.stowage.dev
// +versionName=v1alpha1
package v1alpha1
