// Package usage reconciles every cloud's ProviderConfig and
// ClusterProviderConfig: it counts their users so one in use is not deleted.
package usage

import (
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/providerconfig"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
		For(obj).
		Watches(c.usage, &resource.EnqueueRequestForProviderConfig{Kind: gvk.Kind}).
		Complete(mrsetup.RateLimited(name, r, o))
}
