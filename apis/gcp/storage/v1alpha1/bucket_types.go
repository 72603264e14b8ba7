package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A StorageClass is the default storage class of a bucket's new objects.
// +kubebuilder:validation:Enum=STANDARD;NEARLINE;COLDLINE;ARCHIVE
type StorageClass string

// Storage classes.
const (
	StorageClassStandard StorageClass = "STANDARD"
	StorageClassNearline StorageClass = "NEARLINE"
	StorageClassColdline StorageClass = "COLDLINE"
	StorageClassArchive  StorageClass = "ARCHIVE"
)

// A PublicAccessPrevention setting of a bucket.
// +kubebuilder:validation:Enum=enforced;inherited
type PublicAccessPrevention string

// Public access prevention settings.
const (
	// PublicAccessPreventionEnforced blocks every public grant on the bucket
	// and its objects.
	PublicAccessPreventionEnforced PublicAccessPrevention = "enforced"
	// PublicAccessPreventionInherited follows the project's or the
	// organisation's policy.
	PublicAccessPreventionInherited PublicAccessPrevention = "inherited"
)

// A LifecycleActionType is what a lifecycle rule does.
// +kubebuilder:validation:Enum=Delete;SetStorageClass;AbortIncompleteMultipartUpload
type LifecycleActionType string

// Lifecycle action types.
const (
	LifecycleDelete                         LifecycleActionType = "Delete"
	LifecycleSetStorageClass                LifecycleActionType = "SetStorageClass"
	LifecycleAbortIncompleteMultipartUpload LifecycleActionType = "AbortIncompleteMultipartUpload"
)

// A LifecycleAction is what a rule does to the objects its condition
// selects.
// +kubebuilder:validation:XValidation:rule="(self.type == 'SetStorageClass') == has(self.storageClass)",message="storageClass is required with type SetStorageClass, and only with it"
type LifecycleAction struct {
	// Type of the action.
	Type LifecycleActionType `json:"type"`

	// StorageClass objects move to, for SetStorageClass.
	// +optional
	StorageClass *StorageClass `json:"storageClass,omitempty"`
}

// An ObjectState selects live or noncurrent object versions.
// +kubebuilder:validation:Enum=Live;Archived
type ObjectState string

// Object states.
const (
	ObjectStateLive     ObjectState = "Live"
	ObjectStateArchived ObjectState = "Archived"
)

// A LifecycleCondition selects objects; every condition set must hold.
// +kubebuilder:validation:XValidation:rule="has(self.ageDays) || has(self.createdBefore) || has(self.withState) || has(self.numNewerVersions) || has(self.matchesStorageClass) || has(self.matchesPrefix) || has(self.matchesSuffix) || has(self.daysSinceNoncurrentTime)",message="a lifecycle condition needs at least one field"
type LifecycleCondition struct {
	// AgeDays selects objects at least this many days old.
	// +optional
	// +kubebuilder:validation:Minimum=0
	AgeDays *int64 `json:"ageDays,omitempty"`

	// CreatedBefore selects objects created before this date (YYYY-MM-DD, UTC).
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	CreatedBefore *string `json:"createdBefore,omitempty"`

	// WithState selects live or noncurrent (Archived) versions; unset
	// selects both.
	// +optional
	WithState *ObjectState `json:"withState,omitempty"`

	// NumNewerVersions selects noncurrent versions with at least this many
	// newer versions.
	// +optional
	// +kubebuilder:validation:Minimum=1
	NumNewerVersions *int64 `json:"numNewerVersions,omitempty"`

	// MatchesStorageClass selects objects in these storage classes.
	// +optional
	// +listType=set
	MatchesStorageClass []StorageClass `json:"matchesStorageClass,omitempty"`

	// MatchesPrefix selects objects whose names start with one of these.
	// +optional
	// +listType=set
	MatchesPrefix []string `json:"matchesPrefix,omitempty"`

	// MatchesSuffix selects objects whose names end with one of these.
	// +optional
	// +listType=set
	MatchesSuffix []string `json:"matchesSuffix,omitempty"`

	// DaysSinceNoncurrentTime selects versions noncurrent for at least this
	// many days.
	// +optional
	// +kubebuilder:validation:Minimum=0
	DaysSinceNoncurrentTime *int64 `json:"daysSinceNoncurrentTime,omitempty"`
}

// A LifecycleRule applies an action to the objects its condition selects.
type LifecycleRule struct {
	Action    LifecycleAction    `json:"action"`
	Condition LifecycleCondition `json:"condition"`
}

// A RetentionPolicy keeps every object for a minimum time.
type RetentionPolicy struct {
	// RetentionPeriodSeconds objects are kept at least, from their creation.
	// Google allows more than zero and at most 100 years.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3155760000
	RetentionPeriodSeconds int64 `json:"retentionPeriodSeconds"`
}

// A LabelValue is the value of a Google label: lowercase letters, digits,
// '_' and '-', at most 63 characters.
// +kubebuilder:validation:MaxLength=63
// +kubebuilder:validation:Pattern=`^[a-z0-9_-]*$`
type LabelValue string

// LabelsOf is labels as plain strings; nil for nil.
func LabelsOf(labels map[string]LabelValue) map[string]string {
	if labels == nil {
		return nil
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = string(v)
	}
	return out
}

// ToLabels is labels as LabelValues; nil for nil.
func ToLabels(labels map[string]string) map[string]LabelValue {
	if labels == nil {
		return nil
	}
	out := make(map[string]LabelValue, len(labels))
	for k, v := range labels {
		out[k] = LabelValue(v)
	}
	return out
}

// BucketParameters are the configurable fields of a Bucket.
type BucketParameters struct {
	// Location of the bucket: a region (europe-west1), a dual-region (EUR4)
	// or a multi-region (EU, US). Defaults to the provider config's region,
	// else Google's default, US. A bucket cannot move: changing it after
	// creation is rejected. Google reports locations in upper case; either
	// case compares equal.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9-]+$`
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii() == oldSelf.lowerAscii()",message="location is immutable: a bucket cannot move"
	Location *string `json:"location,omitempty"`

	// StorageClass of new objects. Google's default is STANDARD.
	// +optional
	StorageClass *StorageClass `json:"storageClass,omitempty"`

	// UniformBucketLevelAccess controls access by IAM alone, with no
	// object ACLs. On by default.
	// +optional
	// +kubebuilder:default=true
	UniformBucketLevelAccess *bool `json:"uniformBucketLevelAccess,omitempty"`

	// PublicAccessPrevention enforced blocks every public grant; inherited
	// follows the project's or organisation's policy. Enforced by default.
	// +optional
	// +kubebuilder:default=enforced
	PublicAccessPrevention *PublicAccessPrevention `json:"publicAccessPrevention,omitempty"`

	// Versioning keeps noncurrent versions of overwritten and deleted
	// objects.
	// +optional
	Versioning *bool `json:"versioning,omitempty"`

	// Lifecycle rules of the bucket, in any order. An empty list removes
	// every rule.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Lifecycle []LifecycleRule `json:"lifecycle,omitempty"`

	// RetentionPolicy of the bucket.
	// +optional
	RetentionPolicy *RetentionPolicy `json:"retentionPolicy,omitempty"`

	// Labels of the bucket, as Google allows them: keys start with a
	// lowercase letter; keys and values hold lowercase letters, digits,
	// '_' and '-', at most 63 characters. Stowage adds its owner labels
	// (stowage-cluster, stowage-kind, stowage-namespace, stowage-name,
	// stowage-uid) beside these; keys starting with stowage- are reserved
	// for them.
	// +optional
	// +kubebuilder:validation:MaxProperties=59
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="label keys starting with stowage- are reserved for Stowage's owner labels"
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-z][a-z0-9_-]{0,62}$'))",message="label keys must start with a lowercase letter and hold only lowercase letters, digits, '_' and '-' (at most 63)"
	Labels map[string]LabelValue `json:"labels,omitempty"`
}

// BucketObservation are the observable fields of a Bucket.
type BucketObservation struct {
	// Location as Google reports it (upper case).
	Location string `json:"location,omitempty"`

	// LocationType: region, dual-region or multi-region.
	LocationType string `json:"locationType,omitempty"`

	// ProjectNumber the bucket belongs to.
	ProjectNumber uint64 `json:"projectNumber,omitempty"`

	// Metageneration of the bucket's metadata; it moves with every change.
	Metageneration int64 `json:"metageneration,omitempty"`

	// URL of the bucket (gs://name).
	URL string `json:"url,omitempty"`

	// Endpoint of the Cloud Storage API the bucket is served from.
	Endpoint string `json:"endpoint,omitempty"`
}

// A BucketSpec defines the desired state of a Bucket.
type BucketSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider BucketParameters `json:"forProvider"`
}

// A BucketStatus represents the observed state of a Bucket.
type BucketStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 BucketObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Bucket is a Google Cloud Storage bucket. Its name in Google Cloud is the
// external name (annotation crossplane.io/external-name), which defaults to
// metadata.name; set the annotation to adopt an existing bucket.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="LOCATION",type="string",JSONPath=".status.atProvider.location"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,gcp,stowage}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() >= 3 && (self.metadata.name.size() <= 63 || (self.metadata.name.contains('.') && self.metadata.name.size() <= 222)) && self.metadata.name.matches('^[a-z0-9][a-z0-9._-]*[a-z0-9]$') && !self.metadata.name.startsWith('goog') && !self.metadata.name.contains('google')",message="metadata.name must be a valid Cloud Storage bucket name (3-63 lowercase letters, digits, '-', '_' and '.', starting and ending with a letter or digit, not starting with goog nor containing google) since it is the default bucket name"
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
