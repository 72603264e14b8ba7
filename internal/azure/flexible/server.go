package flexible

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
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
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
	"github.com/stowage-dev/stowage/internal/ownership"
	"github.com/stowage-dev/stowage/internal/password"
)

// A ServerKind is one engine's FlexibleServer managed resource kind, of Go
// type T: what the shared controller needs to reach into it.
type ServerKind[T resource.ModernManaged] struct {
	Engine Engine
	GVK    schema.GroupVersionKind
	// New returns an empty T, for the controller's watch.
	New func() T
	// ResourceGroup and Settings point into T's spec.forProvider.
	ResourceGroup func(T) *string
	Settings      func(T) *flexv1alpha1.ServerSettings
	// Observation points at T's status.atProvider.
	Observation func(T) *flexv1alpha1.ServerObservation
}

// AnnotationNameTaken records a server name Azure refused because it is
// used elsewhere (server names are global). While it names the external
// name, Observe asks checkNameAvailability (a read) instead of letting
// Create try again.
func (k ServerKind[T]) AnnotationNameTaken() string { return k.GVK.Group + "/name-taken" }

// AnnotationPasswordHMAC records an HMAC of the administrator password last
// applied, keyed with the key in the resource's password Secret.
func (k ServerKind[T]) AnnotationPasswordHMAC() string {
	return k.GVK.Group + "/applied-administrator-password-hmac"
}

// PasswordSecret is the name of the Secret, owned by the FlexibleServer
// called name, that holds its HMAC key and, when it has no
// administratorPasswordSecretRef, its generated administrator password.
func PasswordSecret(name string) string { return name + "-admin-password" }

// ownerKind is the kind as owner tags name it: postgresflexibleserver or
// mysqlflexibleserver.
func (k ServerKind[T]) ownerKind() string {
	return string(k.Engine.Contract) + strings.ToLower(k.GVK.Kind)
}

// SetupServer adds a controller that reconciles the kind's FlexibleServers.
func SetupServer[T resource.ModernManaged](mgr ctrl.Manager, o controller.Options, k ServerKind[T]) error {
	c := &serverConnector[T]{
		kind:     k,
		azure:    azureclient.NewConnector(mgr, o, k.Engine.NewServers),
		recorder: mrsetup.Recorder(mgr, k.GVK),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		obs:      armlist.New[Server]("azure."+k.GVK.GroupKind().String(), o.PollInterval),
	}
	return mrsetup.Setup[T](mgr, o, k.GVK, k.New(), c)
}

type serverConnector[T resource.ModernManaged] struct {
	kind     ServerKind[T]
	azure    *azureclient.Connector[ServerAPI]
	recorder event.Recorder
	cluster  ownership.ClusterID
	obs      *armlist.Observer[Server]
}

func (c *serverConnector[T]) Connect(ctx context.Context, cr T) (managed.TypedExternalClient[T], error) {
	api, s, err := c.azure.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &serverExternal[T]{kind: c.kind, api: api, session: s, kube: c.azure.Kube(), recorder: c.recorder,
		owners: ownership.Checker{Cluster: c.cluster, Kind: c.kind.ownerKind()}, obs: c.obs}, nil
}

// busyWait is how soon a resource whose server is busy, or being deleted,
// is looked at again (instead of after the error backoff, which a refused
// delete may have grown long).
const busyWait = time.Second

// serverExternal is built anew for every reconcile, so it may carry what
// Observe read over to Update and Delete.
type serverExternal[T resource.ModernManaged] struct {
	kind     ServerKind[T]
	api      ServerAPI
	session  azureclient.Session
	kube     client.Client
	recorder event.Recorder
	owners   ownership.Checker
	obs      *armlist.Observer[Server]

	last *Server
	pw   password.State
}

func (e *serverExternal[T]) passwords() password.Store {
	return password.Store{
		Kube:       e.kube,
		Annotation: e.kind.AnnotationPasswordHMAC(),
		Owner:      e.kind.GVK,
		SecretName: PasswordSecret,
		What:       "administrator password",
		Generate:   GeneratePassword,
	}
}

// passwordChars are letters and digits: nothing a shell or URL trips on.
const passwordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// GeneratePassword makes an administrator password Azure accepts: 32
// letters and digits with at least one upper-case letter, one lower-case
// letter and one digit (Azure wants three of four character classes).
func GeneratePassword() (string, error) {
	for {
		pw, err := password.Generate(32, passwordChars)
		if err != nil {
			return "", err
		}
		if strings.ContainsAny(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(pw, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(pw, "0123456789") {
			return pw, nil
		}
	}
}

func (e *serverExternal[T]) passwordRef(cr T) *password.SecretRef {
	ref := e.kind.Settings(cr).AdministratorPasswordSecretRef
	if ref == nil {
		return nil
	}
	return &password.SecretRef{Name: ref.Name, Key: ref.Key, Field: "spec.forProvider.administratorPasswordSecretRef"}
}

// target is the server's resource group and name, or an error naming what
// is missing or wrong.
func (e *serverExternal[T]) target(cr T) (rg, name string, err error) {
	name = meta.GetExternalName(cr)
	if !ValidServerName.MatchString(name) {
		return "", "", xperrors.Errorf("external name %q is not a valid %s name: 3-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen", name, e.kind.Engine.Name)
	}
	rg = ptr.Deref(e.kind.ResourceGroup(cr), "")
	if rg == "" {
		return "", "", xperrors.New("spec.forProvider.resourceGroupName is not set: the referenced ResourceGroup was not resolved yet")
	}
	return rg, name, nil
}

func (e *serverExternal[T]) takenMessage(name string) string {
	return fmt.Sprintf("%s name %q is already used by another server (server names are global DNS names, %s%s): set the crossplane.io/external-name annotation to another name", e.kind.Engine.Name, name, name, e.kind.Engine.DNSSuffix)
}

func (e *serverExternal[T]) Observe(ctx context.Context, cr T) (_ managed.ExternalObservation, err error) {
	defer azerr.Requeue(ctx, &err)
	if meta.GetExternalName(cr) == "" {
		return managed.ExternalObservation{}, nil
	}
	rg, name, err := e.target(cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	o, found, err := e.obs.Observe(ctx, cr, armlist.Source[Server]{
		Scope:   armlist.Scope(e.session, rg),
		Name:    name,
		Existed: e.kind.Observation(cr).ID != "",
		List:    func(ctx context.Context) (map[string]Server, error) { return e.api.List(ctx, rg) },
		Get:     func(ctx context.Context) (Server, error) { return e.api.Get(ctx, rg, name) },
	})
	if err != nil {
		return managed.ExternalObservation{}, azerr.Wrap(err, "cannot get "+e.kind.Engine.Name)
	}
	if !found {
		return e.notFound(ctx, cr, name)
	}
	if err := e.owners.Check(ctx, cr, o.Tags); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the server.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = &o
	*e.kind.Observation(cr) = observation(o)
	if meta.WasDeleted(cr) {
		// Deleting needs only to know the server is there: not the
		// password Secrets, which are often deleted first.
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	cr.SetConditions(condition(o.State))
	s := e.kind.Settings(cr)
	if e.pw, err = e.passwords().State(ctx, cr, e.passwordRef(cr)); err != nil {
		return managed.ExternalObservation{}, err
	}
	if o.State != StateReady {
		// Azure refuses changes until the server is Ready.
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ConnectionDetails: e.connectionDetails(cr, o, e.pw.Applied)}, nil
	}
	lateInit := lateInitialize(s, o)
	if l := ptr.Deref(s.Location, ""); !azureclient.SameLocation(l, o.Location) {
		return managed.ExternalObservation{}, xperrors.Errorf("spec.forProvider.location %q differs from the server's location %q: a server cannot move; set it to %q", l, o.Location, o.Location)
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		ow, err := e.owners.Owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &ow
	}
	ds, _ := diff(e.kind.Engine, *s, o, owner)
	if e.pw.Rotate {
		ds = append(ds, difference{Field: fieldPassword, Want: "the password in the Secret", Got: "an older password"})
	}
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    compare.Describe(ds),
		ConnectionDetails:       e.connectionDetails(cr, o, e.pw.Applied),
	}, nil
}

// notFound decides what a 404 means: a server Azure has accepted but not
// shown yet, a name taken elsewhere that is still taken, or no server.
func (e *serverExternal[T]) notFound(ctx context.Context, cr T, name string) (managed.ExternalObservation, error) {
	if accepted.Pending(cr) {
		return accepted.NotShown(cr, "server"), nil
	}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, nil
	}
	if cr.GetAnnotations()[e.kind.AnnotationNameTaken()] == name {
		loc := ptr.Deref(e.kind.Settings(cr).Location, e.session.Spec.Location)
		free, err := e.api.NameAvailable(ctx, loc, name)
		if err != nil {
			return managed.ExternalObservation{}, azerr.Wrap(err, "cannot check "+e.kind.Engine.Name+" name availability")
		}
		if !free {
			return managed.ExternalObservation{}, xperrors.New(e.takenMessage(name))
		}
	}
	return managed.ExternalObservation{}, nil
}

// condition is Ready for a server state: an Updating or Starting server
// stays usable; a stopped or disabled one is not.
func condition(state string) xpv2.Condition {
	switch state {
	case StateReady:
		return xpv2.Available()
	case StateProvisioning, "":
		return xpv2.Creating().WithMessage("state " + compare.OrNone(state))
	case StateUpdating, "Starting", "Restarting":
		return xpv2.Available().WithMessage("state " + state)
	case StateDropping:
		return xpv2.Deleting().WithMessage("state Dropping")
	}
	return xpv2.Unavailable().WithMessage("state " + state)
}

func observation(o Server) flexv1alpha1.ServerObservation {
	return flexv1alpha1.ServerObservation{
		ID: o.ID, FullyQualifiedDomainName: o.FQDN, State: o.State, Version: o.Version, MinorVersion: o.MinorVersion,
		AvailabilityZone: o.AvailabilityZone, HighAvailabilityState: o.HAState, EarliestRestoreDate: o.EarliestRestoreDate,
		PublicNetworkAccess: o.PublicNetworkAccess,
	}
}

// connectionDetails are the contract's keys for the server: its FQDN, port,
// administrator and, when known to be applied, password.
func (e *serverExternal[T]) connectionDetails(cr T, o Server, withPassword bool) managed.ConnectionDetails {
	host := o.FQDN
	if host == "" {
		host = meta.GetExternalName(cr) + e.kind.Engine.DNSSuffix
	}
	user := o.AdministratorLogin
	if user == "" {
		user = ptr.Deref(e.kind.Settings(cr).AdministratorLogin, DefaultAdministratorLogin)
	}
	ep := contract.DatabaseEndpoint{Engine: e.kind.Engine.Contract, Host: host, Port: e.kind.Engine.Port, Database: e.kind.Engine.DefaultDatabase, Username: user}
	if withPassword {
		ep.Password = e.pw.Value
	}
	return ep.Details()
}

func (e *serverExternal[T]) Create(ctx context.Context, cr T) (_ managed.ExternalCreation, err error) {
	defer azerr.Requeue(ctx, &err)
	rg, name, err := e.target(cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	s := e.kind.Settings(cr)
	in := Server{
		Location:           ptr.Deref(s.Location, e.session.Spec.Location),
		Version:            ptr.Deref(s.Version, e.kind.Engine.DefaultVersion),
		SKUName:            DefaultSKUName,
		SKUTier:            DefaultSKUTier,
		AdministratorLogin: ptr.Deref(s.AdministratorLogin, DefaultAdministratorLogin),
	}
	if in.Location == "" {
		return managed.ExternalCreation{}, xperrors.New("spec.forProvider.location is required: set it, or spec.location in the provider config")
	}
	if s.SKU != nil {
		in.SKUName, in.SKUTier = s.SKU.Name, s.SKU.Tier
	}
	if st := s.Storage; st != nil {
		in.StorageGB, in.AutoGrow = st.SizeGB, st.AutoGrow
	}
	if b := s.Backup; b != nil {
		in.RetentionDays, in.GeoRedundantBackup = b.RetentionDays, b.GeoRedundantBackup
	}
	if ha := s.HighAvailability; ha != nil {
		in.HAMode = ha.Mode
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	in.Tags = ownership.Merge(s.Tags, owner)
	// Stored before the create call, so a restart never sends another one.
	pw, err := e.passwords().Ensure(ctx, cr, e.passwordRef(cr))
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	// The first response only: Azure provisions the server in the
	// background and Observe watches its state.
	err = e.api.BeginCreate(ctx, rg, name, in, pw.Value)
	e.obs.Wrote(cr)
	switch {
	case err == nil:
		meta.RemoveAnnotations(cr, e.kind.AnnotationNameTaken())
		e.passwords().Created(cr, pw)
		return managed.ExternalCreation{}, nil
	case azerr.HasCode(err, "ServerNameAlreadyExists", "NameAlreadyExists"):
		// Recorded so the next reconciles check the name (a read) instead
		// of creating again; crossplane-runtime persists annotations of a
		// failed create.
		meta.AddAnnotations(cr, map[string]string{e.kind.AnnotationNameTaken(): name})
		return managed.ExternalCreation{}, xperrors.New(e.takenMessage(name))
	case azerr.GroupNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.resourceGroupName: resource group %q does not exist", rg)
	default:
		return managed.ExternalCreation{}, azerr.Field(err, fmt.Sprintf("cannot create %s %q", e.kind.Engine.Name, name), "spec.forProvider")
	}
}

func (e *serverExternal[T]) Update(ctx context.Context, cr T) (_ managed.ExternalUpdate, err error) {
	defer azerr.Requeue(ctx, &err)
	rg, name, err := e.target(cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if e.last == nil {
		// Observe always runs first in a reconcile; this only guards.
		return managed.ExternalUpdate{}, xperrors.Errorf("%s %q was not observed before the update", e.kind.Engine.Name, name)
	}
	if e.last.State != StateReady {
		mrsetup.Throttled(ctx, busyWait)
		return managed.ExternalUpdate{}, nil
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	ds, patch := diff(e.kind.Engine, *e.kind.Settings(cr), *e.last, &owner)
	fixable, refused := splitRefused(ds)
	var key []byte
	if e.pw.Rotate {
		// The key is stored before the password it records is sent.
		if key, err = e.passwords().Key(ctx, cr); err != nil {
			return managed.ExternalUpdate{}, err
		}
		patch.Password = ptr.To(e.pw.Value)
		fixable = append(fixable, difference{Field: fieldPassword, Want: "the password in the Secret", Got: "an older password"})
	}
	if patch.Empty() {
		return managed.ExternalUpdate{}, refusedError(refused)
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", fmt.Sprintf("Updating %s: %s", e.kind.Engine.Name, compare.Describe(fixable))))
	if prev, ok := ownership.Foreign(cr, e.last.Tags); ok && patch.Tags != nil {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("%s %q was tagged as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's", e.kind.Engine.Name, name, prev)))
	}
	// One PATCH with only what differs; Azure applies it in the background
	// (state Updating) and the next Observe sees the result.
	err = e.api.BeginUpdate(ctx, rg, name, patch)
	e.obs.Wrote(cr)
	switch {
	case azerr.Status(err) == 409 && azerr.HasCode(err, "ServerBusy", "OperationInProgress", "ServerIsBusy"):
		mrsetup.Throttled(ctx, busyWait)
		return managed.ExternalUpdate{}, nil
	case err != nil:
		return managed.ExternalUpdate{}, azerr.Field(err, fmt.Sprintf("cannot update %s %q", e.kind.Engine.Name, name), "spec.forProvider")
	}
	if e.pw.Rotate {
		if err := e.passwords().Record(ctx, cr, password.Password{Value: e.pw.Value, Key: key}); err != nil {
			return managed.ExternalUpdate{}, err
		}
		return managed.ExternalUpdate{ConnectionDetails: e.connectionDetails(cr, *e.last, true)}, refusedError(refused)
	}
	return managed.ExternalUpdate{}, refusedError(refused)
}

func refusedError(refused []difference) error {
	if len(refused) == 0 {
		return nil
	}
	msgs := make([]string, len(refused))
	for i, d := range refused {
		msgs[i] = d.String()
	}
	return xperrors.New("cannot apply: " + strings.Join(msgs, "; "))
}

func (e *serverExternal[T]) Delete(ctx context.Context, cr T) (_ managed.ExternalDelete, err error) {
	defer azerr.Requeue(ctx, &err)
	rg, name, err := e.target(cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	if e.last == nil {
		// Accepted, not shown yet (accepted.NotShown): decide once it is,
		// so a protected server is never taken for gone meanwhile.
		return managed.ExternalDelete{}, accepted.WaitToDelete(ctx, "server")
	}
	if ptr.Deref(e.kind.Settings(cr).DeletionProtection, true) {
		// Nothing is sent to Azure. The error is the Synced=False message
		// and the CannotDeleteExternalResource event.
		return managed.ExternalDelete{}, xperrors.Errorf("deletion protection is on, so %s %q was not deleted and this resource stays until it is: set spec.forProvider.deletionProtection to false to delete the server (or set managementPolicies without Delete, or deletionPolicy Orphan, to keep it in Azure and let this resource go)", e.kind.Engine.Name, name)
	}
	msg := fmt.Sprintf("Deleting %s %q. Azure keeps the backups of a deleted server restorable for %d days (restore it from the Azure portal or CLI within that time); after that its data is gone.", e.kind.Engine.Name, name, DroppedServerRestoreDays)
	cr.SetConditions(xpv2.Deleting().WithMessage(msg))
	// Come back soon: the next Observe sees the server Dropping, then gone.
	mrsetup.Throttled(ctx, busyWait)
	if e.last.State == StateDropping {
		return managed.ExternalDelete{}, nil
	}
	e.recorder.Event(cr, event.Normal("DeleteExternalResource", msg))
	// The first response only.
	err = e.api.BeginDelete(ctx, rg, name)
	e.obs.Wrote(cr)
	if err != nil && !azerr.NotFound(err) {
		return managed.ExternalDelete{}, azerr.Wrap(err, fmt.Sprintf("cannot delete %s %q", e.kind.Engine.Name, name))
	}
	return managed.ExternalDelete{}, nil
}

func (e *serverExternal[T]) Disconnect(context.Context) error { return nil }
