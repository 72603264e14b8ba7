package awsclient

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig"
	"github.com/stowage-dev/stowage/internal/providerconfig/sessions"
)

// A sessionCache holds one SDK configuration per provider config (see
// package sessions). Loading a configuration and, above all, assuming a
// role on every reconcile would cost an STS call per reconcile; reusing the
// configuration reuses its aws.CredentialsCache, which fetches new
// credentials only as the old ones near expiry.
type sessionCache struct {
	cache *sessions.Cache[v1alpha1.ProviderConfigSpec, *cachedConfig]
}

func newSessionCache() *sessionCache {
	return &sessionCache{cache: sessions.New(sessions.Cloud[v1alpha1.ProviderConfigSpec, *cachedConfig]{
		NewConfig:        func() providerconfig.Config { return &v1alpha1.ProviderConfig{} },
		NewClusterConfig: func() providerconfig.ClusterConfig { return &v1alpha1.ClusterProviderConfig{} },
		Spec:             specOf,
		Secret:           readSecret,
		Build: func(ctx context.Context, spec v1alpha1.ProviderConfigSpec, secret []byte) (*cachedConfig, error) {
			// Building starts no AWS call: credentials are fetched on first
			// use, and only from the configuration the cache keeps.
			cfg, err := newConfig(ctx, spec, secret, spec.Region)
			if err != nil {
				return nil, err
			}
			return &cachedConfig{spec: spec, cfg: cfg, account: accountOf(spec, secret)}, nil
		},
	})}
}

// A cachedConfig is an SDK configuration built for a provider config's own
// region. Sessions for other regions are copies with another region, so
// every region shares one credentials provider (and one AssumeRole).
type cachedConfig struct {
	spec    v1alpha1.ProviderConfigSpec
	cfg     aws.Config
	account string
}

func (e *cachedConfig) session(region string) Session {
	cfg := e.cfg.Copy()
	if region != "" {
		cfg.Region = region
	}
	// Copy is shallow: clip the slice so nothing built from this copy can
	// append into the array other sessions share.
	cfg.APIOptions = slices.Clip(cfg.APIOptions)
	return Session{Config: cfg, Spec: e.spec, Endpoint: e.spec.Endpoint, Account: e.account}
}

// Connect is the package's Connect, with this cache.
func (c *sessionCache) Connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, region string, f *feature.Flags) (Session, error) {
	e, err := c.cache.Get(ctx, kube, mg, f)
	if err != nil {
		return Session{}, err
	}
	return e.session(region), nil
}
