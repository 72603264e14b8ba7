package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An EngineOffer is an engine a class serves and the versions it offers.
type EngineOffer struct {
	// Engine served.
	Engine Engine `json:"engine"`

	// Versions offered, e.g. ["15", "16"].
	// +kubebuilder:validation:MinItems=1
	Versions []string `json:"versions"`
}

// An AWSDatabaseSize is what a size name means on AWS.
type AWSDatabaseSize struct {
	// InstanceClass, e.g. db.t3.micro.
	// +kubebuilder:validation:Pattern=`^db\.[a-z0-9-]+\.[a-z0-9-]+$`
	InstanceClass string `json:"instanceClass"`

	// MaxAllocatedStorageGB turns on storage autoscaling up to this size.
	// +optional
	MaxAllocatedStorageGB *int32 `json:"maxAllocatedStorageGB,omitempty"`
}

// A SQLServerEdition is the RDS SQL Server edition a class uses.
// +kubebuilder:validation:Enum=ex;web;se;ee
type SQLServerEdition string

// AWSDatabaseTemplate is how a class makes databases on AWS (RDS).
type AWSDatabaseTemplate struct {
	// Region of the instances; the provider config's region when unset.
	// +optional
	Region *string `json:"region,omitempty"`

	// Sizes maps the size names claims use to instance classes.
	// +kubebuilder:validation:MinProperties=1
	Sizes map[string]AWSDatabaseSize `json:"sizes"`

	// SQLServerEdition is the edition used for sqlserver claims.
	// +optional
	// +kubebuilder:default=ex
	SQLServerEdition *SQLServerEdition `json:"sqlServerEdition,omitempty"`

	// +optional
	DBSubnetGroupName *string `json:"dbSubnetGroupName,omitempty"`

	// +optional
	VPCSecurityGroupIDs []string `json:"vpcSecurityGroupIDs,omitempty"`

	// +optional
	// +kubebuilder:validation:Enum=gp2;gp3;io1;io2;standard
	StorageType *string `json:"storageType,omitempty"`

	// +optional
	StorageEncrypted *bool `json:"storageEncrypted,omitempty"`

	// +optional
	KMSKeyID *string `json:"kmsKeyID,omitempty"`

	// +optional
	PubliclyAccessible *bool `json:"publiclyAccessible,omitempty"`

	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// ApplyImmediately sends changes to the databases of this class (a new
	// instance class, more storage, a version upgrade, a class edit) to
	// take effect at once. Unset or false, RDS applies them in each
	// database's next maintenance window, as it does by default.
	// +optional
	ApplyImmediately *bool `json:"applyImmediately,omitempty"`

	// +optional
	SkipFinalSnapshot *bool `json:"skipFinalSnapshot,omitempty"`

	// BackupRetentionDays used when the claim does not set one.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=35
	BackupRetentionDays *int32 `json:"backupRetentionDays,omitempty"`

	// Tags added to every instance.
	// Keys starting with stowage- are reserved for Stowage's owner tags.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}

// DatabaseClassSpec is a platform team's template for databases.
// +kubebuilder:validation:XValidation:rule="(has(self.aws) ? 1 : 0) + (has(self.azure) ? 1 : 0) + (has(self.gcp) ? 1 : 0) == 1",message="exactly one cloud template (aws, azure, gcp) must be set"
type DatabaseClassSpec struct {
	// Default marks the class as the default for the engines it serves:
	// claims without a className bind to it. Claims already bound never
	// move when this flag changes.
	// +optional
	Default bool `json:"default,omitempty"`

	// Engines served and the versions offered for each.
	// +kubebuilder:validation:MinItems=1
	Engines []EngineOffer `json:"engines"`

	// ReclaimPolicy of the claims that bind to this class: what happens to
	// the cloud objects when a claim, its managed resources or its namespace
	// are deleted. It is fixed when a claim binds; changing it to Retain
	// later retains every claim already bound, changing it to Delete affects
	// only claims that bind afterwards.
	// +optional
	// +kubebuilder:default=Retain
	ReclaimPolicy ReclaimPolicy `json:"reclaimPolicy,omitempty"`

	// AllowReclaimPolicyOverride lets claims choose their own reclaim policy.
	// +optional
	AllowReclaimPolicyOverride bool `json:"allowReclaimPolicyOverride,omitempty"`

	// NamespaceSelector selects the namespaces whose claims may use this
	// class; unset means every namespace.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// ProviderConfigRef the managed resources use.
	// +optional
	// +kubebuilder:default={}
	ProviderConfigRef ProviderConfigReference `json:"providerConfigRef,omitempty"`

	// AWS template.
	// +optional
	AWS *AWSDatabaseTemplate `json:"aws,omitempty"`

	// Azure template.
	// +optional
	Azure *AzureDatabaseTemplate `json:"azure,omitempty"`

	// GCP template.
	// +optional
	GCP *GCPDatabaseTemplate `json:"gcp,omitempty"`
}

// +kubebuilder:object:root=true

// A DatabaseClass decides where and how DatabaseClaims are made.
// +kubebuilder:printcolumn:name="DEFAULT",type="boolean",JSONPath=".spec.default"
// +kubebuilder:printcolumn:name="RECLAIM",type="string",JSONPath=".spec.reclaimPolicy"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,shortName=dbclass,categories={class,stowage}
type DatabaseClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DatabaseClassSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// DatabaseClassList contains a list of DatabaseClass.
type DatabaseClassList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DatabaseClass `json:"items"`
}

// Cloud is the cloud whose template the class sets, or "".
func (c *DatabaseClass) Cloud() string {
	switch {
	case c.Spec.AWS != nil:
		return "aws"
	case c.Spec.Azure != nil:
		return "azure"
	case c.Spec.GCP != nil:
		return "gcp"
	}
	return ""
}
