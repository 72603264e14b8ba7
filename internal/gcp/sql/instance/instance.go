// Package instance is the controller for Google Cloud SQL instances.
package instance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	sqladmin "google.golang.org/api/sqladmin/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/gcp/gcpclient"
	"github.com/stowage-dev/stowage/internal/gcp/gcperr"
	"github.com/stowage-dev/stowage/internal/gcp/labels"
	"github.com/stowage-dev/stowage/internal/gcp/sql/sqlapi"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/ownership"
	"github.com/stowage-dev/stowage/internal/password"
)

const (
	// AnnotationPasswordHMAC records an HMAC of the root password last
	// applied, keyed with the key in GeneratedPasswordSecret.
	AnnotationPasswordHMAC = "sql.gcp.stowage.dev/applied-root-password-hmac"

	// GeneratedPasswordKey is the key of a generated root password in the
	// Instance's Secret.
	GeneratedPasswordKey = password.KeyPassword

	// KeyConnectionName is the connection secret key of the instance's
	// connection name, for the Cloud SQL connectors and Auth Proxy.
	KeyConnectionName = "connectionName"

	// busyWait is how soon a resource whose instance is busy with an
	// operation is looked at again.
	busyWait = 2 * time.Second
)

// GeneratedPasswordSecret is the name of the Secret, owned by the Instance
// called name, that holds its HMAC key and, when it has no
// rootPasswordSecretRef, its generated root password.
func GeneratedPasswordSecret(name string) string { return name + "-root-password" }

// API is the part of the Cloud SQL Admin API an Instance needs.
type API = sqlapi.API

// Setup adds a controller that reconciles Instances.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.InstanceGroupVersionKind
	c := &connector{
		gcp:      gcpclient.NewConnector(mgr, o, sqlapi.New),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		lists:    sqlapi.NewListings(),
		tracker:  cloudlist.NewTracker(o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.Instance](mgr, o, gvk, &v1alpha1.Instance{}, c)
}

type connector struct {
	gcp      *gcpclient.Connector[API]
	recorder event.Recorder
	cluster  ownership.ClusterID
	lists    *sqlapi.Listings
	tracker  *cloudlist.Tracker
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Instance) (managed.TypedExternalClient[*v1alpha1.Instance], error) {
	api, s, err := c.gcp.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, project: s.ProjectID, region: s.Region, kube: c.gcp.Kube(), recorder: c.recorder, cluster: c.cluster,
		lists: c.lists, scope: sqlapi.Scope(s), tracker: c.tracker}, nil
}

// external is built anew for every reconcile, so it may carry what Observe
// read over to Update and Delete.
type external struct {
	api      API
	project  string
	region   string
	kube     client.Client
	recorder event.Recorder
	cluster  ownership.ClusterID
	lists    *sqlapi.Listings
	scope    string
	tracker  *cloudlist.Tracker

	last *sqladmin.DatabaseInstance
	pw   password.State
}

// kind is the Instance kind as owner labels name it.
var kind = "sqlinstance"

func (e *external) ownership() labels.Checker {
	return labels.Checker{Checker: ownership.Checker{Cluster: e.cluster, Kind: kind}}
}

func (e *external) passwords() password.Store {
	return password.Store{
		Kube:       e.kube,
		Annotation: AnnotationPasswordHMAC,
		Owner:      v1alpha1.InstanceGroupVersionKind,
		SecretName: GeneratedPasswordSecret,
		What:       "root password",
		Generate:   func() (string, error) { return password.Generate(32, passwordChars) },
	}
}

// passwordChars are letters and digits: nothing a shell or URL trips on.
const passwordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func passwordRef(cr *v1alpha1.Instance) *password.SecretRef {
	ref := cr.Spec.ForProvider.RootPasswordSecretRef
	if ref == nil {
		return nil
	}
	return &password.SecretRef{Name: ref.Name, Key: ref.Key, Field: "spec.forProvider.rootPasswordSecretRef"}
}

// fail wraps an API error; a throttled call requeues after the delay
// Google advised.
func fail(ctx context.Context, err error, format string, args ...any) error {
	if d, ok := gcperr.Throttled(err); ok {
		mrsetup.Throttled(ctx, d)
	}
	return xperrors.Wrapf(err, format, args...)
}

// wait makes the resource come back soon: its instance is busy with an
// operation Cloud SQL runs one at a time.
func wait(ctx context.Context) { mrsetup.Throttled(ctx, busyWait) }

func (e *external) get(ctx context.Context, name string) (*sqladmin.DatabaseInstance, error) {
	db, err := e.api.GetInstance(ctx, e.project, name)
	if gcperr.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fail(ctx, err, "cannot get Cloud SQL instance %q", name)
	}
	return db, nil
}

// find reads instance name for cr's Observe from the project's shared
// listing (instances.list returns the same resource as instances.get),
// taken after cr's last write and, while the instance is changing
// (PENDING_CREATE, MAINTENANCE, an operation running), after cr's previous
// observation, so every poll of it sees something new. It reads the
// instance directly when the resource is being deleted, when it never saw
// its instance (nothing in the tracker or the status: a new resource, or
// an import, whose instance a listing up to half a poll old may lack), and
// when the listing lacks an instance it saw, before that is taken as gone.
func (e *external) find(ctx context.Context, cr *v1alpha1.Instance, name string) (*sqladmin.DatabaseInstance, error) {
	if meta.WasDeleted(cr) || !(e.tracker.WasSeen(cr) || cr.Status.AtProvider.State != "") {
		return e.getTracked(ctx, cr, name)
	}
	settled := cr.Status.AtProvider.State == "RUNNABLE" && cr.Status.AtProvider.Operation == ""
	db, found, err := e.lists.Instance(ctx, e.api, e.scope, e.project, name, e.tracker.NotBefore(cr, settled))
	if err != nil {
		return nil, fail(ctx, err, "cannot list the Cloud SQL instances of project %q", e.project)
	}
	if !found {
		return e.getTracked(ctx, cr, name)
	}
	return db, nil
}

// getTracked reads instance name directly and tells the tracker whether
// it was there.
func (e *external) getTracked(ctx context.Context, cr *v1alpha1.Instance, name string) (*sqladmin.DatabaseInstance, error) {
	db, err := e.get(ctx, name)
	switch {
	case err != nil:
	case db != nil:
		e.tracker.Seen(cr)
	case meta.WasDeleted(cr):
		e.tracker.Forget(cr)
	}
	return db, err
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if name == "" {
		return managed.ExternalObservation{}, nil
	}
	db, err := e.find(ctx, cr, name)
	if err != nil || db == nil {
		return managed.ExternalObservation{}, err
	}
	if err := e.ownership().Check(ctx, cr, settings(db).UserLabels); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the instance.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = db
	cr.Status.AtProvider = observation(db, cr.Status.AtProvider.Operation)
	cr.SetConditions(condition(db.State))
	if meta.WasDeleted(cr) {
		// Deleting needs only to know the instance is there: not the
		// password Secrets, which are often deleted first.
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
		if db, err = e.get(ctx, name); err != nil || db == nil {
			return managed.ExternalObservation{}, err
		}
		e.last = db
		cr.Status.AtProvider = observation(db, cr.Status.AtProvider.Operation)
		cr.SetConditions(condition(db.State))
	}
	lateInit := lateInitialize(&cr.Spec.ForProvider, db)
	if db.State == "RUNNABLE" {
		if e.pw, err = e.passwords().State(ctx, cr, passwordRef(cr)); err != nil {
			return managed.ExternalObservation{}, err
		}
	}
	ep := endpoint(cr, db)
	if e.pw.Applied {
		ep.Password = e.pw.Value
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		o, err := e.ownership().Owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &o
	}
	ds := diff(cr.Spec.ForProvider, db, owner)
	if e.pw.Rotate {
		ds = append(ds, difference{Field: fieldRootPassword, Want: "the password in the Secret", Got: "an older password"})
	}
	fixable, refused := splitRefused(ds)
	// Cloud SQL runs one operation at a time and patches only a RUNNABLE
	// instance: a difference waits for both. A refused one never waits.
	waiting := busy || db.State != "RUNNABLE"
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        (len(fixable) == 0 || waiting) && len(refused) == 0,
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       connectionDetails(ep, db.ConnectionName),
		Diff:                    compare.Describe(ds),
	}, nil
}

// operation looks at the operation Stowage last started on the instance,
// if any: busy while it runs, forgotten once done. A failed one is
// reported.
func (e *external) operation(ctx context.Context, cr *v1alpha1.Instance) (busy bool, err error) {
	name := cr.Status.AtProvider.Operation
	if name == "" {
		return false, nil
	}
	op, err := e.api.GetOperation(ctx, e.project, name)
	switch {
	case gcperr.IsNotFound(err):
		cr.Status.AtProvider.Operation = ""
		return false, nil
	case err != nil:
		return false, fail(ctx, err, "cannot get Cloud SQL operation %q", name)
	case op.Status != "DONE":
		cr.SetConditions(xpv2.Available().WithMessage(fmt.Sprintf("Cloud SQL operation %s (%s) is %s", op.OperationType, name, op.Status)))
		return true, nil
	}
	cr.Status.AtProvider.Operation = ""
	if op.Error != nil && len(op.Error.Errors) > 0 {
		e0 := op.Error.Errors[0]
		return false, xperrors.Errorf("Cloud SQL operation %s (%s) failed: %s (%s)", op.OperationType, name, e0.Message, e0.Code)
	}
	return false, nil
}

func splitRefused(ds []difference) (fixable, refused []difference) {
	for _, d := range ds {
		if d.Refused != "" {
			refused = append(refused, d)
			continue
		}
		fixable = append(fixable, d)
	}
	return fixable, refused
}

func refusedError(refused []difference) error {
	if len(refused) == 0 {
		return nil
	}
	msgs := make([]string, len(refused))
	for i, d := range refused {
		msgs[i] = d.Refused
	}
	return xperrors.New(strings.Join(msgs, "; "))
}

// condition is Ready for a Cloud SQL state. Maintenance keeps the instance
// usable; anything but RUNNABLE and maintenance does not.
func condition(state string) xpv2.Condition {
	switch state {
	case "RUNNABLE":
		return xpv2.Available()
	case "MAINTENANCE", "ONLINE_MAINTENANCE":
		return xpv2.Available().WithMessage("Cloud SQL state " + state)
	case "PENDING_CREATE":
		return xpv2.Creating().WithMessage("Cloud SQL state PENDING_CREATE")
	case "PENDING_DELETE":
		return xpv2.Deleting().WithMessage("Cloud SQL state PENDING_DELETE")
	}
	return xpv2.Unavailable().WithMessage("Cloud SQL state " + state)
}

func observation(db *sqladmin.DatabaseInstance, op string) v1alpha1.InstanceObservation {
	o := v1alpha1.InstanceObservation{
		State:                    db.State,
		ConnectionName:           db.ConnectionName,
		DatabaseInstalledVersion: db.DatabaseInstalledVersion,
		SettingsVersion:          settings(db).SettingsVersion,
		GCEZone:                  db.GceZone,
		SelfLink:                 db.SelfLink,
		Operation:                op,
	}
	for _, a := range db.IpAddresses {
		switch a.Type {
		case "PRIMARY":
			o.PublicIP = a.IpAddress
		case "PRIVATE":
			o.PrivateIP = a.IpAddress
		}
	}
	return o
}

// engine is the database version's engine as the contract names it, its
// port, its built-in user and the database a client lands in.
func engine(version string) (e contract.Engine, port int, user, database string) {
	switch {
	case strings.HasPrefix(version, "POSTGRES_"):
		return contract.Postgres, 5432, "postgres", "postgres"
	case strings.HasPrefix(version, "MYSQL_"):
		return contract.MySQL, 3306, "root", ""
	}
	return contract.SQLServer, 1433, "sqlserver", "master"
}

// rootHost is the host of the built-in user: MySQL's root is root@%.
func rootHost(version string) string {
	if isMySQL(version) {
		return "%"
	}
	return ""
}

// endpoint is how an application reaches the instance: its private
// address when the spec puts it in a VPC, else its public one.
func endpoint(cr *v1alpha1.Instance, db *sqladmin.DatabaseInstance) contract.DatabaseEndpoint {
	eng, port, user, database := engine(db.DatabaseVersion)
	o := observation(db, "")
	host := o.PublicIP
	if c := cr.Spec.ForProvider.IPConfiguration; (c != nil && ptr.Deref(c.PrivateNetwork, "") != "" && o.PrivateIP != "") || host == "" {
		host = o.PrivateIP
	}
	ep := contract.DatabaseEndpoint{Engine: eng, Host: host, Port: port, Database: database, Username: user}
	if db.ServerCaCert != nil {
		ep.CACert = []byte(db.ServerCaCert.Cert)
	}
	return ep
}

// connectionDetails are the contract's keys for ep and the instance's
// connection name; none while the instance has no address yet.
func connectionDetails(ep contract.DatabaseEndpoint, connectionName string) managed.ConnectionDetails {
	if ep.Host == "" {
		return nil
	}
	d := ep.Details()
	if connectionName != "" {
		d[KeyConnectionName] = []byte(connectionName)
	}
	return d
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	p := cr.Spec.ForProvider
	region := ptr.Deref(p.Region, e.region)
	if region == "" {
		return managed.ExternalCreation{}, xperrors.New("spec.forProvider.region is not set and the provider config has no region")
	}
	owner, err := e.ownership().Owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	// Stored before the create call, so a restart never sends another one.
	pw, err := e.passwords().Ensure(ctx, cr, passwordRef(cr))
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	_, err = e.api.InsertInstance(ctx, e.project, insert(name, region, p, owner, pw.Value))
	e.tracker.Wrote(cr)
	switch {
	case err == nil:
	case gcperr.IsConflict(err) && strings.Contains(gcperr.Message(err), "week"):
		return managed.ExternalCreation{}, xperrors.Errorf("Cloud SQL instance name %q was used by an instance deleted within the last week and cannot be used again yet: set the crossplane.io/external-name annotation to another name", name)
	case gcperr.HasReason(err, "instanceAlreadyExists"):
		// Made by a previous Create whose status write was lost, or by
		// someone else: the next Observe checks whose it is.
	case gcperr.IsOperationInProgress(err):
		wait(ctx)
		return managed.ExternalCreation{}, nil
	default:
		return managed.ExternalCreation{}, fail(ctx, err, "cannot create Cloud SQL instance %q", name)
	}
	e.passwords().Created(cr, pw)
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	if e.last == nil {
		// Observe always runs first in a reconcile; this only guards.
		return managed.ExternalUpdate{}, xperrors.Errorf("Cloud SQL instance %q was not observed before the update", name)
	}
	db := e.last
	if cr.Status.AtProvider.Operation != "" || db.State != "RUNNABLE" {
		wait(ctx)
		return managed.ExternalUpdate{}, nil
	}
	owner, err := e.ownership().Owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	ds, refused := splitRefused(diff(cr.Spec.ForProvider, db, &owner))
	if len(ds) > 0 {
		if prev, ok := ownership.Foreign(cr, settings(db).UserLabels); ok && hasField(ds, fieldLabels) {
			e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("Cloud SQL instance %q was labelled as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now labelled as this resource's", name, prev)))
		}
		e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating Cloud SQL instance: "+compare.Describe(ds)))
		op, err := e.api.PatchInstance(ctx, e.project, name, patch(cr.Spec.ForProvider, db, owner, ds))
		e.tracker.Wrote(cr)
		switch {
		case gcperr.IsOperationInProgress(err):
			wait(ctx)
			return managed.ExternalUpdate{}, refusedError(refused)
		case gcperr.Code(err) == 412:
			// Someone changed the settings since Observe read them: the
			// next Observe reads the new settingsVersion.
			wait(ctx)
			return managed.ExternalUpdate{}, nil
		case err != nil:
			return managed.ExternalUpdate{}, fail(ctx, err, "cannot patch Cloud SQL instance %q", name)
		}
		cr.Status.AtProvider.Operation = op.Name
		return managed.ExternalUpdate{}, refusedError(refused)
	}
	if e.pw.Rotate {
		return e.rotate(ctx, cr, db)
	}
	return managed.ExternalUpdate{}, refusedError(refused)
}

// rotate sets the root password from the Secret. It waits for the other
// differences: Cloud SQL runs one operation at a time.
func (e *external) rotate(ctx context.Context, cr *v1alpha1.Instance, db *sqladmin.DatabaseInstance) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	// The key is stored before the password it records is sent.
	key, err := e.passwords().Key(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	_, _, user, _ := engine(db.DatabaseVersion)
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Setting the root password of Cloud SQL instance "+name+" from its Secret"))
	op, err := e.api.UpdateUser(ctx, e.project, name, user, rootHost(db.DatabaseVersion), e.pw.Value)
	e.tracker.Wrote(cr)
	switch {
	case gcperr.IsOperationInProgress(err):
		wait(ctx)
		return managed.ExternalUpdate{}, nil
	case err != nil:
		return managed.ExternalUpdate{}, fail(ctx, err, "cannot set the root password (spec.forProvider.rootPasswordSecretRef) of Cloud SQL instance %q", name)
	}
	cr.Status.AtProvider.Operation = op.Name
	if err := e.passwords().Record(ctx, cr, password.Password{Value: e.pw.Value, Key: key}); err != nil {
		return managed.ExternalUpdate{}, err
	}
	ep := endpoint(cr, db)
	ep.Password = e.pw.Value
	return managed.ExternalUpdate{ConnectionDetails: connectionDetails(ep, db.ConnectionName)}, nil
}

func hasField(ds []difference, f string) bool {
	for _, d := range ds {
		if d.Field == f {
			return true
		}
	}
	return false
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Instance) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	db := e.last
	if db == nil {
		var err error
		if db, err = e.get(ctx, name); err != nil || db == nil {
			return managed.ExternalDelete{}, err
		}
	}
	if db.State == "PENDING_DELETE" {
		wait(ctx)
		return managed.ExternalDelete{}, nil
	}
	if settings(db).DeletionProtectionEnabled {
		return managed.ExternalDelete{}, deletionProtected(name)
	}
	cr.SetConditions(xpv2.Deleting())
	p := cr.Spec.ForProvider
	final := !ptr.Deref(p.SkipFinalBackup, false)
	_, err := e.api.DeleteInstance(ctx, e.project, name, final, finalBackupDays(p))
	e.tracker.Wrote(cr)
	switch {
	case err == nil, gcperr.IsNotFound(err):
		wait(ctx)
		return managed.ExternalDelete{}, nil
	case gcperr.IsOperationInProgress(err):
		wait(ctx)
		return managed.ExternalDelete{}, nil
	case gcperr.Code(err) == 400 && strings.Contains(gcperr.Message(err), "protected"):
		return managed.ExternalDelete{}, deletionProtected(name)
	default:
		return managed.ExternalDelete{}, fail(ctx, err, "cannot delete Cloud SQL instance %q", name)
	}
}

func deletionProtected(name string) error {
	return xperrors.Errorf("deletion protection is on for Cloud SQL instance %q, so nothing was deleted: set spec.forProvider.deletionProtection to false and wait for Synced=True before deleting, or turn it off in Cloud SQL", name)
}

func (e *external) Disconnect(context.Context) error { return nil }
