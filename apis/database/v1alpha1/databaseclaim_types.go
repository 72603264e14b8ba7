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
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.className) || (has(self.className) && self.className == oldSelf.className)",message="className cannot change once set: a claim stays bound to the class it bound to"
// +kubebuilder:validation:XValidation:rule="self.engine != 'mysql' ? int(self.version.split('.')[0]) >= int(oldSelf.version.split('.')[0]) : (int(self.version.split('.')[0]) > int(oldSelf.version.split('.')[0]) || (int(self.version.split('.')[0]) == int(oldSelf.version.split('.')[0]) && (size(self.version.split('.')) > 1 ? int(self.version.split('.')[1]) : 0) >= (size(oldSelf.version.split('.')) > 1 ? int(oldSelf.version.split('.')[1]) : 0)))",message="version cannot move to a lower major version: a database can only be upgraded"
type DatabaseClaimSpec struct {
	// Engine of the database. Changing it would replace the database, so it
	// is immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="engine is immutable: changing it would replace the database"
	Engine Engine `json:"engine"`

	// Version of the engine, e.g. "16" (PostgreSQL) or "8.0" (MySQL). The
	// class lists the versions it offers. It can move to a newer major
	// version, never to an older one.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+){0,3}$`
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

	// ClassName of the DatabaseClass the claim is bound to. When unset, the
	// claim binds to the class marked default for its engine and this field
	// records that binding. It cannot change once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	ClassName *string `json:"className,omitempty"`

	// ReclaimPolicy overrides the class's reclaim policy; honoured only when
	// the class sets allowReclaimPolicyOverride. With Retain, the managed
	// resources never delete their cloud objects, whatever deletes them.
	// +optional
	ReclaimPolicy *ReclaimPolicy `json:"reclaimPolicy,omitempty"`

	// WriteConnectionSecretToRef is the Secret in the claim's namespace that
	// receives engine, host, port, database, username, password, uri,
	// jdbcUrl and caCert, and the service binding keys type, provider and
	// jdbc-url. Its type is servicebinding.io/<type>.
	WriteConnectionSecretToRef xpv2.LocalSecretReference `json:"writeConnectionSecretToRef"`
}

// DatabaseClaimStatus is the portable observed state of a DatabaseClaim.
type DatabaseClaimStatus struct {
	xpv2.ConditionedStatus `json:",inline"`

	// ObservedGeneration is the metadata.generation the claim controller
	// last acted on. It reads 0 until then, so tools that wait with kstatus
	// (kubectl wait, Flux, Argo CD) see a new or edited claim as in progress
	// instead of taking the missing status for done.
	// +optional
	// +kubebuilder:default=0
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// ClassName of the class the claim is bound to.
	// +optional
	ClassName string `json:"className,omitempty"`

	// ReclaimPolicy in effect: what happens to the cloud objects when the
	// claim or its managed resources are deleted.
	// +optional
	ReclaimPolicy ReclaimPolicy `json:"reclaimPolicy,omitempty"`

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

	// Binding names the claim's connection Secret once it is written and
	// complete, making the claim a Provisioned Service of the Service
	// Binding Specification for Kubernetes (servicebinding.io): a
	// ServiceBinding can name the claim, and the Secret it names has type
	// servicebinding.io/<type> and the keys type and provider. Unset while
	// the Secret is not there yet.
	// +optional
	Binding *BindingReference `json:"binding,omitempty"`
}

// A BindingReference names a Secret in the claim's namespace, as a
// Provisioned Service's status.binding does.
type BindingReference struct {
	// Name of the Secret.
	Name string `json:"name"`
}

// +kubebuilder:object:root=true
// +kubebuilder:metadata:labels="servicebinding.io/provisioned-service=true"

// A DatabaseClaim asks for a database; a DatabaseClass decides where and how
// it is made.
// +kubebuilder:printcolumn:name="ENGINE",type="string",JSONPath=".spec.engine"
// +kubebuilder:printcolumn:name="VERSION",type="string",JSONPath=".spec.version"
// +kubebuilder:printcolumn:name="CLASS",type="string",JSONPath=".spec.className"
// +kubebuilder:printcolumn:name="RECLAIM",type="string",JSONPath=".status.reclaimPolicy"
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="SECRET",type="string",JSONPath=".spec.writeConnectionSecretToRef.name",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=dbclaim,categories={crossplane,claim,stowage}
type DatabaseClaim struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DatabaseClaimSpec `json:"spec"`
	// Status is the claim's observed state. It defaults to {} so that
	// status.observedGeneration reads 0 before the controller writes one.
	// +kubebuilder:default={}
	Status DatabaseClaimStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DatabaseClaimList contains a list of DatabaseClaim.
type DatabaseClaimList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DatabaseClaim `json:"items"`
}
