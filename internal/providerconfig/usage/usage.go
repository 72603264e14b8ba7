// Package usage reconciles every cloud's ProviderConfig and
// ClusterProviderConfig: it counts their users so one in use is not deleted.
package usage

import (
	"context"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/providerconfig"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlevent "sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	azurev1alpha1 "github.com/stowage-dev/stowage/apis/azure/v1alpha1"
	gcpv1alpha1 "github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	"github.com/stowage-dev/stowage/internal/mrsetup"
)

// A cloud is one cloud's provider config kinds.
type cloud struct {
	pc, cpc       client.Object
	pcGVK, cpcGVK schema.GroupVersionKind
	usage         client.Object
	usageGVK      schema.GroupVersionKind
	usageListGVK  schema.GroupVersionKind
}

func clouds() []cloud {
	return []cloud{
		{&awsv1alpha1.ProviderConfig{}, &awsv1alpha1.ClusterProviderConfig{}, awsv1alpha1.ProviderConfigGroupVersionKind, awsv1alpha1.ClusterProviderConfigGroupVersionKind, &awsv1alpha1.ProviderConfigUsage{}, awsv1alpha1.ProviderConfigUsageGroupVersionKind, awsv1alpha1.ProviderConfigUsageListGroupVersionKind},
		{&azurev1alpha1.ProviderConfig{}, &azurev1alpha1.ClusterProviderConfig{}, azurev1alpha1.ProviderConfigGroupVersionKind, azurev1alpha1.ClusterProviderConfigGroupVersionKind, &azurev1alpha1.ProviderConfigUsage{}, azurev1alpha1.ProviderConfigUsageGroupVersionKind, azurev1alpha1.ProviderConfigUsageListGroupVersionKind},
		{&gcpv1alpha1.ProviderConfig{}, &gcpv1alpha1.ClusterProviderConfig{}, gcpv1alpha1.ProviderConfigGroupVersionKind, gcpv1alpha1.ClusterProviderConfigGroupVersionKind, &gcpv1alpha1.ProviderConfigUsage{}, gcpv1alpha1.ProviderConfigUsageGroupVersionKind, gcpv1alpha1.ProviderConfigUsageListGroupVersionKind},
	}
}

// Setup adds usage-counting controllers for every cloud's provider configs.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	for _, c := range clouds() {
		if err := setup(mgr, o, c.pc, c.pcGVK, c); err != nil {
			return err
		}
		if err := setup(mgr, o, c.cpc, c.cpcGVK, c); err != nil {
			return err
		}
	}
	return nil
}

func setup(mgr ctrl.Manager, o controller.Options, obj client.Object, gvk schema.GroupVersionKind, c cloud) error {
	name := providerconfig.ControllerName(gvk.GroupKind().String())
	r := providerconfig.NewReconciler(mrsetup.WithoutNoOpWrites(mgr), resource.ProviderConfigKinds{Config: gvk, Usage: c.usageGVK, UsageList: c.usageListGVK},
		providerconfig.WithLogger(o.Logger.WithValues("controller", name)),
		providerconfig.WithRecorder(event.NewAPIRecorder(mgr.GetEventRecorderFor(name))))

	return ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WithOptions(o.ForControllerRuntime()).
		// Its own status writes do not count it again: while a burst of
		// usages lasts, each write's watch event re-counted at once and
		// wrote again (12 writes for 39 removals). A spec change or a
		// deletion changes the generation.
		For(obj, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(c.usage, coalesced{resource.EnqueueRequestForProviderConfig{Kind: gvk.Kind}}).
		Complete(mrsetup.RateLimited(name, r, o))
}

// UsageCoalesce is how long a provider config waits after a usage is made or
// removed before it counts its users again. Usages come in bursts (a hundred
// claims applied together make a hundred, each a watch event for the same
// provider config); counting once per burst writes its status once instead
// of once per usage, each write a conflict risk with the next. What the
// count protects is unchanged: a provider config being deleted is released
// only when a count finds no users.
const UsageCoalesce = time.Second

// coalesced enqueues the provider config of a usage UsageCoalesce after the
// event. The queue keeps the earliest time an item is due, so every event
// within that second is served by one reconcile.
type coalesced struct {
	resource.EnqueueRequestForProviderConfig
}

func (e coalesced) Create(ctx context.Context, evt ctrlevent.CreateEvent, q resource.RateLimitingInterface) {
	e.EnqueueRequestForProviderConfig.Create(ctx, evt, later{q})
}

func (e coalesced) Update(ctx context.Context, evt ctrlevent.UpdateEvent, q resource.RateLimitingInterface) {
	e.EnqueueRequestForProviderConfig.Update(ctx, evt, later{q})
}

func (e coalesced) Delete(ctx context.Context, evt ctrlevent.DeleteEvent, q resource.RateLimitingInterface) {
	e.EnqueueRequestForProviderConfig.Delete(ctx, evt, later{q})
}

func (e coalesced) Generic(ctx context.Context, evt ctrlevent.GenericEvent, q resource.RateLimitingInterface) {
	e.EnqueueRequestForProviderConfig.Generic(ctx, evt, later{q})
}

// later turns the queue's Add into an AddAfter of UsageCoalesce.
type later struct{ resource.RateLimitingInterface }

func (l later) Add(r reconcile.Request) { l.AddAfter(r, UsageCoalesce) }
