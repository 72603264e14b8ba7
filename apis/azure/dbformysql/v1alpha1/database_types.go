package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flexible "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
)

// DatabaseParameters are the configurable fields of a Database.
type DatabaseParameters struct {
	// ServerName is the flexible server the database is in. Set it, or
	// point at a FlexibleServer with serverNameRef or serverNameSelector.
	// +optional
	// +crossplane:generate:reference:type=FlexibleServer
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serverName is immutable: a database cannot move between servers"
	ServerName *string `json:"serverName,omitempty"`

	// ServerNameRef points at the FlexibleServer the database is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ServerNameRef *xpv2.NamespacedReference `json:"serverNameRef,omitempty"`

	// ServerNameSelector selects the FlexibleServer the database is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ServerNameSelector *xpv2.NamespacedSelector `json:"serverNameSelector,omitempty"`

	// ResourceGroupName is the resource group of the server. When unset
	// and the server is referenced, the referenced FlexibleServer's
	// resource group is used.
	// +optional
	// +crossplane:generate:reference:type=github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1.ResourceGroup
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable"
	ResourceGroupName *string `json:"resourceGroupName,omitempty"`

	// ResourceGroupNameRef points at the ResourceGroup of the server.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameRef *xpv2.NamespacedReference `json:"resourceGroupNameRef,omitempty"`

	// ResourceGroupNameSelector selects the ResourceGroup of the server.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameSelector *xpv2.NamespacedSelector `json:"resourceGroupNameSelector,omitempty"`

	flexible.DatabaseSettings `json:",inline"`
}

// A DatabaseSpec defines the desired state of a Database.
type DatabaseSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider DatabaseParameters `json:"forProvider"`
}

// A DatabaseStatus represents the observed state of a Database.
type DatabaseStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 flexible.DatabaseObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Database is a database in an Azure Database for MySQL flexible
// server. Its name is the external name (annotation
// crossplane.io/external-name), metadata.name when unset. The connection
// secret holds the database key; a claim merges it with its server's.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="SERVER",type="string",JSONPath=".spec.forProvider.serverName"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,azure,stowage}
// +kubebuilder:validation:XValidation:rule="has(self.spec.forProvider.serverName) || has(self.spec.forProvider.serverNameRef) || has(self.spec.forProvider.serverNameSelector)",message="spec.forProvider needs serverName, serverNameRef or serverNameSelector"
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
