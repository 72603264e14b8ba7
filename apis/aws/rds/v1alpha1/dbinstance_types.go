package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An Engine is a database engine RDS runs.
// +kubebuilder:validation:Enum=postgres;mysql;mariadb;sqlserver-ex;sqlserver-web;sqlserver-se;sqlserver-ee
type Engine string

// Engines.
const (
	EnginePostgres     Engine = "postgres"
	EngineMySQL        Engine = "mysql"
	EngineMariaDB      Engine = "mariadb"
	EngineSQLServerEx  Engine = "sqlserver-ex"
	EngineSQLServerWeb Engine = "sqlserver-web"
	EngineSQLServerSE  Engine = "sqlserver-se"
	EngineSQLServerEE  Engine = "sqlserver-ee"
)

// A StorageType is an RDS storage type.
// +kubebuilder:validation:Enum=gp2;gp3;io1;io2;standard
type StorageType string

// Storage types.
const (
	StorageTypeGP2      StorageType = "gp2"
	StorageTypeGP3      StorageType = "gp3"
	StorageTypeIO1      StorageType = "io1"
	StorageTypeIO2      StorageType = "io2"
	StorageTypeStandard StorageType = "standard"
)

// DBInstanceParameters are the configurable fields of a DBInstance.
// +kubebuilder:validation:XValidation:rule="!has(self.iops) || (has(self.storageType) && self.storageType in ['io1', 'io2', 'gp3'])",message="iops needs storageType io1, io2 or gp3"
// +kubebuilder:validation:XValidation:rule="!(self.engine in ['postgres', 'mysql', 'mariadb']) || self.allocatedStorage >= 20",message="allocatedStorage must be at least 20 GiB for postgres, mysql and mariadb"
// +kubebuilder:validation:XValidation:rule="!(has(self.storageType) && self.storageType in ['io1', 'io2']) || self.allocatedStorage >= 100",message="allocatedStorage must be at least 100 GiB for io1 and io2 storage"
// +kubebuilder:validation:XValidation:rule="!self.engine.startsWith('sqlserver') || self.allocatedStorage <= 16384",message="allocatedStorage can be at most 16384 GiB for sqlserver"
// +kubebuilder:validation:XValidation:rule="!has(self.maxAllocatedStorage) || self.maxAllocatedStorage >= self.allocatedStorage",message="maxAllocatedStorage must be at least allocatedStorage"
// +kubebuilder:validation:XValidation:rule="!has(self.kmsKeyID) || (has(self.storageEncrypted) && self.storageEncrypted)",message="kmsKeyID needs storageEncrypted: true"
// +kubebuilder:validation:XValidation:rule="!has(self.finalDBSnapshotIdentifier) || !has(self.skipFinalSnapshot) || !self.skipFinalSnapshot",message="finalDBSnapshotIdentifier cannot be set together with skipFinalSnapshot: true"
type DBInstanceParameters struct {
	// Region the instance lives in. Defaults to the provider config's region.
	// An instance cannot move: changing it after creation is rejected.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: an instance cannot move between regions"
	Region *string `json:"region,omitempty"`

	// Engine of the instance.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="engine is immutable"
	Engine Engine `json:"engine"`

	// EngineVersion to run. A prefix such as "16" matches any 16.x; RDS
	// picks the default version when unset, and the running version is
	// filled in here. Versions only move forward: RDS cannot downgrade.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9A-Za-z_-]+)*$`
	EngineVersion *string `json:"engineVersion,omitempty"`

	// DBInstanceClass is the compute and memory capacity, e.g. db.t3.micro.
	// +kubebuilder:validation:Pattern=`^db\.[a-z0-9-]+\.[a-z0-9-]+$`
	DBInstanceClass string `json:"dbInstanceClass"`

	// AllocatedStorage in GiB. Storage can grow but never shrink.
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=65536
	// +kubebuilder:validation:XValidation:rule="self >= oldSelf",message="allocatedStorage cannot shrink: RDS storage can only grow"
	AllocatedStorage int32 `json:"allocatedStorage"`

	// MaxAllocatedStorage in GiB turns on storage autoscaling up to this size.
	// +optional
	// +kubebuilder:validation:Maximum=65536
	MaxAllocatedStorage *int32 `json:"maxAllocatedStorage,omitempty"`

	// StorageType of the instance. RDS picks gp2 when unset.
	// +optional
	StorageType *StorageType `json:"storageType,omitempty"`

	// IOPS to provision; only with io1, io2 or gp3 storage.
	// +optional
	// +kubebuilder:validation:Minimum=1000
	IOPS *int32 `json:"iops,omitempty"`

	// MultiAZ runs a standby in another availability zone.
	// +optional
	MultiAZ *bool `json:"multiAZ,omitempty"`

	// DBName is the database created with the instance. RDS cannot rename
	// it later.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]{0,63}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="dbName is immutable"
	DBName *string `json:"dbName,omitempty"`

	// MasterUsername of the instance. Required to create one; filled in from
	// RDS when an existing instance is imported.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]{0,127}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="masterUsername is immutable"
	MasterUsername *string `json:"masterUsername,omitempty"`

	// MasterPasswordSecretRef selects the master password from a Secret in
	// the DBInstance's namespace. When unset, a password is generated once
	// and kept in the Secret <name>-master-password. Changing the Secret's
	// value changes the instance's password.
	// +optional
	MasterPasswordSecretRef *xpv2.LocalSecretKeySelector `json:"masterPasswordSecretRef,omitempty"`

	// Port the database listens on. RDS uses the engine's default when unset.
	// +optional
	// +kubebuilder:validation:Minimum=1150
	// +kubebuilder:validation:Maximum=65535
	Port *int32 `json:"port,omitempty"`

	// DBSubnetGroupName places the instance in a VPC's subnets.
	// +optional
	DBSubnetGroupName *string `json:"dbSubnetGroupName,omitempty"`

	// VPCSecurityGroupIDs of the instance; order does not matter.
	// +optional
	// +listType=set
	VPCSecurityGroupIDs []string `json:"vpcSecurityGroupIDs,omitempty"`

	// PubliclyAccessible gives the instance a public address.
	// +optional
	PubliclyAccessible *bool `json:"publiclyAccessible,omitempty"`

	// BackupRetentionPeriod in days; 0 turns automated backups off.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=35
	BackupRetentionPeriod *int32 `json:"backupRetentionPeriod,omitempty"`

	// PreferredBackupWindow in UTC, hh24:mi-hh24:mi.
	// +optional
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$`
	PreferredBackupWindow *string `json:"preferredBackupWindow,omitempty"`

	// PreferredMaintenanceWindow in UTC, ddd:hh24:mi-ddd:hh24:mi.
	// +optional
	// +kubebuilder:validation:Pattern=`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$`
	PreferredMaintenanceWindow *string `json:"preferredMaintenanceWindow,omitempty"`

	// DBParameterGroupName of the instance.
	// +optional
	DBParameterGroupName *string `json:"dbParameterGroupName,omitempty"`

	// StorageEncrypted encrypts the instance's storage. Fixed at creation.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="storageEncrypted is immutable"
	StorageEncrypted *bool `json:"storageEncrypted,omitempty"`

	// KMSKeyID encrypts the storage with this key instead of aws/rds.
	// Fixed at creation.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="kmsKeyID is immutable"
	KMSKeyID *string `json:"kmsKeyID,omitempty"`

	// DeletionProtection stops anyone, Stowage included, from deleting the
	// instance while it is on.
	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// Tags of the instance. Stowage adds its owner tags (stowage-cluster,
	// stowage-kind, stowage-namespace, stowage-name, stowage-uid) beside
	// these; keys starting with stowage- are reserved for them.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`

	// ApplyImmediately applies modifications now instead of in the next
	// maintenance window.
	// +optional
	ApplyImmediately *bool `json:"applyImmediately,omitempty"`

	// SkipFinalSnapshot deletes the instance without a final snapshot.
	// +optional
	// +kubebuilder:default=false
	SkipFinalSnapshot *bool `json:"skipFinalSnapshot,omitempty"`

	// FinalDBSnapshotIdentifier names the snapshot taken when the instance
	// is deleted. Defaults to <external-name>-final-<8 hex digits derived
	// from the resource's UID>, the same on every retry.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z]([A-Za-z0-9]|-[A-Za-z0-9])*$`
	FinalDBSnapshotIdentifier *string `json:"finalDBSnapshotIdentifier,omitempty"`
}

// DBInstanceObservation are the observable fields of a DBInstance.
type DBInstanceObservation struct {
	// Address of the instance's endpoint.
	Address string `json:"address,omitempty"`

	// Port the endpoint listens on.
	Port int32 `json:"port,omitempty"`

	// Status as RDS reports it, e.g. creating, available, modifying.
	Status string `json:"status,omitempty"`

	// ARN of the instance.
	ARN string `json:"arn,omitempty"`

	// DBIResourceID is the instance's region-unique, immutable identifier.
	DBIResourceID string `json:"dbiResourceId,omitempty"`

	// EngineVersion actually running.
	EngineVersion string `json:"engineVersion,omitempty"`

	// PendingModifiedValues summarises changes RDS will apply in the next
	// maintenance window (or is applying now).
	PendingModifiedValues string `json:"pendingModifiedValues,omitempty"`
}

// A DBInstanceSpec defines the desired state of a DBInstance.
type DBInstanceSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              DBInstanceParameters `json:"forProvider"`
}

// A DBInstanceStatus represents the observed state of a DBInstance.
type DBInstanceStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 DBInstanceObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A DBInstance is an Amazon RDS DB instance. Its identifier in RDS is the
// external name (annotation crossplane.io/external-name), which defaults to
// metadata.name; set the annotation to adopt an existing instance.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="ENGINE",type="string",JSONPath=".spec.forProvider.engine"
// +kubebuilder:printcolumn:name="STATUS",type="string",JSONPath=".status.atProvider.status"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws,stowage}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z]([a-z0-9]|-[a-z0-9])*$')",message="metadata.name must be a valid RDS DB instance identifier (a letter, then up to 62 lowercase letters, digits and single hyphens, not ending in a hyphen) since it is the default identifier"
type DBInstance struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DBInstanceSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status DBInstanceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DBInstanceList contains a list of DBInstance.
type DBInstanceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DBInstance `json:"items"`
}
