// Package database is the controller for databases in Google Cloud SQL
// instances.
package database

import (
	"context"
	"fmt"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	sqladmin "google.golang.org/api/sqladmin/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/gcp/gcpclient"
	"github.com/stowage-dev/stowage/internal/gcp/gcperr"
	"github.com/stowage-dev/stowage/internal/gcp/sql/sqlapi"
	"github.com/stowage-dev/stowage/internal/mrsetup"
)

// API is the part of the Cloud SQL Admin API a Database needs.
type API interface {
	GetDatabase(ctx context.Context, project, instance, name string) (*sqladmin.Database, error)
	ListDatabases(ctx context.Context, project, instance string) ([]*sqladmin.Database, error)
	InsertDatabase(ctx context.Context, project, instance string, d *sqladmin.Database) (*sqladmin.Operation, error)
	PatchDatabase(ctx context.Context, project, instance, name string, d *sqladmin.Database) (*sqladmin.Operation, error)
	DeleteDatabase(ctx context.Context, project, instance, name string) (*sqladmin.Operation, error)
	GetOperation(ctx context.Context, project, name string) (*sqladmin.Operation, error)
}

// Setup adds a controller that reconciles Databases.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.DatabaseGroupVersionKind
	c := &connector{
		gcp:      gcpclient.NewConnector(mgr, o, func(ctx context.Context, s gcpclient.Session) (API, error) { return sqlapi.New(ctx, s) }),
		recorder: mrsetup.Recorder(mgr, gvk),
		lists:    sqlapi.NewListings(),
		tracker:  cloudlist.NewTracker(o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.Database](mgr, o, gvk, &v1alpha1.Database{}, c)
}

type connector struct {
	gcp      *gcpclient.Connector[API]
	recorder event.Recorder
	lists    *sqlapi.Listings
	tracker  *cloudlist.Tracker
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Database) (managed.TypedExternalClient[*v1alpha1.Database], error) {
	api, s, err := c.gcp.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, project: s.ProjectID, recorder: c.recorder, lists: c.lists, scope: sqlapi.Scope(s), tracker: c.tracker}, nil
}

type external struct {
	api      API
	project  string
	recorder event.Recorder
	lists    *sqlapi.Listings
	scope    string
	tracker  *cloudlist.Tracker
	last     *sqladmin.Database
}

func instanceOf(cr *v1alpha1.Database) (string, error) {
	i := ptr.Deref(cr.Spec.ForProvider.Instance, "")
	if i == "" {
		return "", xperrors.New("spec.forProvider.instance is not set: set it, instanceRef or instanceSelector")
	}
	return i, nil
}

// A difference between the spec and the database.
type difference struct{ Field, Want, Got string }

func (d difference) String() string {
	return fmt.Sprintf("%s: want %s, got %s", d.Field, compare.OrNone(d.Want), compare.OrNone(d.Got))
}

func diff(p v1alpha1.DatabaseParameters, d *sqladmin.Database) []difference {
	var ds []difference
	if p.Collation != nil && *p.Collation != d.Collation {
		ds = append(ds, difference{Field: "collation", Want: *p.Collation, Got: d.Collation})
	}
	return ds
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Database) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil || name == "" {
		return managed.ExternalObservation{}, err
	}
	d, err := e.find(ctx, cr, inst, name)
	if err != nil || d == nil {
		return managed.ExternalObservation{}, err
	}
	e.last = d
	cr.Status.AtProvider.SelfLink = d.SelfLink
	cr.SetConditions(xpv2.Available())
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	op := cr.Status.AtProvider.Operation
	busy, err := e.operation(ctx, cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	if op != "" && !busy {
		// The operation ended after the listing may have been taken: read
		// what it made, not what was there before it.
		d, err = e.api.GetDatabase(ctx, e.project, inst, name)
		if gcperr.IsNotFound(err) {
			return managed.ExternalObservation{}, nil
		}
		if err != nil {
			return managed.ExternalObservation{}, sqlapi.Fail(ctx, err, "cannot get database %q of Cloud SQL instance %q", name, inst)
		}
		e.last = d
		cr.Status.AtProvider.SelfLink = d.SelfLink
	}
	p := &cr.Spec.ForProvider
	li := compare.LateInit(&p.Charset, compare.NonEmpty(&d.Charset))
	li = compare.LateInit(&p.Collation, compare.NonEmpty(&d.Collation)) || li
	ds := diff(*p, d)
	var refused error
	if p.Charset != nil && *p.Charset != d.Charset {
		refused = xperrors.Errorf("spec.forProvider.charset: the database's charset is %s and cannot be changed: set charset %s", d.Charset, d.Charset)
	}
	return managed.ExternalObservation{
		ResourceExists: true,
		// A difference waits for the operation Stowage started to change it.
		ResourceUpToDate:        (len(ds) == 0 || busy) && refused == nil,
		ResourceLateInitialized: li,
		ConnectionDetails:       managed.ConnectionDetails{contract.KeyDatabase: []byte(name)},
		Diff:                    compare.Describe(ds),
	}, nil
}

// find reads database name of instance inst for cr's Observe from the
// instance's shared listing (databases.list returns the same resource as
// databases.get), taken after cr's last write and, while an operation of
// cr's runs, after its previous observation. It reads the database
// directly when the resource is being deleted, when it never saw its
// database (nothing in the tracker or the status), and when the listing
// lacks the database it saw, before that is taken as gone.
func (e *external) find(ctx context.Context, cr *v1alpha1.Database, inst, name string) (*sqladmin.Database, error) {
	if !meta.WasDeleted(cr) && (e.tracker.WasSeen(cr) || cr.Status.AtProvider.SelfLink != "") {
		settled := cr.Status.AtProvider.Operation == ""
		d, found, err := e.lists.Database(ctx, e.api, e.scope, e.project, inst, name, e.tracker.NotBefore(cr, settled))
		if err != nil {
			return nil, sqlapi.Fail(ctx, err, "cannot list the databases of Cloud SQL instance %q", inst)
		}
		if found {
			return d, nil
		}
	}
	d, err := e.api.GetDatabase(ctx, e.project, inst, name)
	if gcperr.IsNotFound(err) {
		if meta.WasDeleted(cr) {
			e.tracker.Forget(cr)
		}
		return nil, nil
	}
	if err != nil {
		return nil, sqlapi.Fail(ctx, err, "cannot get database %q of Cloud SQL instance %q", name, inst)
	}
	e.tracker.Seen(cr)
	return d, nil
}

// operation looks at the operation Stowage last started on the database:
// busy while it runs, forgotten once done; a failed one is reported.
func (e *external) operation(ctx context.Context, cr *v1alpha1.Database) (bool, error) {
	name := cr.Status.AtProvider.Operation
	if name == "" {
		return false, nil
	}
	op, err := e.api.GetOperation(ctx, e.project, name)
	switch {
	case gcperr.IsNotFound(err):
	case err != nil:
		return false, sqlapi.Fail(ctx, err, "cannot get Cloud SQL operation %q", name)
	case op.Status != "DONE":
		return true, nil
	case op.Error != nil && len(op.Error.Errors) > 0:
		cr.Status.AtProvider.Operation = ""
		return false, xperrors.Errorf("Cloud SQL operation %s (%s) failed: %s", op.OperationType, name, op.Error.Errors[0].Message)
	}
	cr.Status.AtProvider.Operation = ""
	return false, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Database) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	p := cr.Spec.ForProvider
	_, err = e.api.InsertDatabase(ctx, e.project, inst, &sqladmin.Database{Name: name, Charset: ptr.Deref(p.Charset, ""), Collation: ptr.Deref(p.Collation, "")})
	e.tracker.Wrote(cr)
	switch {
	case err == nil, gcperr.IsConflict(err) && gcperr.HasReason(err, "alreadyExists"):
		// Databases carry no labels: one of this name in the instance is
		// the one the resource names.
	case sqlapi.Busy(err):
		sqlapi.Wait(ctx)
	case gcperr.IsNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.instance: Cloud SQL instance %q does not exist", inst)
	default:
		return managed.ExternalCreation{}, sqlapi.Fail(ctx, err, "cannot create database %q in Cloud SQL instance %q", name, inst)
	}
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Database) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil || e.last == nil {
		return managed.ExternalUpdate{}, err
	}
	p := cr.Spec.ForProvider
	if p.Charset != nil && *p.Charset != e.last.Charset {
		return managed.ExternalUpdate{}, xperrors.Errorf("spec.forProvider.charset: the database's charset is %s and cannot be changed: set charset %s", e.last.Charset, e.last.Charset)
	}
	ds := diff(p, e.last)
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating database: "+compare.Describe(ds)))
	op, err := e.api.PatchDatabase(ctx, e.project, inst, name, &sqladmin.Database{Collation: *p.Collation})
	e.tracker.Wrote(cr)
	switch {
	case err == nil:
		cr.Status.AtProvider.Operation = op.Name
	case sqlapi.Busy(err):
		sqlapi.Wait(ctx)
	default:
		return managed.ExternalUpdate{}, sqlapi.Fail(ctx, err, "cannot patch database %q (spec.forProvider.collation)", name)
	}
	return managed.ExternalUpdate{}, nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Database) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	cr.SetConditions(xpv2.Deleting())
	_, err = e.api.DeleteDatabase(ctx, e.project, inst, name)
	e.tracker.Wrote(cr)
	switch {
	case err == nil, gcperr.IsNotFound(err):
	case sqlapi.Busy(err):
		sqlapi.Wait(ctx)
	default:
		return managed.ExternalDelete{}, sqlapi.Fail(ctx, err, "cannot delete database %q of Cloud SQL instance %q", name, inst)
	}
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }
