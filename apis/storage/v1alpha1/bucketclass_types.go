package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AWSBucketEncryption is the default encryption of new objects.
type AWSBucketEncryption struct {
	// Algorithm used to encrypt new objects.
	// +kubebuilder:validation:Enum=AES256;"aws:kms";"aws:kms:dsse"
	Algorithm string `json:"algorithm"`

	// KMSMasterKeyID for aws:kms and aws:kms:dsse.
	// +optional
	KMSMasterKeyID *string `json:"kmsMasterKeyID,omitempty"`
}

// AWSBucketTemplate is how a class makes buckets on AWS (S3).
type AWSBucketTemplate struct {
	// Region of the buckets; the provider config's region when unset.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	Region *string `json:"region,omitempty"`

	// Encryption of new objects.
	// +optional
	Encryption *AWSBucketEncryption `json:"encryption,omitempty"`

	// Tags added to every bucket.
	// Keys starting with stowage- are reserved for Stowage's owner tags.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}

// BucketClassSpec is a platform team's template for buckets.
// +kubebuilder:validation:XValidation:rule="(has(self.aws) ? 1 : 0) + (has(self.azure) ? 1 : 0) + (has(self.gcp) ? 1 : 0) == 1",message="exactly one cloud template (aws, azure, gcp) must be set"
type BucketClassSpec struct {
	// Default marks the class as the default: claims without a className
	// bind to it. Claims already bound never move when this flag changes.
	// +optional
	Default bool `json:"default,omitempty"`

	// ReclaimPolicy of the claims that bind to this class: what happens to
	// the cloud objects when a claim, its managed resources or its namespace
	// are deleted. It is fixed when a claim binds; changing it to Retain
	// later retains every claim already bound, changing it to Delete affects
	// only claims that bind afterwards.
	// +optional
	// +kubebuilder:default=Delete
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
	AWS *AWSBucketTemplate `json:"aws,omitempty"`

	// Azure template.
	// +optional
	Azure *AzureBucketTemplate `json:"azure,omitempty"`

	// GCP template.
	// +optional
	GCP *GCPBucketTemplate `json:"gcp,omitempty"`
}

// +kubebuilder:object:root=true

// A BucketClass decides where and how BucketClaims are made.
// +kubebuilder:printcolumn:name="DEFAULT",type="boolean",JSONPath=".spec.default"
// +kubebuilder:printcolumn:name="RECLAIM",type="string",JSONPath=".spec.reclaimPolicy"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,shortName=bucketclass,categories={class,stowage}
type BucketClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec BucketClassSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// BucketClassList contains a list of BucketClass.
type BucketClassList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BucketClass `json:"items"`
}

// Cloud is the cloud whose template the class sets, or "".
func (c *BucketClass) Cloud() string {
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
