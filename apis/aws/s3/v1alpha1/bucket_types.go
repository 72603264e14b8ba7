package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A VersioningStatus is the versioning state of a bucket. A bucket that has
// never had versioning enabled can only move to Enabled; after that it moves
// between Enabled and Suspended.
// +kubebuilder:validation:Enum=Enabled;Suspended
type VersioningStatus string

// Versioning states.
const (
	VersioningEnabled   VersioningStatus = "Enabled"
	VersioningSuspended VersioningStatus = "Suspended"
)

// An SSEAlgorithm is a server-side encryption algorithm.
// +kubebuilder:validation:Enum=AES256;"aws:kms";"aws:kms:dsse"
type SSEAlgorithm string

// Server-side encryption algorithms.
const (
	SSEAlgorithmAES256  SSEAlgorithm = "AES256"
	SSEAlgorithmKMS     SSEAlgorithm = "aws:kms"
	SSEAlgorithmKMSDSSE SSEAlgorithm = "aws:kms:dsse"
)

// ServerSideEncryption is the bucket's default encryption for new objects.
// +kubebuilder:validation:XValidation:rule="!has(self.kmsMasterKeyID) || self.algorithm != 'AES256'",message="kmsMasterKeyID needs algorithm aws:kms or aws:kms:dsse"
type ServerSideEncryption struct {
	// Algorithm used to encrypt new objects.
	Algorithm SSEAlgorithm `json:"algorithm"`

	// KMSMasterKeyID is the KMS key ID or ARN for aws:kms and aws:kms:dsse.
	// Empty means the AWS managed key (aws/s3).
	// +optional
	KMSMasterKeyID *string `json:"kmsMasterKeyID,omitempty"`

	// BucketKeyEnabled reduces KMS request costs with an S3 Bucket Key.
	// +optional
	BucketKeyEnabled *bool `json:"bucketKeyEnabled,omitempty"`
}

// PublicAccessBlock blocks public access to the bucket and its objects. AWS
// turns every setting on for new buckets; so does Stowage.
type PublicAccessBlock struct {
	// BlockPublicACLs rejects requests that add public ACLs.
	// +optional
	BlockPublicACLs *bool `json:"blockPublicAcls,omitempty"`

	// IgnorePublicACLs ignores public ACLs on the bucket and its objects.
	// +optional
	IgnorePublicACLs *bool `json:"ignorePublicAcls,omitempty"`

	// BlockPublicPolicy rejects bucket policies that grant public access.
	// +optional
	BlockPublicPolicy *bool `json:"blockPublicPolicy,omitempty"`

	// RestrictPublicBuckets limits access to buckets with public policies to
	// AWS services and the bucket owner's account.
	// +optional
	RestrictPublicBuckets *bool `json:"restrictPublicBuckets,omitempty"`
}

// BucketParameters are the configurable fields of a Bucket.
type BucketParameters struct {
	// Region the bucket lives in. Defaults to the provider config's region.
	// A bucket cannot move: changing it after creation is rejected.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable: a bucket cannot move between regions"
	Region *string `json:"region,omitempty"`

	// Versioning keeps every version of every object.
	// +optional
	Versioning *VersioningStatus `json:"versioning,omitempty"`

	// ServerSideEncryption is the default encryption of new objects. AWS
	// encrypts with AES256 when unset.
	// +optional
	ServerSideEncryption *ServerSideEncryption `json:"serverSideEncryption,omitempty"`

	// PublicAccessBlock settings of the bucket.
	// +optional
	PublicAccessBlock *PublicAccessBlock `json:"publicAccessBlock,omitempty"`

	// Tags of the bucket. Stowage adds its owner tags (stowage-cluster,
	// stowage-kind, stowage-namespace, stowage-name, stowage-uid) beside
	// these; keys starting with stowage- are reserved for them.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}

// BucketObservation are the observable fields of a Bucket.
type BucketObservation struct {
	// ARN of the bucket.
	ARN string `json:"arn,omitempty"`

	// Region the bucket is in, as S3 reports it.
	Region string `json:"region,omitempty"`

	// Endpoint the bucket is served from.
	Endpoint string `json:"endpoint,omitempty"`

	// VersioningStatus as S3 reports it; empty for a bucket that never had
	// versioning.
	VersioningStatus string `json:"versioningStatus,omitempty"`
}

// A BucketSpec defines the desired state of a Bucket.
type BucketSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              BucketParameters `json:"forProvider"`
}

// A BucketStatus represents the observed state of a Bucket.
type BucketStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 BucketObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Bucket is an Amazon S3 bucket. Its name in S3 is the external name
// (annotation crossplane.io/external-name), which defaults to metadata.name;
// set the annotation to adopt an existing bucket.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="REGION",type="string",JSONPath=".status.atProvider.region"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,aws,stowage}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() >= 3 && self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9][a-z0-9.-]*[a-z0-9]$')",message="metadata.name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens) since it is the default bucket name"
type Bucket struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec BucketSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status BucketStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// BucketList contains a list of Bucket.
type BucketList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Bucket `json:"items"`
}
