package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UserParameters are the configurable fields of a User.
type UserParameters struct {
	// Instance is the Cloud SQL instance (its name in Cloud SQL) the user
	// belongs to.
	// +optional
	// +crossplane:generate:reference:type=Instance
	// +crossplane:generate:reference:extractor=github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1.InstanceName()
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="instance is immutable: a user cannot move"
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

	// Host the user may connect from; MySQL only. Defaults to % (any).
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="host is immutable"
	Host *string `json:"host,omitempty"`

	// PasswordSecretRef selects the user's password from a Secret in the
	// User's namespace. When unset, a password is generated once and kept
	// in the Secret <name>-password. Changing the Secret's value rotates
	// the password: the next reconcile sets it in Cloud SQL and the
	// connection secret follows.
	// +optional
	PasswordSecretRef *xpv2.LocalSecretKeySelector `json:"passwordSecretRef,omitempty"`
}

// UserObservation are the observable fields of a User.
type UserObservation struct {
	// Type of the user as Cloud SQL reports it, BUILT_IN.
	Type string `json:"type,omitempty"`

	// Host the user may connect from, as Cloud SQL reports it.
	Host string `json:"host,omitempty"`
}

// A UserSpec defines the desired state of a User.
type UserSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	ForProvider              UserParameters `json:"forProvider"`
}

// A UserStatus represents the observed state of a User.
type UserStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 UserObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A User is a built-in database user of a Google Cloud SQL instance. Its
// name is the external name (annotation crossplane.io/external-name), which
// defaults to metadata.name.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="INSTANCE",type="string",JSONPath=".spec.forProvider.instance"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,gcp,stowage}
type User struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec UserSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status UserStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// UserList contains a list of User.
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []User `json:"items"`
}
