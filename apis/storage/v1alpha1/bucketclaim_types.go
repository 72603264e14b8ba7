package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BucketClaimSpec says what bucket an application needs, not where.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.className) || (has(self.className) && self.className == oldSelf.className)",message="className cannot change once set: a claim stays bound to the class it bound to"
type BucketClaimSpec struct {
	// ClassName of the BucketClass the claim is bound to. When unset, the
	// claim binds to the class marked default and this field records that
	// binding. It cannot change once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	ClassName *string `json:"className,omitempty"`

	// Versioning keeps every version of every object.
	// +optional
	Versioning bool `json:"versioning,omitempty"`

	// PublicAccess allows the bucket to be made public. Off by default:
	// every public access block is on.
	// +optional
	// +kubebuilder:default=false
	PublicAccess bool `json:"publicAccess,omitempty"`

	// ReclaimPolicy overrides the class's reclaim policy; honoured only when
	// the class sets allowReclaimPolicyOverride. With Retain, the managed
	// resources never delete their cloud objects, whatever deletes them.
	// +optional
	ReclaimPolicy *ReclaimPolicy `json:"reclaimPolicy,omitempty"`

	// WriteConnectionSecretToRef is the Secret in the claim's namespace that
	// receives provider, bucket, region, endpoint, url and connectionString,
	// and the service binding key type (bucket). Its type is
	// servicebinding.io/bucket.
	WriteConnectionSecretToRef xpv2.LocalSecretReference `json:"writeConnectionSecretToRef"`
}

// BucketClaimStatus is the portable observed state of a BucketClaim.
type BucketClaimStatus struct {
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

	// Bucket is the bucket's name in the cloud.
	// +optional
	Bucket string `json:"bucket,omitempty"`

	// Region the bucket is in.
	// +optional
	Region string `json:"region,omitempty"`

	// Endpoint the bucket is served from.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// ResourceRefs are the managed resources this claim created.
	// +optional
	ResourceRefs []ResourceReference `json:"resourceRefs,omitempty"`

	// Binding names the claim's connection Secret once it is written and
	// complete, making the claim a Provisioned Service of the Service
	// Binding Specification for Kubernetes (servicebinding.io): a
	// ServiceBinding can name the claim, and the Secret it names has type
	// servicebinding.io/bucket and the keys type and provider. Unset while
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

// A BucketClaim asks for an object storage bucket; a BucketClass decides
// where and how it is made.
// +kubebuilder:printcolumn:name="CLASS",type="string",JSONPath=".spec.className"
// +kubebuilder:printcolumn:name="RECLAIM",type="string",JSONPath=".status.reclaimPolicy"
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="SECRET",type="string",JSONPath=".spec.writeConnectionSecretToRef.name",priority=1
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=bucketclaim,categories={crossplane,claim,stowage}
type BucketClaim struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec BucketClaimSpec `json:"spec"`
	// Status is the claim's observed state. It defaults to {} so that
	// status.observedGeneration reads 0 before the controller writes one.
	// +kubebuilder:default={}
	Status BucketClaimStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// BucketClaimList contains a list of BucketClaim.
type BucketClaimList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BucketClaim `json:"items"`
}
