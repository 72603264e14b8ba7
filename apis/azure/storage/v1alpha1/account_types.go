package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AccountParameters are the configurable fields of a storage Account.
type AccountParameters struct {
	// ResourceGroupName is the resource group the account is in. Set it,
	// or point at a ResourceGroup with resourceGroupNameRef or
	// resourceGroupNameSelector. An account cannot move between groups.
	// +optional
	// +crossplane:generate:reference:type=github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1.ResourceGroup
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable: an account cannot move between resource groups"
	ResourceGroupName *string `json:"resourceGroupName,omitempty"`

	// ResourceGroupNameRef points at the ResourceGroup the account is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameRef *xpv2.NamespacedReference `json:"resourceGroupNameRef,omitempty"`

	// ResourceGroupNameSelector selects the ResourceGroup the account is in.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references stay in the resource's own namespace: remove namespace"
	ResourceGroupNameSelector *xpv2.NamespacedSelector `json:"resourceGroupNameSelector,omitempty"`

	// Location of the account, e.g. westeurope. Defaults to the provider
	// config's location. An account cannot move.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9 ]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="location is immutable: an account cannot move"
	Location *string `json:"location,omitempty"`

	// Kind of account. StorageV2 for a new account when unset; an
	// imported account keeps its own.
	// +optional
	// +kubebuilder:validation:Enum=StorageV2;BlockBlobStorage;BlobStorage;Storage;FileStorage
	Kind *string `json:"kind,omitempty"`

	// SKU (replication and performance) of the account. Standard_LRS for a
	// new account when unset; an imported account keeps its own.
	// +optional
	// +kubebuilder:validation:Enum=Standard_LRS;Standard_GRS;Standard_RAGRS;Standard_ZRS;Standard_GZRS;Standard_RAGZRS;Premium_LRS;Premium_ZRS
	SKU *string `json:"sku,omitempty"`

	// AccessTier of blobs by default. Azure chooses Hot for standard
	// accounts when unset.
	// +optional
	// +kubebuilder:validation:Enum=Hot;Cool;Cold;Premium
	AccessTier *string `json:"accessTier,omitempty"`

	// HTTPSOnly refuses plain-HTTP requests to the account.
	// +optional
	// +kubebuilder:default=true
	HTTPSOnly *bool `json:"httpsOnly,omitempty"`

	// MinimumTLSVersion clients must use.
	// +optional
	// +kubebuilder:default=TLS1_2
	// +kubebuilder:validation:Enum=TLS1_0;TLS1_1;TLS1_2;TLS1_3
	MinimumTLSVersion *string `json:"minimumTlsVersion,omitempty"`

	// AllowBlobPublicAccess lets containers of the account be made public.
	// Off by default.
	// +optional
	// +kubebuilder:default=false
	AllowBlobPublicAccess *bool `json:"allowBlobPublicAccess,omitempty"`

	// PublicNetworkAccess to the account's endpoints. Azure allows it when
	// unset.
	// +optional
	// +kubebuilder:validation:Enum=Enabled;Disabled
	PublicNetworkAccess *string `json:"publicNetworkAccess,omitempty"`

	// Tags of the account. Stowage adds its owner tags (stowage-cluster,
	// stowage-kind, stowage-namespace, stowage-name, stowage-uid) beside
	// these; keys starting with stowage- are reserved.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}

// AccountObservation are the observable fields of a storage Account.
type AccountObservation struct {
	// ID is the ARM ID of the account.
	ID string `json:"id,omitempty"`

	// ProvisioningState as Azure reports it (Creating, ResolvingDNS,
	// Succeeded).
	ProvisioningState string `json:"provisioningState,omitempty"`

	// PrimaryBlobEndpoint is the account's blob service URL.
	PrimaryBlobEndpoint string `json:"primaryBlobEndpoint,omitempty"`

	// PrimaryLocation of the account's data.
	PrimaryLocation string `json:"primaryLocation,omitempty"`

	// StatusOfPrimary is whether the primary location is available.
	StatusOfPrimary string `json:"statusOfPrimary,omitempty"`
}

// An AccountSpec defines the desired state of an Account.
type AccountSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider AccountParameters `json:"forProvider"`
}

// An AccountStatus represents the observed state of an Account.
type AccountStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 AccountObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// An Account is an Azure storage account. Its name in Azure is the external
// name (annotation crossplane.io/external-name): storage account names are
// global and 3-24 lower-case letters and digits. Without the annotation it
// is metadata.name when that is a valid account name, else metadata.name's
// letters and digits (up to 14) followed by a hash of the namespace and
// name, so it stays the same if the resource is made again. Set the
// annotation to adopt an existing account. The connection secret holds the
// blob endpoint and a connection string with the account's first key.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="STATE",type="string",JSONPath=".status.atProvider.provisioningState"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,azure,stowage}
// +kubebuilder:validation:XValidation:rule="has(self.spec.forProvider.resourceGroupName) || has(self.spec.forProvider.resourceGroupNameRef) || has(self.spec.forProvider.resourceGroupNameSelector)",message="spec.forProvider needs resourceGroupName, resourceGroupNameRef or resourceGroupNameSelector"
type Account struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec AccountSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status AccountStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AccountList contains a list of Account.
type AccountList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Account `json:"items"`
}
