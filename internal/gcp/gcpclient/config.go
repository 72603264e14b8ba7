// Package gcpclient turns a Google ProviderConfig or ClusterProviderConfig
// into the options the Google API clients (Cloud SQL Admin, Cloud Storage)
// are built with.
package gcpclient

import (
	"context"
	"net/http"
	"strings"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/credentials"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"google.golang.org/api/option"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig"
	"github.com/stowage-dev/stowage/internal/providerconfig/sessions"
)

// cloudPlatform is the OAuth scope both Cloud SQL Admin and Cloud Storage
// accept.
const cloudPlatform = "https://www.googleapis.com/auth/cloud-platform"

// A Session is what a managed resource's external client needs from its
// provider config.
type Session struct {
	ProjectID string
	// Region is the provider config's default region, or "".
	Region string
	// Options carry the credentials (shared by every client made from this
	// Session, so one token is fetched and refreshed for all of them), or
	// option.WithoutAuthentication() for a local endpoint.
	Options []option.ClientOption
	Spec    v1alpha1.ProviderConfigSpec

	// HTTP clients that count every call (see newHTTPClient); nil in a
	// Session made by hand, whose clients then build their own.
	sqlAdminHTTP, storageHTTP *http.Client
}

// SQLAdminOptions are the options for a Cloud SQL Admin client
// (sqladmin.NewService), with the provider config's endpoint when it sets one.
func (s Session) SQLAdminOptions() []option.ClientOption {
	opts := s.options(s.sqlAdminHTTP)
	if e := s.Spec.Endpoints; e != nil && e.SQLAdmin != "" {
		// The generated client joins paths onto the endpoint as is.
		return append(opts, option.WithEndpoint(withSuffix(e.SQLAdmin, "/")))
	}
	return opts
}

// StorageOptions are the options for a Cloud Storage JSON API client
// (storage/v1's NewService), with the provider config's endpoint when it
// sets one: the generated client joins paths onto the endpoint as is, so it
// ends in the API's /storage/v1/.
func (s Session) StorageOptions() []option.ClientOption {
	opts := s.options(s.storageHTTP)
	if e := s.Spec.Endpoints; e != nil && e.Storage != "" {
		return append(opts, option.WithEndpoint(withSuffix(strings.TrimSuffix(e.Storage, "/"), "/storage/v1")+"/"))
	}
	return opts
}

// options returns a copy, so callers can append without sharing an array,
// with the service's HTTP client when there is one.
func (s Session) options(hc *http.Client) []option.ClientOption {
	opts := append([]option.ClientOption(nil), s.Options...)
	if hc != nil {
		opts = append(opts, option.WithHTTPClient(hc))
	}
	return opts
}

func withSuffix(s, suffix string) string {
	if strings.HasSuffix(s, suffix) {
		return s
	}
	return s + suffix
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
// its credentials Secret. Tokens are fetched on first use.
func newSession(ctx context.Context, spec v1alpha1.ProviderConfigSpec, secret []byte) (Session, error) {
	s := Session{ProjectID: spec.ProjectID, Region: spec.Region, Spec: spec}
	var creds *auth.Credentials
	var err error
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret:
		key, kerr := ParseServiceAccountKey(secret)
		if kerr != nil {
			ref := spec.Credentials.SecretRef
			return Session{}, errors.Wrapf(kerr, "credentials Secret %s key %q", ref.Name, ref.Key)
		}
		if s.ProjectID == "" {
			s.ProjectID = key.ProjectID
		}
		creds, err = credentials.NewCredentialsFromJSON(credentials.ServiceAccount, secret, &credentials.DetectOptions{Scopes: []string{cloudPlatform}})
	case v1alpha1.CredentialsSourceInjectedIdentity:
		// Application default credentials: GKE workload identity, the
		// metadata server, or GOOGLE_APPLICATION_CREDENTIALS in the pod.
		creds, err = credentials.DetectDefault(&credentials.DetectOptions{Scopes: []string{cloudPlatform}})
		if err == nil && s.ProjectID == "" {
			s.ProjectID, _ = creds.ProjectID(ctx)
		}
	case v1alpha1.CredentialsSourceNone:
		if e := spec.Endpoints; e == nil || (e.SQLAdmin == "" && e.Storage == "") {
			return Session{}, errors.New("spec.credentials.source None is only for a local endpoint: set spec.endpoints")
		}
		s.Options = []option.ClientOption{option.WithoutAuthentication()}
	default:
		return Session{}, errors.Errorf("spec.credentials.source %q is not supported", spec.Credentials.Source)
	}
	if err != nil {
		return Session{}, errors.Wrap(err, "cannot build Google credentials")
	}
	if creds != nil {
		s.Options = []option.ClientOption{option.WithAuthCredentials(creds)}
	}
	if s.ProjectID == "" {
		return Session{}, errors.New("no project: set spec.projectID (or project_id in the service-account key)")
	}
	if s.sqlAdminHTTP, err = newHTTPClient(ctx, s.ProjectID, serviceSQLAdmin, s.Options); err != nil {
		return Session{}, errors.Wrap(err, "cannot build the Cloud SQL Admin HTTP client")
	}
	if s.storageHTTP, err = newHTTPClient(ctx, s.ProjectID, serviceStorage, s.Options); err != nil {
		return Session{}, errors.Wrap(err, "cannot build the Cloud Storage HTTP client")
	}
	return s, nil
}
