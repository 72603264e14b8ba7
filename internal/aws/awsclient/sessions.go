package awsclient

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig"
)

// A sessionCache holds one SDK configuration per provider config: the one
// built from its current spec and credentials. Loading a configuration and,
// above all, assuming a role on every reconcile would cost an STS call per
// reconcile; reusing the configuration reuses its aws.CredentialsCache, which
// fetches new credentials only as the old ones near expiry.
//
// Only the SDK configuration is reused. Connect reads the provider config
// (and its Secret) and runs providerconfig.Get's tenant checks every time.
type sessionCache struct {
	mu      sync.Mutex
	entries map[configRef]*cachedConfig
}

func newSessionCache() *sessionCache {
	return &sessionCache{entries: map[configRef]*cachedConfig{}}
}

// A configRef names a provider config as a managed resource references it.
type configRef struct {
	kind, namespace, name string
}

func refOf(mg resource.ModernManaged) configRef {
	ref := mg.GetProviderConfigReference()
	if ref == nil {
		return configRef{}
	}
	r := configRef{kind: ref.Kind, name: ref.Name}
	if ref.Kind == providerconfig.KindProviderConfig {
		r.namespace = mg.GetNamespace()
	}
	return r
}

// A configVersion identifies what a cached configuration was built from.
// It uses the generation and a hash of the spec rather than the
// resourceVersion, which every status write (such as status.users) bumps.
// The Secret is identified by a hash of the key's content: the Secret's
// resourceVersion is not visible through providerconfig.ReadSecretKey, and
// a label or annotation edit need not cost a new AssumeRole.
type configVersion struct {
	uid        types.UID
	generation int64
	spec       [sha256.Size]byte
	secret     [sha256.Size]byte
}

func versionOf(obj client.Object, spec v1alpha1.ProviderConfigSpec, secret []byte) (configVersion, error) {
	s, err := json.Marshal(spec)
	if err != nil {
		return configVersion{}, errors.Wrap(err, "cannot hash the provider config's spec")
	}
	return configVersion{uid: obj.GetUID(), generation: obj.GetGeneration(), spec: sha256.Sum256(s), secret: sha256.Sum256(secret)}, nil
}

// A cachedConfig is an SDK configuration built for a provider config's own
// region. Sessions for other regions are copies with another region, so
// every region shares one credentials provider (and one AssumeRole).
type cachedConfig struct {
	version configVersion
	spec    v1alpha1.ProviderConfigSpec
	cfg     aws.Config
}

func (e *cachedConfig) session(region string) Session {
	cfg := e.cfg.Copy()
	if region != "" {
		cfg.Region = region
	}
	// Copy is shallow: clip the slice so nothing built from this copy can
	// append into the array other sessions share.
	cfg.APIOptions = slices.Clip(cfg.APIOptions)
	return Session{Config: cfg, Spec: e.spec, Endpoint: e.spec.Endpoint}
}

// Connect is the package's Connect, with this cache.
func (c *sessionCache) Connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, region string, f *feature.Flags) (Session, error) {
	ref := refOf(mg)
	s, err := c.connect(ctx, kube, mg, ref, region, f)
	if err == nil {
		return s, nil
	}
	if meta.WasDeleted(mg) {
		if e, ok := c.last(ref); ok {
			return e.session(region), nil
		}
	}
	return Session{}, err
}

func (c *sessionCache) connect(ctx context.Context, kube client.Client, mg resource.ModernManaged, ref configRef, region string, f *feature.Flags) (Session, error) {
	obj, err := providerconfig.Get(ctx, kube, mg, &v1alpha1.ProviderConfig{}, &v1alpha1.ClusterProviderConfig{}, f)
	if err != nil {
		return Session{}, err
	}
	spec := specOf(obj)
	secret, err := readSecret(ctx, kube, obj, spec)
	if err != nil {
		return Session{}, err
	}
	v, err := versionOf(obj, spec, secret)
	if err != nil {
		return Session{}, err
	}
	if e, ok := c.lookup(ref, v); ok {
		return e.session(region), nil
	}
	// Built without the lock so one slow provider config does not hold up
	// the others. Building starts no AWS call: credentials are fetched on
	// first use, and only from the configuration store keeps.
	cfg, err := newConfig(ctx, spec, secret, spec.Region)
	if err != nil {
		return Session{}, err
	}
	return c.store(ref, &cachedConfig{version: v, spec: spec, cfg: cfg}).session(region), nil
}

// lookup returns ref's configuration if it was built from version v.
func (c *sessionCache) lookup(ref configRef, v configVersion) (*cachedConfig, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[ref]
	if !ok || e.version != v {
		return nil, false
	}
	return e, true
}

// store makes e ref's configuration, dropping the one built from an older
// version, and returns it. If a concurrent Connect stored the same version
// first, its configuration is returned instead, so that all callers share
// one credentials cache.
func (c *sessionCache) store(ref configRef, e *cachedConfig) *cachedConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[ref]; ok && old.version == e.version {
		return old
	}
	c.entries[ref] = e
	return e
}

// last returns the configuration ref last gave, whatever its version. An
// entry outlives its provider config so that managed resources still being
// deleted can reach the cloud; entries therefore grow with the provider
// configs ever used, not with their versions or with managed resources.
func (c *sessionCache) last(ref configRef) (*cachedConfig, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[ref]
	return e, ok
}
