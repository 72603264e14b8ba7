// Package user is the controller for built-in users of Google Cloud SQL
// instances.
package user

import (
	"context"

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
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/gcp/gcpclient"
	"github.com/stowage-dev/stowage/internal/gcp/gcperr"
	"github.com/stowage-dev/stowage/internal/gcp/sql/sqlapi"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/password"
)

const (
	// AnnotationPasswordHMAC records an HMAC of the password last applied,
	// keyed with the key in GeneratedPasswordSecret.
	AnnotationPasswordHMAC = "sql.gcp.stowage.dev/applied-password-hmac"

	// GeneratedPasswordKey is the key of a generated password in the
	// User's Secret.
	GeneratedPasswordKey = password.KeyPassword
)

// GeneratedPasswordSecret is the name of the Secret, owned by the User
// called name, that holds its HMAC key and, when it has no
// passwordSecretRef, its generated password.
func GeneratedPasswordSecret(name string) string { return name + "-password" }

// API is the part of the Cloud SQL Admin API a User needs.
type API interface {
	GetUser(ctx context.Context, project, instance, name, host string) (*sqladmin.User, error)
	ListUsers(ctx context.Context, project, instance string) ([]*sqladmin.User, error)
	InsertUser(ctx context.Context, project, instance string, u *sqladmin.User) (*sqladmin.Operation, error)
	UpdateUser(ctx context.Context, project, instance, name, host, password string) (*sqladmin.Operation, error)
	DeleteUser(ctx context.Context, project, instance, name, host string) (*sqladmin.Operation, error)
}

// Setup adds a controller that reconciles Users.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.UserGroupVersionKind
	c := &connector{
		gcp:      gcpclient.NewConnector(mgr, o, func(ctx context.Context, s gcpclient.Session) (API, error) { return sqlapi.New(ctx, s) }),
		recorder: mrsetup.Recorder(mgr, gvk),
		lists:    sqlapi.NewListings(),
		tracker:  cloudlist.NewTracker(o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.User](mgr, o, gvk, &v1alpha1.User{}, c)
}

type connector struct {
	gcp      *gcpclient.Connector[API]
	recorder event.Recorder
	lists    *sqlapi.Listings
	tracker  *cloudlist.Tracker
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.User) (managed.TypedExternalClient[*v1alpha1.User], error) {
	api, s, err := c.gcp.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, project: s.ProjectID, kube: c.gcp.Kube(), recorder: c.recorder, lists: c.lists, scope: sqlapi.Scope(s), tracker: c.tracker}, nil
}

type external struct {
	api      API
	project  string
	kube     client.Client
	recorder event.Recorder
	lists    *sqlapi.Listings
	scope    string
	tracker  *cloudlist.Tracker
	pw       password.State
}

// passwordChars are letters and digits: nothing a shell or URL trips on.
const passwordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func (e *external) passwords() password.Store {
	return password.Store{
		Kube:       e.kube,
		Annotation: AnnotationPasswordHMAC,
		Owner:      v1alpha1.UserGroupVersionKind,
		SecretName: GeneratedPasswordSecret,
		What:       "password",
		Generate:   func() (string, error) { return password.Generate(32, passwordChars) },
	}
}

func passwordRef(cr *v1alpha1.User) *password.SecretRef {
	ref := cr.Spec.ForProvider.PasswordSecretRef
	if ref == nil {
		return nil
	}
	return &password.SecretRef{Name: ref.Name, Key: ref.Key, Field: "spec.forProvider.passwordSecretRef"}
}

func instanceOf(cr *v1alpha1.User) (string, error) {
	i := ptr.Deref(cr.Spec.ForProvider.Instance, "")
	if i == "" {
		return "", xperrors.New("spec.forProvider.instance is not set: set it, instanceRef or instanceSelector")
	}
	return i, nil
}

func details(name, pw string) managed.ConnectionDetails {
	d := managed.ConnectionDetails{contract.KeyUsername: []byte(name)}
	if pw != "" {
		d[contract.KeyPassword] = []byte(pw)
	}
	return d
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.User) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil || name == "" {
		return managed.ExternalObservation{}, err
	}
	u, err := e.find(ctx, cr, inst, name)
	if err != nil || u == nil {
		return managed.ExternalObservation{}, err
	}
	cr.Status.AtProvider = v1alpha1.UserObservation{Type: u.Type, Host: u.Host}
	cr.SetConditions(xpv2.Available())
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	if e.pw, err = e.passwords().State(ctx, cr, passwordRef(cr)); err != nil {
		return managed.ExternalObservation{}, err
	}
	o := managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: !e.pw.Rotate}
	if e.pw.Rotate {
		o.Diff = "password: want the password in the Secret, got an older password"
	}
	pw := ""
	if e.pw.Applied {
		pw = e.pw.Value
	}
	o.ConnectionDetails = details(name, pw)
	return o, nil
}

// find reads user name of instance inst for cr's Observe from the
// instance's shared listing (users.list returns the same resource as
// users.get), taken after cr's last write. It reads the user directly when
// the resource is being deleted, when it never saw its user (nothing in the
// tracker or the status), and when the listing lacks the user it saw,
// before that is taken as gone.
func (e *external) find(ctx context.Context, cr *v1alpha1.User, inst, name string) (*sqladmin.User, error) {
	host := ptr.Deref(cr.Spec.ForProvider.Host, "")
	if !meta.WasDeleted(cr) && (e.tracker.WasSeen(cr) || cr.Status.AtProvider.Type != "" || cr.Status.AtProvider.Host != "") {
		u, found, err := e.lists.User(ctx, e.api, e.scope, e.project, inst, name, host, e.tracker.NotBefore(cr, true))
		if err != nil {
			return nil, sqlapi.Fail(ctx, err, "cannot list the users of Cloud SQL instance %q", inst)
		}
		if found {
			return u, nil
		}
	}
	u, err := e.api.GetUser(ctx, e.project, inst, name, host)
	if gcperr.IsNotFound(err) {
		if meta.WasDeleted(cr) {
			e.tracker.Forget(cr)
		}
		return nil, nil
	}
	if err != nil {
		return nil, sqlapi.Fail(ctx, err, "cannot get user %q of Cloud SQL instance %q", name, inst)
	}
	e.tracker.Seen(cr)
	return u, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.User) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	// Stored before the create call, so a restart never sends another one.
	pw, err := e.passwords().Ensure(ctx, cr, passwordRef(cr))
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	_, err = e.api.InsertUser(ctx, e.project, inst, &sqladmin.User{Name: name, Host: ptr.Deref(cr.Spec.ForProvider.Host, ""), Password: pw.Value, Type: "BUILT_IN"})
	e.tracker.Wrote(cr)
	switch {
	case err == nil:
	case gcperr.IsConflict(err) && gcperr.HasReason(err, "alreadyExists"):
		// Made by a previous Create whose status write was lost, or by
		// someone else (users carry no labels): either way it gets the
		// password this resource owns, so the one published is right.
		_, err = e.api.UpdateUser(ctx, e.project, inst, name, ptr.Deref(cr.Spec.ForProvider.Host, ""), pw.Value)
		e.tracker.Wrote(cr)
		switch {
		case sqlapi.Busy(err):
			sqlapi.Wait(ctx)
			return managed.ExternalCreation{}, nil
		case err != nil:
			return managed.ExternalCreation{}, sqlapi.Fail(ctx, err, "cannot set the password of existing user %q in Cloud SQL instance %q", name, inst)
		}
	case sqlapi.Busy(err):
		sqlapi.Wait(ctx)
		return managed.ExternalCreation{}, nil
	case gcperr.IsNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.instance: Cloud SQL instance %q does not exist", inst)
	default:
		return managed.ExternalCreation{}, sqlapi.Fail(ctx, err, "cannot create user %q in Cloud SQL instance %q", name, inst)
	}
	e.passwords().Created(cr, pw)
	return managed.ExternalCreation{}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.User) (managed.ExternalUpdate, error) {
	if !e.pw.Rotate {
		return managed.ExternalUpdate{}, nil
	}
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	// The key is stored before the password it records is sent.
	key, err := e.passwords().Key(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Setting the password of user "+name+" from its Secret"))
	_, err = e.api.UpdateUser(ctx, e.project, inst, name, ptr.Deref(cr.Spec.ForProvider.Host, ""), e.pw.Value)
	e.tracker.Wrote(cr)
	switch {
	case err == nil:
	case sqlapi.Busy(err):
		sqlapi.Wait(ctx)
		return managed.ExternalUpdate{}, nil
	default:
		return managed.ExternalUpdate{}, sqlapi.Fail(ctx, err, "cannot set the password (spec.forProvider.passwordSecretRef) of user %q", name)
	}
	if err := e.passwords().Record(ctx, cr, password.Password{Value: e.pw.Value, Key: key}); err != nil {
		return managed.ExternalUpdate{}, err
	}
	return managed.ExternalUpdate{ConnectionDetails: details(name, e.pw.Value)}, nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.User) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	inst, err := instanceOf(cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	cr.SetConditions(xpv2.Deleting())
	_, err = e.api.DeleteUser(ctx, e.project, inst, name, ptr.Deref(cr.Spec.ForProvider.Host, ""))
	e.tracker.Wrote(cr)
	switch {
	case err == nil, gcperr.IsNotFound(err):
	case sqlapi.Busy(err):
		sqlapi.Wait(ctx)
	default:
		return managed.ExternalDelete{}, sqlapi.Fail(ctx, err, "cannot delete user %q of Cloud SQL instance %q", name, inst)
	}
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }
