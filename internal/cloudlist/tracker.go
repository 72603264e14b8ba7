package cloudlist

import (
	"encoding/json"
	"hash/fnv"
	"sync"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/types"
)

// DefaultDriftCheck is the drift check interval the provider starts with
// (its --drift-check-interval flag); see Tracker.DriftCheck.
const DefaultDriftCheck = 10 * time.Minute

// DriftCheck is the drift check interval of the Trackers NewTracker makes.
// The provider sets it from its flags before any controller starts.
var DriftCheck = DefaultDriftCheck

// NewTracker returns a Tracker for resources polled every poll: it serves
// them from listings at most half a poll old, so the data a poll sees is
// never older than one and a half polls.
func NewTracker(poll time.Duration) *Tracker {
	return &Tracker{MaxAge: poll / 2, DriftCheck: DriftCheck}
}

// A Tracker remembers, for each managed resource of one kind, what its
// observations must know across reconciles: when the provider last wrote
// its object, whether the object was ever seen, and when per-object reads
// last found it as its spec asks.
//
// It lives in memory only. After a restart every resource starts unknown,
// which costs a per-object read, never a wrong answer.
type Tracker struct {
	// Kind names the managed resources' kind in the drift check metric;
	// set it where drift checks are made.
	Kind string
	// MaxAge is the oldest listing a settled resource is served from.
	MaxAge time.Duration
	// DriftCheck is how often the per-object reads of what no listing
	// returns run for a resource whose spec has not changed.
	DriftCheck time.Duration

	mu sync.Mutex
	m  map[types.UID]*record
}

type record struct {
	wrote        time.Time
	seen         bool
	seenAt       time.Time
	memo         any
	verifiedSpec uint64
	verifiedAt   time.Time
}

func (t *Tracker) get(uid types.UID) *record {
	if t.m == nil {
		t.m = map[types.UID]*record{}
	}
	r, ok := t.m[uid]
	if !ok {
		r = &record{}
		t.m[uid] = r
	}
	return r
}

// NotBefore is the time a listing must be taken after to serve mg's
// observation now: after mg's last write, no older than MaxAge, and, while
// mg is not settled (its object is changing, say being created), no older
// than half a second, so each of its polls (a second or more apart) sees a
// listing newer than the one its previous poll saw, while resources being
// created together still share one.
func (t *Tracker) NotBefore(mg resource.Object, settled bool) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(mg.GetUID())
	now := time.Now()
	nb := now.Add(-t.MaxAge)
	if !settled {
		nb = now.Add(-min(t.MaxAge, unsettledAge))
	}
	if r.wrote.After(nb) {
		nb = r.wrote
	}
	return nb
}

// unsettledAge is the oldest listing an unsettled resource is served from.
const unsettledAge = 500 * time.Millisecond

// Wrote records that the provider just wrote mg's object (created,
// updated or deleted it, or tried to). Call it after the write returns.
func (t *Tracker) Wrote(mg resource.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(mg.GetUID()).wrote = time.Now()
}

// Seen records that mg's object was just seen to exist, by a read of its
// own.
func (t *Tracker) Seen(mg resource.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(mg.GetUID())
	r.seen, r.seenAt = true, time.Now()
}

// SeenRecently reports whether a read of mg's own object saw it after the
// last write and within MaxAge: as good as a listing for telling it exists.
// The reconcile right after the one that created or late-initialised a
// resource needs no listing then.
func (t *Tracker) SeenRecently(mg resource.Object) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m[mg.GetUID()]
	return ok && r.seenAt.After(r.wrote) && time.Since(r.seenAt) < t.MaxAge
}

// WasSeen reports whether mg's object was seen to exist since the provider
// started. A listing that lacks an object once seen is not believed.
func (t *Tracker) WasSeen(mg resource.Object) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m[mg.GetUID()]
	return ok && r.seen
}

// Verified records that per-object reads just found mg's object as spec
// (its spec.forProvider) asks. The spec itself is remembered (hashed), not
// its generation: late initialisation changes the generation to a spec the
// object already matches.
func (t *Tracker) Verified(mg resource.Object, spec any) {
	h, ok := hash(spec)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(mg.GetUID())
	now := time.Now()
	if !r.verifiedAt.IsZero() && r.verifiedSpec == h && t.Kind != "" {
		driftChecks.WithLabelValues(t.Kind).Observe(now.Sub(r.verifiedAt).Seconds())
	}
	r.verifiedSpec, r.verifiedAt = h, now
}

// SpecChanged reports whether mg's spec is not the one its object was last
// verified against (or it never was): its object must be read in full.
func (t *Tracker) SpecChanged(mg resource.Object, spec any) bool {
	h, ok := hash(spec)
	t.mu.Lock()
	defer t.mu.Unlock()
	r, found := t.m[mg.GetUID()]
	return !ok || !found || r.verifiedAt.IsZero() || r.verifiedSpec != h
}

// Unverified forgets that mg's object matched its spec, so its next
// observation reads it in full.
func (t *Tracker) Unverified(mg resource.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(mg.GetUID()).verifiedAt = time.Time{}
}

// DriftCheckDue reports whether mg's object must be read in full now: it
// never was, its spec is no longer the one verified, or the drift check
// interval passed.
func (t *Tracker) DriftCheckDue(mg resource.Object, spec any) bool {
	h, ok := hash(spec)
	t.mu.Lock()
	defer t.mu.Unlock()
	r, found := t.m[mg.GetUID()]
	return !ok || !found || r.verifiedAt.IsZero() || r.verifiedSpec != h || time.Since(r.verifiedAt) >= t.DriftCheck
}

// hash is a digest of spec's JSON.
func hash(spec any) (uint64, bool) {
	b, err := json.Marshal(spec)
	if err != nil {
		return 0, false
	}
	h := fnv.New64a()
	_, _ = h.Write(b)
	return h.Sum64(), true
}

// Remember keeps v for mg's next observation to Recall: what a write just
// made of its object, which the observation need not read back.
func (t *Tracker) Remember(mg resource.Object, v any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(mg.GetUID()).memo = v
}

// Recall returns what was remembered for mg, until ForgetMemo. It stays
// through a reconcile that fails (a late initialisation that lost a
// conflict), so the next one need not read either.
func (t *Tracker) Recall(mg resource.Object) (any, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m[mg.GetUID()]
	if !ok || r.memo == nil {
		return nil, false
	}
	return r.memo, true
}

// ForgetMemo drops what was remembered for mg: its observations no longer
// need it.
func (t *Tracker) ForgetMemo(mg resource.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.m[mg.GetUID()]; ok {
		r.memo = nil
	}
}

// Forget drops mg's record: its object is gone and so is the resource.
func (t *Tracker) Forget(mg resource.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, mg.GetUID())
}

// Len is the number of resources tracked.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}
