package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DatabaseParameters are the configurable fields of a Database.
type DatabaseParameters struct {
	// Instance is the Cloud SQL instance (its name in Cloud SQL) the
	// database lives in.
	// +optional
	// +crossplane:generate:reference:type=Instance
	// +crossplane:generate:reference:extractor=github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1.InstanceName()
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="instance is immutable: a database cannot move"
	Instance *string `json:"instance,omitempty"`

	// InstanceRef references an Instance in this namespace to fill in
	// instance.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	InstanceRef *xpv2.NamespacedReference `json:"instanceRef,omitempty"`

	// InstanceSelector selects an Instance in this namespace to fill in
	// instance.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	InstanceSelector *xpv2.NamespacedSelector `json:"instanceSelector,omitempty"`

	// Charset of the database, e.g. UTF8 or utf8mb4. Cloud SQL picks the
	// engine's default when unset.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="charset is immutable"
	Charset *string `json:"charset,omitempty"`

	// Collation of the database, e.g. en_US.UTF8 or utf8mb4_0900_ai_ci.
	// +optional
	Collation *string `json:"collation,omitempty"`
}

// DatabaseObservation are the observable fields of a Database.
type DatabaseObservation struct {
	// SelfLink of the database.
	SelfLink string `json:"selfLink,omitempty"`

	// Operation is the Cloud SQL operation Stowage started on the database
	// and waits for; empty when none runs.
	Operation string `json:"operation,omitempty"`
}

// A DatabaseSpec defines the desired state of a Database.
type DatabaseSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              DatabaseParameters `json:"forProvider"`
}

// A DatabaseStatus represents the observed state of a Database.
type DatabaseStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 DatabaseObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Database is a database in a Google Cloud SQL instance. Its name is the
// external name (annotation crossplane.io/external-name), which defaults to
// metadata.name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="INSTANCE",type="string",JSONPath=".spec.forProvider.instance"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,gcp,stowage}
type Database struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DatabaseSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status DatabaseStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DatabaseList contains a list of Database.
type DatabaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Database `json:"items"`
}
