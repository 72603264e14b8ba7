package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
)

// SKU is a flexible server's compute: its tier and size.
type SKU struct {
	// Tier of compute: Burstable (B-series), GeneralPurpose (D-series) or
	// MemoryOptimized (E-series).
	// +kubebuilder:validation:Enum=Burstable;GeneralPurpose;MemoryOptimized
	Tier string `json:"tier"`

	// Name of the compute size, e.g. Standard_B1ms, Standard_D2ds_v4,
	// Standard_E4ds_v4. It must belong to the tier.
	// +kubebuilder:validation:Pattern=`^Standard_[A-Za-z0-9_]+$`
	Name string `json:"name"`
}

// Storage of a flexible server.
type Storage struct {
	// SizeGB of the server's storage. It can grow but never shrink.
	// PostgreSQL offers 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192 and
	// 16384; MySQL any size from 20 to 16384.
	// +optional
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=16384
	SizeGB *int32 `json:"sizeGB,omitempty"`

	// AutoGrow grows the storage before it fills up. MySQL only: the
	// PostgreSQL API version Stowage uses (2021-06-01) has no autogrow.
	// +optional
	AutoGrow *bool `json:"autoGrow,omitempty"`
}

// HighAvailability of a flexible server.
type HighAvailability struct {
	// Mode of high availability: Disabled, ZoneRedundant (a standby in
	// another availability zone) or, for MySQL, SameZone. Burstable
	// servers have none.
	// +kubebuilder:validation:Enum=Disabled;ZoneRedundant;SameZone
	Mode string `json:"mode"`
}

// Backup of a flexible server.
type Backup struct {
	// RetentionDays is how long point-in-time backups are kept: 7 to 35
	// days for PostgreSQL, 1 to 35 for MySQL. Azure keeps 7 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=35
	RetentionDays *int32 `json:"retentionDays,omitempty"`

	// GeoRedundantBackup also keeps backups in the paired region. It can
	// only be chosen when the server is created.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="geoRedundantBackup can only be chosen when the server is created"
	GeoRedundantBackup *bool `json:"geoRedundantBackup,omitempty"`
}

// ServerSettings are the settings of a flexible server.
type ServerSettings struct {
	// Location of the server, e.g. westeurope. Defaults to the provider
	// config's location. A server cannot move.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9 ]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="location is immutable: a server cannot move"
	Location *string `json:"location,omitempty"`

	// Version of the database engine. The newest version the engine offers
	// when unset; an imported server keeps its own. Azure cannot downgrade a
	// server, and the API versions Stowage uses cannot upgrade one in
	// place: a different version is reported (Synced=False), never sent.
	// +optional
	Version *string `json:"version,omitempty"`

	// SKU is the server's compute tier and size. Standard_B1ms
	// (Burstable) when unset; an imported server keeps its own.
	// +optional
	SKU *SKU `json:"sku,omitempty"`

	// Storage of the server.
	// +optional
	Storage *Storage `json:"storage,omitempty"`

	// HighAvailability of the server. Disabled when unset.
	// +optional
	HighAvailability *HighAvailability `json:"highAvailability,omitempty"`

	// Backup retention and redundancy.
	// +optional
	Backup *Backup `json:"backup,omitempty"`

	// AdministratorLogin is the server administrator's user name. It is
	// chosen when the server is created and cannot change; stowage when
	// unset.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]{0,62}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="administratorLogin can only be chosen when the server is created"
	AdministratorLogin *string `json:"administratorLogin,omitempty"`

	// AdministratorPasswordSecretRef selects the administrator's password
	// from a Secret in the resource's namespace. When unset, a password is
	// generated once and kept in the Secret <name>-admin-password, owned by
	// this resource. Changing the Secret's value changes the password.
	// +optional
	AdministratorPasswordSecretRef *xpv2.LocalSecretKeySelector `json:"administratorPasswordSecretRef,omitempty"`

	// PublicNetworkAccess to the server. In the API versions Stowage uses
	// it follows the server's network: Enabled (reachable through firewall
	// rules, none of which Stowage opens) unless the server is integrated
	// in a virtual network, which Stowage does not set up. It is reported
	// and late-initialised; a different value is reported as a difference
	// Azure cannot apply (Synced=False), never sent.
	// +optional
	// +kubebuilder:validation:Enum=Enabled;Disabled
	PublicNetworkAccess *string `json:"publicNetworkAccess,omitempty"`

	// Tags of the server. Stowage adds its owner tags (stowage-cluster,
	// stowage-kind, stowage-namespace, stowage-name, stowage-uid) beside
	// these; keys starting with stowage- are reserved.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`

	// DeletionProtection keeps the server, and its data, when the resource
	// is deleted: Stowage does not call Azure and says so (Synced=False)
	// until it is set to false. On by default.
	//
	// It is a Stowage setting, not an ARM CanNotDelete lock: a lock needs
	// Microsoft.Authorization rights Stowage should not ask for, and would
	// block Stowage's own updates and deletes too. Someone with rights in
	// Azure can still delete the server there.
	// +optional
	// +kubebuilder:default=true
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
}

// ServerObservation are the observable fields of a flexible server.
type ServerObservation struct {
	// ID is the ARM ID of the server.
	ID string `json:"id,omitempty"`

	// FullyQualifiedDomainName clients connect to.
	FullyQualifiedDomainName string `json:"fullyQualifiedDomainName,omitempty"`

	// State of the server as Azure reports it (Provisioning, Ready,
	// Updating, Dropping, Stopped…).
	State string `json:"state,omitempty"`

	// Version and MinorVersion of the engine.
	Version      string `json:"version,omitempty"`
	MinorVersion string `json:"minorVersion,omitempty"`

	// AvailabilityZone the server runs in.
	AvailabilityZone string `json:"availabilityZone,omitempty"`

	// HighAvailabilityState of the standby, e.g. NotEnabled or Healthy.
	HighAvailabilityState string `json:"highAvailabilityState,omitempty"`

	// EarliestRestoreDate of a point-in-time restore.
	EarliestRestoreDate string `json:"earliestRestoreDate,omitempty"`

	// PublicNetworkAccess as Azure reports it.
	PublicNetworkAccess string `json:"publicNetworkAccess,omitempty"`
}

// DatabaseSettings are the settings of a database in a flexible server.
type DatabaseSettings struct {
	// Charset of the database, e.g. UTF8 (PostgreSQL) or utf8mb4 (MySQL).
	// The server's default when unset. It can only be chosen when the
	// database is created.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="charset can only be chosen when the database is created"
	Charset *string `json:"charset,omitempty"`

	// Collation of the database, e.g. en_US.utf8 (PostgreSQL) or
	// utf8mb4_0900_ai_ci (MySQL). The server's default when unset. It can
	// only be chosen when the database is created.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="collation can only be chosen when the database is created"
	Collation *string `json:"collation,omitempty"`
}

// DatabaseObservation are the observable fields of a database in a
// flexible server.
type DatabaseObservation struct {
	// ID is the ARM ID of the database.
	ID string `json:"id,omitempty"`
}
