// Package resourcegroup is the controller for Azure resource groups.
package resourcegroup

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armlist"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// API is the part of the resource groups client a ResourceGroup needs.
type API interface {
	Get(ctx context.Context, name string, o *armresources.ResourceGroupsClientGetOptions) (armresources.ResourceGroupsClientGetResponse, error)
	CreateOrUpdate(ctx context.Context, name string, p armresources.ResourceGroup, o *armresources.ResourceGroupsClientCreateOrUpdateOptions) (armresources.ResourceGroupsClientCreateOrUpdateResponse, error)
	Update(ctx context.Context, name string, p armresources.ResourceGroupPatchable, o *armresources.ResourceGroupsClientUpdateOptions) (armresources.ResourceGroupsClientUpdateResponse, error)
	BeginDelete(ctx context.Context, name string, o *armresources.ResourceGroupsClientBeginDeleteOptions) (*runtime.Poller[armresources.ResourceGroupsClientDeleteResponse], error)
	// NewListPager lists the subscription's groups: one call a poll
	// observes every ResourceGroup in it.
	NewListPager(o *armresources.ResourceGroupsClientListOptions) *runtime.Pager[armresources.ResourceGroupsClientListResponse]
}

// NewAPI makes the SDK client from a session.
func NewAPI(s azureclient.Session) (API, error) {
	return armresources.NewResourceGroupsClient(s.SubscriptionID, s.Credential, s.ClientOptions)
}

// Setup adds a controller that reconciles ResourceGroups.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.ResourceGroupGroupVersionKind
	c := &connector{
		azure:    azureclient.NewConnector(mgr, o, NewAPI),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		obs:      armlist.New[armresources.ResourceGroup]("azure.ResourceGroup", o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.ResourceGroup](mgr, o, gvk, &v1alpha1.ResourceGroup{}, c)
}

type connector struct {
	azure    *azureclient.Connector[API]
	recorder event.Recorder
	cluster  ownership.ClusterID
	obs      *armlist.Observer[armresources.ResourceGroup]
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.ResourceGroup) (managed.TypedExternalClient[*v1alpha1.ResourceGroup], error) {
	api, s, err := c.azure.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, session: s, recorder: c.recorder, owners: ownership.Checker{Cluster: c.cluster, Kind: kind}, obs: c.obs}, nil
}

// kind is the ResourceGroup kind as owner tags name it.
var kind = strings.ToLower(v1alpha1.ResourceGroupKind)

// external is built anew for every reconcile, so it carries what Observe
// read over to Update and Delete.
type external struct {
	api      API
	session  azureclient.Session
	recorder event.Recorder
	owners   ownership.Checker
	obs      *armlist.Observer[armresources.ResourceGroup]
	last     *armresources.ResourceGroup
}

// validName is ARM's rule for resource group names.
var validName = regexp.MustCompile(`^[-\w\._\(\)]{1,90}$`)

func name(cr *v1alpha1.ResourceGroup) (string, error) {
	n := meta.GetExternalName(cr)
	if !validName.MatchString(n) || strings.HasSuffix(n, ".") {
		return "", xperrors.Errorf("external name %q is not a valid resource group name (1-90 letters, digits, '.', '_', '-', '(' and ')', not ending in '.')", n)
	}
	return n, nil
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.ResourceGroup) (_ managed.ExternalObservation, err error) {
	defer azerr.Requeue(ctx, &err)
	if meta.GetExternalName(cr) == "" {
		return managed.ExternalObservation{}, nil
	}
	n, err := name(cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	g, found, err := e.obs.Observe(ctx, cr, armlist.Source[armresources.ResourceGroup]{
		Scope:   armlist.Scope(e.session),
		Name:    n,
		Existed: cr.Status.AtProvider.ID != "",
		List: func(ctx context.Context) (map[string]armresources.ResourceGroup, error) {
			return armlist.Collect(ctx, e.api.NewListPager(nil),
				func(r armresources.ResourceGroupsClientListResponse) []*armresources.ResourceGroup { return r.Value },
				func(g *armresources.ResourceGroup) (string, armresources.ResourceGroup) {
					return ptr.Deref(g.Name, ""), *g
				})
		},
		Get: func(ctx context.Context) (armresources.ResourceGroup, error) {
			resp, err := e.api.Get(ctx, n, nil)
			return resp.ResourceGroup, err
		},
	})
	if err != nil {
		return managed.ExternalObservation{}, azerr.Wrap(err, "cannot get resource group")
	}
	if !found {
		return managed.ExternalObservation{}, nil
	}
	tags := armtags.FromARM(g.Tags)
	if err := e.owners.Check(ctx, cr, tags); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the group.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = &g
	state := ""
	if g.Properties != nil {
		state = ptr.Deref(g.Properties.ProvisioningState, "")
	}
	cr.Status.AtProvider = v1alpha1.ResourceGroupObservation{ID: ptr.Deref(g.ID, ""), ProvisioningState: state}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	switch state {
	case "Succeeded":
		cr.SetConditions(xpv2.Available())
	case "Deleting":
		cr.SetConditions(xpv2.Unavailable().WithMessage("Azure is deleting the resource group"))
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	default:
		cr.SetConditions(xpv2.Creating().WithMessage("provisioningState " + state))
	}

	lateInit := compare.LateInit(&cr.Spec.ForProvider.Location, g.Location)
	lateInit = armtags.LateInit(&cr.Spec.ForProvider.Tags, tags) || lateInit
	if l := ptr.Deref(cr.Spec.ForProvider.Location, ""); !azureclient.SameLocation(l, ptr.Deref(g.Location, "")) {
		return managed.ExternalObservation{}, xperrors.Errorf("spec.forProvider.location %q differs from the resource group's location %q: a resource group cannot move; set it to %q", l, ptr.Deref(g.Location, ""), ptr.Deref(g.Location, ""))
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		o, err := e.owners.Owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &o
	}
	ds := armtags.Diff(cr.Spec.ForProvider.Tags, tags, owner)
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    compare.Describe(ds),
	}, nil
}

func (e *external) location(cr *v1alpha1.ResourceGroup) (string, error) {
	if l := ptr.Deref(cr.Spec.ForProvider.Location, e.session.Spec.Location); l != "" {
		return l, nil
	}
	return "", xperrors.New("spec.forProvider.location is required: set it, or spec.location in the provider config")
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.ResourceGroup) (_ managed.ExternalCreation, err error) {
	defer azerr.Requeue(ctx, &err)
	n, err := name(cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	loc, err := e.location(cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	// Known before the create call, so a group is never made without them.
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	_, err = e.api.CreateOrUpdate(ctx, n, armresources.ResourceGroup{
		Location: &loc,
		Tags:     armtags.ToARM(ownership.Merge(cr.Spec.ForProvider.Tags, owner)),
	}, nil)
	e.obs.Wrote(cr)
	if err != nil {
		return managed.ExternalCreation{}, azerr.Field(err, fmt.Sprintf("cannot create resource group %q", n), "spec.forProvider")
	}
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.ResourceGroup) (_ managed.ExternalUpdate, err error) {
	defer azerr.Requeue(ctx, &err)
	n, err := name(cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if e.last == nil {
		resp, err := e.api.Get(ctx, n, nil)
		if err != nil {
			return managed.ExternalUpdate{}, azerr.Wrap(err, "cannot get resource group")
		}
		if err := e.owners.Check(ctx, cr, armtags.FromARM(resp.Tags)); err != nil {
			return managed.ExternalUpdate{}, err
		}
		e.last = &resp.ResourceGroup
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	tags := armtags.FromARM(e.last.Tags)
	ds := armtags.Diff(cr.Spec.ForProvider.Tags, tags, &owner)
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating resource group: "+compare.Describe(ds)))
	if prev, ok := ownership.Foreign(cr, tags); ok {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("Resource group %q was tagged as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's", n, prev)))
	}
	// Tags are the one thing of a group that changes; ARM's PATCH replaces
	// the whole tag set.
	_, err = e.api.Update(ctx, n, armresources.ResourceGroupPatchable{Tags: armtags.ToARM(armtags.Desired(cr.Spec.ForProvider.Tags, tags, owner))}, nil)
	e.obs.Wrote(cr)
	return managed.ExternalUpdate{}, azerr.Field(err, fmt.Sprintf("cannot update resource group %q", n), "spec.forProvider.tags")
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.ResourceGroup) (_ managed.ExternalDelete, err error) {
	defer azerr.Requeue(ctx, &err)
	cr.SetConditions(xpv2.Deleting())
	if e.last != nil && e.last.Properties != nil && ptr.Deref(e.last.Properties.ProvisioningState, "") == "Deleting" {
		// Started by an earlier reconcile; Observe watches it finish.
		return managed.ExternalDelete{}, nil
	}
	n, err := name(cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	// The first response only: ARM deletes the group and what is in it in
	// the background, and Observe sees it go.
	_, err = e.api.BeginDelete(ctx, n, nil)
	e.obs.Wrote(cr)
	if err != nil && !azerr.NotFound(err) {
		return managed.ExternalDelete{}, azerr.Wrap(err, fmt.Sprintf("cannot delete resource group %q", n))
	}
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }
