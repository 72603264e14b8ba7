package flexible

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/accepted"
	"github.com/stowage-dev/stowage/internal/azure/armlist"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/mrsetup"
)

// A DatabaseKind is one engine's Database managed resource kind, of Go type
// T, in servers of the engine's FlexibleServer kind S.
type DatabaseKind[T, S resource.ModernManaged] struct {
	Engine Engine
	GVK    schema.GroupVersionKind
	// New returns an empty T, for the controller's watch.
	New func() T
	// Server is the engine's FlexibleServer kind: a referenced server
	// gives the database its resource group.
	Server ServerKind[S]
	// ServerName, ServerRef and ResourceGroup point into T's
	// spec.forProvider.
	ServerName    func(T) *string
	ServerRef     func(T) *xpv2.NamespacedReference
	ResourceGroup func(T) *string
	Settings      func(T) *flexv1alpha1.DatabaseSettings
	// Observation points at T's status.atProvider.
	Observation func(T) *flexv1alpha1.DatabaseObservation
}

// SetupDatabase adds a controller that reconciles the kind's Databases.
func SetupDatabase[T, S resource.ModernManaged](mgr ctrl.Manager, o controller.Options, k DatabaseKind[T, S]) error {
	c := &databaseConnector[T, S]{kind: k, azure: azureclient.NewConnector(mgr, o, k.Engine.NewDatabases), kube: mgr.GetClient(),
		obs: armlist.New[Database]("azure."+k.GVK.GroupKind().String(), o.PollInterval)}
	return mrsetup.Setup[T](mgr, o, k.GVK, k.New(), c)
}

type databaseConnector[T, S resource.ModernManaged] struct {
	kind  DatabaseKind[T, S]
	azure *azureclient.Connector[DatabaseAPI]
	kube  client.Reader
	obs   *armlist.Observer[Database]
}

func (c *databaseConnector[T, S]) Connect(ctx context.Context, cr T) (managed.TypedExternalClient[T], error) {
	api, s, err := c.azure.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &databaseExternal[T, S]{kind: c.kind, api: api, session: s, kube: c.kube, obs: c.obs}, nil
}

type databaseExternal[T, S resource.ModernManaged] struct {
	kind    DatabaseKind[T, S]
	api     DatabaseAPI
	session azureclient.Session
	kube    client.Reader
	obs     *armlist.Observer[Database]
	last    *Database
}

// deleteResend is how long a database delete is trusted to be running
// before it is sent again.
const deleteResend = time.Minute

// dbWhere is where a database is.
type dbWhere struct {
	rg, server, name string
	// serverReady is false when the referenced server is not Ready yet.
	serverReady bool
}

// locate finds the database's server and resource group: from the spec,
// or from the referenced FlexibleServer (read from the cluster, not the
// cloud).
func (e *databaseExternal[T, S]) locate(ctx context.Context, cr T) (dbWhere, error) {
	k := e.kind
	w := dbWhere{name: meta.GetExternalName(cr), server: ptr.Deref(k.ServerName(cr), ""), rg: ptr.Deref(k.ResourceGroup(cr), ""), serverReady: true}
	if !ValidDatabaseName.MatchString(w.name) {
		return w, xperrors.Errorf("external name %q is not a valid database name: at most 63 letters, digits, '_', '$' and '-'", w.name)
	}
	if w.server == "" {
		return w, xperrors.New("spec.forProvider.serverName is not set: the referenced FlexibleServer was not resolved yet")
	}
	if ref := k.ServerRef(cr); ref != nil {
		s := k.Server.New()
		err := e.kube.Get(ctx, client.ObjectKey{Namespace: cr.GetNamespace(), Name: ref.Name}, s)
		switch {
		case kerrors.IsNotFound(err):
		case err != nil:
			return w, xperrors.Wrap(err, "cannot get the referenced FlexibleServer")
		default:
			if w.rg == "" {
				w.rg = ptr.Deref(k.Server.ResourceGroup(s), "")
			}
			w.serverReady = s.GetCondition(xpv2.TypeReady).Status == "True"
		}
	}
	if w.rg == "" {
		// The referenced server may be gone already (a claim's resources
		// deleted together): the database's ARM ID still says.
		w.rg = groupOf(k.Observation(cr).ID)
	}
	if w.rg == "" {
		return w, xperrors.New("spec.forProvider.resourceGroupName is not set (nor is it known from the referenced FlexibleServer)")
	}
	return w, nil
}

// groupOf is the resource group of an ARM ID, or "".
func groupOf(id string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}

func (e *databaseExternal[T, S]) what(w dbWhere) string {
	return fmt.Sprintf("database %q of %s %q", w.name, e.kind.Engine.Name, w.server)
}

func (e *databaseExternal[T, S]) Observe(ctx context.Context, cr T) (_ managed.ExternalObservation, err error) {
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
		return managed.ExternalObservation{}, xperrors.Errorf("waiting for the referenced FlexibleServer %q to be ready", e.kind.ServerRef(cr).Name)
	}
	db, found, err := e.obs.Observe(ctx, cr, armlist.Source[Database]{
		Scope:   armlist.Scope(e.session, w.rg, w.server),
		Name:    w.name,
		Existed: e.kind.Observation(cr).ID != "",
		List:    func(ctx context.Context) (map[string]Database, error) { return e.api.List(ctx, w.rg, w.server) },
		Get:     func(ctx context.Context) (Database, error) { return e.api.Get(ctx, w.rg, w.server, w.name) },
	})
	if err != nil {
		return managed.ExternalObservation{}, azerr.Wrap(err, "cannot get "+e.what(w))
	}
	if !found {
		// Azure creates a database in the background and shows it when
		// done: accepted is not gone.
		if accepted.Pending(cr) {
			return accepted.NotShown(cr, "database"), nil
		}
		return managed.ExternalObservation{}, nil
	}
	e.last = &db
	*e.kind.Observation(cr) = flexv1alpha1.DatabaseObservation{ID: db.ID}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	cr.SetConditions(xpv2.Available())
	s := e.kind.Settings(cr)
	lateInit := compare.LateInit(&s.Charset, compare.NonEmpty(&db.Charset))
	lateInit = compare.LateInit(&s.Collation, compare.NonEmpty(&db.Collation)) || lateInit
	ds := databaseDiff(*s, db)
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    compare.Describe(ds),
		ConnectionDetails:       managed.ConnectionDetails{contract.KeyDatabase: []byte(w.name)},
	}, nil
}

// databaseDiff lists where Azure differs from the spec. A database's
// charset and collation are chosen when it is made: every difference is
// refused.
func databaseDiff(s flexv1alpha1.DatabaseSettings, db Database) []difference {
	var ds []difference
	if c := ptr.Deref(s.Charset, ""); c != "" && !strings.EqualFold(c, db.Charset) {
		ds = append(ds, difference{Field: "charset", Want: c, Got: compare.OrNone(db.Charset), Refused: "Azure chooses a database's charset only when it is created"})
	}
	if c := ptr.Deref(s.Collation, ""); c != "" && !strings.EqualFold(c, db.Collation) {
		ds = append(ds, difference{Field: "collation", Want: c, Got: compare.OrNone(db.Collation), Refused: "Azure chooses a database's collation only when it is created"})
	}
	return ds
}

func (e *databaseExternal[T, S]) Create(ctx context.Context, cr T) (_ managed.ExternalCreation, err error) {
	defer azerr.Requeue(ctx, &err)
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	s := e.kind.Settings(cr)
	// The first response only: Azure makes the database in the background
	// and the next Observe sees it.
	err = e.api.BeginCreate(ctx, w.rg, w.server, w.name, Database{Charset: ptr.Deref(s.Charset, ""), Collation: ptr.Deref(s.Collation, "")})
	e.obs.Wrote(cr)
	switch {
	case err == nil:
		return managed.ExternalCreation{ConnectionDetails: managed.ConnectionDetails{contract.KeyDatabase: []byte(w.name)}}, nil
	case azerr.HasCode(err, "ParentResourceNotFound"):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.serverName: %s %q does not exist in resource group %q", e.kind.Engine.Name, w.server, w.rg)
	case azerr.GroupNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.resourceGroupName: resource group %q does not exist", w.rg)
	case azerr.Status(err) == 409:
		// The server is busy (being made or updated): try again soon.
		mrsetup.Throttled(ctx, busyWait)
		return managed.ExternalCreation{}, azerr.Wrap(err, "cannot create "+e.what(w)+" yet")
	default:
		return managed.ExternalCreation{}, azerr.Field(err, "cannot create "+e.what(w), "spec.forProvider")
	}
}

// Update sends nothing: every difference Observe finds is one Azure cannot
// apply, and is reported (Synced=False).
func (e *databaseExternal[T, S]) Update(_ context.Context, cr T) (managed.ExternalUpdate, error) {
	if e.last == nil {
		return managed.ExternalUpdate{}, nil
	}
	_, refused := splitRefused(databaseDiff(*e.kind.Settings(cr), *e.last))
	return managed.ExternalUpdate{}, refusedError(refused)
}

func (e *databaseExternal[T, S]) Delete(ctx context.Context, cr T) (_ managed.ExternalDelete, err error) {
	defer azerr.Requeue(ctx, &err)
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	// The first response only; the next Observe, soon, confirms it is gone.
	mrsetup.Throttled(ctx, busyWait)
	if e.last == nil {
		// Accepted, not shown yet (accepted.NotShown): delete it once it is.
		return managed.ExternalDelete{}, accepted.WaitToDelete(ctx, "database")
	}
	if c := cr.GetCondition(xpv2.TypeReady); c.Reason == xpv2.ReasonDeleting && !accepted.WaitingToDelete(cr) && time.Since(c.LastTransitionTime.Time) < deleteResend {
		// Azure shows a database until its delete ends: the delete this
		// condition records is still running.
		return managed.ExternalDelete{}, nil
	}
	cr.SetConditions(xpv2.Deleting())
	err = e.api.BeginDelete(ctx, w.rg, w.server, w.name)
	e.obs.Wrote(cr)
	if err != nil && !azerr.NotFound(err) {
		if azerr.Status(err) == 409 {
			mrsetup.Throttled(ctx, busyWait)
		}
		return managed.ExternalDelete{}, azerr.Wrap(err, "cannot delete "+e.what(w))
	}
	return managed.ExternalDelete{}, nil
}

func (e *databaseExternal[T, S]) Disconnect(context.Context) error { return nil }
