package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceGroupParameters are the configurable fields of a ResourceGroup.
type ResourceGroupParameters struct {
	// Location of the resource group, e.g. westeurope. Defaults to the
	// provider config's location. A group cannot move: changing it after
	// creation is rejected.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9 ]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="location is immutable: a resource group cannot move"
	Location *string `json:"location,omitempty"`

	// Tags of the resource group. Stowage adds its owner tags
	// (stowage-cluster, stowage-kind, stowage-namespace, stowage-name,
	// stowage-uid) beside these; keys starting with stowage- are reserved.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}

// ResourceGroupObservation are the observable fields of a ResourceGroup.
type ResourceGroupObservation struct {
	// ID is the ARM ID of the resource group.
	ID string `json:"id,omitempty"`

	// ProvisioningState as ARM reports it (Succeeded, Deleting).
	ProvisioningState string `json:"provisioningState,omitempty"`
}

// A ResourceGroupSpec defines the desired state of a ResourceGroup.
type ResourceGroupSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider ResourceGroupParameters `json:"forProvider"`
}

// A ResourceGroupStatus represents the observed state of a ResourceGroup.
type ResourceGroupStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 ResourceGroupObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A ResourceGroup is an Azure resource group. Its name in Azure is the
// external name (annotation crossplane.io/external-name), which defaults to
// metadata.name; set the annotation to adopt an existing group. Deleting it
// deletes everything in it, as Azure does.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="LOCATION",type="string",JSONPath=".spec.forProvider.location"
// +kubebuilder:printcolumn:name="STATE",type="string",JSONPath=".status.atProvider.provisioningState"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,azure,stowage}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 90",message="metadata.name must be at most 90 characters since it is the default resource group name"
type ResourceGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ResourceGroupSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status ResourceGroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ResourceGroupList contains a list of ResourceGroup.
type ResourceGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ResourceGroup `json:"items"`
}
