// Package v1alpha1 contains the Azure Database for PostgreSQL managed
// resources: flexible servers and their databases.
// +kubebuilder:object:generate=true
// +groupName=dbforpostgresql.azure.stowage.dev
// +versionName=v1alpha1
package v1alpha1
