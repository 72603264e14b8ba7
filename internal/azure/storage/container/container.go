// Package container is the controller for Azure blob containers.
package container

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armlist"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// API is the part of the blob containers client a Container needs.
type API interface {
	Get(ctx context.Context, rg, account, name string, o *armstorage.BlobContainersClientGetOptions) (armstorage.BlobContainersClientGetResponse, error)
	Create(ctx context.Context, rg, account, name string, c armstorage.BlobContainer, o *armstorage.BlobContainersClientCreateOptions) (armstorage.BlobContainersClientCreateResponse, error)
	Update(ctx context.Context, rg, account, name string, c armstorage.BlobContainer, o *armstorage.BlobContainersClientUpdateOptions) (armstorage.BlobContainersClientUpdateResponse, error)
	Delete(ctx context.Context, rg, account, name string, o *armstorage.BlobContainersClientDeleteOptions) (armstorage.BlobContainersClientDeleteResponse, error)
	// NewListPager lists an account's containers: one call a poll observes
	// every Container in the account. Listed containers lack their
	// metadata, which only a GET returns.
	NewListPager(rg, account string, o *armstorage.BlobContainersClientListOptions) *runtime.Pager[armstorage.BlobContainersClientListResponse]
}

// NewAPI makes the SDK client from a session.
func NewAPI(s azureclient.Session) (API, error) {
	return armstorage.NewBlobContainersClient(s.SubscriptionID, s.Credential, s.ClientOptions)
}

// Setup adds a controller that reconciles Containers.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.ContainerGroupVersionKind
	c := &connector{
		azure:    azureclient.NewConnector(mgr, o, NewAPI),
		kube:     mgr.GetClient(),
		recorder: mrsetup.Recorder(mgr, gvk),
		obs:      armlist.New[container]("azure.storage.Container", o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.Container](mgr, o, gvk, &v1alpha1.Container{}, c,
		managed.WithInitializers(generatedName{client: mgr.GetClient()}))
}

type connector struct {
	azure    *azureclient.Connector[API]
	kube     client.Reader
	recorder event.Recorder
	obs      *armlist.Observer[container]
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Container) (managed.TypedExternalClient[*v1alpha1.Container], error) {
	api, s, err := c.azure.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, session: s, kube: c.kube, recorder: c.recorder, obs: c.obs}, nil
}

// ValidName is Azure's rule for container names.
var ValidName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// NameFor is the container name Stowage uses for a managed resource named
// name in namespace when no external name is set: name when it is a valid
// container name, else a valid name made from it and a hash of namespace
// and name.
func NameFor(namespace, name string) string {
	if ValidName.MatchString(name) {
		return name
	}
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		case !strings.HasSuffix(b.String(), "-") && b.Len() > 0:
			b.WriteRune('-')
		}
	}
	prefix := strings.Trim(b.String(), "-")
	if len(prefix) > 52 {
		prefix = strings.Trim(prefix[:52], "-")
	}
	h := sha256.Sum256([]byte(namespace + "/" + name))
	if prefix == "" {
		return "c" + hex.EncodeToString(h[:])[:10]
	}
	return prefix + "-" + hex.EncodeToString(h[:])[:10]
}

type generatedName struct{ client client.Client }

func (g generatedName) Initialize(ctx context.Context, mg resource.Managed) error {
	if meta.GetExternalName(mg) != "" {
		return nil
	}
	n := NameFor(mg.GetNamespace(), mg.GetName())
	meta.SetExternalName(mg, n)
	meta.AddAnnotations(mg, map[string]string{ownership.AnnotationGeneratedExternalName: n})
	return xperrors.Wrap(g.client.Update(ctx, mg), "cannot record the generated external name")
}

type external struct {
	api      API
	session  azureclient.Session
	kube     client.Reader
	recorder event.Recorder
	obs      *armlist.Observer[container]
	last     *armstorage.ContainerProperties
}

// A container as Observe saw it: from a listing (listed), which lacks its
// metadata, or from a GET.
type container struct {
	armstorage.BlobContainer
	listed bool
}

func listedContainer(c *armstorage.ListContainerItem) (string, container) {
	return ptr.Deref(c.Name, ""), container{listed: true, BlobContainer: armstorage.BlobContainer{
		ID: c.ID, Name: c.Name, Type: c.Type, Etag: c.Etag, ContainerProperties: c.Properties,
	}}
}

// where is what a container needs to be found and reached.
type where struct {
	rg, account, name string
	// endpoint is the account's blob endpoint; region its location.
	endpoint, region string
	// accountReady is false when the referenced Account is not Ready yet;
	// accountGone when it does not exist.
	accountReady, accountGone bool
}

// locate finds the container's account and resource group: from the spec,
// or from the referenced Account (read from the cluster, not the cloud),
// which also gives the blob endpoint.
func (e *external) locate(ctx context.Context, cr *v1alpha1.Container) (where, error) {
	w := where{name: meta.GetExternalName(cr), account: ptr.Deref(cr.Spec.ForProvider.AccountName, ""), rg: ptr.Deref(cr.Spec.ForProvider.ResourceGroupName, ""), accountReady: true}
	if !ValidName.MatchString(w.name) {
		return w, xperrors.Errorf("external name %q is not a valid container name: 3-63 lower-case letters, digits and single hyphens, starting with a letter or digit", w.name)
	}
	if w.account == "" {
		return w, xperrors.New("spec.forProvider.accountName is not set: the referenced Account was not resolved yet")
	}
	if ref := cr.Spec.ForProvider.AccountNameRef; ref != nil {
		a := &v1alpha1.Account{}
		err := e.kube.Get(ctx, client.ObjectKey{Namespace: cr.GetNamespace(), Name: ref.Name}, a)
		switch {
		case kerrors.IsNotFound(err):
			w.accountGone = true
		case err != nil:
			return w, xperrors.Wrap(err, "cannot get the referenced Account")
		default:
			if w.rg == "" {
				w.rg = ptr.Deref(a.Spec.ForProvider.ResourceGroupName, "")
			}
			w.endpoint = a.Status.AtProvider.PrimaryBlobEndpoint
			w.region = ptr.Deref(a.Spec.ForProvider.Location, "")
			w.accountReady = a.GetCondition(xpv2.TypeReady).Status == "True"
		}
	}
	if w.rg == "" {
		return w, xperrors.New("spec.forProvider.resourceGroupName is not set (nor is it known from the referenced Account)")
	}
	if w.endpoint == "" {
		w.endpoint = "https://" + w.account + ".blob.core.windows.net/"
	}
	return w, nil
}

func (w where) url() string { return strings.TrimSuffix(w.endpoint, "/") + "/" + w.name }

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Container) (_ managed.ExternalObservation, err error) {
	defer azerr.Requeue(ctx, &err)
	if meta.GetExternalName(cr) == "" {
		return managed.ExternalObservation{}, nil
	}
	w, err := e.locate(ctx, cr)
	if w.rg == "" && w.accountGone && meta.WasDeleted(cr) {
		// The referenced Account is gone and this container never recorded
		// its resource group: nothing is left to find it by. A container
		// does not outlive its account in Azure; if the account was kept
		// (orphaned), so is the container, which errs on keeping data.
		return managed.ExternalObservation{}, nil
	}
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	if !w.accountReady && !meta.WasDeleted(cr) && meta.GetExternalCreateSucceeded(cr).IsZero() {
		// Nothing to look at before the account is there, and the storage
		// API would refuse the create: come back soon (error backoff), as
		// for an unresolved reference.
		cr.SetConditions(xpv2.Creating())
		return managed.ExternalObservation{}, xperrors.Errorf("waiting for the referenced Account %q to be ready", cr.Spec.ForProvider.AccountNameRef.Name)
	}
	get := func(ctx context.Context) (container, error) {
		resp, err := e.api.Get(ctx, w.rg, w.account, w.name, nil)
		return container{BlobContainer: resp.BlobContainer}, err
	}
	resp, found, err := e.obs.Observe(ctx, cr, armlist.Source[container]{
		Scope:   armlist.Scope(e.session, w.rg, w.account),
		Name:    w.name,
		Existed: cr.Status.AtProvider.ID != "",
		List: func(ctx context.Context) (map[string]container, error) {
			return armlist.Collect(ctx, e.api.NewListPager(w.rg, w.account, nil),
				func(r armstorage.BlobContainersClientListResponse) []*armstorage.ListContainerItem { return r.Value }, listedContainer)
		},
		Get: get,
	})
	if found && resp.listed && !meta.WasDeleted(cr) && e.obs.Tracker.DriftCheckDue(cr, cr.Spec.ForProvider) {
		// The metadata, which no listing returns: read when the spec
		// changed, when this resource never read it, and every drift
		// check interval.
		resp, err = get(ctx)
		found = !azerr.NotFound(err)
		if !found {
			err = nil
		}
	}
	if err != nil {
		return managed.ExternalObservation{}, azerr.Wrap(err, "cannot get blob container")
	}
	if !found {
		return managed.ExternalObservation{}, nil
	}
	props := ptr.Deref(resp.ContainerProperties, armstorage.ContainerProperties{})
	if resp.listed {
		// Checked within the drift check interval and taken as unchanged
		// since: neither reported as drift nor sent by an update.
		props.Metadata = armtags.ToARM(cr.Spec.ForProvider.Metadata)
	}
	e.last = &props
	cr.Status.AtProvider = v1alpha1.ContainerObservation{ID: ptr.Deref(resp.ID, ""), URL: w.url()}
	if props.LastModifiedTime != nil {
		cr.Status.AtProvider.LastModifiedTime = props.LastModifiedTime.UTC().Format("2006-01-02T15:04:05Z")
	}
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	cr.SetConditions(xpv2.Available())
	p := &cr.Spec.ForProvider
	lateInit := compare.LateInit(&p.PublicAccess, (*string)(props.PublicAccess))
	// The resource group learnt from the referenced Account is kept, so the
	// container can still be found (and deleted) once the Account is gone:
	// a claim deletes both at once.
	lateInit = compare.LateInit(&p.ResourceGroupName, &w.rg) || lateInit
	lateInit = armtags.LateInit(&p.Metadata, armtags.FromARM(props.Metadata)) || lateInit
	ds, _ := diff(*p, props)
	if !resp.listed {
		if len(ds) == 0 {
			e.obs.Tracker.Verified(cr, cr.Spec.ForProvider)
		} else {
			// Read again next time, until an update made it match.
			e.obs.Tracker.Unverified(cr)
		}
	}
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		Diff:                    compare.Describe(ds),
		ConnectionDetails:       connectionDetails(w),
	}, nil
}

// A difference is one field whose spec and Azure values differ.
type difference struct {
	Field, Want, Got string
}

func (d difference) String() string {
	return fmt.Sprintf("spec.forProvider.%s: want %s, Azure has %s", d.Field, d.Want, d.Got)
}

// diff lists where Azure differs from the spec and the PATCH body that
// sends only that.
func diff(p v1alpha1.ContainerParameters, got armstorage.ContainerProperties) ([]difference, armstorage.BlobContainer) {
	var ds []difference
	patch := armstorage.ContainerProperties{}
	if p.PublicAccess != nil && *p.PublicAccess != string(ptr.Deref(got.PublicAccess, armstorage.PublicAccessNone)) {
		ds = append(ds, difference{"publicAccess", *p.PublicAccess, string(ptr.Deref(got.PublicAccess, armstorage.PublicAccessNone))})
		patch.PublicAccess = ptr.To(armstorage.PublicAccess(*p.PublicAccess))
	}
	if m := armtags.FromARM(got.Metadata); p.Metadata != nil && !maps.Equal(p.Metadata, m) && !(len(p.Metadata) == 0 && len(m) == 0) {
		ds = append(ds, difference{"metadata", compare.Tags(p.Metadata), compare.Tags(m)})
		patch.Metadata = armtags.ToARM(p.Metadata)
	}
	return ds, armstorage.BlobContainer{ContainerProperties: &patch}
}

func connectionDetails(w where) managed.ConnectionDetails {
	return contract.BucketEndpoint{
		Provider: "azure",
		Bucket:   w.name,
		Region:   w.region,
		Endpoint: w.endpoint,
		URL:      w.url(),
	}.Details()
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Container) (_ managed.ExternalCreation, err error) {
	defer azerr.Requeue(ctx, &err)
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	p := cr.Spec.ForProvider
	props := &armstorage.ContainerProperties{PublicAccess: ptr.To(armstorage.PublicAccess(ptr.Deref(p.PublicAccess, "None")))}
	if p.Metadata != nil {
		props.Metadata = armtags.ToARM(p.Metadata)
	}
	_, err = e.api.Create(ctx, w.rg, w.account, w.name, armstorage.BlobContainer{ContainerProperties: props}, nil)
	e.obs.Wrote(cr)
	switch {
	case err == nil:
		return managed.ExternalCreation{ConnectionDetails: connectionDetails(w)}, nil
	case azerr.HasCode(err, "ParentResourceNotFound", "ResourceNotFound"):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.accountName: storage account %q does not exist in resource group %q", w.account, w.rg)
	case azerr.GroupNotFound(err):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.resourceGroupName: resource group %q does not exist", w.rg)
	case azerr.HasCode(err, "PublicAccessNotPermitted"):
		return managed.ExternalCreation{}, xperrors.Errorf("spec.forProvider.publicAccess %s is not permitted: the account does not allow public blob access (allowBlobPublicAccess)", ptr.Deref(p.PublicAccess, "None"))
	default:
		return managed.ExternalCreation{}, azerr.Field(err, fmt.Sprintf("cannot create blob container %q", w.name), "spec.forProvider")
	}
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Container) (_ managed.ExternalUpdate, err error) {
	defer azerr.Requeue(ctx, &err)
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	if e.last == nil {
		resp, err := e.api.Get(ctx, w.rg, w.account, w.name, nil)
		if err != nil {
			return managed.ExternalUpdate{}, azerr.Wrap(err, "cannot get blob container")
		}
		e.last = resp.ContainerProperties
	}
	ds, patch := diff(cr.Spec.ForProvider, ptr.Deref(e.last, armstorage.ContainerProperties{}))
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating blob container: "+compare.Describe(ds)))
	_, err = e.api.Update(ctx, w.rg, w.account, w.name, patch, nil)
	e.obs.Wrote(cr)
	if azerr.HasCode(err, "PublicAccessNotPermitted") {
		return managed.ExternalUpdate{}, xperrors.Errorf("spec.forProvider.publicAccess %s is not permitted: the account does not allow public blob access (allowBlobPublicAccess)", ptr.Deref(cr.Spec.ForProvider.PublicAccess, ""))
	}
	return managed.ExternalUpdate{}, azerr.Field(err, fmt.Sprintf("cannot update blob container %q", w.name), "spec.forProvider")
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Container) (_ managed.ExternalDelete, err error) {
	defer azerr.Requeue(ctx, &err)
	cr.SetConditions(xpv2.Deleting())
	w, err := e.locate(ctx, cr)
	if err != nil {
		return managed.ExternalDelete{}, err
	}
	_, err = e.api.Delete(ctx, w.rg, w.account, w.name, nil)
	e.obs.Wrote(cr)
	if err != nil && !azerr.NotFound(err) {
		return managed.ExternalDelete{}, azerr.Wrap(err, fmt.Sprintf("cannot delete blob container %q", w.name))
	}
	return managed.ExternalDelete{}, nil
}

func (e *external) Disconnect(context.Context) error { return nil }
