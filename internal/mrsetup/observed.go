package mrsetup

import (
	"context"
	"reflect"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/internal/fresh"
	"github.com/stowage-dev/stowage/internal/secrets"
)

// kstatus (kubectl wait, Flux, Argo CD) tells "done" from "the controller has
// not seen this edit yet" by status.observedGeneration. crossplane-runtime's
// managed reconciler stamps the conditions it sets with the generation it
// acted on, but leaves status.observedGeneration (which every Stowage
// managed resource has through xpv2.ManagedResourceStatus) unset. The
// reconciler is given a client that copies the Synced condition's generation
// there on each status write it makes: no extra API call.

// observedManager is a manager whose client sets observedGeneration.
type observedManager struct {
	ctrl.Manager
	c client.Client
}

func (m observedManager) GetClient() client.Client { return m.c }

func withObservedGeneration(mgr ctrl.Manager, f *fresh.Reads) ctrl.Manager {
	return observedManager{Manager: mgr, c: observedClient{Client: f.Client(mgr.GetClient())}}
}

type observedClient struct{ client.Client }

// Update skips an update that would change nothing: crossplane-runtime's
// ProviderConfig reconciler updates its config (to add a finalizer it
// already has) for every usage a new managed resource records.
//
// It also keeps obj's status through the update. The API server answers an
// update with the status it holds, so the status the reconciler has just
// observed, and writes next, would be lost: crossplane-runtime's late
// initialisation of a new RDS instance wrote Ready=False back over
// Ready=True, and the resource became Ready one reconcile and two status
// writes later.
func (c observedClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if len(opts) == 0 && unchangedObject(ctx, c.Client, obj) {
		return nil
	}
	if !statusOf(obj).IsValid() {
		return c.Client.Update(ctx, obj, opts...)
	}
	before, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return c.Client.Update(ctx, obj, opts...)
	}
	if err := c.Client.Update(ctx, obj, opts...); err != nil {
		return err
	}
	statusOf(obj).Set(statusOf(before))
	return nil
}

// Create does not create a Secret with nothing in it that a managed
// resource controls: crossplane-runtime publishes connection details after
// every observation, also of a resource not created yet, and so made an
// empty Secret and then patched it a moment later. The Secret is created
// once there are details to put in it.
func (c observedClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if s, ok := obj.(*corev1.Secret); ok && len(s.Data) == 0 && len(s.StringData) == 0 && secrets.ControlledByStowage(s) {
		return nil
	}
	return c.Client.Create(ctx, obj, opts...)
}

// unchangedObject reports whether obj is the object the cache holds for the
// same resourceVersion. A cache that cannot say, or holds another version,
// makes it false: the write goes to the API server.
func unchangedObject(ctx context.Context, reader client.Reader, obj client.Object) bool {
	cached, ok := cachedAtSameVersion(ctx, reader, obj)
	if !ok {
		return false
	}
	cached.GetObjectKind().SetGroupVersionKind(obj.GetObjectKind().GroupVersionKind())
	return equality.Semantic.DeepEqual(obj, cached)
}

// cachedAtSameVersion is reader's copy of obj, if it is at obj's
// resourceVersion.
func cachedAtSameVersion(ctx context.Context, reader client.Reader, obj client.Object) (client.Object, bool) {
	cached, ok := obj.DeepCopyObject().(client.Object)
	if !ok || reader.Get(ctx, client.ObjectKeyFromObject(obj), cached) != nil {
		return nil, false
	}
	return cached, cached.GetResourceVersion() == obj.GetResourceVersion()
}

// WithoutNoOpWrites is mgr with a client that skips updates and status
// updates that would change nothing, for reconcilers (crossplane-runtime's)
// that write whether or not anything changed.
func WithoutNoOpWrites(mgr ctrl.Manager) ctrl.Manager {
	return observedManager{Manager: mgr, c: observedClient{Client: mgr.GetClient()}}
}

func (c observedClient) Status() client.SubResourceWriter {
	return observedStatusWriter{SubResourceWriter: c.Client.Status(), reader: c.Client}
}

type observedStatusWriter struct {
	client.SubResourceWriter
	// reader reads the informer cache the reconciler read obj from.
	reader client.Reader
}

func (w observedStatusWriter) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	SetObservedGeneration(obj)
	if w.unchanged(ctx, obj) {
		return nil
	}
	return w.SubResourceWriter.Update(ctx, obj, opts...)
}

// unchanged reports whether obj's status is the one the cache holds for the
// same resourceVersion. The managed reconciler writes the status after
// every poll, changed or not; the API server would answer an unchanged one
// without storing anything, so the write is skipped here rather than spend
// one API request per resource per poll. Anything that differs, or a cache
// that cannot answer, writes.
func (w observedStatusWriter) unchanged(ctx context.Context, obj client.Object) bool {
	if w.reader == nil {
		return false
	}
	cached, ok := cachedAtSameVersion(ctx, w.reader, obj)
	if !ok {
		return false
	}
	a, b := statusOf(obj), statusOf(cached)
	return a.IsValid() && b.IsValid() && equality.Semantic.DeepEqual(a.Interface(), b.Interface())
}

// statusOf is obj.Status, or the zero Value if obj has none.
func statusOf(obj client.Object) reflect.Value {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem().FieldByName("Status")
}

func (w observedStatusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	SetObservedGeneration(obj)
	return w.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// SetObservedGeneration sets a managed resource's status.observedGeneration
// to the generation its Synced condition was set for, and reports whether
// it could. Synced is the condition the managed reconciler sets on every
// pass, whatever happened.
func SetObservedGeneration(obj client.Object) bool {
	mg, ok := obj.(resource.Managed)
	if !ok {
		return false
	}
	g := mg.GetCondition(xpv2.TypeSynced).ObservedGeneration
	f := observedGenerationField(obj)
	if g == 0 || !f.IsValid() {
		return false
	}
	f.SetInt(g)
	return true
}

// observedGenerationField is obj.Status.ObservedGeneration, promoted from
// the embedded xpv2.ObservedStatus, or the zero Value if obj has none.
func observedGenerationField(obj client.Object) reflect.Value {
	s := statusOf(obj)
	if !s.IsValid() || s.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	f := s.FieldByName("ObservedGeneration")
	if !f.IsValid() || f.Kind() != reflect.Int64 || !f.CanSet() {
		return reflect.Value{}
	}
	return f
}
