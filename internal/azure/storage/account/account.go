// Package account is the controller for Azure storage accounts.
package account

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/accepted"
	"github.com/stowage-dev/stowage/internal/azure/armlist"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// API is the part of the storage accounts client an Account needs.
type API interface {
	GetProperties(ctx context.Context, rg, name string, o *armstorage.AccountsClientGetPropertiesOptions) (armstorage.AccountsClientGetPropertiesResponse, error)
	BeginCreate(ctx context.Context, rg, name string, p armstorage.AccountCreateParameters, o *armstorage.AccountsClientBeginCreateOptions) (*runtime.Poller[armstorage.AccountsClientCreateResponse], error)
	Update(ctx context.Context, rg, name string, p armstorage.AccountUpdateParameters, o *armstorage.AccountsClientUpdateOptions) (armstorage.AccountsClientUpdateResponse, error)
	Delete(ctx context.Context, rg, name string, o *armstorage.AccountsClientDeleteOptions) (armstorage.AccountsClientDeleteResponse, error)
	ListKeys(ctx context.Context, rg, name string, o *armstorage.AccountsClientListKeysOptions) (armstorage.AccountsClientListKeysResponse, error)
	CheckNameAvailability(ctx context.Context, p armstorage.AccountCheckNameAvailabilityParameters, o *armstorage.AccountsClientCheckNameAvailabilityOptions) (armstorage.AccountsClientCheckNameAvailabilityResponse, error)
	// NewListByResourceGroupPager lists a group's accounts, as GET shows
	// each: one call a poll observes every Account in the group.
	NewListByResourceGroupPager(rg string, o *armstorage.AccountsClientListByResourceGroupOptions) *runtime.Pager[armstorage.AccountsClientListByResourceGroupResponse]
}

// NewAPI makes the SDK client from a session.
func NewAPI(s azureclient.Session) (API, error) {
	return armstorage.NewAccountsClient(s.SubscriptionID, s.Credential, s.ClientOptions)
}

// Setup adds a controller that reconciles Accounts.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.AccountGroupVersionKind
	c := &connector{
		azure:    azureclient.NewConnector(mgr, o, NewAPI),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		obs:      armlist.New[armstorage.Account]("azure.storage.Account", o.PollInterval),
		keys:     &keyCache{},
	}
	return mrsetup.Setup[*v1alpha1.Account](mgr, o, gvk, &v1alpha1.Account{}, c,
		// Storage account names are stricter than metadata.name.
		managed.WithInitializers(generatedName{client: mgr.GetClient()}))
}

type connector struct {
	azure    *azureclient.Connector[API]
	recorder event.Recorder
	cluster  ownership.ClusterID
	obs      *armlist.Observer[armstorage.Account]
	keys     *keyCache
}

// A keyCache holds, per Account, the account key its connection secret
// was last written with, and the creation time of the account it belongs
// to. No listing returns keys: they are read (listKeys) when the account
// is new to the provider or was made again, and otherwise at the drift
// check interval, not every poll; a key regenerated behind the provider's
// back reaches the secret within that interval.
type keyCache struct{ m sync.Map }

type cachedKey struct{ created, key string }

func (c *keyCache) get(uid types.UID, created string) (string, bool) {
	v, ok := c.m.Load(uid)
	if !ok || v.(cachedKey).created != created {
		return "", false
	}
	return v.(cachedKey).key, true
}

func (c *keyCache) put(uid types.UID, created, key string) {
	c.m.Store(uid, cachedKey{created: created, key: key})
}
func (c *keyCache) forget(uid types.UID) { c.m.Delete(uid) }

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Account) (managed.TypedExternalClient[*v1alpha1.Account], error) {
	api, s, err := c.azure.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, session: s, recorder: c.recorder, owners: ownership.Checker{Cluster: c.cluster, Kind: kind}, obs: c.obs, keys: c.keys}, nil
}

// kind is the Account kind as owner tags name it.
var kind = strings.ToLower(v1alpha1.AccountKind)

// AnnotationNameTaken records a storage account name Azure refused because
// it is used in another subscription or resource group. While it names the
// external name, Observe asks checkNameAvailability (a read) instead of
// letting Create try again.
const AnnotationNameTaken = "storage.azure.stowage.dev/name-taken"

type external struct {
	api      API
	session  azureclient.Session
	recorder event.Recorder
	owners   ownership.Checker
	obs      *armlist.Observer[armstorage.Account]
	keys     *keyCache
	last     *observed
}

// target is the account's resource group and name, or an error naming
// what is missing or wrong.
func target(cr *v1alpha1.Account) (rg, name string, err error) {
	name = meta.GetExternalName(cr)
	if !ValidName.MatchString(name) {
		return "", "", xperrors.Errorf("external name %q is not a valid storage account name: 3-24 lower-case letters and digits", name)
	}
	rg = ptr.Deref(cr.Spec.ForProvider.ResourceGroupName, "")
	if rg == "" {
		return "", "", xperrors.New("spec.forProvider.resourceGroupName is not set: the referenced ResourceGroup was not resolved yet")
	}
	return rg, name, nil
}

func takenMessage(name string) string {
	return fmt.Sprintf("storage account name %q is already taken in another subscription or resource group: storage account names are global; set the crossplane.io/external-name annotation to another name", name)
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Account) (_ managed.ExternalObservation, err error) {
	defer azerr.Requeue(ctx, &err)
	if meta.GetExternalName(cr) == "" {
		return managed.ExternalObservation{}, nil
	}
	rg, name, err := target(cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	resp, found, err := e.obs.Observe(ctx, cr, armlist.Source[armstorage.Account]{
		Scope:   armlist.Scope(e.session, rg),
		Name:    name,
		Existed: cr.Status.AtProvider.ID != "",
		List: func(ctx context.Context) (map[string]armstorage.Account, error) {
			return armlist.Collect(ctx, e.api.NewListByResourceGroupPager(rg, nil),
				func(r armstorage.AccountsClientListByResourceGroupResponse) []*armstorage.Account { return r.Value },
				func(a *armstorage.Account) (string, armstorage.Account) { return ptr.Deref(a.Name, ""), *a })
		},
		Get: func(ctx context.Context) (armstorage.Account, error) {
			resp, err := e.api.GetProperties(ctx, rg, name, nil)
			return resp.Account, err
		},
	})
	if err != nil {
		return managed.ExternalObservation{}, azerr.Wrap(err, "cannot get storage account")
	}
	if !found {
		if meta.WasDeleted(cr) {
			e.keys.forget(cr.GetUID())
		}
		return e.notFound(ctx, cr, name)
	}
	o := observe(resp)
	if err := e.owners.Check(ctx, cr, o.Tags); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = &o
	cr.Status.AtProvider = v1alpha1.AccountObservation{ID: ptr.Deref(resp.ID, ""), ProvisioningState: o.State, PrimaryBlobEndpoint: o.BlobEndpoint}
	if p := resp.Properties; p != nil {
		cr.Status.AtProvider.PrimaryLocation = ptr.Deref(p.PrimaryLocation, "")
		cr.Status.AtProvider.StatusOfPrimary = string(ptr.Deref(p.StatusOfPrimary, ""))
	}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	if o.State != string(armstorage.ProvisioningStateSucceeded) {
		// Azure refuses changes until the account is provisioned.
		cr.SetConditions(xpv2.Creating().WithMessage("provisioningState " + o.State))
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	cr.SetConditions(xpv2.Available())
	lateInit := lateInitialize(&cr.Spec.ForProvider, o)
	if l := ptr.Deref(cr.Spec.ForProvider.Location, ""); !azureclient.SameLocation(l, o.Location) {
		return managed.ExternalObservation{}, xperrors.Errorf("spec.forProvider.location %q differs from the account's location %q: an account cannot move; set it to %q", l, o.Location, o.Location)
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		ow, err := e.owners.Owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &ow
	}
	ds, _ := diff(cr.Spec.ForProvider, o, owner)
	obs := managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    compare.Describe(ds),
	}
	if cr.GetWriteConnectionSecretToReference() != nil {
		// listKeys is a POST that reads; made only when a secret is wanted,
		// and then once a drift check interval.
		if obs.ConnectionDetails, err = e.connectionDetails(ctx, cr, rg, name, o); err != nil {
			return managed.ExternalObservation{}, err
		}
	}
	return obs, nil
}

// notFound decides what a 404 means: an account Azure has accepted but not
// shown yet, a name taken elsewhere that is still taken, or no account.
func (e *external) notFound(ctx context.Context, cr *v1alpha1.Account, name string) (managed.ExternalObservation, error) {
	if accepted.Pending(cr) {
		return accepted.NotShown(cr, "account"), nil
	}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, nil
	}
	if cr.GetAnnotations()[AnnotationNameTaken] == name {
		resp, err := e.api.CheckNameAvailability(ctx, armstorage.AccountCheckNameAvailabilityParameters{Name: &name, Type: ptr.To("Microsoft.Storage/storageAccounts")}, nil)
		if err != nil {
			return managed.ExternalObservation{}, azerr.Wrap(err, "cannot check storage account name availability")
		}
		if !ptr.Deref(resp.NameAvailable, false) {
			return managed.ExternalObservation{}, xperrors.New(takenMessage(name))
		}
	}
	return managed.ExternalObservation{}, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Account) (_ managed.ExternalCreation, err error) {
	defer azerr.Requeue(ctx, &err)
	rg, name, err := target(cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	p := cr.Spec.ForProvider
	loc := ptr.Deref(p.Location, e.session.Spec.Location)
	if loc == "" {
		return managed.ExternalCreation{}, xperrors.New("spec.forProvider.location is required: set it, or spec.location in the provider config")
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	in := armstorage.AccountCreateParameters{
		Location: &loc,
		Kind:     ptr.To(armstorage.Kind(ptr.Deref(p.Kind, "StorageV2"))),
		SKU:      &armstorage.SKU{Name: ptr.To(armstorage.SKUName(ptr.Deref(p.SKU, "Standard_LRS")))},
		Tags:     armtags.ToARM(ownership.Merge(p.Tags, owner)),
		Properties: &armstorage.AccountPropertiesCreateParameters{
			AccessTier:             (*armstorage.AccessTier)(p.AccessTier),
			EnableHTTPSTrafficOnly: p.HTTPSOnly,
			MinimumTLSVersion:      (*armstorage.MinimumTLSVersion)(p.MinimumTLSVersion),
			AllowBlobPublicAccess:  p.AllowBlobPublicAccess,
			PublicNetworkAccess:    (*armstorage.PublicNetworkAccess)(p.PublicNetworkAccess),
		},
	}
	// The first response only: Azure provisions the account in the
	// background and Observe watches provisioningState.
	_, err = e.api.BeginCreate(ctx, rg, name, in, nil)
	e.obs.Wrote(cr)
	switch {
	case err == nil:
		meta.RemoveAnnotations(cr, AnnotationNameTaken)
		return managed.ExternalCreation{}, nil
	case azerr.HasCode(err, "StorageAccountAlreadyTaken", "StorageAccountInAnotherResourceGroup"):
		// Recorded so the next reconciles check the name (a read) instead
		// of creating again; crossplane-runtime persists annotations of a
		// failed create.
		meta.AddAnnotations(cr, map[string]string{AnnotationNameTaken: name})
		return managed.ExternalCreation{}, xperrors.New(takenMessage(name))
	case azerr.HasCode(err, "AccountNameInvalid"):
		return managed.ExternalCreation{}, xperrors.Errorf("external name %q is not a valid storage account name: %s", name, azerr.Message(err))
	case azerr.GroupNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.resourceGroupName: resource group %q does not exist", rg)
	default:
		return managed.ExternalCreation{}, azerr.Field(err, fmt.Sprintf("cannot create storage account %q", name), "spec.forProvider")
	}
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Account) (_ managed.ExternalUpdate, err error) {
	defer azerr.Requeue(ctx, &err)
	rg, name, err := target(cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if e.last == nil {
		resp, err := e.api.GetProperties(ctx, rg, name, nil)
		if err != nil {
			return managed.ExternalUpdate{}, azerr.Wrap(err, "cannot get storage account")
		}
		o := observe(resp.Account)
		if err := e.owners.Check(ctx, cr, o.Tags); err != nil {
			return managed.ExternalUpdate{}, err
		}
		e.last = &o
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	ds, patch := diff(cr.Spec.ForProvider, *e.last, &owner)
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating storage account: "+compare.Describe(ds)))
	if prev, ok := ownership.Foreign(cr, e.last.Tags); ok && patch.Tags != nil {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("Storage account %q was tagged as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's", name, prev)))
	}
	// One synchronous PATCH with only what differs.
	_, err = e.api.Update(ctx, rg, name, patch, nil)
	e.obs.Wrote(cr)
	return managed.ExternalUpdate{}, azerr.Field(err, fmt.Sprintf("cannot update storage account %q", name), "spec.forProvider")
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Account) (_ managed.ExternalDelete, err error) {
	defer azerr.Requeue(ctx, &err)
	if e.last == nil {
		// Accepted, not shown yet (accepted.NotShown): delete it once it is.
		return managed.ExternalDelete{}, accepted.WaitToDelete(ctx, "account")
	}
	cr.SetConditions(xpv2.Deleting())
	rg, name, err := target(cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	// Synchronous in the storage API (200, or 204 when already gone); the
	// next Observe confirms the account is gone.
	_, err = e.api.Delete(ctx, rg, name, nil)
	e.obs.Wrote(cr)
	if err != nil && !azerr.NotFound(err) {
		return managed.ExternalDelete{}, azerr.Wrap(err, fmt.Sprintf("cannot delete storage account %q", name))
	}
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }

// connectionDetails are the account's blob endpoint and a connection string
// with its first key.
func (e *external) connectionDetails(ctx context.Context, cr *v1alpha1.Account, rg, name string, o observed) (managed.ConnectionDetails, error) {
	created := ""
	if o.Created != nil {
		created = o.Created.String()
	}
	key, ok := e.keys.get(cr.GetUID(), created)
	if !ok || e.obs.Tracker.DriftCheckDue(cr, cr.Spec.ForProvider) {
		keys, err := e.api.ListKeys(ctx, rg, name, nil)
		if err != nil {
			return nil, azerr.Wrap(err, "cannot list storage account keys")
		}
		key = ""
		if len(keys.Keys) > 0 {
			key = ptr.Deref(keys.Keys[0].Value, "")
		}
		e.keys.put(cr.GetUID(), created, key)
		e.obs.Tracker.Verified(cr, cr.Spec.ForProvider)
	}
	return managed.ConnectionDetails{
		contract.KeyProvider:         []byte("azure"),
		contract.KeyRegion:           []byte(o.Location),
		contract.KeyEndpoint:         []byte(o.BlobEndpoint),
		contract.KeyConnectionString: []byte(ConnectionString(name, key, o.BlobEndpoint)),
		"accountName":                []byte(name),
	}, nil
}

// ConnectionString is the Azure Storage connection string for an account:
// the usual EndpointSuffix form for an account in Azure's public cloud,
// else one naming the blob endpoint (a sovereign cloud or a local one).
func ConnectionString(account, key, blobEndpoint string) string {
	const public = ".blob.core.windows.net/"
	if blobEndpoint == "" || blobEndpoint == "https://"+account+public {
		return fmt.Sprintf("DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net", account, key)
	}
	proto, _, _ := strings.Cut(blobEndpoint, "://")
	return fmt.Sprintf("DefaultEndpointsProtocol=%s;AccountName=%s;AccountKey=%s;BlobEndpoint=%s", proto, account, key, blobEndpoint)
}
