// Package v1alpha1 contains the Amazon S3 managed resources.
// +kubebuilder:object:generate=true
// +groupName=s3.aws.stowage.dev
// +versionName=v1alpha1
package v1alpha1
