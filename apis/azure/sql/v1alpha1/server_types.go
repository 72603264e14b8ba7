package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ServerParameters are the configurable fields of a logical SQL Server.
type ServerParameters struct {
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

	// Location of the server, e.g. westeurope. Defaults to the provider
	// config's location. A server cannot move.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9 ]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="location is immutable: a server cannot move"
	Location *string `json:"location,omitempty"`

	// AdministratorLogin is the SQL administrator's login name. Required
	// unless entraAdministrator.azureADOnlyAuthentication is true; an
	// imported server keeps its own. Azure never changes it.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="administratorLogin is immutable: Azure cannot change a server's administrator login"
	// +kubebuilder:validation:XValidation:rule="!(self.lowerAscii() in ['admin', 'administrator', 'sa', 'root', 'dbmanager', 'loginmanager', 'dbo', 'guest', 'public'])",message="administratorLogin cannot be a reserved name (admin, administrator, sa, root, dbmanager, loginmanager, dbo, guest, public)"
	AdministratorLogin *string `json:"administratorLogin,omitempty"`

	// PasswordSecretRef selects the administrator's password in a Secret
	// in this namespace. When unset, Stowage generates a password and keeps
	// it in the Secret <name>-admin-password, which this Server owns.
	// Changing the Secret's value changes the password in Azure. Azure
	// wants 8-128 characters from three of: upper case, lower case, digits,
	// other characters.
	// +optional
	PasswordSecretRef *xpv2.LocalSecretKeySelector `json:"passwordSecretRef,omitempty"`

	// Version of the server. 12.0 is the only one Azure offers.
	// +optional
	// +kubebuilder:default="12.0"
	// +kubebuilder:validation:Enum="12.0"
	Version *string `json:"version,omitempty"`

	// MinimalTLSVersion clients must use.
	// +optional
	// +kubebuilder:default="1.2"
	// +kubebuilder:validation:Enum="1.0";"1.1";"1.2";"1.3"
	MinimalTLSVersion *string `json:"minimalTlsVersion,omitempty"`

	// PublicNetworkAccess to the server's endpoint. Azure allows it when
	// unset.
	// +optional
	// +kubebuilder:validation:Enum=Enabled;Disabled
	PublicNetworkAccess *string `json:"publicNetworkAccess,omitempty"`

	// EntraAdministrator is the server's Microsoft Entra ID administrator.
	// It is set when the server is created and never changed afterwards by
	// Stowage (Azure changes it through a separate administrators
	// resource, which Stowage does not manage): so the field is
	// create-only.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="entraAdministrator is create-only"
	EntraAdministrator *EntraAdministrator `json:"entraAdministrator,omitempty"`

	// Tags of the server. Stowage adds its owner tags (stowage-cluster,
	// stowage-kind, stowage-namespace, stowage-name, stowage-uid) beside
	// these; keys starting with stowage- are reserved.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('stowage-'))",message="tag keys starting with stowage- are reserved for Stowage's owner tags"
	Tags map[string]string `json:"tags,omitempty"`
}

// An EntraAdministrator is a server's Microsoft Entra ID (Azure AD)
// administrator.
type EntraAdministrator struct {
	// Login name of the administrator: a user, group or application.
	// +kubebuilder:validation:MinLength=1
	Login string `json:"login"`

	// SID is the object ID of the administrator in Entra ID.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SID string `json:"sid"`

	// TenantID of the administrator; the provider config's tenant when
	// unset.
	// +optional
	TenantID *string `json:"tenantId,omitempty"`

	// PrincipalType of the administrator.
	// +optional
	// +kubebuilder:validation:Enum=User;Group;Application
	PrincipalType *string `json:"principalType,omitempty"`

	// AzureADOnlyAuthentication turns SQL logins off: only Entra ID
	// identities can sign in, and the server needs no administratorLogin.
	// +optional
	AzureADOnlyAuthentication *bool `json:"azureADOnlyAuthentication,omitempty"`
}

// ServerObservation are the observable fields of a SQL Server.
type ServerObservation struct {
	// ID is the ARM ID of the server.
	ID string `json:"id,omitempty"`

	// State of the server as Azure reports it (Ready when usable).
	State string `json:"state,omitempty"`

	// FullyQualifiedDomainName clients connect to:
	// <name>.database.windows.net.
	FullyQualifiedDomainName string `json:"fullyQualifiedDomainName,omitempty"`

	// DeleteRequestedAt is when Stowage asked Azure to delete the server;
	// while Azure deletes it, Stowage does not ask again.
	// +optional
	DeleteRequestedAt *metav1.Time `json:"deleteRequestedAt,omitempty"`
}

// A ServerSpec defines the desired state of a Server.
type ServerSpec struct {
	xpv2.ManagedResourceSpec `json:",inline"`
	// +kubebuilder:default={}
	ForProvider ServerParameters `json:"forProvider"`
}

// A ServerStatus represents the observed state of a Server.
type ServerStatus struct {
	xpv2.ManagedResourceStatus `json:",inline"`
	AtProvider                 ServerObservation `json:"atProvider,omitempty"`
}

// +kubebuilder:object:root=true

// A Server is an Azure SQL logical server. Its name in Azure is the
// external name (annotation crossplane.io/external-name): server names are
// global DNS names (<name>.database.windows.net) of 1-63 lower-case
// letters, digits and hyphens, not starting or ending with a hyphen.
// Without the annotation it is metadata.name when that is a valid server
// name, else a valid name made from it and a hash of the namespace and
// name, so it stays the same if the resource is made again. Set the
// annotation to adopt an existing server. A server is deleted only once it
// holds no databases: Azure would delete them with it, past their deletion
// protection. The connection secret holds
// host, port (1433), username, password, database (master), uri and
// jdbcUrl.
// +kubebuilder:printcolumn:name="READY",type="string",JSONPath=".status.conditions[?(@.type=='Ready')].status"
// +kubebuilder:printcolumn:name="SYNCED",type="string",JSONPath=".status.conditions[?(@.type=='Synced')].status"
// +kubebuilder:printcolumn:name="EXTERNAL-NAME",type="string",JSONPath=".metadata.annotations.crossplane\\.io/external-name"
// +kubebuilder:printcolumn:name="STATE",type="string",JSONPath=".status.atProvider.state"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,managed,azure,stowage}
// +kubebuilder:validation:XValidation:rule="has(self.spec.forProvider.resourceGroupName) || has(self.spec.forProvider.resourceGroupNameRef) || has(self.spec.forProvider.resourceGroupNameSelector)",message="spec.forProvider needs resourceGroupName, resourceGroupNameRef or resourceGroupNameSelector"
type Server struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ServerSpec `json:"spec"`
	// Status is the observed state. status.observedGeneration defaults to 0,
	// so kstatus reads a resource no controller has seen yet as in progress.
	// +kubebuilder:default={observedGeneration: 0}
	Status ServerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ServerList contains a list of Server.
type ServerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Server `json:"items"`
}
