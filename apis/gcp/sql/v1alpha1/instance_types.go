package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An Edition is a Cloud SQL edition.
// +kubebuilder:validation:Enum=ENTERPRISE;ENTERPRISE_PLUS
type Edition string

// Editions.
const (
	EditionEnterprise     Edition = "ENTERPRISE"
	EditionEnterprisePlus Edition = "ENTERPRISE_PLUS"
)

// A DiskType is the type of an instance's data disk.
// +kubebuilder:validation:Enum=PD_SSD;PD_HDD;HYPERDISK_BALANCED
type DiskType string

// An AvailabilityType says whether an instance runs in one zone or two.
// +kubebuilder:validation:Enum=ZONAL;REGIONAL
type AvailabilityType string

// Availability types.
const (
	AvailabilityZonal    AvailabilityType = "ZONAL"
	AvailabilityRegional AvailabilityType = "REGIONAL"
)

// An SSLMode says how TLS is enforced on connections.
// +kubebuilder:validation:Enum=ALLOW_UNENCRYPTED_AND_ENCRYPTED;ENCRYPTED_ONLY;TRUSTED_CLIENT_CERTIFICATE_REQUIRED
type SSLMode string

// BackupConfiguration is the instance's daily backup.
// +kubebuilder:validation:XValidation:rule="!(has(self.pointInTimeRecovery) && self.pointInTimeRecovery) || (has(self.enabled) && self.enabled)",message="pointInTimeRecovery needs enabled: true"
type BackupConfiguration struct {
	// Enabled turns daily automated backups on.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// StartTime of the daily backup window in UTC, HH:MM.
	// +optional
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	StartTime *string `json:"startTime,omitempty"`

	// PointInTimeRecovery keeps transaction logs for point-in-time restore
	// (binary logging on MySQL).
	// +optional
	PointInTimeRecovery *bool `json:"pointInTimeRecovery,omitempty"`

	// RetainedBackups is how many automated backups are kept.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=365
	RetainedBackups *int64 `json:"retainedBackups,omitempty"`

	// TransactionLogRetentionDays for point-in-time recovery, 1-7 (up to 35
	// on Enterprise Plus).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=35
	TransactionLogRetentionDays *int64 `json:"transactionLogRetentionDays,omitempty"`
}

// MaintenanceWindow is when Cloud SQL may restart the instance for
// maintenance.
type MaintenanceWindow struct {
	// Day of the week, 1 (Monday) to 7 (Sunday), in UTC.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=7
	Day int64 `json:"day"`

	// Hour of the day, 0-23, in UTC.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=23
	Hour int64 `json:"hour"`

	// UpdateTrack is canary, stable or week5.
	// +optional
	// +kubebuilder:validation:Enum=canary;stable;week5
	UpdateTrack *string `json:"updateTrack,omitempty"`
}

// An AuthorizedNetwork may reach the instance's public address.
type AuthorizedNetwork struct {
	// Name labels the entry.
	// +optional
	Name *string `json:"name,omitempty"`

	// Value is an IPv4 address or CIDR range, e.g. 203.0.113.0/24.
	// +kubebuilder:validation:Pattern=`^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?$`
	Value string `json:"value"`
}

// IPConfiguration is how the instance is reached.
// +kubebuilder:validation:XValidation:rule="!has(self.ipv4Enabled) || self.ipv4Enabled || has(self.privateNetwork)",message="an instance needs a public address (ipv4Enabled) or a privateNetwork"
type IPConfiguration struct {
	// IPv4Enabled gives the instance a public IPv4 address. Cloud SQL turns
	// it on when unset.
	// +optional
	IPv4Enabled *bool `json:"ipv4Enabled,omitempty"`

	// PrivateNetwork is the VPC the instance gets a private address in,
	// e.g. projects/my-project/global/networks/default. With it, the
	// connection secret's host is the private address.
	// +optional
	PrivateNetwork *string `json:"privateNetwork,omitempty"`

	// AuthorizedNetworks may reach the public address; order does not
	// matter.
	// +optional
	// +listType=map
	// +listMapKey=value
	AuthorizedNetworks []AuthorizedNetwork `json:"authorizedNetworks,omitempty"`

	// SSLMode says how TLS is enforced.
	// +optional
	SSLMode *SSLMode `json:"sslMode,omitempty"`
}

// A DatabaseFlag is a database server setting.
type DatabaseFlag struct {
	// Name of the flag, e.g. max_connections.
	Name string `json:"name"`
	// Value of the flag; on or off for booleans.
	// +optional
	Value string `json:"value,omitempty"`
}

// InstanceParameters are the configurable fields of an Instance.
// +kubebuilder:validation:XValidation:rule="!has(self.finalBackupRetentionDays) || !has(self.skipFinalBackup) || !self.skipFinalBackup",message="finalBackupRetentionDays cannot be set together with skipFinalBackup: true"
// +kubebuilder:validation:XValidation:rule="!has(self.edition) || self.edition != 'ENTERPRISE_PLUS' || self.tier.lowerAscii().startsWith('db-perf-optimized-')",message="edition ENTERPRISE_PLUS needs a db-perf-optimized-N-* tier"
// +kubebuilder:validation:XValidation:rule="!has(self.edition) || self.edition != 'ENTERPRISE' || !self.tier.lowerAscii().startsWith('db-perf-optimized-')",message="db-perf-optimized tiers need edition ENTERPRISE_PLUS"
type InstanceParameters struct {
	// Region the instance lives in, e.g. europe-west1. Defaults to the
	// provider config's region. An instance cannot move.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]+-[a-z]+[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: an instance cannot move between regions"
	Region *string `json:"region,omitempty"`

	// DatabaseVersion is the engine and major version, e.g. POSTGRES_16,
	// MYSQL_8_0, SQLSERVER_2022_STANDARD. The engine is fixed; versions
	// only move forward (a major version upgrade).
	// +kubebuilder:validation:Pattern=`^(POSTGRES_[0-9_]+|MYSQL_[0-9_]+|SQLSERVER_20[0-9]{2}_(STANDARD|ENTERPRISE|EXPRESS|WEB))$`
	// +kubebuilder:validation:XValidation:rule="self.split('_')[0] == oldSelf.split('_')[0]",message="the engine of databaseVersion is immutable"
	DatabaseVersion string `json:"databaseVersion"`

	// Tier is the machine type, e.g. db-custom-2-7680, db-f1-micro or
	// db-perf-optimized-N-2. Compared without regard to case.
	// +kubebuilder:validation:Pattern=`^[dD][bB]-[a-zA-Z0-9-]+$`
	Tier string `json:"tier"`

	// Edition of the instance. Cloud SQL picks one when unset; it is then
	// filled in here.
	// +optional
	Edition *Edition `json:"edition,omitempty"`

	// DiskSizeGB is the data disk size. It can grow but never shrink;
	// Cloud SQL's own growth (diskAutoresize) is not a difference.
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=65536
	DiskSizeGB *int64 `json:"diskSizeGB,omitempty"`

	// DiskType of the data disk.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="diskType is immutable"
	DiskType *DiskType `json:"diskType,omitempty"`

	// DiskAutoresize grows the disk when it is nearly full.
	// +optional
	DiskAutoresize *bool `json:"diskAutoresize,omitempty"`

	// DiskAutoresizeLimitGB caps automatic growth; 0 means no cap.
	// +optional
	// +kubebuilder:validation:Minimum=0
	DiskAutoresizeLimitGB *int64 `json:"diskAutoresizeLimitGB,omitempty"`

	// AvailabilityType: REGIONAL keeps a standby in a second zone.
	// +optional
	AvailabilityType *AvailabilityType `json:"availabilityType,omitempty"`

	// Backup is the daily backup and point-in-time recovery.
	// +optional
	Backup *BackupConfiguration `json:"backup,omitempty"`

	// MaintenanceWindow of the instance; Cloud SQL picks one when unset.
	// +optional
	MaintenanceWindow *MaintenanceWindow `json:"maintenanceWindow,omitempty"`

	// IPConfiguration is how the instance is reached.
	// +optional
	IPConfiguration *IPConfiguration `json:"ipConfiguration,omitempty"`

	// DatabaseFlags are server settings; order does not matter.
	// +optional
	// +listType=map
	// +listMapKey=name
	DatabaseFlags []DatabaseFlag `json:"databaseFlags,omitempty"`

	// DeletionProtection stops anyone, Stowage included, from deleting the
	// instance while it is on.
	// +optional
	// +kubebuilder:default=true
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// UserLabels of the instance. Stowage adds its owner labels
	// (stowage-cluster, stowage-kind, stowage-namespace, stowage-name,
	// stowage-uid) beside these; keys starting with stowage- are reserved.
	// Keys and values hold at most 63 lowercase letters, digits, '_' and
	// '-'; keys start with a letter (Cloud SQL refuses others).
	// +optional
	// +kubebuilder:validation:MaxProperties=58
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="label keys starting with stowage- are reserved for Stowage's owner labels"
	UserLabels map[string]string `json:"userLabels,omitempty"`

	// RootPasswordSecretRef selects the password of the engine's built-in
	// user (postgres, root or sqlserver) from a Secret in the Instance's
	// namespace. When unset, a password is generated once and kept in the
	// Secret <name>-root-password. Changing the Secret's value changes the
	// user's password.
	// +optional
	RootPasswordSecretRef *xpv2.LocalSecretKeySelector `json:"rootPasswordSecretRef,omitempty"`

	// SkipFinalBackup deletes the instance without a final backup.
	// +optional
	// +kubebuilder:default=false
	SkipFinalBackup *bool `json:"skipFinalBackup,omitempty"`

	// FinalBackupRetentionDays is how long the final backup taken when the
	// instance is deleted is kept. Defaults to 30.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=365
	FinalBackupRetentionDays *int64 `json:"finalBackupRetentionDays,omitempty"`
}

// InstanceObservation are the observable fields of an Instance.
type InstanceObservation struct {
	// State as Cloud SQL reports it: PENDING_CREATE, RUNNABLE, MAINTENANCE,
	// SUSPENDED, FAILED, PENDING_DELETE.
	State string `json:"state,omitempty"`

	// ConnectionName is project:region:instance, for the Cloud SQL
	// connectors and Auth Proxy.
	ConnectionName string `json:"connectionName,omitempty"`

	// PublicIP of the instance, when it has one.
	PublicIP string `json:"publicIP,omitempty"`

	// PrivateIP of the instance, when it has one.
	PrivateIP string `json:"privateIP,omitempty"`

	// DatabaseInstalledVersion is the running minor version, e.g.
	// POSTGRES_16_4.
	DatabaseInstalledVersion string `json:"databaseInstalledVersion,omitempty"`

	// SettingsVersion of the instance's settings.
	SettingsVersion int64 `json:"settingsVersion,omitempty"`

	// GCEZone the instance serves from.
	GCEZone string `json:"gceZone,omitempty"`

	// SelfLink of the instance.
	SelfLink string `json:"selfLink,omitempty"`

	// Operation is the Cloud SQL operation Stowage started and waits for,
	// e.g. an update; empty when none runs.
	Operation string `json:"operation,omitempty"`
}

// An InstanceSpec defines the desired state of an Instance.
type InstanceSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              InstanceParameters `json:"forProvider"`
}

// An InstanceStatus represents the observed state of an Instance.
type InstanceStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 InstanceObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// An Instance is a Google Cloud SQL instance. Its name in Cloud SQL is the
// external name (annotation crossplane.io/external-name), which defaults to
// metadata.name; set the annotation to adopt an existing instance. A
// deleted instance's name cannot be used again for a week.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="VERSION",type="string",JSONPath=".spec.forProvider.databaseVersion"
// +kubebuilder:printcolumn:name="STATE",type="string",JSONPath=".status.atProvider.state"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,gcp,stowage}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 84 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a valid Cloud SQL instance name (a lowercase letter, then lowercase letters, digits and hyphens, not ending in a hyphen) since it is the default instance name"
type Instance struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec InstanceSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status InstanceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// InstanceList contains a list of Instance.
type InstanceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Instance `json:"items"`
}
