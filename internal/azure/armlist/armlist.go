// Package armlist serves Azure managed resources' observations from shared
// ARM listings (package cloudlist): one list call per resource group (or
// parent resource, or subscription) and poll for every resource of a kind
// in it, instead of one GET per resource and poll.
//
// What a listing cannot be trusted with is read directly, as it was before:
// a resource being deleted is always read with a GET, and an object missing
// from a listing that the resource has seen, or whose status says it
// existed, is confirmed gone by a GET before it is reported gone. Writes are
// never batched or delayed; a resource's next observation after its write
// is served only from a listing taken after that write returned.
package armlist

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/cloudlist"
)

// An Observer serves one kind's observations from shared listings. One is
// made per kind when its controller is set up and shared by every
// reconcile.
type Observer[T any] struct {
	Lister  *cloudlist.Lister[T]
	Tracker *cloudlist.Tracker

	// ended is when each resource's last observation ended: a resource
	// that is not Ready is served only from a listing taken after it.
	// (Tracker.NotBefore's "after the previous observation" is the time
	// that observation began, so the listing it took would serve the
	// next one again.)
	mu    sync.Mutex
	ended map[types.UID]time.Time
}

// New returns an Observer of kind (as metrics name it) for resources polled
// every poll.
func New[T any](kind string, poll time.Duration) *Observer[T] {
	return &Observer[T]{Lister: cloudlist.NewLister[T](kind), Tracker: cloudlist.NewTracker(poll), ended: map[types.UID]time.Time{}}
}

// Scope names the listing an object is in: the ARM endpoint and
// subscription of s, then the resource group and parent names, in ARM's
// case-insensitive way.
func Scope(s azureclient.Session, parts ...string) string {
	endpoint := ""
	if s.ClientOptions != nil {
		endpoint = s.ClientOptions.Cloud.Services[cloud.ResourceManager].Endpoint
	}
	return strings.ToLower(endpoint + "|" + s.SubscriptionID + "/" + strings.Join(parts, "/"))
}

// A Source says where a resource's object is listed and how to read it
// alone.
type Source[T any] struct {
	// Scope of the listing (see Scope) and the object's name in it.
	Scope, Name string
	// Existed is true when the resource's status shows its object existed
	// (an ID observed before): a listing without it is then not believed
	// without a GET, even after a restart.
	Existed bool
	// List lists the scope, every page (see Collect).
	List cloudlist.ListFunc[T]
	// Get reads the object alone; an error azerr.NotFound takes for gone
	// means it does not exist.
	Get func(ctx context.Context) (T, error)
}

// Observe returns mg's object and whether it exists: from a listing taken
// recently enough for mg (cloudlist.Tracker.NotBefore: after mg's last
// write and within half a poll; while mg is not Ready, also after its
// previous observation ended), else from a GET when mg is being deleted, when the listing
// lacks an object mg has seen or did not create, or when the scope itself
// is gone.
func (o *Observer[T]) Observe(ctx context.Context, mg resource.Managed, s Source[T]) (T, bool, error) {
	var none T
	if meta.WasDeleted(mg) {
		return o.get(ctx, mg, s)
	}
	settled := Settled(mg)
	nb := o.Tracker.NotBefore(mg, settled)
	o.mu.Lock()
	if end := o.ended[mg.GetUID()]; !settled && end.After(nb) {
		// Something new each poll, and still shared: any listing taken
		// since this resource's previous observation ended serves it.
		nb = end
	}
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.ended[mg.GetUID()] = time.Now()
		o.mu.Unlock()
	}()
	item, found, err := o.Lister.Get(ctx, s.Scope, nb, strings.ToLower(s.Name), s.List)
	switch {
	case azerr.NotFound(err):
		// The resource group or parent is gone: the GET says what that
		// means for this object, as it did before listings.
		return o.get(ctx, mg, s)
	case err != nil:
		return none, false, err
	case found:
		o.Tracker.Seen(mg)
		return item, true, nil
	case s.Existed || o.Tracker.WasSeen(mg) || meta.GetExternalCreateSucceeded(mg).IsZero():
		// Not believed on the listing's word alone: an object seen
		// before may only be missing from a listing, and one the
		// provider did not create may have been made just before the
		// resource (an import), after the listing was taken. Either
		// way the answer leads to a create, a write, which is worth a
		// read. Only an object the provider created and has not seen
		// yet is taken as not shown yet on the word of a listing taken
		// after the create.
		return o.get(ctx, mg, s)
	}
	return none, false, nil
}

func (o *Observer[T]) get(ctx context.Context, mg resource.Managed, s Source[T]) (T, bool, error) {
	var none T
	item, err := s.Get(ctx)
	switch {
	case azerr.NotFound(err):
		if meta.WasDeleted(mg) {
			// Gone, and so will the resource be.
			o.Tracker.Forget(mg)
			o.mu.Lock()
			delete(o.ended, mg.GetUID())
			o.mu.Unlock()
		}
		return none, false, nil
	case err != nil:
		return none, false, err
	}
	o.Tracker.Seen(mg)
	return item, true, nil
}

// Wrote records that the provider just wrote mg's object (or tried to), so
// its next observation sees a listing taken after the write. Call it after
// every create, update and delete call returns.
func (o *Observer[T]) Wrote(mg resource.Managed) { o.Tracker.Wrote(mg) }

// Settled reports whether mg is Ready: its object is not being created or
// changed by Azure, so its observations may be served from a listing up to
// half a poll old. A resource that is not is served only from a listing
// taken after its previous observation, so each of its polls sees the
// long-running operation move on.
func Settled(mg resource.Managed) bool {
	c := mg.GetCondition(xpv2.TypeReady)
	return c.Status == corev1.ConditionTrue && c.Reason == xpv2.ReasonAvailable
}

// Collect follows every page of a list call and keys its items by name,
// lower-cased as Observe looks them up. item converts one listed item (nil
// to skip it) and returns its name.
func Collect[R, V, T any](ctx context.Context, p *runtime.Pager[R], values func(R) []*V, item func(*V) (string, T)) (map[string]T, error) {
	out := map[string]T{}
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range values(page) {
			if v == nil {
				continue
			}
			name, t := item(v)
			if name != "" {
				out[strings.ToLower(name)] = t
			}
		}
	}
	return out, nil
}
