package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ContainerParameters are the configurable fields of a blob Container.
type ContainerParameters struct {
	// AccountName is the storage account the container is in. Set it, or
	// point at an Account with accountNameRef or accountNameSelector.
	// +optional
	// +crossplane:generate:reference:type=Account
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="accountName is immutable: a container cannot move between accounts"
	AccountName *string `json:"accountName,omitempty"`

	// AccountNameRef points at the Account the container is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	AccountNameRef *xpv2.NamespacedReference `json:"accountNameRef,omitempty"`

	// AccountNameSelector selects the Account the container is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	AccountNameSelector *xpv2.NamespacedSelector `json:"accountNameSelector,omitempty"`

	// ResourceGroupName is the resource group of the account. When unset
	// and the account is referenced, the referenced Account's resource
	// group is used.
	// +optional
	// +crossplane:generate:reference:type=github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1.ResourceGroup
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable"
	ResourceGroupName *string `json:"resourceGroupName,omitempty"`

	// ResourceGroupNameRef points at the ResourceGroup of the account.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameRef *xpv2.NamespacedReference `json:"resourceGroupNameRef,omitempty"`

	// ResourceGroupNameSelector selects the ResourceGroup of the account.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameSelector *xpv2.NamespacedSelector `json:"resourceGroupNameSelector,omitempty"`

	// PublicAccess to the container's blobs without credentials. None by
	// default; Blob or Container need an account with
	// allowBlobPublicAccess.
	// +optional
	// +kubebuilder:default=None
	// +kubebuilder:validation:Enum=None;Blob;Container
	PublicAccess *string `json:"publicAccess,omitempty"`

	// Metadata of the container: names are C# identifiers.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z_][A-Za-z0-9_]*$'))",message="metadata names must be C# identifiers (letters, digits and _, not starting with a digit)"
	Metadata map[string]string `json:"metadata,omitempty"`
}

// ContainerObservation are the observable fields of a blob Container.
type ContainerObservation struct {
	// ID is the ARM ID of the container.
	ID string `json:"id,omitempty"`

	// URL of the container.
	URL string `json:"url,omitempty"`

	// LastModifiedTime of the container as Azure reports it.
	LastModifiedTime string `json:"lastModifiedTime,omitempty"`
}

// A ContainerSpec defines the desired state of a Container.
type ContainerSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider ContainerParameters `json:"forProvider"`
}

// A ContainerStatus represents the observed state of a Container.
type ContainerStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 ContainerObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Container is a blob container in an Azure storage account. Its name is
// the external name (annotation crossplane.io/external-name); without it,
// metadata.name when that is a valid container name (3-63 lower-case
// letters, digits and single hyphens), else a valid name derived from it.
// The connection secret holds the bucket keys (provider, bucket, region,
// endpoint, url).
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="ACCOUNT",type="string",JSONPath=".spec.forProvider.accountName"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,azure,stowage}
// +kubebuilder:validation:XValidation:rule="has(self.spec.forProvider.accountName) || has(self.spec.forProvider.accountNameRef) || has(self.spec.forProvider.accountNameSelector)",message="spec.forProvider needs accountName, accountNameRef or accountNameSelector"
type Container struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ContainerSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status ContainerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ContainerList contains a list of Container.
type ContainerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Container `json:"items"`
}
