package v1alpha1

import (
	sqlv1 "github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
)

// A GCPDatabaseSize is what a size name means on Google Cloud SQL.
type GCPDatabaseSize struct {
	// Tier is the Cloud SQL machine type, e.g. db-custom-2-7680,
	// db-g1-small or db-perf-optimized-N-2 (Enterprise Plus).
	// +kubebuilder:validation:Pattern=`^[dD][bB]-[a-zA-Z0-9-]+$`
	Tier string `json:"tier"`

	// DiskType of this size's data disk; the template's diskType when unset.
	// +optional
	DiskType *sqlv1.DiskType `json:"diskType,omitempty"`

	// MaxDiskSizeGB turns on disk autoresize up to this size. A claim that
	// asks for more storage raises the cap with it.
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=65536
	MaxDiskSizeGB *int64 `json:"maxDiskSizeGB,omitempty"`
}

// A CloudSQLServerEdition is the SQL Server edition Cloud SQL runs.
// +kubebuilder:validation:Enum=STANDARD;ENTERPRISE;EXPRESS;WEB
type CloudSQLServerEdition string

// GCPDatabaseNetwork is how a class's instances are reached.
// +kubebuilder:validation:XValidation:rule="!has(self.publicIP) || self.publicIP || has(self.privateNetwork)",message="an instance needs a public IP or a privateNetwork"
type GCPDatabaseNetwork struct {
	// PrivateNetwork is the VPC the instances get a private address in,
	// e.g. projects/my-project/global/networks/default (private services
	// access must be set up on it). The connection secret's host is then
	// the private address.
	// +optional
	// +kubebuilder:validation:Pattern=`^projects/[^/]+/global/networks/[^/]+$`
	PrivateNetwork *string `json:"privateNetwork,omitempty"`

	// PublicIP gives the instances a public IPv4 address. Cloud SQL turns
	// it on when unset.
	// +optional
	PublicIP *bool `json:"publicIP,omitempty"`

	// AuthorizedNetworks may reach the public address.
	// +optional
	// +listType=map
	// +listMapKey=value
	// +kubebuilder:validation:MaxItems=100
	AuthorizedNetworks []sqlv1.AuthorizedNetwork `json:"authorizedNetworks,omitempty"`

	// SSLMode of the instances. ENCRYPTED_ONLY when unset: the claim's
	// uri and jdbcUrl ask for TLS.
	// +optional
	SSLMode *sqlv1.SSLMode `json:"sslMode,omitempty"`
}

// GCPDatabaseTemplate is how a class makes databases on Google Cloud (Cloud
// SQL). A claim becomes an Instance, a Database and a User. Deletion
// protection is on unless the class turns it off, and a final backup is
// taken when an instance is deleted unless the class skips it.
type GCPDatabaseTemplate struct {
	// Region of the instances, e.g. europe-west1; the provider config's
	// region when unset. An instance cannot move.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]+-[a-z]+[0-9]+$`
	Region *string `json:"region,omitempty"`

	// Sizes maps the size names claims use to Cloud SQL tiers.
	// +kubebuilder:validation:MinProperties=1
	Sizes map[string]GCPDatabaseSize `json:"sizes"`

	// Edition of the instances; Cloud SQL picks one when unset.
	// ENTERPRISE_PLUS needs db-perf-optimized-N-* tiers.
	// +optional
	Edition *sqlv1.Edition `json:"edition,omitempty"`

	// SQLServerEdition is the edition used for sqlserver claims.
	// +optional
	// +kubebuilder:default=STANDARD
	SQLServerEdition *CloudSQLServerEdition `json:"sqlServerEdition,omitempty"`

	// DiskType of the data disks, unless a size names one; Cloud SQL's
	// default (PD_SSD) when unset. Fixed when an instance is made.
	// +optional
	DiskType *sqlv1.DiskType `json:"diskType,omitempty"`

	// AvailabilityType when a claim does not say (a claim's
	// highAvailability: true means REGIONAL, false ZONAL). ZONAL when
	// unset.
	// +optional
	AvailabilityType *sqlv1.AvailabilityType `json:"availabilityType,omitempty"`

	// Network is how the instances are reached.
	// +optional
	Network *GCPDatabaseNetwork `json:"network,omitempty"`

	// BackupRetentionDays used when the claim does not set one: daily
	// backups are kept this many days; 0 turns automated backups off.
	// 7 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=35
	BackupRetentionDays *int32 `json:"backupRetentionDays,omitempty"`

	// BackupStartTime of the daily backup window in UTC, HH:MM.
	// +optional
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	BackupStartTime *string `json:"backupStartTime,omitempty"`

	// PointInTimeRecovery keeps transaction logs (binary logs on MySQL) for
	// up to seven days of the backup retention. On when unset, wherever
	// backups are on.
	// +optional
	PointInTimeRecovery *bool `json:"pointInTimeRecovery,omitempty"`

	// MaintenanceWindow of the instances; Cloud SQL picks one when unset.
	// +optional
	MaintenanceWindow *sqlv1.MaintenanceWindow `json:"maintenanceWindow,omitempty"`

	// DeletionProtection stops anyone, Stowage included, from deleting the
	// instances. On when unset. A class edit turns it on for bound
	// databases but never off: turn it off on the Instance.
	// +optional
	// +kubebuilder:default=true
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// SkipFinalBackup deletes instances without a final backup. A class
	// edit never drops a bound database's final backup.
	// +optional
	SkipFinalBackup *bool `json:"skipFinalBackup,omitempty"`

	// Labels added to every instance, as Cloud SQL allows them (values: at
	// most 63 lowercase letters, digits, '_' and '-'). Keys starting with
	// stowage- are reserved for Stowage's owner labels.
	// +optional
	// +kubebuilder:validation:MaxProperties=58
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="label keys starting with stowage- are reserved for Stowage's owner labels"
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-z][a-z0-9_-]{0,62}$'))",message="label keys must start with a lowercase letter and hold only lowercase letters, digits, '_' and '-' (at most 63)"
	Labels map[string]string `json:"labels,omitempty"`
}
