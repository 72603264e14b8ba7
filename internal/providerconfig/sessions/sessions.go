// Package sessions keeps, for every cloud, one SDK session per provider
// config: the one built from its current spec and credentials. Building a
// session can be costly (an AssumeRole, a token exchange, a client with its
// own connection pool), and reusing it reuses the credential cache inside,
// which refreshes tokens only as they near expiry.
//
// Only the built session is reused. Get reads the provider config and runs
// providerconfig.Get's tenant checks every time; it reads the credentials
// Secret at most every SecretRefresh (see there).
package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/internal/providerconfig"
)

// A Cloud says how one cloud's provider configs become sessions of type S.
type Cloud[Spec, S any] struct {
	// NewConfig and NewClusterConfig return empty provider config objects.
	NewConfig        func() providerconfig.Config
	NewClusterConfig func() providerconfig.ClusterConfig
	// Spec returns the part of a provider config sessions are built from.
	Spec func(providerconfig.Config) Spec
	// Secret returns the content of the credentials Secret spec names, or
	// nil when spec takes no credentials from a Secret.
	Secret func(ctx context.Context, kube client.Client, owner client.Object, spec Spec) ([]byte, error)
	// Build makes a session from spec and the secret's content. It should
	// not call the cloud: credentials are fetched on first use.
	Build func(ctx context.Context, spec Spec, secret []byte) (S, error)
}

// SecretRefresh is how long a session is used without reading its
// provider config's credentials Secret again, while the provider config
// itself (read from the cache on every Get) is unchanged.
//
// The provider's cache holds only the Secrets Stowage writes (package
// secrets), so a credentials Secret is read from the API server: on every
// reconcile that would be one API request per resource per poll, the
// traffic the cache exists to avoid. Read at most every 30 s, it is two
// requests a minute per provider config however many resources use it, and
// rotated credentials are in use within 30 s: before the next poll (1 m by
// default) of most resources, and for the others an authentication error
// from the old credentials is retried with backoff, within those 30 s. A
// changed provider config spec (another Secret, another key) is read at
// once.
const SecretRefresh = 30 * time.Second

// A Cache holds the session of every provider config one cloud's managed
// resources used.
type Cache[Spec, S any] struct {
	cloud Cloud[Spec, S]
	now   func() time.Time

	mu      sync.Mutex
	entries map[ref]*entry[S]
}

// New returns an empty Cache for cloud.
func New[Spec, S any](cloud Cloud[Spec, S]) *Cache[Spec, S] {
	return &Cache[Spec, S]{cloud: cloud, now: time.Now, entries: map[ref]*entry[S]{}}
}

// SetClock makes c tell time with now, for tests of SecretRefresh.
func (c *Cache[Spec, S]) SetClock(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// A ref names a provider config as a managed resource references it.
type ref struct {
	kind, namespace, name string
}

func refOf(mg resource.ModernManaged) ref {
	r := mg.GetProviderConfigReference()
	if r == nil {
		return ref{}
	}
	out := ref{kind: r.Kind, name: r.Name}
	if r.Kind == providerconfig.KindProviderConfig {
		out.namespace = mg.GetNamespace()
	}
	return out
}

// A version identifies what a session was built from. It uses the
// generation and a hash of the spec rather than the resourceVersion, which
// every status write bumps, and a hash of the Secret key's content, so a
// label edit on the Secret does not cost a new session.
type version struct {
	uid        types.UID
	generation int64
	spec       [sha256.Size]byte
	secret     [sha256.Size]byte
}

type entry[S any] struct {
	version version
	session S
	// read is when the credentials Secret was last read and found to be
	// the one version was built from.
	read time.Time
}

// Get resolves mg's provider config under the tenant rules and returns its
// session, built anew only when the provider config or its credentials
// changed. f are the provider's feature flags (see providerconfig.Get).
//
// A managed resource being deleted whose provider config can no longer be
// read gets the session that provider config last gave. Deleting a
// namespace deletes a namespaced ProviderConfig and its credentials Secret
// alongside the managed resources that use them; without this their
// deletes could never reach the cloud and the namespace would never go.
func (c *Cache[Spec, S]) Get(ctx context.Context, kube client.Client, mg resource.ModernManaged, f *feature.Flags) (S, error) {
	r := refOf(mg)
	s, err := c.get(ctx, kube, mg, r, f)
	if err == nil {
		return s, nil
	}
	if meta.WasDeleted(mg) {
		if e, ok := c.last(r); ok {
			return e.session, nil
		}
	}
	var none S
	return none, err
}

func (c *Cache[Spec, S]) get(ctx context.Context, kube client.Client, mg resource.ModernManaged, r ref, f *feature.Flags) (S, error) {
	var none S
	obj, err := providerconfig.Get(ctx, kube, mg, c.cloud.NewConfig(), c.cloud.NewClusterConfig(), f)
	if err != nil {
		return none, err
	}
	spec := c.cloud.Spec(obj)
	b, err := json.Marshal(spec)
	if err != nil {
		return none, errors.Wrap(err, "cannot hash the provider config's spec")
	}
	v := version{uid: obj.GetUID(), generation: obj.GetGeneration(), spec: sha256.Sum256(b)}
	if e, ok := c.fresh(r, v); ok {
		return e.session, nil
	}
	secret, err := c.cloud.Secret(ctx, kube, obj, spec)
	if err != nil {
		return none, err
	}
	v.secret = sha256.Sum256(secret)
	if e, ok := c.lookup(r, v); ok {
		return e.session, nil
	}
	read := c.clock()
	// Built without the lock so one slow provider config does not hold up
	// the others.
	s, err := c.cloud.Build(ctx, spec, secret)
	if err != nil {
		return none, err
	}
	return c.store(r, &entry[S]{version: v, session: s, read: read}).session, nil
}

func (c *Cache[Spec, S]) clock() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

// fresh returns r's entry if it was built from the provider config v
// names (whatever the Secret's content) and its Secret was read less than
// SecretRefresh ago.
func (c *Cache[Spec, S]) fresh(r ref, v version) (*entry[S], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[r]
	if !ok {
		return nil, false
	}
	built := e.version
	built.secret = v.secret
	if built != v || c.now().Sub(e.read) >= SecretRefresh {
		return nil, false
	}
	return e, true
}

// lookup returns r's entry if it was built from version v, noting that its
// Secret was read just now.
func (c *Cache[Spec, S]) lookup(r ref, v version) (*entry[S], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[r]
	if !ok || e.version != v {
		return nil, false
	}
	e.read = c.now()
	return e, true
}

// store makes e r's entry, dropping the one built from an older version, and
// returns it. If a concurrent Get stored the same version first, its entry
// is returned instead, so all callers share one credential cache.
// Entries are never changed once stored but for their read time.
func (c *Cache[Spec, S]) store(r ref, e *entry[S]) *entry[S] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[r]; ok && old.version == e.version {
		if e.read.After(old.read) {
			old.read = e.read
		}
		return old
	}
	c.entries[r] = e
	return e
}

// last returns the entry r last gave, whatever its version. An entry
// outlives its provider config so that managed resources still being deleted
// can reach the cloud; entries therefore grow with the provider configs ever
// used, not with their versions or with managed resources.
func (c *Cache[Spec, S]) last(r ref) (*entry[S], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[r]
	return e, ok
}

// Len is the number of provider configs with a session.
func (c *Cache[Spec, S]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
