// Package v1alpha1 contains the Azure SQL managed resources: logical SQL
// servers and their databases.
// +kubebuilder:object:generate=true
// +groupName=sql.azure.stowage.dev
// +versionName=v1alpha1
package v1alpha1
