// Package database is the controller for Azure SQL databases.
package database

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
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

// Database statuses Stowage acts on.
const (
	StatusOnline   = "Online"
	StatusCreating = "Creating"
	StatusScaling  = "Scaling"
)

// serverWait is how soon a database whose server is not Ready yet is
// looked at again.
const serverWait = 2 * time.Second

// deleteWait is how soon a resource whose delete Azure is running is
// looked at again: the managed reconciler's own requeue after a delete is
// the error backoff, which grows with every earlier failure (a refused
// delete, a throttled call) and would leave the resource waiting long
// after Azure is done.
const deleteWait = 2 * time.Second

// deleteRetry is how long Stowage leaves Azure to delete a database before
// asking again.
const deleteRetry = 5 * time.Minute

// API is the part of the SQL databases and servers clients a Database
// needs.
type API interface {
	Get(ctx context.Context, rg, server, name string, o *armsql.DatabasesClientGetOptions) (armsql.DatabasesClientGetResponse, error)
	BeginCreateOrUpdate(ctx context.Context, rg, server, name string, p armsql.Database, o *armsql.DatabasesClientBeginCreateOrUpdateOptions) (*runtime.Poller[armsql.DatabasesClientCreateOrUpdateResponse], error)
	BeginUpdate(ctx context.Context, rg, server, name string, p armsql.DatabaseUpdate, o *armsql.DatabasesClientBeginUpdateOptions) (*runtime.Poller[armsql.DatabasesClientUpdateResponse], error)
	BeginDelete(ctx context.Context, rg, server, name string, o *armsql.DatabasesClientBeginDeleteOptions) (*runtime.Poller[armsql.DatabasesClientDeleteResponse], error)
	// NewListByServerPager lists a server's databases, as GET shows each:
	// one call a poll observes every Database on the server.
	NewListByServerPager(rg, server string, o *armsql.DatabasesClientListByServerOptions) *runtime.Pager[armsql.DatabasesClientListByServerResponse]
	// GetServer reads the database's server (for its location, at create
	// time only).
	GetServer(ctx context.Context, rg, name string) (armsql.Server, error)
}

type clients struct {
	*armsql.DatabasesClient
	servers *armsql.ServersClient
}

func (c clients) GetServer(ctx context.Context, rg, name string) (armsql.Server, error) {
	r, err := c.servers.Get(ctx, rg, name, nil)
	return r.Server, err
}

// NewAPI makes the SDK clients from a session.
func NewAPI(s azureclient.Session) (API, error) {
	dbs, err := armsql.NewDatabasesClient(s.SubscriptionID, s.Credential, s.ClientOptions)
	if err != nil {
		return nil, err
	}
	srv, err := armsql.NewServersClient(s.SubscriptionID, s.Credential, s.ClientOptions)
	if err != nil {
		return nil, err
	}
	return clients{DatabasesClient: dbs, servers: srv}, nil
}

// Setup adds a controller that reconciles Databases.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.DatabaseGroupVersionKind
	c := &connector{
		azure:    azureclient.NewConnector(mgr, o, NewAPI),
		kube:     mgr.GetClient(),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		obs:      armlist.New[armsql.Database]("azure.sql.Database", o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.Database](mgr, o, gvk, &v1alpha1.Database{}, c)
}

type connector struct {
	azure    *azureclient.Connector[API]
	kube     client.Reader
	recorder event.Recorder
	cluster  ownership.ClusterID
	obs      *armlist.Observer[armsql.Database]
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Database) (managed.TypedExternalClient[*v1alpha1.Database], error) {
	api, s, err := c.azure.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, session: s, kube: c.kube, recorder: c.recorder, owners: ownership.Checker{Cluster: c.cluster, Kind: kind}, obs: c.obs}, nil
}

// kind is the Database kind as owner tags name it.
var kind = "sqldatabase"

// external is built anew for every reconcile, so it carries what Observe
// read over to Update and Delete.
type external struct {
	api      API
	session  azureclient.Session
	kube     client.Reader
	recorder event.Recorder
	owners   ownership.Checker
	obs      *armlist.Observer[armsql.Database]
	last     *observed
}

// validName is Azure's rule for database names.
var validName = regexp.MustCompile(`^[^<>*%&:\\/?]{1,128}$`)

// where is what a database needs to be found.
type where struct {
	rg, server, name string
	// serverReady is false when the referenced Server is not Ready yet.
	serverReady bool
}

// locate finds the database's server and resource group: from the spec, or
// from the referenced Server (read from the cluster, not the cloud).
func (e *external) locate(ctx context.Context, cr *v1alpha1.Database) (where, error) {
	p := cr.Spec.ForProvider
	w := where{name: meta.GetExternalName(cr), server: ptr.Deref(p.ServerName, ""), rg: ptr.Deref(p.ResourceGroupName, ""), serverReady: true}
	if !validName.MatchString(w.name) || strings.HasSuffix(w.name, ".") || strings.HasSuffix(w.name, " ") {
		return w, xperrors.Errorf("external name %q is not a valid database name: 1-128 characters, none of <>*%%&:\\/?, not ending with '.' or a space", w.name)
	}
	if w.server == "" {
		return w, xperrors.New("spec.forProvider.serverName is not set: the referenced Server was not resolved yet")
	}
	if ref := p.ServerNameRef; ref != nil {
		s := &v1alpha1.Server{}
		err := e.kube.Get(ctx, client.ObjectKey{Namespace: cr.GetNamespace(), Name: ref.Name}, s)
		switch {
		case kerrors.IsNotFound(err):
		case err != nil:
			return w, xperrors.Wrap(err, "cannot get the referenced Server")
		default:
			if w.rg == "" {
				w.rg = ptr.Deref(s.Spec.ForProvider.ResourceGroupName, "")
			}
			w.serverReady = s.GetCondition(xpv2.TypeReady).Status == "True"
		}
	}
	if w.rg == "" {
		return w, xperrors.New("spec.forProvider.resourceGroupName is not set (nor is it known from the referenced Server)")
	}
	return w, nil
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Database) (_ managed.ExternalObservation, err error) {
	defer azerr.Requeue(ctx, &err)
	if meta.GetExternalName(cr) == "" {
		return managed.ExternalObservation{}, nil
	}
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	if !w.serverReady && !meta.WasDeleted(cr) && meta.GetExternalCreateSucceeded(cr).IsZero() {
		// Nothing to look at before the server is there, and Azure would
		// refuse the create: come back soon (error backoff), as for an
		// unresolved reference.
		cr.SetConditions(xpv2.Creating())
		// Looked at again soon, not after a backoff that grows for as long
		// as the server takes.
		mrsetup.Throttled(ctx, serverWait)
		return managed.ExternalObservation{}, xperrors.Errorf("waiting for the referenced Server %q to be ready", cr.Spec.ForProvider.ServerNameRef.Name)
	}
	resp, found, err := e.obs.Observe(ctx, cr, armlist.Source[armsql.Database]{
		Scope:   armlist.Scope(e.session, w.rg, w.server),
		Name:    w.name,
		Existed: cr.Status.AtProvider.ID != "",
		List: func(ctx context.Context) (map[string]armsql.Database, error) {
			return armlist.Collect(ctx, e.api.NewListByServerPager(w.rg, w.server, nil),
				func(r armsql.DatabasesClientListByServerResponse) []*armsql.Database { return r.Value },
				func(d *armsql.Database) (string, armsql.Database) { return ptr.Deref(d.Name, ""), *d })
		},
		Get: func(ctx context.Context) (armsql.Database, error) {
			resp, err := e.api.Get(ctx, w.rg, w.server, w.name, nil)
			return resp.Database, err
		},
	})
	if err != nil {
		return managed.ExternalObservation{}, azerr.Wrap(err, "cannot get SQL database")
	}
	if !found {
		return e.notFound(cr)
	}
	o := observe(resp)
	if err := e.owners.Check(ctx, cr, o.Tags); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the database.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = &o
	cr.Status.AtProvider = v1alpha1.DatabaseObservation{ID: ptr.Deref(resp.ID, ""), Status: o.Status, CurrentServiceObjectiveName: o.CurrentObjective,
		CurrentBackupStorageRedundancy: o.CurrentBackup, EarliestRestoreDate: o.EarliestRestore, DeleteRequestedAt: cr.Status.AtProvider.DeleteRequestedAt}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	switch o.Status {
	case StatusOnline:
		cr.SetConditions(xpv2.Available())
	case StatusCreating:
		cr.SetConditions(xpv2.Creating().WithMessage("SQL database status Creating"))
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	case StatusScaling:
		// Usable while Azure scales it; the next change waits for the
		// scale to end.
		cr.SetConditions(xpv2.Available().WithMessage("SQL database is scaling to " + o.objective()))
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	default:
		cr.SetConditions(xpv2.Unavailable().WithMessage("SQL database status " + compare.OrNone(o.Status)))
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	p := &cr.Spec.ForProvider
	lateInit := lateInitialize(p, o)
	if c := ptr.Deref(p.Collation, ""); o.Collation != nil && !strings.EqualFold(c, *o.Collation) {
		return managed.ExternalObservation{}, xperrors.Errorf("spec.forProvider.collation %q differs from the database's collation %q: Azure cannot change it; set it to %q", c, *o.Collation, *o.Collation)
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		ow, err := e.owners.Owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &ow
	}
	ds, _ := diff(*p, o, owner)
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    compare.Describe(ds),
		ConnectionDetails:       connectionDetails(w.name),
	}, nil
}

// connectionDetails are the database's part of the contract: its name. The
// Server's secret has the host and credentials; a claim merges both
// (contract.MergeDatabase).
func connectionDetails(name string) managed.ConnectionDetails {
	return managed.ConnectionDetails{
		contract.KeyEngine:   []byte(contract.SQLServer),
		contract.KeyDatabase: []byte(name),
	}
}

// notFound decides what a 404 means: a database Azure has accepted but not
// shown yet, or no database.
func (e *external) notFound(cr *v1alpha1.Database) (managed.ExternalObservation, error) {
	if accepted.Pending(cr) {
		return accepted.NotShown(cr, "database"), nil
	}
	return managed.ExternalObservation{}, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Database) (_ managed.ExternalCreation, err error) {
	defer azerr.Requeue(ctx, &err)
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	// A database lives where its server does.
	srv, err := e.api.GetServer(ctx, w.rg, w.server)
	switch {
	case azerr.GroupNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.resourceGroupName: resource group %q does not exist", w.rg)
	case azerr.NotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.serverName: SQL server %q does not exist in resource group %q", w.server, w.rg)
	case err != nil:
		return managed.ExternalCreation{}, azerr.Wrap(err, "cannot get the database's SQL server")
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	p := cr.Spec.ForProvider
	in := armsql.Database{
		Location: srv.Location,
		Tags:     armtags.ToARM(ownership.Merge(p.Tags, owner)),
		Properties: &armsql.DatabaseProperties{
			Collation:                        p.Collation,
			MaxSizeBytes:                     p.MaxSizeBytes,
			ZoneRedundant:                    p.ZoneRedundant,
			RequestedBackupStorageRedundancy: (*armsql.BackupStorageRedundancy)(p.RequestedBackupStorageRedundancy),
		},
	}
	if s := p.SKU; s != nil {
		in.SKU = &armsql.SKU{Name: ptr.To(s.Name), Tier: s.Tier, Capacity: s.Capacity}
	}
	// The first response only: Azure creates the database in the
	// background and Observe watches its status.
	_, err = e.api.BeginCreateOrUpdate(ctx, w.rg, w.server, w.name, in, nil)
	e.obs.Wrote(cr)
	switch {
	case err == nil:
		return managed.ExternalCreation{}, nil
	case azerr.GroupNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.resourceGroupName: resource group %q does not exist", w.rg)
	case azerr.HasCode(err, "ParentResourceNotFound"):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.serverName: SQL server %q does not exist in resource group %q", w.server, w.rg)
	default:
		return managed.ExternalCreation{}, fieldError(err, fmt.Sprintf("cannot create SQL database %q", w.name))
	}
}

// fieldError names the spec field a refused request was about.
func fieldError(err error, what string) error {
	switch {
	case azerr.HasCode(err, "InvalidSku"):
		return azerr.Field(err, what, "spec.forProvider.sku")
	case azerr.HasCode(err, "InvalidMaxSizeTierCombination"):
		return azerr.Field(err, what, "spec.forProvider.maxSizeBytes")
	}
	return azerr.Field(err, what, "spec.forProvider")
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Database) (_ managed.ExternalUpdate, err error) {
	defer azerr.Requeue(ctx, &err)
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if e.last == nil {
		// Observe always runs first in a reconcile; this only guards.
		return managed.ExternalUpdate{}, xperrors.Errorf("SQL database %q was not observed before the update", w.name)
	}
	if e.last.Status != StatusOnline {
		return managed.ExternalUpdate{}, nil
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	ds, patch := diff(cr.Spec.ForProvider, *e.last, &owner)
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating SQL database: "+compare.Describe(ds)))
	if prev, ok := ownership.Foreign(cr, e.last.Tags); ok && patch.Tags != nil {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("SQL database %q was tagged as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's", w.name, prev)))
	}
	// One PATCH with only what differs; Azure applies it in the background.
	_, err = e.api.BeginUpdate(ctx, w.rg, w.server, w.name, patch, nil)
	e.obs.Wrote(cr)
	return managed.ExternalUpdate{}, fieldError(err, fmt.Sprintf("cannot update SQL database %q", w.name))
}

// DeletionProtected is the error a delete of a protected database gives.
func DeletionProtected(name string) error {
	return xperrors.Errorf("deletion protection is on for SQL database %q, so nothing was deleted: set spec.forProvider.deletionProtection to false and the delete goes ahead", name)
}

// RestoreNote says how long a deleted database can be brought back.
func RestoreNote(name, server string) string {
	return fmt.Sprintf("Deleting SQL database %q on server %q. Azure keeps its point-in-time backups for the database's short-term retention period (7 days unless it was changed; 1-35 days): until then it can be restored, as it was at any point up to its deletion, onto server %q (az sql db restore --deleted-time, or Restore-AzSqlDatabase -FromDeletedDatabaseBackup), for as long as that server exists", name, server, server)
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Database) (_ managed.ExternalDelete, err error) {
	defer azerr.Requeue(ctx, &err)
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	if e.last == nil {
		// Accepted, not shown yet (accepted.NotShown): decide once it is,
		// so a protected database is never taken for gone meanwhile.
		return managed.ExternalDelete{}, accepted.WaitToDelete(ctx, "database")
	}
	if ptr.Deref(cr.Spec.ForProvider.DeletionProtection, true) {
		// A Stowage flag, honoured before any call to Azure.
		return managed.ExternalDelete{}, DeletionProtected(w.name)
	}
	cr.SetConditions(xpv2.Deleting())
	if t := cr.Status.AtProvider.DeleteRequestedAt; t != nil && time.Since(t.Time) < deleteRetry {
		// Azure is deleting it; the next Observe sees it go.
		mrsetup.Throttled(ctx, deleteWait)
		return managed.ExternalDelete{}, nil
	}
	// The first response only: Azure deletes the database in the
	// background.
	_, err = e.api.BeginDelete(ctx, w.rg, w.server, w.name, nil)
	e.obs.Wrote(cr)
	if err != nil && !azerr.NotFound(err) {
		return managed.ExternalDelete{}, azerr.Wrap(err, fmt.Sprintf("cannot delete SQL database %q", w.name))
	}
	e.recorder.Event(cr, event.Normal("DeleteExternalResource", RestoreNote(w.name, w.server)))
	cr.Status.AtProvider.DeleteRequestedAt = ptr.To(metav1.Now())
	mrsetup.Throttled(ctx, deleteWait)
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }
