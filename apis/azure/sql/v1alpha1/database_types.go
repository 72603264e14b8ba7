package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DatabaseParameters are the configurable fields of an Azure SQL Database.
type DatabaseParameters struct {
	// ServerName is the SQL server the database is on. Set it, or point at
	// a Server with serverNameRef or serverNameSelector.
	// +optional
	// +crossplane:generate:reference:type=Server
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serverName is immutable: a database cannot move between servers"
	ServerName *string `json:"serverName,omitempty"`

	// ServerNameRef points at the Server the database is on.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ServerNameRef *xpv2.NamespacedReference `json:"serverNameRef,omitempty"`

	// ServerNameSelector selects the Server the database is on.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ServerNameSelector *xpv2.NamespacedSelector `json:"serverNameSelector,omitempty"`

	// ResourceGroupName is the resource group of the server. When unset
	// and the server is referenced, the referenced Server's resource group
	// is used.
	// +optional
	// +crossplane:generate:reference:type=github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1.ResourceGroup
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable"
	ResourceGroupName *string `json:"resourceGroupName,omitempty"`

	// ResourceGroupNameRef points at the ResourceGroup of the server.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameRef *xpv2.NamespacedReference `json:"resourceGroupNameRef,omitempty"`

	// ResourceGroupNameSelector selects the ResourceGroup of the server.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameSelector *xpv2.NamespacedSelector `json:"resourceGroupNameSelector,omitempty"`

	// SKU is the database's service objective. Azure makes an S0
	// (Standard, 10 DTU) database when unset; an imported database keeps
	// its own.
	// +optional
	SKU *SKU `json:"sku,omitempty"`

	// MaxSizeBytes is the largest the database may grow, in bytes. Azure
	// chooses by SKU when unset (250 GiB for S0, 32 GiB for vCore).
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxSizeBytes *int64 `json:"maxSizeBytes,omitempty"`

	// ZoneRedundant spreads the database's replicas over availability
	// zones (Premium, Business Critical, General Purpose and Hyperscale).
	// +optional
	ZoneRedundant *bool `json:"zoneRedundant,omitempty"`

	// Collation of the database. SQL_Latin1_General_CP1_CI_AS when unset.
	// Azure sets it when the database is made and never changes it.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="collation is immutable: Azure sets it when the database is made"
	Collation *string `json:"collation,omitempty"`

	// RequestedBackupStorageRedundancy is where Azure keeps the database's
	// backups: Geo (the default), Local, Zone or GeoZone.
	// +optional
	// +kubebuilder:validation:Enum=Geo;Local;Zone;GeoZone
	RequestedBackupStorageRedundancy *string `json:"requestedBackupStorageRedundancy,omitempty"`

	// DeletionProtection, while true, stops Stowage from deleting the
	// database: deleting this resource leaves it Synced=False and calls
	// nothing in Azure until the field is set to false. It is a Stowage
	// spec flag rather than an ARM CanNotDelete lock: a lock needs
	// Microsoft.Authorization permissions Stowage's identity should not
	// need, and would block Stowage's own deletes of the server and
	// resource group too. Anyone deleting the database in Azure directly is
	// not stopped by it.
	// +optional
	// +kubebuilder:default=true
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// Tags of the database. Stowage adds its owner tags (stowage-cluster,
	// stowage-kind, stowage-namespace, stowage-name, stowage-uid) beside
	// these; keys starting with stowage- are reserved.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}

// A SKU is a database's service objective: a name such as Basic, S0, P1 or
// GP_Gen5_2, or a vCore family such as GP_Gen5 with a capacity.
// +kubebuilder:validation:XValidation:rule="!has(self.capacity) || self.name.contains('_')",message="capacity goes with a vCore family name such as GP_Gen5; DTU service objectives (Basic, S0, P1…) carry their own"
type SKU struct {
	// Name of the service objective (Basic, S0-S12, P1-P15, GP_Gen5_2,
	// BC_Gen5_4, GP_S_Gen5_1, HS_Gen5_2…) or of a vCore family (GP_Gen5,
	// BC_Gen5, GP_S_Gen5, HS_Gen5) given with a capacity.
	// +kubebuilder:validation:MinLength=1
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

// DatabaseObservation are the observable fields of an Azure SQL Database.
type DatabaseObservation struct {
	// ID is the ARM ID of the database.
	ID string `json:"id,omitempty"`

	// Status of the database as Azure reports it (Creating, Online,
	// Scaling…).
	Status string `json:"status,omitempty"`

	// CurrentServiceObjectiveName is the service objective the database
	// runs at, e.g. S0 or GP_Gen5_2.
	CurrentServiceObjectiveName string `json:"currentServiceObjectiveName,omitempty"`

	// CurrentBackupStorageRedundancy is where Azure keeps the backups now.
	CurrentBackupStorageRedundancy string `json:"currentBackupStorageRedundancy,omitempty"`

	// EarliestRestoreDate is the earliest point in time the database can
	// be restored to.
	EarliestRestoreDate string `json:"earliestRestoreDate,omitempty"`

	// DeleteRequestedAt is when Stowage asked Azure to delete the
	// database; while Azure deletes it, Stowage does not ask again.
	// +optional
	DeleteRequestedAt *metav1.Time `json:"deleteRequestedAt,omitempty"`
}

// A DatabaseSpec defines the desired state of a Database.
type DatabaseSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider DatabaseParameters `json:"forProvider"`
}

// A DatabaseStatus represents the observed state of a Database.
type DatabaseStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 DatabaseObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Database is a database on an Azure SQL logical server. Its name is the
// external name (annotation crossplane.io/external-name); without it,
// metadata.name. Set the annotation to adopt an existing database.
// Deletion protection is on by default. When the database is deleted, Azure
// keeps its point-in-time backups for their retention period (7 days by
// default), during which it can be restored on the same server. The
// connection secret holds the database key; the Server's secret holds the
// host and credentials (a DatabaseClaim merges both).
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="SERVER",type="string",JSONPath=".spec.forProvider.serverName"
// +kubebuilder:printcolumn:name="OBJECTIVE",type="string",JSONPath=".status.atProvider.currentServiceObjectiveName"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,azure,stowage}
// +kubebuilder:validation:XValidation:rule="has(self.spec.forProvider.serverName) || has(self.spec.forProvider.serverNameRef) || has(self.spec.forProvider.serverNameSelector)",message="spec.forProvider needs serverName, serverNameRef or serverNameSelector"
type Database struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DatabaseSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status DatabaseStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DatabaseList contains a list of Database.
type DatabaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Database `json:"items"`
}
