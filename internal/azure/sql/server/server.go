// Package server is the controller for Azure SQL logical servers.
package server

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
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
	"github.com/stowage-dev/stowage/internal/password"
)

const (
	// AnnotationNameTaken records a server name Azure refused because it
	// is used elsewhere. While it names the external name, Observe asks
	// checkNameAvailability (a read) instead of letting Create try again.
	AnnotationNameTaken = "sql.azure.stowage.dev/name-taken"

	// AnnotationPasswordHMAC records an HMAC of the administrator password
	// last applied, keyed with the key in GeneratedPasswordSecret.
	AnnotationPasswordHMAC = "sql.azure.stowage.dev/applied-admin-password-hmac"

	// Port SQL clients connect to.
	Port = 1433

	// Database a client lands in on the server alone.
	Database = "master"

	// StateReady is the state of a usable server.
	StateReady = "Ready"
)

// deleteWait is how soon a resource whose delete Azure is running is
// looked at again: the managed reconciler's own requeue after a delete is
// the error backoff, which grows with every earlier failure (a refused
// delete, a throttled call) and would leave the resource waiting long
// after Azure is done.
const deleteWait = 2 * time.Second

// holdWait is how soon a server whose delete waits for its databases to go
// is looked at again.
const holdWait = 5 * time.Second

// deleteRetry is how long Stowage leaves Azure to delete a server before
// asking again: a delete is a long-running operation, and asking twice
// starts nothing new.
const deleteRetry = 5 * time.Minute

// GeneratedPasswordSecret is the name of the Secret, owned by the Server
// called name, that holds its HMAC key and, when it has no
// passwordSecretRef, its generated administrator password.
func GeneratedPasswordSecret(name string) string { return name + "-admin-password" }

// API is the part of the SQL servers client a Server needs.
type API interface {
	Get(ctx context.Context, rg, name string, o *armsql.ServersClientGetOptions) (armsql.ServersClientGetResponse, error)
	BeginCreateOrUpdate(ctx context.Context, rg, name string, p armsql.Server, o *armsql.ServersClientBeginCreateOrUpdateOptions) (*runtime.Poller[armsql.ServersClientCreateOrUpdateResponse], error)
	BeginUpdate(ctx context.Context, rg, name string, p armsql.ServerUpdate, o *armsql.ServersClientBeginUpdateOptions) (*runtime.Poller[armsql.ServersClientUpdateResponse], error)
	BeginDelete(ctx context.Context, rg, name string, o *armsql.ServersClientBeginDeleteOptions) (*runtime.Poller[armsql.ServersClientDeleteResponse], error)
	CheckNameAvailability(ctx context.Context, p armsql.CheckNameAvailabilityRequest, o *armsql.ServersClientCheckNameAvailabilityOptions) (armsql.ServersClientCheckNameAvailabilityResponse, error)
	// ListDatabases names the user databases on a server (not master).
	ListDatabases(ctx context.Context, rg, server string) ([]string, error)
	// NewListByResourceGroupPager lists a group's servers, as GET shows
	// each: one call a poll observes every Server in the group.
	NewListByResourceGroupPager(rg string, o *armsql.ServersClientListByResourceGroupOptions) *runtime.Pager[armsql.ServersClientListByResourceGroupResponse]
}

type clients struct {
	*armsql.ServersClient
	dbs *armsql.DatabasesClient
}

func (c clients) ListDatabases(ctx context.Context, rg, server string) ([]string, error) {
	var out []string
	pager := c.dbs.NewListByServerPager(rg, server, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.Value {
			if n := ptr.Deref(d.Name, ""); n != "" && !strings.EqualFold(n, "master") {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// NewAPI makes the SDK clients from a session.
func NewAPI(s azureclient.Session) (API, error) {
	srv, err := armsql.NewServersClient(s.SubscriptionID, s.Credential, s.ClientOptions)
	if err != nil {
		return nil, err
	}
	dbs, err := armsql.NewDatabasesClient(s.SubscriptionID, s.Credential, s.ClientOptions)
	if err != nil {
		return nil, err
	}
	return clients{ServersClient: srv, dbs: dbs}, nil
}

// Setup adds a controller that reconciles Servers.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.ServerGroupVersionKind
	c := &connector{
		azure:    azureclient.NewConnector(mgr, o, NewAPI),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		obs:      armlist.New[armsql.Server]("azure.sql.Server", o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.Server](mgr, o, gvk, &v1alpha1.Server{}, c,
		// Server names are stricter than metadata.name.
		managed.WithInitializers(generatedName{client: mgr.GetClient()}))
}

type connector struct {
	azure    *azureclient.Connector[API]
	recorder event.Recorder
	cluster  ownership.ClusterID
	obs      *armlist.Observer[armsql.Server]
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Server) (managed.TypedExternalClient[*v1alpha1.Server], error) {
	api, s, err := c.azure.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, session: s, kube: c.azure.Kube(), recorder: c.recorder, owners: ownership.Checker{Cluster: c.cluster, Kind: kind}, obs: c.obs}, nil
}

// kind is the Server kind as owner tags name it.
var kind = "sqlserver"

// external is built anew for every reconcile, so it carries what Observe
// read over to Update and Delete.
type external struct {
	api      API
	session  azureclient.Session
	kube     client.Client
	recorder event.Recorder
	owners   ownership.Checker
	obs      *armlist.Observer[armsql.Server]
	last     *observed
	pw       password.State
}

func (e *external) passwords() password.Store {
	return password.Store{
		Kube:       e.kube,
		Annotation: AnnotationPasswordHMAC,
		Owner:      v1alpha1.ServerGroupVersionKind,
		SecretName: GeneratedPasswordSecret,
		What:       "administrator password",
		Generate:   GeneratePassword,
	}
}

// passwordChars are letters and digits: nothing a shell, a URL or a JDBC
// string trips on.
const passwordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// GeneratePassword makes a password Azure's policy accepts: 32 letters and
// digits with at least one upper case letter, one lower case letter and one
// digit (a random draw misses one now and then, so it draws again).
func GeneratePassword() (string, error) {
	for {
		pw, err := password.Generate(32, passwordChars)
		if err != nil || Complex(pw) {
			return pw, err
		}
	}
}

// Complex is Azure SQL's password policy: 8 to 128 characters from at least
// three of upper case letters, lower case letters, digits and other
// characters.
func Complex(pw string) bool {
	if len(pw) < 8 || len(pw) > 128 {
		return false
	}
	classes := map[int]bool{}
	for _, c := range pw {
		switch {
		case unicode.IsUpper(c):
			classes[0] = true
		case unicode.IsLower(c):
			classes[1] = true
		case unicode.IsDigit(c):
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	return len(classes) >= 3
}

func passwordRef(cr *v1alpha1.Server) *password.SecretRef {
	ref := cr.Spec.ForProvider.PasswordSecretRef
	if ref == nil {
		return nil
	}
	return &password.SecretRef{Name: ref.Name, Key: ref.Key, Field: "spec.forProvider.passwordSecretRef"}
}

// entraOnly reports whether the server takes Entra ID sign-ins only, and so
// has no SQL administrator password.
func entraOnly(p v1alpha1.ServerParameters) bool {
	return p.EntraAdministrator != nil && ptr.Deref(p.EntraAdministrator.AzureADOnlyAuthentication, false)
}

// target is the server's resource group and name, or an error naming what
// is missing or wrong.
func target(cr *v1alpha1.Server) (rg, name string, err error) {
	name = meta.GetExternalName(cr)
	if !ValidName.MatchString(name) {
		return "", "", xperrors.Errorf("external name %q is not a valid SQL server name: 1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen", name)
	}
	rg = ptr.Deref(cr.Spec.ForProvider.ResourceGroupName, "")
	if rg == "" {
		return "", "", xperrors.New("spec.forProvider.resourceGroupName is not set: the referenced ResourceGroup was not resolved yet")
	}
	return rg, name, nil
}

func takenMessage(name string) string {
	return fmt.Sprintf("SQL server name %q is already taken in another subscription or resource group: server names are global DNS names (%s.database.windows.net); set the crossplane.io/external-name annotation to another name", name, name)
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Server) (_ managed.ExternalObservation, err error) {
	defer azerr.Requeue(ctx, &err)
	if meta.GetExternalName(cr) == "" {
		return managed.ExternalObservation{}, nil
	}
	rg, name, err := target(cr)
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	resp, found, err := e.obs.Observe(ctx, cr, armlist.Source[armsql.Server]{
		Scope:   armlist.Scope(e.session, rg),
		Name:    name,
		Existed: cr.Status.AtProvider.ID != "",
		List: func(ctx context.Context) (map[string]armsql.Server, error) {
			return armlist.Collect(ctx, e.api.NewListByResourceGroupPager(rg, nil),
				func(r armsql.ServersClientListByResourceGroupResponse) []*armsql.Server { return r.Value },
				func(s *armsql.Server) (string, armsql.Server) { return ptr.Deref(s.Name, ""), *s })
		},
		Get: func(ctx context.Context) (armsql.Server, error) {
			resp, err := e.api.Get(ctx, rg, name, nil)
			return resp.Server, err
		},
	})
	if err != nil {
		return managed.ExternalObservation{}, azerr.Wrap(err, "cannot get SQL server")
	}
	if !found {
		return e.notFound(ctx, cr, name)
	}
	o := observe(resp)
	if err := e.owners.Check(ctx, cr, o.Tags); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the server.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = &o
	cr.Status.AtProvider = v1alpha1.ServerObservation{ID: ptr.Deref(resp.ID, ""), State: o.State, FullyQualifiedDomainName: o.FQDN,
		DeleteRequestedAt: cr.Status.AtProvider.DeleteRequestedAt}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	if o.State != StateReady {
		// Azure changes nothing on a server that is not Ready.
		cr.SetConditions(xpv2.Creating().WithMessage("SQL server state " + compare.OrNone(o.State)))
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	cr.SetConditions(xpv2.Available())
	p := &cr.Spec.ForProvider
	lateInit := lateInitialize(p, o)
	if l := ptr.Deref(p.Location, ""); !azureclient.SameLocation(l, o.Location) {
		return managed.ExternalObservation{}, xperrors.Errorf("spec.forProvider.location %q differs from the server's location %q: a server cannot move; set it to %q", l, o.Location, o.Location)
	}
	if l := ptr.Deref(p.AdministratorLogin, ""); o.AdministratorLogin != nil && l != *o.AdministratorLogin {
		return managed.ExternalObservation{}, xperrors.Errorf("spec.forProvider.administratorLogin %q differs from the server's administrator login %q: Azure cannot change it; set it to %q", l, *o.AdministratorLogin, *o.AdministratorLogin)
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		ow, err := e.owners.Owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &ow
	}
	if !entraOnly(*p) || o.AdministratorLogin != nil {
		if e.pw, err = e.passwords().State(ctx, cr, passwordRef(cr)); err != nil {
			return managed.ExternalObservation{}, err
		}
	}
	rotate := ""
	if e.pw.Rotate {
		rotate = e.pw.Value
	}
	ds, _ := diff(*p, o, owner, rotate)
	ep := endpoint(o)
	if e.pw.Applied {
		ep.Password = e.pw.Value
	}
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    compare.Describe(ds),
		ConnectionDetails:       ep.Details(),
	}, nil
}

// endpoint is how an application reaches the server.
func endpoint(o observed) contract.DatabaseEndpoint {
	return contract.DatabaseEndpoint{Engine: contract.SQLServer, Host: o.FQDN, Port: Port, Database: Database, Username: ptr.Deref(o.AdministratorLogin, "")}
}

// notFound decides what a 404 means: a server Azure has accepted but not
// shown yet, a name taken elsewhere, or no server.
func (e *external) notFound(ctx context.Context, cr *v1alpha1.Server, name string) (managed.ExternalObservation, error) {
	if accepted.Pending(cr) {
		return accepted.NotShown(cr, "server"), nil
	}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, nil
	}
	createdAt := meta.GetExternalCreateSucceeded(cr)
	// A name refused at create time, or a create Azure accepted and then
	// failed (Azure reports a taken name either way): ask, which is a
	// read, rather than create again.
	if cr.GetAnnotations()[AnnotationNameTaken] == name || !createdAt.IsZero() {
		resp, err := e.api.CheckNameAvailability(ctx, armsql.CheckNameAvailabilityRequest{Name: &name, Type: ptr.To("Microsoft.Sql/servers")}, nil)
		if err != nil {
			return managed.ExternalObservation{}, azerr.Wrap(err, "cannot check SQL server name availability")
		}
		if !ptr.Deref(resp.Available, false) && ptr.Deref(resp.Reason, "") == armsql.CheckNameAvailabilityReasonAlreadyExists {
			return managed.ExternalObservation{}, xperrors.New(takenMessage(name))
		}
	}
	return managed.ExternalObservation{}, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Server) (_ managed.ExternalCreation, err error) {
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
	if p.AdministratorLogin == nil && !entraOnly(p) {
		return managed.ExternalCreation{}, xperrors.New("spec.forProvider.administratorLogin is required unless spec.forProvider.entraAdministrator.azureADOnlyAuthentication is true")
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	props := &armsql.ServerProperties{
		AdministratorLogin:  p.AdministratorLogin,
		Version:             p.Version,
		MinimalTLSVersion:   p.MinimalTLSVersion,
		PublicNetworkAccess: (*armsql.ServerNetworkAccessFlag)(p.PublicNetworkAccess),
	}
	var pw password.Password
	if p.AdministratorLogin != nil {
		// Stored before the create call, so a restart never sends another
		// password.
		if pw, err = e.passwords().Ensure(ctx, cr, passwordRef(cr)); err != nil {
			return managed.ExternalCreation{}, err
		}
		if !Complex(pw.Value) {
			return managed.ExternalCreation{}, xperrors.New("spec.forProvider.passwordSecretRef: the password does not meet Azure SQL's policy: 8-128 characters from three of upper case letters, lower case letters, digits and other characters")
		}
		props.AdministratorLoginPassword = &pw.Value
	}
	if a := p.EntraAdministrator; a != nil {
		props.Administrators = &armsql.ServerExternalAdministrator{
			AdministratorType:         ptr.To(armsql.AdministratorTypeActiveDirectory),
			Login:                     &a.Login,
			Sid:                       &a.SID,
			TenantID:                  a.TenantID,
			PrincipalType:             (*armsql.PrincipalType)(a.PrincipalType),
			AzureADOnlyAuthentication: a.AzureADOnlyAuthentication,
		}
		if props.Administrators.TenantID == nil && e.session.Spec.TenantID != "" {
			props.Administrators.TenantID = ptr.To(e.session.Spec.TenantID)
		}
	}
	in := armsql.Server{Location: &loc, Tags: armtags.ToARM(ownership.Merge(p.Tags, owner)), Properties: props}
	// The first response only: Azure creates the server in the background
	// and Observe watches its state.
	_, err = e.api.BeginCreateOrUpdate(ctx, rg, name, in, nil)
	e.obs.Wrote(cr)
	switch {
	case err == nil:
		meta.RemoveAnnotations(cr, AnnotationNameTaken)
		if pw.Value != "" {
			e.passwords().Created(cr, pw)
		}
		return managed.ExternalCreation{}, nil
	case azerr.HasCode(err, "NameAlreadyExists", "ServerNameAlreadyExists"):
		// Recorded so the next reconciles check the name (a read) instead
		// of creating again; crossplane-runtime persists annotations of a
		// failed create.
		meta.AddAnnotations(cr, map[string]string{AnnotationNameTaken: name})
		return managed.ExternalCreation{}, xperrors.New(takenMessage(name))
	case azerr.HasCode(err, "InvalidResourceName"):
		return managed.ExternalCreation{}, xperrors.Errorf("external name %q is not a valid SQL server name: %s", name, azerr.Message(err))
	case azerr.GroupNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.resourceGroupName: resource group %q does not exist", rg)
	default:
		return managed.ExternalCreation{}, azerr.Field(err, fmt.Sprintf("cannot create SQL server %q", name), "spec.forProvider")
	}
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Server) (_ managed.ExternalUpdate, err error) {
	defer azerr.Requeue(ctx, &err)
	rg, name, err := target(cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if e.last == nil {
		// Observe always runs first in a reconcile; this only guards.
		return managed.ExternalUpdate{}, xperrors.Errorf("SQL server %q was not observed before the update", name)
	}
	if e.last.State != StateReady {
		return managed.ExternalUpdate{}, nil
	}
	owner, err := e.owners.Owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	rotate := ""
	var key []byte
	if e.pw.Rotate {
		if !Complex(e.pw.Value) {
			return managed.ExternalUpdate{}, xperrors.New("spec.forProvider.passwordSecretRef: the password does not meet Azure SQL's policy: 8-128 characters from three of upper case letters, lower case letters, digits and other characters")
		}
		// The key is stored before the password it records is sent.
		if key, err = e.passwords().Key(ctx, cr); err != nil {
			return managed.ExternalUpdate{}, err
		}
		rotate = e.pw.Value
	}
	ds, patch := diff(cr.Spec.ForProvider, *e.last, &owner, rotate)
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating SQL server: "+compare.Describe(ds)))
	if prev, ok := ownership.Foreign(cr, e.last.Tags); ok && patch.Tags != nil {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("SQL server %q was tagged as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's", name, prev)))
	}
	// One PATCH with only what differs; Azure applies it in the background.
	_, err = e.api.BeginUpdate(ctx, rg, name, patch, nil)
	e.obs.Wrote(cr)
	if err != nil {
		return managed.ExternalUpdate{}, azerr.Field(err, fmt.Sprintf("cannot update SQL server %q", name), "spec.forProvider")
	}
	if rotate == "" {
		return managed.ExternalUpdate{}, nil
	}
	if err := e.passwords().Record(ctx, cr, password.Password{Value: rotate, Key: key}); err != nil {
		return managed.ExternalUpdate{}, err
	}
	ep := endpoint(*e.last)
	ep.Password = rotate
	return managed.ExternalUpdate{ConnectionDetails: ep.Details()}, nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Server) (_ managed.ExternalDelete, err error) {
	defer azerr.Requeue(ctx, &err)
	if e.last == nil {
		// Accepted, not shown yet (accepted.NotShown): delete it once it is.
		return managed.ExternalDelete{}, accepted.WaitToDelete(ctx, "server")
	}
	cr.SetConditions(xpv2.Deleting())
	if t := cr.Status.AtProvider.DeleteRequestedAt; t != nil && time.Since(t.Time) < deleteRetry {
		// Azure is deleting it; the next Observe sees it go.
		mrsetup.Throttled(ctx, deleteWait)
		return managed.ExternalDelete{}, nil
	}
	rg, name, err := target(cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	// Azure deletes a server's databases with it, whatever their Database
	// resources' deletion protection says: a server is deleted only once it
	// holds none. Listing them is a read.
	dbs, err := e.api.ListDatabases(ctx, rg, name)
	switch {
	case azerr.NotFound(err):
		return managed.ExternalDelete{}, nil
	case err != nil:
		return managed.ExternalDelete{}, azerr.Wrap(err, fmt.Sprintf("cannot list the databases of SQL server %q", name))
	case len(dbs) > 0:
		mrsetup.Throttled(ctx, holdWait)
		return managed.ExternalDelete{}, xperrors.Errorf("SQL server %q still holds databases %s, so nothing was deleted: Azure would delete them with the server, past their deletion protection; delete them first (their Database resources, or in Azure), and the server is deleted once it holds none", name, strings.Join(dbs, ", "))
	}
	// The first response only: Azure deletes the server in the background.
	_, err = e.api.BeginDelete(ctx, rg, name, nil)
	e.obs.Wrote(cr)
	if err != nil && !azerr.NotFound(err) {
		return managed.ExternalDelete{}, azerr.Wrap(err, fmt.Sprintf("cannot delete SQL server %q", name))
	}
	cr.Status.AtProvider.DeleteRequestedAt = ptr.To(metav1.Now())
	mrsetup.Throttled(ctx, deleteWait)
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }
