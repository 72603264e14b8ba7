// Package v1alpha1 contains the Azure Database for MySQL managed
// resources: flexible servers and their databases.
// +kubebuilder:object:generate=true
// +groupName=dbformysql.azure.stowage.dev
// +versionName=v1alpha1
package v1alpha1
