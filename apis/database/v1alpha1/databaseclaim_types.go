package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An Engine is a portable database engine.
// +kubebuilder:validation:Enum=postgres;mysql;sqlserver
type Engine string

// Engines.
const (
	EnginePostgres  Engine = "postgres"
	EngineMySQL     Engine = "mysql"
	EngineSQLServer Engine = "sqlserver"
)

// DatabaseClaimSpec says what database an application needs, not where.
type DatabaseClaimSpec struct {
	// Engine of the database. Changing it would replace the database, so it
	// is immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="engine is immutable: changing it would replace the database"
	Engine Engine `json:"engine"`

	// Version of the engine, e.g. "16". The class lists the versions it
	// offers.
	// +kubebuilder:validation:MinLength=1
	Version string `json:"version"`

	// Size is a size name the class defines, e.g. small.
	// +kubebuilder:validation:MinLength=1
	Size string `json:"size"`

	// StorageGB is the storage in GiB. It can grow but never shrink.
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=65536
	// +kubebuilder:validation:XValidation:rule="self >= oldSelf",message="storageGB cannot shrink"
	StorageGB int32 `json:"storageGB"`

	// HighAvailability runs a standby in another zone.
	// +optional
	HighAvailability *bool `json:"highAvailability,omitempty"`

	// BackupRetentionDays overrides the class's backup retention.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=35
	BackupRetentionDays *int32 `json:"backupRetentionDays,omitempty"`

	// ClassName of the DatabaseClass to use. When unset the class marked
	// default for this engine is used.
	// +optional
	ClassName *string `json:"className,omitempty"`

	// ReclaimPolicy overrides the class's reclaim policy; honoured only when
	// the class sets allowReclaimPolicyOverride.
	// +optional
	ReclaimPolicy *ReclaimPolicy `json:"reclaimPolicy,omitempty"`

	// WriteConnectionSecretToRef is the Secret in the claim's namespace that
	// receives engine, host, port, database, username, password, uri and
	// jdbcUrl.
	WriteConnectionSecretToRef xpv2.LocalSecretReference `json:"writeConnectionSecretToRef"`
}

// DatabaseClaimStatus is the portable observed state of a DatabaseClaim.
type DatabaseClaimStatus struct {
	xpv2.ConditionedStatus `json:",inline"`

	// ClassName of the class the claim is bound to.
	// +optional
	ClassName string `json:"className,omitempty"`

	// Endpoint (host name) of the database.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// Port the database listens on.
	// +optional
	Port int32 `json:"port,omitempty"`

	// EngineVersion actually running.
	// +optional
	EngineVersion string `json:"engineVersion,omitempty"`

	// ResourceRefs are the managed resources this claim created.
	// +optional
	ResourceRefs []ResourceReference `json:"resourceRefs,omitempty"`
}

// +kubebuilder:object:root=true

// A DatabaseClaim asks for a database; a DatabaseClass decides where and how
// it is made.
// +kubebuilder:printcolumn:name="ENGINE",type="string",JSONPath=".spec.engine"
// +kubebuilder:printcolumn:name="VERSION",type="string",JSONPath=".spec.version"
// +kubebuilder:printcolumn:name="CLASS",type="string",JSONPath=".status.className"
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=dbclaim,categories={claim,stowage}
type DatabaseClaim struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DatabaseClaimSpec   `json:"spec"`
	Status DatabaseClaimStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DatabaseClaimList contains a list of DatabaseClaim.
type DatabaseClaimList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DatabaseClaim `json:"items"`
}
