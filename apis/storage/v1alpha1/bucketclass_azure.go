package v1alpha1

// AzureBucketTemplate is how a class makes buckets on Azure: each claim
// gets a storage account of its own (its name generated from the claim's
// UID, as account names are global) and one blob container in it, named
// after the claim. The resource group is the platform team's: it must exist,
// and claims never create or delete it. Accounts accept HTTPS only, with
// TLS 1.2 or later, and allow public blob access only for claims that ask
// for public access.
type AzureBucketTemplate struct {
	// ResourceGroupName is the existing resource group the accounts are
	// made in. Fixed for the claims already bound: an account cannot move.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w\._\(\)]*[-\w_\(\)]$`
	ResourceGroupName string `json:"resourceGroupName"`

	// Location of the accounts, e.g. westeurope; the provider config's
	// location when unset. An account cannot move.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9 ]+$`
	Location *string `json:"location,omitempty"`

	// AccountKind of the accounts. StorageV2 when unset.
	// +optional
	// +kubebuilder:validation:Enum=StorageV2;BlockBlobStorage;BlobStorage
	AccountKind *string `json:"accountKind,omitempty"`

	// SKUName (replication and performance) of the accounts. Standard_LRS
	// when unset.
	// +optional
	// +kubebuilder:validation:Enum=Standard_LRS;Standard_GRS;Standard_RAGRS;Standard_ZRS;Standard_GZRS;Standard_RAGZRS;Premium_LRS;Premium_ZRS
	SKUName *string `json:"skuName,omitempty"`

	// AccessTier of new blobs. Azure chooses Hot for standard accounts when
	// unset.
	// +optional
	// +kubebuilder:validation:Enum=Hot;Cool;Cold;Premium
	AccessTier *string `json:"accessTier,omitempty"`

	// PublicNetworkAccess to the accounts' endpoints: Disabled leaves only
	// private endpoints. Azure allows it when unset.
	// +optional
	// +kubebuilder:validation:Enum=Enabled;Disabled
	PublicNetworkAccess *string `json:"publicNetworkAccess,omitempty"`

	// MinimumTLSVersion clients must use. TLS1_2 when unset.
	// +optional
	// +kubebuilder:validation:Enum=TLS1_2;TLS1_3
	MinimumTLSVersion *string `json:"minimumTlsVersion,omitempty"`

	// Tags added to every account. Keys starting with stowage- are
	// reserved for Stowage's owner tags.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}
