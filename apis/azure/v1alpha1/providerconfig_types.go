package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A CredentialsSource says where the provider finds Azure credentials.
// +kubebuilder:validation:Enum=Secret;InjectedIdentity;None
type CredentialsSource string

// Credential sources.
const (
	// CredentialsSourceSecret reads a service principal from a Secret.
	CredentialsSourceSecret CredentialsSource = "Secret"
	// CredentialsSourceInjectedIdentity uses azidentity's default chain inside
	// the provider pod: workload identity, then managed identity.
	CredentialsSourceInjectedIdentity CredentialsSource = "InjectedIdentity"
	// CredentialsSourceNone sends no bearer token; only for a local endpoint.
	CredentialsSourceNone CredentialsSource = "None"
)

// A SecretKeySelector names one key of a Secret.
type SecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Namespace of the Secret. A namespaced ProviderConfig may only read
	// Secrets in its own namespace and may leave this empty; a
	// ClusterProviderConfig must set it.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Key within the Secret.
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
}

// Credentials tell the provider how to authenticate to Azure.
// +kubebuilder:validation:XValidation:rule="self.source != 'Secret' || has(self.secretRef)",message="secretRef is required when source is Secret"
type Credentials struct {
	// Source of the credentials.
	// +kubebuilder:default=Secret
	Source CredentialsSource `json:"source"`

	// SecretRef names a Secret key holding a service principal as JSON, the
	// shape `az ad sp create-for-rbac --sdk-auth` prints: clientId,
	// clientSecret, tenantId and optionally subscriptionId.
	// +optional
	SecretRef *SecretKeySelector `json:"secretRef,omitempty"`
}

// An Endpoint overrides the Azure cloud the provider talks to, for sovereign
// clouds and local emulators.
type Endpoint struct {
	// ResourceManagerURL is the ARM endpoint, e.g. https://management.azure.com.
	// +kubebuilder:validation:Pattern=`^https?://.+`
	ResourceManagerURL string `json:"resourceManagerURL"`

	// AuthorityHost is the Entra ID (AAD) authority used to fetch tokens.
	// +optional
	// +kubebuilder:validation:Pattern=`^https?://.+`
	AuthorityHost string `json:"authorityHost,omitempty"`
}

// ProviderConfigSpec is the configuration shared by ProviderConfig and
// ClusterProviderConfig.
type ProviderConfigSpec struct {
	// Credentials to authenticate with.
	Credentials Credentials `json:"credentials"`

	// SubscriptionID that resources are created in. Falls back to the
	// credential's subscriptionId.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionID,omitempty"`

	// TenantID to authenticate against. Falls back to the credential's tenantId.
	// +optional
	TenantID string `json:"tenantID,omitempty"`

	// ClientID of a user-assigned managed identity or workload identity, for
	// the InjectedIdentity source.
	// +optional
	ClientID string `json:"clientID,omitempty"`

	// Location used by resources that do not set their own, e.g. westeurope.
	// +optional
	Location string `json:"location,omitempty"`

	// Endpoint overrides the Azure Resource Manager endpoint.
	// +optional
	Endpoint *Endpoint `json:"endpoint,omitempty"`
}

// ClusterProviderConfigSpec is a ProviderConfigSpec that can also limit
// which namespaces may use it.
type ClusterProviderConfigSpec struct {
	ProviderConfigSpec `json:",inline"`

	// NamespaceSelector limits which namespaces' managed resources may use
	// this ClusterProviderConfig. Unset, every namespace may.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
}

// ProviderConfigStatus is the observed state of a provider config.
type ProviderConfigStatus struct {
	xpv2.ProviderConfigStatus `json:",inline"`
}

// +kubebuilder:object:root=true

// A ProviderConfig configures how managed resources in its namespace reach Azure.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="SUBSCRIPTION",type="string",JSONPath=".spec.subscriptionID"
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,azure,stowage}
type ProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ProviderConfigSpec   `json:"spec"`
	Status ProviderConfigStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ProviderConfigList contains a list of ProviderConfig.
type ProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfig `json:"items"`
}

// +kubebuilder:object:root=true

// A ClusterProviderConfig configures how managed resources in any namespace
// reach Azure.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="SUBSCRIPTION",type="string",JSONPath=".spec.subscriptionID"
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,categories={crossplane,provider,azure,stowage}
// +kubebuilder:validation:XValidation:rule="self.spec.credentials.source != 'Secret' || (has(self.spec.credentials.secretRef) && has(self.spec.credentials.secretRef.__namespace__) && self.spec.credentials.secretRef.__namespace__.size() > 0)",message="a ClusterProviderConfig's spec.credentials.secretRef.namespace is required"
type ClusterProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClusterProviderConfigSpec `json:"spec"`
	Status ProviderConfigStatus      `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ClusterProviderConfigList contains a list of ClusterProviderConfig.
type ClusterProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterProviderConfig `json:"items"`
}

// +kubebuilder:object:root=true

// A ProviderConfigUsage records that a managed resource in this namespace uses
// a ProviderConfig or ClusterProviderConfig, so neither is deleted while used.
// +kubebuilder:printcolumn:name="CONFIG-KIND",type="string",JSONPath=".providerConfigRef.kind"
// +kubebuilder:printcolumn:name="CONFIG-NAME",type="string",JSONPath=".providerConfigRef.name"
// +kubebuilder:printcolumn:name="RESOURCE-KIND",type="string",JSONPath=".resourceRef.kind"
// +kubebuilder:printcolumn:name="RESOURCE-NAME",type="string",JSONPath=".resourceRef.name"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,azure,stowage}
type ProviderConfigUsage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	xpv2.TypedProviderConfigUsage `json:",inline"`
}

// +kubebuilder:object:root=true

// ProviderConfigUsageList contains a list of ProviderConfigUsage.
type ProviderConfigUsageList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfigUsage `json:"items"`
}

// GetCredentialsSource returns where the ProviderConfig finds credentials.
func (pc *ProviderConfig) GetCredentialsSource() string { return string(pc.Spec.Credentials.Source) }

// GetCredentialsSource returns where the ClusterProviderConfig finds credentials.
func (pc *ClusterProviderConfig) GetCredentialsSource() string {
	return string(pc.Spec.Credentials.Source)
}

// GetNamespaceSelector returns which namespaces may use the
// ClusterProviderConfig; nil means every namespace.
func (pc *ClusterProviderConfig) GetNamespaceSelector() *metav1.LabelSelector {
	return pc.Spec.NamespaceSelector
}
