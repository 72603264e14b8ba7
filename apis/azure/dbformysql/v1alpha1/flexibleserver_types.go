package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flexible "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
)

// FlexibleServerParameters are the configurable fields of a FlexibleServer.
// +kubebuilder:validation:XValidation:rule="!has(self.version) || self.version in ['5.7', '8.0.21']",message="version must be 5.7 or 8.0.21"
type FlexibleServerParameters struct {
	// ResourceGroupName is the resource group the server is in. Set it, or
	// point at a ResourceGroup with resourceGroupNameRef or
	// resourceGroupNameSelector. A server cannot move between groups.
	// +optional
	// +crossplane:generate:reference:type=github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1.ResourceGroup
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable: a server cannot move between resource groups"
	ResourceGroupName *string `json:"resourceGroupName,omitempty"`

	// ResourceGroupNameRef points at the ResourceGroup the server is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameRef *xpv2.NamespacedReference `json:"resourceGroupNameRef,omitempty"`

	// ResourceGroupNameSelector selects the ResourceGroup the server is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameSelector *xpv2.NamespacedSelector `json:"resourceGroupNameSelector,omitempty"`

	flexible.ServerSettings `json:",inline"`
}

// A FlexibleServerSpec defines the desired state of a FlexibleServer.
type FlexibleServerSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider FlexibleServerParameters `json:"forProvider"`
}

// A FlexibleServerStatus represents the observed state of a FlexibleServer.
type FlexibleServerStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 flexible.ServerObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A FlexibleServer is an Azure Database for MySQL flexible server. Its
// name in Azure is the external name (annotation crossplane.io/external-name),
// metadata.name when unset; server names are global DNS names
// (<name>.mysql.database.azure.com): 3-63 lower-case letters, digits and
// hyphens. A name used by anyone else ends in Synced=False. Set the
// annotation to adopt an existing server. The connection secret holds the
// contract's keys (engine, host, port 3306, username, password, uri,
// jdbcUrl; database is empty: a Database names one). Deleting the resource
// deletes the server only once spec.forProvider.deletionProtection is
// false; Azure keeps the backups of a deleted server restorable for 5 days.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="STATE",type="string",JSONPath=".status.atProvider.state"
// +kubebuilder:printcolumn:name="VERSION",type="string",JSONPath=".status.atProvider.version"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,azure,stowage}
// +kubebuilder:validation:XValidation:rule="has(self.spec.forProvider.resourceGroupName) || has(self.spec.forProvider.resourceGroupNameRef) || has(self.spec.forProvider.resourceGroupNameSelector)",message="spec.forProvider needs resourceGroupName, resourceGroupNameRef or resourceGroupNameSelector"
type FlexibleServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FlexibleServerSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status FlexibleServerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// FlexibleServerList contains a list of FlexibleServer.
type FlexibleServerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlexibleServer `json:"items"`
}
