// Package azureclient turns an Azure ProviderConfig or ClusterProviderConfig
// into what the ARM SDK clients need: a token credential, a subscription and
// client options pointing at the right cloud.
package azureclient

import (
	"context"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/azure/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig"
	"github.com/stowage-dev/stowage/internal/providerconfig/sessions"
)

// A Session is what a managed resource's external client needs from its
// provider config to make ARM clients:
//
//	armstorage.NewAccountsClient(s.SubscriptionID, s.Credential, s.ClientOptions)
type Session struct {
	Credential     azcore.TokenCredential
	SubscriptionID string
	ClientOptions  *arm.ClientOptions
	Spec           v1alpha1.ProviderConfigSpec
}

// Retries of throttled and failed calls inside one reconcile. The SDK honours
// Retry-After up to MaxRetryDelay; a cloud that asks for longer gets its
// answer back at once, and the resource is requeued after the advised delay
// (mrsetup.Throttled) instead of holding a worker.
var retryOptions = policy.RetryOptions{
	MaxRetries:    2,
	RetryDelay:    500 * time.Millisecond,
	MaxRetryDelay: 2 * time.Second,
	TryTimeout:    30 * time.Second,
}

var cache = sessions.New(sessions.Cloud[v1alpha1.ProviderConfigSpec, Session]{
	NewConfig:        func() providerconfig.Config { return &v1alpha1.ProviderConfig{} },
	NewClusterConfig: func() providerconfig.ClusterConfig { return &v1alpha1.ClusterProviderConfig{} },
	Spec:             specOf,
	Secret:           readSecret,
	Build:            newSession,
})

// Connect resolves mg's provider config under the tenant rules and returns
// its Session, reused while the provider config and its credentials stay the
// same (see package sessions). f are the provider's feature flags.
func Connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, f *feature.Flags) (Session, error) {
	return cache.Get(ctx, kube, mg, f)
}

func specOf(obj providerconfig.Config) v1alpha1.ProviderConfigSpec {
	switch pc := obj.(type) {
	case *v1alpha1.ProviderConfig:
		return pc.Spec
	case *v1alpha1.ClusterProviderConfig:
		return pc.Spec.ProviderConfigSpec
	}
	return v1alpha1.ProviderConfigSpec{}
}

func readSecret(ctx context.Context, kube client.Client, owner client.Object, spec v1alpha1.ProviderConfigSpec) ([]byte, error) {
	if spec.Credentials.Source != v1alpha1.CredentialsSourceSecret {
		return nil, nil
	}
	ref := spec.Credentials.SecretRef
	if ref == nil {
		return nil, errors.New("spec.credentials.secretRef is required when spec.credentials.source is Secret")
	}
	return providerconfig.ReadSecretKey(ctx, kube, owner, providerconfig.SecretKey{Name: ref.Name, Namespace: ref.Namespace, Key: ref.Key})
}

// newSession builds a Session from a provider config spec and the content of
// its credentials Secret. No call is made: tokens are fetched on first use.
func newSession(_ context.Context, spec v1alpha1.ProviderConfigSpec, secret []byte) (Session, error) {
	opts := &arm.ClientOptions{ClientOptions: policy.ClientOptions{Retry: retryOptions}}
	authority := cloud.AzurePublic.ActiveDirectoryAuthorityHost
	if e := spec.Endpoint; e != nil {
		u, err := url.Parse(e.ResourceManagerURL)
		if err != nil || u.Host == "" {
			return Session{}, errors.Errorf("spec.endpoint.resourceManagerURL %q is not a URL", e.ResourceManagerURL)
		}
		if e.AuthorityHost != "" {
			authority = e.AuthorityHost
		}
		opts.Cloud = cloud.Configuration{
			ActiveDirectoryAuthorityHost: authority,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: e.ResourceManagerURL, Audience: cloud.AzurePublic.Services[cloud.ResourceManager].Audience},
			},
		}
		// Someone who points the provider at a plain-HTTP endpoint chose to;
		// azcore would otherwise refuse to send the token.
		opts.InsecureAllowCredentialWithHTTP = u.Scheme == "http"
	} else {
		opts.Cloud = cloud.AzurePublic
	}
	s := Session{SubscriptionID: spec.SubscriptionID, ClientOptions: opts, Spec: spec}
	idOpts := azcore.ClientOptions{Cloud: opts.Cloud, Retry: retryOptions}

	var err error
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret:
		sp, perr := ParseServicePrincipal(secret)
		if perr != nil {
			ref := spec.Credentials.SecretRef
			return Session{}, errors.Wrapf(perr, "credentials Secret %s key %q", ref.Name, ref.Key)
		}
		tenant := firstNonEmpty(spec.TenantID, sp.TenantID)
		s.SubscriptionID = firstNonEmpty(spec.SubscriptionID, sp.SubscriptionID)
		s.Credential, err = azidentity.NewClientSecretCredential(tenant, sp.ClientID, sp.ClientSecret, &azidentity.ClientSecretCredentialOptions{ClientOptions: idOpts})
	case v1alpha1.CredentialsSourceInjectedIdentity:
		s.Credential, err = injectedIdentity(spec, idOpts)
	case v1alpha1.CredentialsSourceNone:
		if spec.Endpoint == nil {
			return Session{}, errors.New("spec.credentials.source None is only for a local endpoint: set spec.endpoint.resourceManagerURL")
		}
		s.Credential = noCredential{}
		// A local cloud has no resource providers to register.
		opts.DisableRPRegistration = true
	default:
		return Session{}, errors.Errorf("spec.credentials.source %q is not supported", spec.Credentials.Source)
	}
	if err != nil {
		return Session{}, errors.Wrap(err, "cannot build Azure credential")
	}
	if s.SubscriptionID == "" {
		return Session{}, errors.New("no subscription: set spec.subscriptionID (or subscriptionId in the service principal Secret)")
	}
	// Every attempt waits for the subscription's call budget, then is
	// counted and timed: waiting is not the cloud's latency.
	opts.PerRetryPolicies = []policy.Policy{budgetCalls{subscription: s.SubscriptionID}, recordCalls{}}
	return s, nil
}

// injectedIdentity is the pod's own identity: workload identity where the
// webhook projected a federated token, else a managed identity (the
// user-assigned one spec.clientID names, or the system-assigned one).
func injectedIdentity(spec v1alpha1.ProviderConfigSpec, o azcore.ClientOptions) (azcore.TokenCredential, error) {
	var chain []azcore.TokenCredential
	if wi, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: o, ClientID: spec.ClientID, TenantID: spec.TenantID,
	}); err == nil {
		chain = append(chain, wi)
	}
	mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: o}
	if spec.ClientID != "" {
		mo.ID = azidentity.ClientID(spec.ClientID)
	}
	mi, err := azidentity.NewManagedIdentityCredential(mo)
	if err != nil {
		return nil, err
	}
	chain = append(chain, mi)
	return azidentity.NewChainedTokenCredential(chain, nil)
}

// noCredential is the "no credentials, local endpoint" mode: a local cloud
// checks no token, and ARM clients need a credential to be built.
type noCredential struct{}

func (noCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "local", ExpiresOn: time.Now().Add(24 * time.Hour)}, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
