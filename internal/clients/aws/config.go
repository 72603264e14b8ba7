// Package aws turns an AWS ProviderConfig or ClusterProviderConfig into an
// aws.Config for the SDK clients.
package aws

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/clients/providerconfig"
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
}

// S3UsePathStyle reports whether S3 requests should use path-style addressing.
func (s Session) S3UsePathStyle() bool {
	if s.Endpoint == nil {
		return false
	}
	return s.Endpoint.S3UsePathStyle == nil || *s.Endpoint.S3UsePathStyle
}

// Connect resolves mg's provider config and returns a Session for region, or
// for the provider config's region when region is empty. f are the
// provider's feature flags (see providerconfig.Get).
//
// A managed resource being deleted whose provider config can no longer be
// read gets the Session that provider config last gave. Deleting a
// namespace deletes a namespaced ProviderConfig, its usages and its
// credentials Secret alongside the managed resources that use them; without
// this their deletes could never reach the cloud and the namespace would
// never go.
func Connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, region string, f *feature.Flags) (Session, error) {
	key := sessionKey(mg, region)
	s, err := connect(ctx, kube, mg, region, f)
	if err == nil {
		lastSessions.Store(key, s)
		return s, nil
	}
	if last, ok := lastSessions.Load(key); ok && meta.WasDeleted(mg) {
		return last.(Session), nil
	}
	return Session{}, err
}

// lastSessions holds the last Session each provider config gave, per region.
// It grows with provider configs and regions, not with managed resources.
var lastSessions sync.Map

type lastSessionKey struct {
	kind, namespace, name, region string
}

func sessionKey(mg resource.ModernManaged, region string) lastSessionKey {
	ref := mg.GetProviderConfigReference()
	if ref == nil {
		return lastSessionKey{}
	}
	k := lastSessionKey{kind: ref.Kind, name: ref.Name, region: region}
	if ref.Kind == providerconfig.KindProviderConfig {
		k.namespace = mg.GetNamespace()
	}
	return k
}

func connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, region string, f *feature.Flags) (Session, error) {
	obj, err := providerconfig.Get(ctx, kube, mg, &v1alpha1.ProviderConfig{}, &v1alpha1.ClusterProviderConfig{}, f)
	if err != nil {
		return Session{}, err
	}
	var spec v1alpha1.ProviderConfigSpec
	switch pc := obj.(type) {
	case *v1alpha1.ProviderConfig:
		spec = pc.Spec
	case *v1alpha1.ClusterProviderConfig:
		spec = pc.Spec.ProviderConfigSpec
	}
	if region == "" {
		region = spec.Region
	}
	cfg, err := NewConfig(ctx, kube, obj, spec, region)
	if err != nil {
		return Session{}, err
	}
	return Session{Config: cfg, Spec: spec, Endpoint: spec.Endpoint}, nil
}

// NewConfig builds an aws.Config from a provider config spec. owner is the
// ProviderConfig or ClusterProviderConfig the spec belongs to.
func NewConfig(ctx context.Context, kube client.Client, owner client.Object, spec v1alpha1.ProviderConfigSpec, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithHTTPClient(httpClient),
	}
	switch spec.Credentials.Source {
	case v1alpha1.CredentialsSourceSecret, "":
		if spec.Credentials.SecretRef == nil {
			return aws.Config{}, errors.New("spec.credentials.secretRef is required when spec.credentials.source is Secret")
		}
		ref := spec.Credentials.SecretRef
		data, err := providerconfig.ReadSecretKey(ctx, kube, owner, providerconfig.SecretKey{Name: ref.Name, Namespace: ref.Namespace, Key: ref.Key})
		if err != nil {
			return aws.Config{}, err
		}
		c, err := ParseCredentials(data)
		if err != nil {
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

// noSharedFiles keeps the SDK from reading ~/.aws on every Connect when the
// credentials come from a Secret anyway.
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
