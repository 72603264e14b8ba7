// Package mrsetup wires a managed resource's external connector into
// crossplane-runtime's managed reconciler the same way for every kind, so
// each cloud package only says what is particular to its resource.
package mrsetup

import (
	"context"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"github.com/crossplane/crossplane-runtime/v2/pkg/statemetrics"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/stowage-dev/stowage/internal/fresh"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// Setup adds a controller for the managed resource kind gvk (whose Go type
// is obj) that uses the supplied connector, plus any extra reconciler options.
func Setup[T resource.Managed](mgr ctrl.Manager, o controller.Options, gvk schema.GroupVersionKind, obj client.Object,
	conn managed.TypedExternalConnector[T], extra ...managed.ReconcilerOption,
) error {
	name := managed.ControllerName(gvk.GroupKind().String())
	opts := []managed.ReconcilerOption{
		managed.WithTypedExternalConnector[T](conn),
		managed.WithLogger(o.Logger.WithValues("controller", name)),
		managed.WithPollInterval(o.PollInterval),
		managed.WithPollIntervalHook(jitteredPoll),
		managed.WithRecorder(event.NewAPIRecorder(mgr.GetEventRecorderFor(name))),
		managed.WithManagementPolicies(),
		// Every Stowage resource's cloud name is known before Create and the
		// APIs we call read their own writes (S3, RDS, ARM, Cloud SQL), so a
		// "not found" right after a create is the truth. The default 30 s
		// grace period would only stall deleting a young resource.
		managed.WithCreationGracePeriod(0),
		managed.WithDeterministicExternalName(true),
		// A managed resource that points at another (a Database at its
		// Server, a Container at its Account) by name or selector has its
		// references resolved here, for every kind: the kind only marks the
		// fields (+crossplane:generate:reference) and angryjet generates
		// ResolveReferences.
		managed.WithReferenceResolver(managed.NewAPISimpleReferenceResolver(mgr.GetClient())),
		// Instead of NameAsExternalName: also records that the name was
		// generated, so an object found under it is only adopted when
		// ownership.Check allows it.
		managed.WithInitializers(ownership.NewGeneratedExternalName(mgr.GetClient())),
	}
	if o.MetricOptions != nil {
		opts = append(opts, managed.WithMetricRecorder(o.MetricOptions.MRMetrics))
	}
	opts = append(opts, extra...)
	// Writes are tracked so no reconcile reads an older copy than the
	// provider last wrote (package fresh).
	reads := fresh.New(mgr.GetClient(), obj)
	r := managed.NewReconciler(withObservedGeneration(mgr, reads), resource.ManagedKind(gvk), opts...)

	return Gated(o, name, func() error {
		if err := addStateRecorder(mgr, o, gvk); err != nil {
			return err
		}
		return ctrl.NewControllerManagedBy(mgr).
			Named(name).
			WithOptions(o.ForControllerRuntime()).
			For(obj).
			Watches(obj, reads.Handler()).
			Complete(RateLimited(name, newPolls(throttleAware{r: reads.Reconciler(r)}, gvk.Kind, o.PollInterval), o))
	}, gvk)
}

// RateLimited is r under o's global reconcile limit, which the provider sets
// only when the user asks for one (--max-reconcile-rate): the clouds are
// protected by the cloud call budget (package cloudbudget) instead.
func RateLimited(name string, r reconcile.Reconciler, o controller.Options) reconcile.Reconciler {
	if o.GlobalRateLimiter == nil {
		return r
	}
	return ratelimiter.NewReconciler(name, r, o.GlobalRateLimiter)
}

// addStateRecorder records how many resources of kind gvk exist, are Ready
// and are Synced (crossplane_managed_resource_exists, _ready, _synced) every
// PollStateMetricInterval, as upjet providers do: the managed reconciler
// does not keep these itself.
func addStateRecorder(mgr ctrl.Manager, o controller.Options, gvk schema.GroupVersionKind) error {
	mo := o.MetricOptions
	if mo == nil || mo.MRStateMetrics == nil || mo.PollStateMetricInterval <= 0 {
		return nil
	}
	obj, err := mgr.GetScheme().New(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err != nil {
		return errors.Wrapf(err, "cannot make a list of %s", gvk.Kind)
	}
	list, ok := obj.(resource.ManagedList)
	if !ok {
		return errors.Errorf("%s is not a list of managed resources", gvk.Kind+"List")
	}
	// mgr.GetClient lists from the informer the controller already has.
	return mgr.Add(statemetrics.NewMRStateRecorder(uncopiedLists{mgr.GetClient()}, o.Logger, mo.MRStateMetrics, list, mo.PollStateMetricInterval))
}

// uncopiedLists lists the cache's own objects instead of deep copies. The
// state recorder lists every resource of a kind every few seconds to count
// its conditions, and keeps the last list: copies of 1,000 buckets were 2
// MiB of the provider's live heap, and more in garbage. It never writes to
// what it lists.
type uncopiedLists struct{ client.Client }

func (c uncopiedLists) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return c.Client.List(ctx, list, append(opts, client.UnsafeDisableDeepCopy)...)
}

// MetricOptions are the crossplane-runtime managed resource metrics,
// registered with reg: the MR metrics the managed reconciler records
// (first time to readiness, drift, deletion...) and the state metrics
// recorded every pollState.
func MetricOptions(reg prometheus.Registerer, pollState time.Duration) (*controller.MetricOptions, error) {
	mr := managed.NewMRMetricRecorder()
	state := statemetrics.NewMRStateMetrics()
	for _, c := range []prometheus.Collector{mr, state} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return &controller.MetricOptions{PollStateMetricInterval: pollState, MRMetrics: mr, MRStateMetrics: state}, nil
}

// Recorder returns the event recorder external clients use to report what
// they changed and why.
func Recorder(mgr ctrl.Manager, gvk schema.GroupVersionKind) event.Recorder {
	return event.NewAPIRecorder(mgr.GetEventRecorderFor(managed.ControllerName(gvk.GroupKind().String())))
}

// TrackUsage records that mg uses its provider config, so the config is not
// deleted while in use. A managed resource being deleted is not tracked: its
// usage may already be gone with its namespace, and a terminating namespace
// refuses new objects, which would block the delete forever.
func TrackUsage(ctx context.Context, t resource.ModernTracker, mg resource.ModernManaged) error {
	if meta.WasDeleted(mg) {
		return nil
	}
	return errors.Wrap(t.Track(ctx, mg), "cannot track provider config usage")
}
