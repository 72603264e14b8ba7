// Package fresh keeps a controller from reconciling an object its cache
// holds an older copy of than the controller itself last wrote.
package fresh

import (
	"context"
	"reflect"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// A reconciler writes a resource several times in one reconcile
// (finalizer, create annotations, status), and each write's watch event
// queues the resource again. The next reconcile may start before the
// informer holds the last of those writes: it reads a stale copy, and its
// next write (late initialisation, status) fails with a conflict, which
// costs a warning event, another status write and a backoff of a second or
// more. Under load that was a quarter of new RDS instances.
//
// Reads remembers each object's last write until the cache holds it, and a
// reconcile that would read an older copy waits for it instead.

const (
	// freshWait is how long a reconcile waits for the cache to hold the
	// provider's last write. A watch delivers every change in order, so the
	// wait ends at once unless the watch was cut and its relist skipped the
	// write; then the reconcile goes ahead and conflicts as it did before.
	freshWait = 5 * time.Second
	// freshRecheck is how soon a reconcile that found the cache behind looks
	// again: reading the cache is cheap, and the write's own watch event
	// usually requeues the resource sooner.
	freshRecheck = 100 * time.Millisecond
	// priority of the recheck: that of work under way, ahead of new events
	// (0) and polls.
	priority = 10
)

type lastWrite struct {
	resourceVersion string
	at              time.Time
	// delivered: the informer delivered the write, though the cache may now
	// hold a later one by another writer.
	delivered bool
}

// Reads is one controller's record of its last write of each object.
type Reads struct {
	cache  client.Reader
	newObj func() client.Object
	typ    reflect.Type

	mu     sync.Mutex
	writes map[types.NamespacedName]lastWrite
}

// New tracks the writes of objects of obj's type; cache is what the
// controller reads them from.
func New(cache client.Reader, obj client.Object) *Reads {
	return &Reads{
		cache:  cache,
		newObj: func() client.Object { return obj.DeepCopyObject().(client.Object) },
		typ:    reflect.TypeOf(obj),
		writes: map[types.NamespacedName]lastWrite{},
	}
}

// wrote records a successful write of obj, if it is of the controller's kind.
func (f *Reads) wrote(obj client.Object) {
	if reflect.TypeOf(obj) != f.typ || obj.GetResourceVersion() == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes[client.ObjectKeyFromObject(obj)] = lastWrite{resourceVersion: obj.GetResourceVersion(), at: time.Now()}
}

// seen is told of every object the informer delivers.
func (f *Reads) seen(obj client.Object, deleted bool) {
	key := client.ObjectKeyFromObject(obj)
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.writes[key]
	switch {
	case !ok:
	case deleted:
		delete(f.writes, key)
	case w.resourceVersion == obj.GetResourceVersion():
		w.delivered = true
		f.writes[key] = w
	}
}

// behind reports whether the cache does not yet hold the provider's last
// write of key.
func (f *Reads) behind(ctx context.Context, key types.NamespacedName) bool {
	f.mu.Lock()
	w, ok := f.writes[key]
	f.mu.Unlock()
	if !ok {
		return false
	}
	fresh := w.delivered || time.Since(w.at) > freshWait
	if !fresh {
		// An object gone from the cache, or a cache that cannot answer, is
		// for the reconciler to handle.
		obj := f.newObj()
		err := f.cache.Get(ctx, key, obj)
		fresh = err != nil || obj.GetResourceVersion() == w.resourceVersion
	}
	if fresh {
		f.mu.Lock()
		if cur, ok := f.writes[key]; ok && cur.at.Equal(w.at) {
			delete(f.writes, key)
		}
		f.mu.Unlock()
	}
	return !fresh
}

// Reconciler waits for the cache before reconciling with r.
func (f *Reads) Reconciler(r reconcile.Reconciler) reconcile.Reconciler {
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		if f.behind(ctx, req.NamespacedName) {
			return reconcile.Result{RequeueAfter: freshRecheck, Priority: ptr.To(priority)}, nil
		}
		return r.Reconcile(ctx, req)
	})
}

// Handler tells f what the informer delivers; it queues nothing. The
// controller watches its kind with it as well as with its own handler.
func (f *Reads) Handler() handler.EventHandler {
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			f.seen(e.Object, false)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			f.seen(e.ObjectNew, false)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			f.seen(e.Object, true)
		},
	}
}

// Client records the writes made through c.
func (f *Reads) Client(c client.Client) client.Client { return freshClient{Client: c, f: f} }

type freshClient struct {
	client.Client
	f *Reads
}

func (c freshClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	err := c.Client.Create(ctx, obj, opts...)
	if err == nil {
		c.f.wrote(obj)
	}
	return err
}

func (c freshClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	err := c.Client.Update(ctx, obj, opts...)
	if err == nil {
		c.f.wrote(obj)
	}
	return err
}

func (c freshClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	err := c.Client.Patch(ctx, obj, patch, opts...)
	if err == nil {
		c.f.wrote(obj)
	}
	return err
}

func (c freshClient) Status() client.SubResourceWriter {
	return freshStatusWriter{SubResourceWriter: c.Client.Status(), f: c.f}
}

type freshStatusWriter struct {
	client.SubResourceWriter
	f *Reads
}

func (w freshStatusWriter) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	err := w.SubResourceWriter.Update(ctx, obj, opts...)
	if err == nil {
		w.f.wrote(obj)
	}
	return err
}

func (w freshStatusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	err := w.SubResourceWriter.Patch(ctx, obj, patch, opts...)
	if err == nil {
		w.f.wrote(obj)
	}
	return err
}
