// Package awsclient turns an AWS ProviderConfig or ClusterProviderConfig into an
// aws.Config for the SDK clients.
package awsclient

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig"
)

// httpClient is shared by every SDK client so connections to an endpoint are
// reused across reconciles instead of opened anew on every Connect.
var httpClient = awshttp.NewBuildableClient()

// A Session is what a managed resource's external client needs from its
// provider config.
type Session struct {
	Config   aws.Config
	Spec     v1alpha1.ProviderConfigSpec
	Endpoint *v1alpha1.Endpoint
	// Account names the AWS account the calls count against (see
	// accountOf): shared listings and budgets are kept per account.
	Account string
}

// Scope names what one listing of this Session's calls covers: its
// account at its endpoint in region ("" for a global listing).
func (s Session) Scope(region string) string {
	ep := ""
	if s.Endpoint != nil {
		ep = s.Endpoint.URL
	}
	return s.Account + "|" + ep + "|" + region
}

// S3UsePathStyle reports whether S3 requests should use path-style addressing.
func (s Session) S3UsePathStyle() bool {
	if s.Endpoint == nil {
		return false
	}
	return s.Endpoint.S3UsePathStyle == nil || *s.Endpoint.S3UsePathStyle
}

// sessions is the provider's one session cache, shared by every controller.
var cache = newSessionCache()

// Connect resolves mg's provider config and returns a Session for region, or
// for the provider config's region when region is empty. f are the
// provider's feature flags (see providerconfig.Get).
//
// The provider config is read and checked on every call; the SDK
// configuration built from it (and the credentials it has fetched, such as
// an assumed role's) is reused while the provider config and its
// credentials Secret stay the same. See sessionCache.
//
// A managed resource being deleted whose provider config can no longer be
// read gets the Session that provider config last gave. Deleting a
// namespace deletes a namespaced ProviderConfig, its usages and its
// credentials Secret alongside the managed resources that use them; without
// this their deletes could never reach the cloud and the namespace would
// never go.
func Connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, region string, f *feature.Flags) (Session, error) {
	return cache.Connect(ctx, kube, mg, region, f)
}

// specOf returns the SDK-relevant spec of a provider config.
func specOf(obj providerconfig.Config) v1alpha1.ProviderConfigSpec {
	switch pc := obj.(type) {
	case *v1alpha1.ProviderConfig:
		return pc.Spec
	case *v1alpha1.ClusterProviderConfig:
		return pc.Spec.ProviderConfigSpec
	}
	return v1alpha1.ProviderConfigSpec{}
}

// readSecret returns the content of the credentials Secret key spec names,
// or nil when spec takes no credentials from a Secret. owner is the
// ProviderConfig or ClusterProviderConfig the spec belongs to.
func readSecret(ctx context.Context, kube client.Client, owner client.Object, spec v1alpha1.ProviderConfigSpec) ([]byte, error) {
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret, "":
	default:
		return nil, nil
	}
	ref := spec.Credentials.SecretRef
	if ref == nil {
		return nil, errors.New("spec.credentials.secretRef is required when spec.credentials.source is Secret")
	}
	return providerconfig.ReadSecretKey(ctx, kube, owner, providerconfig.SecretKey{Name: ref.Name, Namespace: ref.Namespace, Key: ref.Key})
}

// newConfig builds an aws.Config from a provider config spec for region.
// secret is what readSecret returned for spec.
func newConfig(ctx context.Context, spec v1alpha1.ProviderConfigSpec, secret []byte, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithHTTPClient(httpClient),
		// Inserted after the retryer in this order: the budget, then the
		// metrics around the call itself.
		config.WithAPIOptions([]func(*middleware.Stack) error{recordCalls, budgetCalls(accountOf(spec, secret))}),
	}
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret, "":
		c, err := ParseCredentials(secret)
		if err != nil {
			ref := spec.Credentials.SecretRef
			return aws.Config{}, errors.Wrapf(err, "credentials Secret %s key %q", ref.Name, ref.Key)
		}
		opts = append(opts, noSharedFiles(),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	case v1alpha1.CredentialsSourceNone:
		opts = append(opts, noSharedFiles(), config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	case v1alpha1.CredentialsSourceInjectedIdentity, v1alpha1.CredentialsSourceEnvironment:
		// The SDK's default chain covers environment variables, IRSA, EKS Pod
		// Identity and instance roles.
	default:
		return aws.Config{}, errors.Errorf("spec.credentials.source %q is not supported", spec.Credentials.Source)
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, errors.Wrap(err, "cannot load AWS configuration")
	}
	if spec.Endpoint != nil {
		cfg.BaseEndpoint = aws.String(spec.Endpoint.URL)
	}
	if spec.Credentials.AssumeRoleARN != nil {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), *spec.Credentials.AssumeRoleARN))
	}
	return cfg, nil
}

// noSharedFiles keeps the SDK from reading ~/.aws when the credentials come
// from a Secret anyway.
func noSharedFiles() func(*config.LoadOptions) error {
	return func(o *config.LoadOptions) error {
		o.SharedConfigFiles = []string{}
		o.SharedCredentialsFiles = []string{}
		return nil
	}
}

// S3Endpoint is the endpoint S3 serves a region from, as applications should
// use it.
func (s Session) S3Endpoint(region string) string {
	if s.Endpoint != nil {
		return s.Endpoint.URL
	}
	return fmt.Sprintf("https://s3.%s.amazonaws.com", region)
}
