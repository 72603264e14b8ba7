package v1alpha1

import (
	gcsv1 "github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
)

// GCPBucketTemplate is how a class makes buckets on Google Cloud (Cloud
// Storage). Uniform bucket-level access is on unless the class turns it off;
// public access prevention is enforced unless a claim asks for public access.
type GCPBucketTemplate struct {
	// Location of the buckets: a region (europe-west1), a dual-region (EUR4)
	// or a multi-region (EU, US). The provider config's region when unset.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9-]+$`
	Location *string `json:"location,omitempty"`

	// StorageClass of new objects; Google's default (STANDARD) when unset.
	// +optional
	StorageClass *gcsv1.StorageClass `json:"storageClass,omitempty"`

	// Versioning of every bucket, whatever the claim says; a claim can also
	// ask for it (spec.versioning).
	// +optional
	Versioning *bool `json:"versioning,omitempty"`

	// UniformBucketLevelAccess: access by IAM alone. On when unset.
	// +optional
	UniformBucketLevelAccess *bool `json:"uniformBucketLevelAccess,omitempty"`

	// Lifecycle rules of every bucket.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Lifecycle []gcsv1.LifecycleRule `json:"lifecycle,omitempty"`

	// RetentionPolicy of every bucket.
	// +optional
	RetentionPolicy *gcsv1.RetentionPolicy `json:"retentionPolicy,omitempty"`

	// Labels added to every bucket, as Google allows them. Keys starting
	// with stowage- are reserved for Stowage's owner labels.
	// +optional
	// +kubebuilder:validation:MaxProperties=59
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="label keys starting with stowage- are reserved for Stowage's owner labels"
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-z][a-z0-9_-]{0,62}$'))",message="label keys must start with a lowercase letter and hold only lowercase letters, digits, '_' and '-' (at most 63)"
	Labels map[string]gcsv1.LabelValue `json:"labels,omitempty"`
}
