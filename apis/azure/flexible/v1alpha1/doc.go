// Package v1alpha1 holds the settings Azure Database for PostgreSQL and
// Azure Database for MySQL flexible servers share. It is no API group of its
// own: the FlexibleServer and Database kinds of dbforpostgresql.azure and
// dbformysql.azure embed these types, so both engines have the same fields
// and one controller (internal/azure/flexible) serves both; what differs
// between the engines (versions, high availability modes, storage autogrow)
// each group checks with its own validation rules.
// +kubebuilder:object:generate=true
package v1alpha1
