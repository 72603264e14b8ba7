package v1alpha1

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A CredentialsSource says where the provider finds Google Cloud credentials.
// +kubebuilder:validation:Enum=Secret;InjectedIdentity;None
type CredentialsSource string

// Credential sources.
const (
	// CredentialsSourceSecret reads a service-account JSON key from a Secret.
	CredentialsSourceSecret CredentialsSource = "Secret"
	// CredentialsSourceInjectedIdentity uses Application Default Credentials
	// inside the provider pod: GKE workload identity or the node's account.
	CredentialsSourceInjectedIdentity CredentialsSource = "InjectedIdentity"
	// CredentialsSourceNone sends no token; only for a local endpoint.
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

// Credentials tell the provider how to authenticate to Google Cloud.
// +kubebuilder:validation:XValidation:rule="self.source != 'Secret' || has(self.secretRef)",message="secretRef is required when source is Secret"
type Credentials struct {
	// Source of the credentials.
	// +kubebuilder:default=Secret
	Source CredentialsSource `json:"source"`

	// SecretRef names a Secret key holding a service-account JSON key, as
	// `gcloud iam service-accounts keys create` writes it.
	// +optional
	SecretRef *SecretKeySelector `json:"secretRef,omitempty"`
}

// Endpoints override the Google APIs the provider talks to, for private
// endpoints and local emulators. Each is the API's base URL.
type Endpoints struct {
	// SQLAdmin is the Cloud SQL Admin API base URL, e.g.
	// https://sqladmin.googleapis.com/.
	// +optional
	// +kubebuilder:validation:Pattern=`^https?://.+`
	SQLAdmin string `json:"sqlAdmin,omitempty"`

	// Storage is the Cloud Storage JSON API base URL, e.g.
	// https://storage.googleapis.com/storage/v1/.
	// +optional
	// +kubebuilder:validation:Pattern=`^https?://.+`
	Storage string `json:"storage,omitempty"`
}

// ProviderConfigSpec is the configuration shared by ProviderConfig and
// ClusterProviderConfig.
type ProviderConfigSpec struct {
	// Credentials to authenticate with.
	Credentials Credentials `json:"credentials"`

	// ProjectID that resources are created in. Falls back to the
	// service-account key's project_id.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`
	ProjectID string `json:"projectID,omitempty"`

	// Region used by resources that do not set their own, e.g. europe-west1.
	// +optional
	Region string `json:"region,omitempty"`

	// Endpoints override the Google API endpoints.
	// +optional
	Endpoints *Endpoints `json:"endpoints,omitempty"`
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

// A ProviderConfig configures how managed resources in its namespace reach Google Cloud.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="PROJECT",type="string",JSONPath=".spec.projectID"
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,gcp,stowage}
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
// reach Google Cloud.
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="PROJECT",type="string",JSONPath=".spec.projectID"
// +kubebuilder:printcolumn:name="SOURCE",type="string",JSONPath=".spec.credentials.source"
// +kubebuilder:printcolumn:name="USERS",type="integer",JSONPath=".status.users"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:resource:scope=Cluster,categories={crossplane,provider,gcp,stowage}
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
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,provider,gcp,stowage}
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
