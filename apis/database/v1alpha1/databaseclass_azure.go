package v1alpha1

import (
	flexv1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	azsqlv1 "github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
)

// An AzureDatabaseSize is what a size name means on Azure, per kind of
// server: the compute of a PostgreSQL or MySQL flexible server, the service
// objective of an Azure SQL database. A size without the one an engine
// needs is not offered for that engine. Storage comes from the claim's
// storageGB: a flexible server's storage size (PostgreSQL rounds it up to
// the next size Azure offers: 32, 64, 128… GiB), an Azure SQL database's
// maxSizeBytes.
// +kubebuilder:validation:XValidation:rule="has(self.flexibleServer) || has(self.sqlDatabase)",message="a size needs flexibleServer (postgres, mysql) or sqlDatabase (sqlserver)"
type AzureDatabaseSize struct {
	// FlexibleServer is the compute tier and size of the PostgreSQL and
	// MySQL flexible servers of this size, e.g. Burstable Standard_B1ms.
	// +optional
	FlexibleServer *flexv1.SKU `json:"flexibleServer,omitempty"`

	// SQLDatabase is the service objective of the Azure SQL databases of
	// this size: a name such as S0 or GP_Gen5_2, or a vCore family such as
	// GP_Gen5 with a capacity.
	// +optional
	SQLDatabase *AzureSQLDatabaseSize `json:"sqlDatabase,omitempty"`
}

// An AzureSQLDatabaseSize is an Azure SQL database's service objective.
// +kubebuilder:validation:XValidation:rule="!has(self.capacity) || self.name.contains('_')",message="capacity goes with a vCore family name such as GP_Gen5; DTU service objectives (Basic, S0, P1…) carry their own"
type AzureSQLDatabaseSize struct {
	// Name of the service objective (Basic, S0-S12, P1-P15, GP_Gen5_2,
	// BC_Gen5_4, GP_S_Gen5_1, HS_Gen5_2…) or of a vCore family (GP_Gen5,
	// BC_Gen5, GP_S_Gen5, HS_Gen5) given with a capacity.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Name string `json:"name"`

	// Tier (edition) the name belongs to: Basic, Standard, Premium,
	// GeneralPurpose, BusinessCritical or Hyperscale. Checked by Azure when
	// set.
	// +optional
	// +kubebuilder:validation:Enum=Basic;Standard;Premium;GeneralPurpose;BusinessCritical;Hyperscale
	Tier *string `json:"tier,omitempty"`

	// Capacity in vCores, with a vCore family name.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Capacity *int32 `json:"capacity,omitempty"`
}

// SKU is the Azure SQL Database SKU of s.
func (s *AzureSQLDatabaseSize) SKU() *azsqlv1.SKU {
	if s == nil {
		return nil
	}
	out := &azsqlv1.SKU{Name: s.Name, Tier: s.Tier, Capacity: s.Capacity}
	return out.DeepCopy()
}

// AzureDatabaseTemplate is how a class makes databases on Azure. A postgres
// claim becomes an Azure Database for PostgreSQL flexible server and a
// database in it, a mysql claim an Azure Database for MySQL flexible server
// and a database in it, a sqlserver claim an Azure SQL logical server and a
// database on it; the database is made once its server is ready. Each claim
// gets a server of its own, named after the claim and a hash of its UID
// (server names are global DNS names). The resource group is the platform
// team's: it must exist, and claims never create or delete it.
//
// Stowage opens no firewall rules: a new server's public endpoint admits
// no one until the platform team adds rules (or private access) for it.
// Deletion protection is on unless the class turns it off.
type AzureDatabaseTemplate struct {
	// ResourceGroupName is the existing resource group the servers are
	// made in. Fixed for the claims already bound: a server cannot move.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w\._\(\)]*[-\w_\(\)]$`
	ResourceGroupName string `json:"resourceGroupName"`

	// Location of the servers, e.g. westeurope; the provider config's
	// location when unset. A server cannot move.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9 ]+$`
	Location *string `json:"location,omitempty"`

	// Sizes maps the size names claims use to flexible server compute and
	// Azure SQL service objectives.
	// +kubebuilder:validation:MinProperties=1
	// +kubebuilder:validation:MaxProperties=32
	Sizes map[string]AzureDatabaseSize `json:"sizes"`

	// PublicNetworkAccess of Azure SQL servers (sqlserver claims): Disabled
	// leaves only private endpoints; Azure allows it when unset. Flexible
	// servers take their network access from virtual network integration,
	// which Stowage does not set up: they have a public endpoint with no
	// firewall rules, so a class asking for Disabled is told so on its
	// postgres and mysql claims.
	// +optional
	// +kubebuilder:validation:Enum=Enabled;Disabled
	PublicNetworkAccess *string `json:"publicNetworkAccess,omitempty"`

	// HighAvailability when a claim does not say: a zone-redundant standby
	// for flexible servers (not in the Burstable tier), zone-redundant
	// replicas for Azure SQL databases. Off when unset.
	// +optional
	HighAvailability *bool `json:"highAvailability,omitempty"`

	// BackupRetentionDays used when the claim does not set one: how long
	// point-in-time backups of flexible servers are kept (PostgreSQL keeps
	// at least 7, MySQL at least 1; a shorter request keeps the minimum and
	// says so). Azure SQL keeps its own 7 days. 7 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=35
	BackupRetentionDays *int32 `json:"backupRetentionDays,omitempty"`

	// DeletionProtection keeps flexible servers and Azure SQL databases,
	// and their data, when their managed resources are deleted. On when
	// unset. A class edit turns it on for bound databases but never off:
	// turn it off on the managed resource.
	// +optional
	// +kubebuilder:default=true
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// Tags added to every server and Azure SQL database. Keys starting
	// with stowage- are reserved for Stowage's owner tags.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}
