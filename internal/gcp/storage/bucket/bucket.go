// Package bucket is the controller for Google Cloud Storage Buckets.
package bucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	storagev1 "google.golang.org/api/storage/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/gcp/gcpclient"
	"github.com/stowage-dev/stowage/internal/gcp/labels"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// API is the part of Cloud Storage a Bucket needs: one call per operation,
// on the JSON API's bucket resource.
type API interface {
	// Attrs reads the bucket (buckets.get, full projection).
	Attrs(ctx context.Context, name string) (*storagev1.Bucket, error)
	// List lists every bucket of project, following every page, each as
	// Attrs reads it (the full projection).
	List(ctx context.Context, project string) ([]*storagev1.Bucket, error)
	// Create makes bucket b, named name, in project.
	Create(ctx context.Context, project, name string, b *storagev1.Bucket) error
	// Update patches the fields b carries, if the bucket's metadata is
	// still at metageneration (when it is not zero).
	Update(ctx context.Context, name string, metageneration int64, b *storagev1.Bucket) (*storagev1.Bucket, error)
	// Delete removes the (empty) bucket.
	Delete(ctx context.Context, name string) error
}

// Client is API on the Cloud Storage JSON API client. The generated client
// does not retry; Client retries as the Cloud Storage client library did
// (see retries).
type Client struct{ *storagev1.Service }

// errBucketNotExist is what Attrs says of a bucket Google does not have,
// wrapping Google's 404, in the Cloud Storage client library's words.
var errBucketNotExist = errors.New("storage: bucket doesn't exist")

// Attrs reads the bucket.
func (c Client) Attrs(ctx context.Context, name string) (*storagev1.Bucket, error) {
	var b *storagev1.Bucket
	err := retry(ctx, true, func(ctx context.Context) error {
		var err error
		b, err = c.Buckets.Get(name).Projection("full").Context(ctx).Do()
		return err
	})
	if code(err) == http.StatusNotFound {
		return nil, fmt.Errorf("%w: %w", errBucketNotExist, err)
	}
	if err != nil {
		return nil, err
	}
	return b, checkBucket(b)
}

// List lists every bucket of project. Each page has its own attempts: a
// failed page is asked for again, not the listing from its start.
func (c Client) List(ctx context.Context, project string) ([]*storagev1.Bucket, error) {
	var all []*storagev1.Bucket
	call := c.Buckets.List(project).Projection("full").Prefix("").ReturnPartialSuccess(false)
	token := ""
	attempt, bo := 1, newBackoff()
	for {
		err := call.PageToken(token).Pages(ctx, func(page *storagev1.Buckets) error {
			for _, b := range page.Items {
				if err := checkBucket(b); err != nil {
					return err
				}
			}
			all = append(all, page.Items...)
			token = page.NextPageToken
			attempt, bo = 1, newBackoff()
			return nil
		})
		if err == nil {
			return all, nil
		}
		if err := again(ctx, err, attempt, &bo); err != nil {
			return nil, err
		}
		attempt++
	}
}

// Create makes the bucket. Like the client library, it treats a create as
// safe to retry: a repeat of one Google did answers 409, which Create
// handles.
func (c Client) Create(ctx context.Context, project, name string, b *storagev1.Bucket) error {
	nb := *b
	nb.Name = name
	return retry(ctx, true, func(ctx context.Context) error {
		_, err := c.Buckets.Insert(project, &nb).Context(ctx).Do()
		return err
	})
}

// Update patches the bucket. Only with its metageneration precondition is
// it retried.
func (c Client) Update(ctx context.Context, name string, metageneration int64, b *storagev1.Bucket) (*storagev1.Bucket, error) {
	call := c.Buckets.Patch(name, b).Projection("full")
	if metageneration > 0 {
		call = call.IfMetagenerationMatch(metageneration)
	}
	var out *storagev1.Bucket
	err := retry(ctx, metageneration > 0, func(ctx context.Context) error {
		var err error
		out, err = call.Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, checkBucket(out)
}

// Delete removes the bucket.
func (c Client) Delete(ctx context.Context, name string) error {
	return retry(ctx, true, func(ctx context.Context) error {
		return c.Buckets.Delete(name).Context(ctx).Do()
	})
}

// The retries of a throttled or failed call (429, 5xx; see shouldRetry)
// before the error reaches the reconciler, as the Cloud Storage client
// library was set to make them: a few, quickly, so a worker is not held;
// after them the resource is requeued after the delay Google advised
// (mrsetup.Throttled). Each attempt goes through the session's HTTP client,
// so it waits for the call budget and is counted on its own.
const maxAttempts = 3

func newBackoff() gax.Backoff {
	return gax.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2}
}

// retry makes call, again while again allows when the call is safe to
// repeat (idempotent).
func retry(ctx context.Context, idempotent bool, call func(context.Context) error) error {
	if !idempotent {
		return call(ctx)
	}
	bo := newBackoff()
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		if err := again(ctx, err, attempt, &bo); err != nil {
			return err
		}
	}
}

// again decides after attempt failed with err: it returns the error to give
// up with, or nil once it has waited for the next attempt. The errors are
// the client library's.
func again(ctx context.Context, err error, attempt int, bo *gax.Backoff) error {
	if attempt >= maxAttempts {
		return fmt.Errorf("storage: retry failed after %v attempts; last error: %w", maxAttempts, err)
	}
	if !shouldRetry(err) || errors.Is(ctx.Err(), context.Canceled) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	if cerr := gax.Sleep(ctx, bo.Pause()); cerr != nil {
		return retryCancelled{ctxErr: cerr, last: err}
	}
	return nil
}

// retryCancelled is a retry the context ended while it waited.
type retryCancelled struct{ ctxErr, last error }

func (e retryCancelled) Error() string {
	return fmt.Sprintf("retry failed with %v; last error: %v", e.ctxErr, e.last)
}
func (e retryCancelled) Unwrap() error { return e.last }
func (e retryCancelled) Is(target error) bool {
	return errors.Is(e.ctxErr, target) || errors.Is(e.last, target)
}

// shouldRetry is the Cloud Storage client library's ShouldRetry for the
// JSON API: 408, 429 and 5xx answers, and connections refused, reset or
// cut short.
func shouldRetry(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	switch e := err.(type) {
	case *googleapi.Error:
		return e.Code == http.StatusRequestTimeout || e.Code == http.StatusTooManyRequests || (e.Code >= 500 && e.Code < 600)
	case *net.OpError, *url.Error:
		for _, s := range []string{"connection refused", "connection reset", "broken pipe", "client connection lost", "server closed idle connection"} {
			if strings.Contains(e.Error(), s) {
				return true
			}
		}
		if errors.Is(err, io.EOF) {
			return true
		}
	case *net.DNSError:
		if e.IsTemporary {
			return true
		}
	case interface{ Temporary() bool }:
		if e.Temporary() {
			return true
		}
	}
	if u, ok := err.(interface{ Unwrap() error }); ok {
		return shouldRetry(u.Unwrap())
	}
	return false
}

// checkBucket refuses a bucket whose retention policy's effective time is
// not a time, as the client library did.
func checkBucket(b *storagev1.Bucket) error {
	if b == nil || b.RetentionPolicy == nil || b.RetentionPolicy.EffectiveTime == "" {
		return nil
	}
	_, err := time.Parse(time.RFC3339, b.RetentionPolicy.EffectiveTime)
	return err
}

// clients keeps one Cloud Storage client per session, so reconciles reuse
// its connections. A session is the provider config's version: the session
// cache hands out the same Options each time until the config changes.
type clients struct {
	mu sync.Mutex
	m  map[clientKey]*storagev1.Service
}

// clientKey identifies a session by the address of its first client
// option (the credentials), which the session cache shares between the
// copies of one session it hands out, and the endpoint.
type clientKey struct {
	opts     *option.ClientOption
	endpoint string
}

func (c *clients) get(ctx context.Context, s gcpclient.Session) (API, error) {
	opts := s.StorageOptions()
	var key clientKey
	if len(s.Options) > 0 {
		key.opts = &s.Options[0]
	}
	if e := s.Spec.Endpoints; e != nil {
		key.endpoint = e.Storage
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc, ok := c.m[key]; ok && key.opts != nil {
		return Client{sc}, nil
	}
	// The service lives as long as the cached session, past the
	// reconcile that made it.
	sc, err := storagev1.NewService(context.WithoutCancel(ctx), opts...)
	if err != nil {
		return nil, xperrors.Wrap(err, "cannot make a Cloud Storage client")
	}
	if key.opts != nil {
		c.m[key] = sc
	}
	return Client{sc}, nil
}

// Setup adds a controller that reconciles Buckets.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.BucketGroupVersionKind
	cs := &clients{m: map[clientKey]*storagev1.Service{}}
	c := &connector{
		gcp:      gcpclient.NewConnector(mgr, o, cs.get),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		lister:   cloudlist.NewLister[*storagev1.Bucket]("gcp_storage_bucket"),
		tracker:  cloudlist.NewTracker(o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.Bucket](mgr, o, gvk, &v1alpha1.Bucket{}, c)
}

type connector struct {
	gcp      *gcpclient.Connector[API]
	recorder event.Recorder
	cluster  ownership.ClusterID
	lister   *cloudlist.Lister[*storagev1.Bucket]
	tracker  *cloudlist.Tracker
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Bucket) (managed.TypedExternalClient[*v1alpha1.Bucket], error) {
	api, s, err := c.gcp.Connect(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &external{api: api, session: s, recorder: c.recorder, cluster: c.cluster, lister: c.lister, tracker: c.tracker}, nil
}

// external is built anew for every reconcile, so it may carry what Observe
// read over to Update.
type external struct {
	api      API
	session  gcpclient.Session
	recorder event.Recorder
	cluster  ownership.ClusterID
	lister   *cloudlist.Lister[*storagev1.Bucket]
	tracker  *cloudlist.Tracker
	last     *observed
}

// kind is the Bucket kind as owner labels name it.
var kind = strings.ToLower(v1alpha1.BucketKind)

func (e *external) ownership() labels.Checker {
	return labels.Checker{Checker: ownership.Checker{Cluster: e.cluster, Kind: kind}}
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if name == "" {
		return managed.ExternalObservation{}, nil
	}
	a, err := e.find(ctx, cr, name)
	switch {
	case a == nil && err == nil:
		return managed.ExternalObservation{}, nil
	case isForbidden(err):
		return managed.ExternalObservation{}, xperrors.Errorf("access denied to bucket %q: it belongs to a project these credentials cannot read; bucket names are global, so pick another with the crossplane.io/external-name annotation", name)
	case err != nil:
		return managed.ExternalObservation{}, e.cloudErr(ctx, err, "cannot get bucket %q", name)
	}
	o := fromBucket(a)
	if err := e.ownership().Check(ctx, cr, o.Labels); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the bucket.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = &o
	if meta.WasDeleted(cr) {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		ow, err := e.ownership().Owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &ow
	}

	lateInit := lateInitialize(&cr.Spec.ForProvider, o)
	cr.Status.AtProvider = v1alpha1.BucketObservation{
		Location:       o.Location,
		LocationType:   o.LocationType,
		ProjectNumber:  o.ProjectNumber,
		Metageneration: o.Metageneration,
		URL:            "gs://" + name,
		Endpoint:       Endpoint(e.session),
	}
	cr.SetConditions(xpv2.Available())

	ds := diff(cr.Spec.ForProvider, o, owner)
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       e.connectionDetails(name, o.Location),
		Diff:                    compare.Describe(ds),
	}, nil
}

// scope names the Cloud Storage API a session reaches and its project:
// the key of that project's shared listing.
func scope(s gcpclient.Session) string {
	endpoint := ""
	if e := s.Spec.Endpoints; e != nil {
		endpoint = e.Storage
	}
	return endpoint + "|" + s.ProjectID
}

// find reads bucket name for cr's Observe from the project's shared
// listing (buckets.list, full projection: the same resource buckets.get
// returns), taken after cr's last write. It is nil, with no error, when
// Cloud Storage has no such bucket.
//
// It reads the bucket directly when the resource is being deleted, when it
// never saw its bucket (nothing in the tracker or the status: a new
// resource, or an import), and when the listing lacks it: bucket names are
// global, so a bucket missing from this project's listing may be gone, or
// another project's (an import, or a name someone else holds), and only a
// direct read tells which.
func (e *external) find(ctx context.Context, cr *v1alpha1.Bucket, name string) (*storagev1.Bucket, error) {
	if !meta.WasDeleted(cr) && (e.tracker.WasSeen(cr) || cr.Status.AtProvider.URL != "") {
		a, found, err := e.lister.Get(ctx, scope(e.session), e.tracker.NotBefore(cr, true), name, func(ctx context.Context) (map[string]*storagev1.Bucket, error) {
			items, err := e.api.List(ctx, e.session.ProjectID)
			if err != nil {
				return nil, err
			}
			m := make(map[string]*storagev1.Bucket, len(items))
			for _, it := range items {
				m[it.Name] = it
			}
			return m, nil
		})
		if isForbidden(err) {
			// Not wrapped: Observe reads a 403 from a direct read as
			// another project's bucket.
			return nil, xperrors.Errorf("cannot list the buckets of project %q: Stowage observes buckets through buckets.list, so its credentials need storage.buckets.list on the project: %s", e.session.ProjectID, googleMessage(err))
		}
		if err != nil {
			return nil, e.cloudErr(ctx, err, "cannot list the buckets of project %q", e.session.ProjectID)
		}
		if found {
			return a, nil
		}
	}
	a, err := e.api.Attrs(ctx, name)
	if isNotFound(err) {
		if meta.WasDeleted(cr) {
			e.tracker.Forget(cr)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e.tracker.Seen(cr)
	return a, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	// Known before the create call, so a bucket is never made without them.
	owner, err := e.ownership().Owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	p := cr.Spec.ForProvider
	location := e.location(p)
	err = e.api.Create(ctx, e.session.ProjectID, name, createAttrs(p, location, owner))
	e.tracker.Wrote(cr)
	switch {
	case err == nil:
	case isConflict(err):
		// Bucket names are global: a previous Create of ours got this far
		// before the status was written (or the client retried a create
		// Google had done), or the name is someone else's.
		a, rerr := e.api.Attrs(ctx, name)
		switch {
		case isForbidden(rerr):
			return managed.ExternalCreation{}, xperrors.Errorf("bucket name %q is taken by another Google Cloud project: Cloud Storage bucket names are global; set the crossplane.io/external-name annotation to another name", name)
		case rerr != nil:
			return managed.ExternalCreation{}, e.cloudErr(ctx, rerr, "bucket %q already exists and cannot be read", name)
		}
		if err := e.ownership().Check(ctx, cr, a.Labels); err != nil {
			return managed.ExternalCreation{}, err
		}
	case isInvalid(err):
		return managed.ExternalCreation{}, xperrors.Errorf("Google refused to create bucket %q (the crossplane.io/external-name annotation) in location %q: %s", name, compare.OrNone(location), googleMessage(err))
	default:
		return managed.ExternalCreation{}, e.cloudErr(ctx, err, "cannot create bucket %q", name)
	}
	return managed.ExternalCreation{ConnectionDetails: e.connectionDetails(name, location)}, nil
}

// location is where a new bucket goes: the spec's, the provider config's
// region, or Google's default.
func (e *external) location(p v1alpha1.BucketParameters) string {
	if p.Location != nil {
		return *p.Location
	}
	return e.session.Region
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	if e.last == nil {
		a, err := e.api.Attrs(ctx, name)
		if err != nil {
			return managed.ExternalUpdate{}, e.cloudErr(ctx, err, "cannot get bucket %q", name)
		}
		o := fromBucket(a)
		if err := e.ownership().Check(ctx, cr, o.Labels); err != nil {
			return managed.ExternalUpdate{}, err
		}
		e.last = &o
	}
	owner, err := e.ownership().Owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	p := cr.Spec.ForProvider
	ds := diff(p, *e.last, &owner)
	var moved error
	var send []difference
	for _, d := range ds {
		if d.Part == partLocation {
			moved = xperrors.Errorf("spec.forProvider.location is %s but bucket %q is in %s: a bucket cannot move; set the location Google reports, or make a new bucket", d.Want, name, d.Got)
			continue
		}
		send = append(send, d)
	}
	if len(send) == 0 {
		return managed.ExternalUpdate{}, moved
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating bucket: "+compare.Describe(send)))
	if prev, ok := ownership.Foreign(cr, e.last.Labels); ok {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("Bucket %q was labelled as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now labelled as this resource's", name, prev)))
	}
	_, err = e.api.Update(ctx, name, e.last.Metageneration, toUpdate(send, p, *e.last, &owner))
	e.tracker.Wrote(cr)
	switch {
	case err == nil:
		return managed.ExternalUpdate{}, moved
	case isPreconditionFailed(err):
		return managed.ExternalUpdate{}, xperrors.Errorf("bucket %q changed while it was being updated; it will be read again", name)
	case isInvalid(err):
		return managed.ExternalUpdate{}, xperrors.Errorf("Google refused to update bucket %q (%s): %s", name, compare.Describe(send), googleMessage(err))
	default:
		return managed.ExternalUpdate{}, e.cloudErr(ctx, err, "cannot update bucket %q", name)
	}
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	cr.SetConditions(xpv2.Deleting())
	err := e.api.Delete(ctx, name)
	e.tracker.Wrote(cr)
	switch {
	case err == nil, isNotFound(err):
		return managed.ExternalDelete{}, nil
	case isConflict(err):
		return managed.ExternalDelete{}, xperrors.Errorf("bucket %q is not empty and Google will not delete it: empty it first, or remove Delete from spec.managementPolicies to leave it in Cloud Storage", name)
	default:
		return managed.ExternalDelete{}, e.cloudErr(ctx, err, "cannot delete bucket %q", name)
	}
}

func (e *external) Disconnect(context.Context) error { return nil }

func (e *external) connectionDetails(name, location string) managed.ConnectionDetails {
	return contract.BucketEndpoint{
		Provider: "gcp",
		Bucket:   name,
		Region:   strings.ToLower(location),
		Endpoint: Endpoint(e.session),
		URL:      "gs://" + name,
	}.Details()
}

// Endpoint is the Cloud Storage endpoint applications reach: the provider
// config's (without the JSON API path) or Google's.
func Endpoint(s gcpclient.Session) string {
	if e := s.Spec.Endpoints; e != nil && e.Storage != "" {
		return strings.TrimSuffix(strings.TrimSuffix(e.Storage, "/"), "/storage/v1")
	}
	return "https://storage.googleapis.com"
}

// cloudErr wraps err; a call Google still throttled after the client's own
// retries requeues the resource after the delay Google advised.
func (e *external) cloudErr(ctx context.Context, err error, format string, args ...any) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusTooManyRequests {
		mrsetup.Throttled(ctx, retryAfter(ge.Header))
		return xperrors.Wrapf(errors.New(googleMessage(err)), format+" (throttled by Google; retrying when it allows)", args...)
	}
	return xperrors.Wrapf(err, format, args...)
}

// retryAfter is the delay a throttled answer advised, or 5 s.
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 5 * time.Second
}

func code(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

func googleMessage(err error) string {
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Message != "" {
		return ge.Message
	}
	return err.Error()
}

func isNotFound(err error) bool {
	return errors.Is(err, errBucketNotExist) || code(err) == http.StatusNotFound
}
func isForbidden(err error) bool          { return code(err) == http.StatusForbidden }
func isConflict(err error) bool           { return code(err) == http.StatusConflict }
func isInvalid(err error) bool            { return code(err) == http.StatusBadRequest }
func isPreconditionFailed(err error) bool { return code(err) == http.StatusPreconditionFailed }
