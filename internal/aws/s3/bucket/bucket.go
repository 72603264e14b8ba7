// Package bucket is the controller for Amazon S3 Buckets.
package bucket

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/internal/aws/awsclient"
	"github.com/stowage-dev/stowage/internal/aws/awserr"
	"github.com/stowage-dev/stowage/internal/cloudbudget"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// API is the part of the S3 client a Bucket needs.
type API interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CreateBucket(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, opts ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
	ListBuckets(ctx context.Context, in *s3.ListBucketsInput, opts ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	PutBucketVersioning(ctx context.Context, in *s3.PutBucketVersioningInput, opts ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	PutBucketEncryption(ctx context.Context, in *s3.PutBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, opts ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
	PutBucketTagging(ctx context.Context, in *s3.PutBucketTaggingInput, opts ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error)
}

// Setup adds a controller that reconciles Buckets.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.BucketGroupVersionKind
	c := &connector{
		aws: awsclient.NewConnector(mgr, o, func(s awsclient.Session) API {
			return s3.NewFromConfig(s.Config, func(o *s3.Options) { o.UsePathStyle = s.S3UsePathStyle() })
		}),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		list:     cloudlist.NewLister[listed](gvk.Kind),
		track:    cloudlist.NewTracker(o.PollInterval),
	}
	c.track.Kind = gvk.Kind
	return mrsetup.Setup[*v1alpha1.Bucket](mgr, o, gvk, &v1alpha1.Bucket{}, c)
}

type connector struct {
	aws      *awsclient.Connector[API]
	recorder event.Recorder
	cluster  ownership.ClusterID
	list     *cloudlist.Lister[listed]
	track    *cloudlist.Tracker
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.Bucket) (managed.TypedExternalClient[*v1alpha1.Bucket], error) {
	api, s, err := c.aws.Connect(ctx, cr, ptr.Deref(cr.Spec.ForProvider.Region, ""))
	if err != nil {
		return nil, err
	}
	return &external{api: api, session: s, recorder: c.recorder, cluster: c.cluster, list: c.list, track: c.track}, nil
}

// external is built anew for every reconcile, so it may carry what Observe
// read over to Update.
type external struct {
	api      API
	session  awsclient.Session
	recorder event.Recorder
	cluster  ownership.ClusterID
	// list serves existence from one ListBuckets of the account per poll;
	// track says when the per-bucket reads are due. Both nil: every
	// Observe reads the bucket itself.
	list  *cloudlist.Lister[listed]
	track *cloudlist.Tracker
	last  *observed
}

// listed is what ListBuckets says of a bucket.
type listed struct {
	Region string // empty where S3 (or its emulator) does not say
}

// kind is the Bucket kind as owner tags name it.
var kind = strings.ToLower(v1alpha1.BucketKind)

// owner is cr as the owner tags of its cloud object name it.
func (e *external) owner(ctx context.Context, cr *v1alpha1.Bucket) (ownership.Owner, error) {
	return e.ownership().Owner(ctx, cr)
}

// check refuses to manage a cloud object that belongs to someone else.
func (e *external) check(ctx context.Context, cr *v1alpha1.Bucket, tags map[string]string) error {
	return e.ownership().Check(ctx, cr, tags)
}

func (e *external) ownership() ownership.Checker {
	return ownership.Checker{Cluster: e.cluster, Kind: kind}
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if name == "" {
		return managed.ExternalObservation{}, nil
	}
	if obs, ok, err := e.fromListing(ctx, cr, name); ok || err != nil {
		return obs, err
	}
	o, err := e.readOrRecall(ctx, cr, name)
	if isNotFound(err) {
		if e.track != nil && meta.WasDeleted(cr) {
			e.track.Forget(cr)
		}
		return managed.ExternalObservation{}, nil
	}
	if err != nil {
		return managed.ExternalObservation{}, err
	}
	if err := e.check(ctx, cr, o.Tags); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the bucket.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = &o
	if meta.WasDeleted(cr) {
		// Deleting needs to know only that the bucket is there.
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		ow, err := e.owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &ow
	}

	lateInit := lateInitialize(&cr.Spec.ForProvider, o)
	region := o.Region
	cr.Status.AtProvider = v1alpha1.BucketObservation{
		ARN:              "arn:aws:s3:::" + name,
		Region:           region,
		Endpoint:         e.session.S3Endpoint(region),
		VersioningStatus: o.Versioning,
	}
	cr.SetConditions(xpv2.Available())

	ds := diff(cr.Spec.ForProvider, o, owner)
	if e.track != nil {
		e.track.Seen(cr)
		if len(ds) == 0 {
			// As late-initialised: the spec written next is the one verified.
			e.track.Verified(cr, cr.Spec.ForProvider)
		}
	}
	return managed.ExternalObservation{
		ResourceExists:          true,
		ResourceUpToDate:        len(ds) == 0,
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       e.connectionDetails(name, region),
		Diff:                    compare.Describe(ds),
	}, nil
}

// fromListing observes the bucket from the account's shared ListBuckets
// listing when that is enough, and reports whether it was. It is enough
// for a bucket seen before whose settings the per-bucket reads found as the
// spec asks within the drift check interval: ListBuckets returns names
// (and regions), not versioning, encryption, public access block or tags.
// Read directly are a bucket never seen (one made outside the provider a
// moment ago must be found before anything is created), one being
// deleted, one whose spec changed, one due a drift check and one the
// listing lacks after it was seen.
func (e *external) fromListing(ctx context.Context, cr *v1alpha1.Bucket, name string) (managed.ExternalObservation, bool, error) {
	if e.list == nil || meta.WasDeleted(cr) {
		return managed.ExternalObservation{}, false, nil
	}
	seen := e.track.WasSeen(cr) || cr.Status.AtProvider.ARN != ""
	if !seen || e.track.SpecChanged(cr, cr.Spec.ForProvider) {
		return managed.ExternalObservation{}, false, nil
	}
	// A drift check waits while the account's S3 budget is busy, so that
	// checking what exists never holds up creating or changing something:
	// with many buckets per account the achieved drift check interval
	// stretches (stowage_drift_check_interval_seconds) instead.
	if e.track.DriftCheckDue(cr, cr.Spec.ForProvider) && cloudbudget.Default.Spare(e.session.BudgetKey("S3")) {
		return managed.ExternalObservation{}, false, nil
	}
	var b listed
	if !e.track.SeenRecently(cr) {
		settled := cr.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue
		var found bool
		var err error
		b, found, err = e.list.Get(ctx, e.session.Scope(""), e.track.NotBefore(cr, settled), name, e.listAll)
		if err != nil || !found {
			// Gone after being seen: S3 says, not the listing.
			return managed.ExternalObservation{}, false, err
		}
	}
	// What Create remembered served its observations until now.
	e.track.ForgetMemo(cr)
	region := cmp.Or(b.Region, cr.Status.AtProvider.Region, e.session.Config.Region)
	cr.Status.AtProvider.ARN = "arn:aws:s3:::" + name
	cr.Status.AtProvider.Region = region
	cr.Status.AtProvider.Endpoint = e.session.S3Endpoint(region)
	cr.SetConditions(xpv2.Available())
	return managed.ExternalObservation{
		ResourceExists:    true,
		ResourceUpToDate:  true,
		ConnectionDetails: e.connectionDetails(name, region),
	}, true, nil
}

// listAll lists every bucket of the account. ListBuckets is one call for
// up to 10,000 buckets; the paginator follows continuation tokens beyond.
func (e *external) listAll(ctx context.Context) (map[string]listed, error) {
	all := map[string]listed{}
	p := s3.NewListBucketsPaginator(e.api, &s3.ListBucketsInput{MaxBuckets: aws.Int32(10000)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, xperrors.Wrap(err, "cannot list buckets")
		}
		for _, b := range out.Buckets {
			all[ptr.Deref(b.Name, "")] = listed{Region: ptr.Deref(b.BucketRegion, "")}
		}
	}
	return all, nil
}

// wrote tells the tracker the bucket was written, so the next observation
// waits for a listing that shows the write.
func (e *external) wrote(cr *v1alpha1.Bucket) {
	if e.track != nil {
		e.track.Wrote(cr)
	}
}

// created is what Create just made of a new bucket: every setting it wrote,
// and whether that included the encryption.
type created struct {
	observed
	encryptionKnown bool
}

// readOrRecall reads the bucket, unless Create just made it: then what
// Create wrote stands for what a read would find, and only the default
// encryption S3 chose is read (one call, not five). S3 bucket settings are
// eventually consistent, so reading them back at once could return the
// state before the write anyway; the drift check reads them in full later.
func (e *external) readOrRecall(ctx context.Context, cr *v1alpha1.Bucket, name string) (observed, error) {
	if e.track == nil || meta.WasDeleted(cr) {
		return e.read(ctx, name)
	}
	v, ok := e.track.Recall(cr)
	c, isCreated := v.(created)
	if !ok || !isCreated {
		return e.read(ctx, name)
	}
	if c.encryptionKnown {
		return c.observed, nil
	}
	enc, err := e.encryption(ctx, name)
	if err != nil {
		return observed{}, err
	}
	c.Encryption = enc
	return c.observed, nil
}

// read makes one consistent view of the bucket. S3 keeps each part of a
// bucket's configuration behind its own call, so this is five reads.
func (e *external) read(ctx context.Context, name string) (observed, error) {
	h, err := e.api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name})
	if err != nil {
		if isForbidden(err) {
			return observed{}, xperrors.Errorf("access denied to bucket %q: it may belong to another AWS account; pick another name with the crossplane.io/external-name annotation", name)
		}
		return observed{}, xperrors.Wrapf(err, "cannot head bucket %q", name)
	}
	o := observed{Region: ptr.Deref(h.BucketRegion, e.session.Config.Region)}

	v, err := e.api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &name})
	if err != nil {
		return observed{}, xperrors.Wrap(err, "cannot get bucket versioning")
	}
	o.Versioning = string(v.Status)

	if o.Encryption, err = e.encryption(ctx, name); err != nil {
		return observed{}, err
	}

	off := ptr.To(false)
	o.PAB = v1alpha1.PublicAccessBlock{BlockPublicACLs: off, IgnorePublicACLs: off, BlockPublicPolicy: off, RestrictPublicBuckets: off}
	pab, err := e.api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &name})
	switch {
	case awserr.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return observed{}, xperrors.Wrap(err, "cannot get bucket public access block")
	case pab.PublicAccessBlockConfiguration != nil:
		c := pab.PublicAccessBlockConfiguration
		o.PAB = v1alpha1.PublicAccessBlock{
			BlockPublicACLs:       ptr.To(ptr.Deref(c.BlockPublicAcls, false)),
			IgnorePublicACLs:      ptr.To(ptr.Deref(c.IgnorePublicAcls, false)),
			BlockPublicPolicy:     ptr.To(ptr.Deref(c.BlockPublicPolicy, false)),
			RestrictPublicBuckets: ptr.To(ptr.Deref(c.RestrictPublicBuckets, false)),
		}
	}

	if o.Tags, err = e.tags(ctx, name); err != nil {
		return observed{}, err
	}
	return o, nil
}

// encryption reads the bucket's default encryption; nil when it has none.
func (e *external) encryption(ctx context.Context, name string) (*v1alpha1.ServerSideEncryption, error) {
	enc, err := e.api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &name})
	switch {
	case awserr.HasCode(err, "ServerSideEncryptionConfigurationNotFoundError"):
	case err != nil:
		return nil, xperrors.Wrap(err, "cannot get bucket encryption")
	case enc.ServerSideEncryptionConfiguration != nil && len(enc.ServerSideEncryptionConfiguration.Rules) > 0:
		r := enc.ServerSideEncryptionConfiguration.Rules[0]
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			return &v1alpha1.ServerSideEncryption{
				Algorithm:        v1alpha1.SSEAlgorithm(d.SSEAlgorithm),
				KMSMasterKeyID:   compare.NonEmpty(d.KMSMasterKeyID),
				BucketKeyEnabled: ptr.To(ptr.Deref(r.BucketKeyEnabled, false)),
			}, nil
		}
	}
	return nil, nil
}

// tags reads every tag of the bucket, owner tags included; nil when it has
// none.
func (e *external) tags(ctx context.Context, name string) (map[string]string, error) {
	out, err := e.api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &name})
	switch {
	case awserr.HasCode(err, "NoSuchTagSet", "NoSuchTagSetError"):
		return nil, nil
	case err != nil:
		return nil, xperrors.Wrap(err, "cannot get bucket tags")
	}
	tags := map[string]string{}
	for _, t := range out.TagSet {
		tags[ptr.Deref(t.Key, "")] = ptr.Deref(t.Value, "")
	}
	return tags, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	region := e.session.Config.Region
	// Known before the create call, so a bucket is never made without them.
	owner, err := e.owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	in := &s3.CreateBucketInput{Bucket: &name}
	// us-east-1 is the one region S3 refuses as an explicit location constraint.
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	_, err = e.api.CreateBucket(ctx, in)
	defer e.wrote(cr)
	isNew := err == nil
	switch {
	case awserr.HasCode(err, "BucketAlreadyOwnedByYou"):
		// A previous Create got this far before the status was written, or
		// someone in this account made the bucket since Observe looked:
		// only the first may be configured as ours.
		tags, err := e.tags(ctx, name)
		if err != nil {
			return managed.ExternalCreation{}, err
		}
		if err := e.check(ctx, cr, tags); err != nil {
			return managed.ExternalCreation{}, err
		}
	case awserr.HasCode(err, "BucketAlreadyExists"):
		return managed.ExternalCreation{}, xperrors.Errorf("bucket name %q is taken by another AWS account: S3 bucket names are global; set the crossplane.io/external-name annotation to another name", name)
	case awserr.HasCode(err, "InvalidBucketName"):
		return managed.ExternalCreation{}, xperrors.Errorf("bucket name %q (the crossplane.io/external-name annotation) is not a valid S3 bucket name", name)
	case awserr.HasCode(err, "InvalidLocationConstraint", "IllegalLocationConstraintException"):
		return managed.ExternalCreation{}, xperrors.Wrapf(err, "spec.forProvider.region %q is not a region S3 accepts", region)
	case err != nil:
		return managed.ExternalCreation{}, xperrors.Wrapf(err, "cannot create bucket %q", name)
	}

	// Apply the rest now so the bucket is never seen half-configured; if this
	// fails, the next Observe finds the difference and Update finishes it.
	// The owner tags always go on.
	p := cr.Spec.ForProvider
	all := map[string]bool{partPAB: true, partVersioning: p.Versioning != nil && *p.Versioning == v1alpha1.VersioningEnabled,
		partEncryption: p.ServerSideEncryption != nil, partTags: true}
	tags := desiredTags(p, nil, owner)
	if err := e.apply(ctx, name, p, all, tags); err != nil {
		return managed.ExternalCreation{}, err
	}
	if isNew && e.track != nil {
		// A bucket made just now has nothing but what was written here.
		c := created{observed: observed{Region: region, PAB: desiredPAB(p.PublicAccessBlock), Tags: tags},
			encryptionKnown: all[partEncryption]}
		if all[partVersioning] {
			c.Versioning = string(*p.Versioning)
		}
		if c.encryptionKnown {
			c.Encryption = p.ServerSideEncryption.DeepCopy()
		}
		e.track.Remember(cr, c)
	}
	return managed.ExternalCreation{ConnectionDetails: e.connectionDetails(name, region)}, nil
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	if e.last == nil {
		o, err := e.read(ctx, name)
		if err != nil {
			return managed.ExternalUpdate{}, err
		}
		if err := e.check(ctx, cr, o.Tags); err != nil {
			return managed.ExternalUpdate{}, err
		}
		e.last = &o
	}
	owner, err := e.owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	ds := diff(cr.Spec.ForProvider, *e.last, &owner)
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating bucket: "+compare.Describe(ds)))
	defer e.wrote(cr)
	if e.track != nil {
		// What Create wrote no longer stands: read the bucket from now on.
		e.track.ForgetMemo(cr)
	}
	ps := parts(ds)
	if prev, ok := ownership.Foreign(cr, e.last.Tags); ok && ps[partTags] {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("Bucket %q was tagged as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's", name, prev)))
	}
	return managed.ExternalUpdate{}, e.apply(ctx, name, cr.Spec.ForProvider, ps, desiredTags(cr.Spec.ForProvider, e.last, owner))
}

// apply writes the named parts of the spec to S3, one call per part. tags is
// the bucket's full tag set, owner tags included.
func (e *external) apply(ctx context.Context, name string, p v1alpha1.BucketParameters, part map[string]bool, tags map[string]string) error {
	// Owner tags first: once they are on, a failure below still leaves a
	// bucket that is recognisably ours.
	if part[partTags] {
		set := make([]s3types.Tag, 0, len(tags))
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			set = append(set, s3types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
		if _, err := e.api.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: set}}); err != nil {
			return xperrors.Wrap(err, "cannot put bucket tags (spec.forProvider.tags and owner tags)")
		}
	}
	// The other settings are independent of each other: sent together, a
	// bucket is configured in the time of one call, not three. Each runs to
	// its end; the first failure is reported.
	var g errgroup.Group
	if part[partPAB] {
		g.Go(func() error { return e.putPAB(ctx, name, p) })
	}
	if part[partVersioning] && p.Versioning != nil {
		g.Go(func() error { return e.putVersioning(ctx, name, p) })
	}
	if part[partEncryption] && p.ServerSideEncryption != nil {
		g.Go(func() error { return e.putEncryption(ctx, name, p) })
	}
	return g.Wait()
}

func (e *external) putPAB(ctx context.Context, name string, p v1alpha1.BucketParameters) error {
	d := desiredPAB(p.PublicAccessBlock)
	_, err := e.api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &name, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: d.BlockPublicACLs, IgnorePublicAcls: d.IgnorePublicACLs,
		BlockPublicPolicy: d.BlockPublicPolicy, RestrictPublicBuckets: d.RestrictPublicBuckets,
	}})
	return xperrors.Wrap(err, "cannot put public access block (spec.forProvider.publicAccessBlock)")
}

func (e *external) putVersioning(ctx context.Context, name string, p v1alpha1.BucketParameters) error {
	_, err := e.api.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &name,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatus(*p.Versioning)}})
	return xperrors.Wrap(err, "cannot put bucket versioning (spec.forProvider.versioning)")
}

func (e *external) putEncryption(ctx context.Context, name string, p v1alpha1.BucketParameters) error {
	s := p.ServerSideEncryption
	_, err := e.api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &name,
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(s.Algorithm), KMSMasterKeyID: compare.NonEmpty(s.KMSMasterKeyID)},
			BucketKeyEnabled:                   s.BucketKeyEnabled,
		}}}})
	return xperrors.Wrap(err, "cannot put bucket encryption (spec.forProvider.serverSideEncryption)")
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.Bucket) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	cr.SetConditions(xpv2.Deleting())
	_, err := e.api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	e.wrote(cr)
	switch {
	case err == nil, isNotFound(err):
		return managed.ExternalDelete{}, nil
	case awserr.HasCode(err, "BucketNotEmpty"):
		return managed.ExternalDelete{}, xperrors.Errorf("bucket %q is not empty and S3 will not delete it: empty it first, or remove Delete from spec.managementPolicies to leave it in S3", name)
	default:
		return managed.ExternalDelete{}, xperrors.Wrapf(err, "cannot delete bucket %q", name)
	}
}

func (e *external) Disconnect(context.Context) error { return nil }

func (e *external) connectionDetails(name, region string) managed.ConnectionDetails {
	return contract.BucketEndpoint{
		Provider: "aws",
		Bucket:   name,
		Region:   region,
		Endpoint: e.session.S3Endpoint(region),
		URL:      "s3://" + name,
	}.Details()
}

// HeadBucket has no body, so a missing bucket is a bare 404.
func isNotFound(err error) bool {
	var nf *s3types.NotFound
	var nsb *s3types.NoSuchBucket
	return errors.As(err, &nf) || errors.As(err, &nsb) || awserr.HasCode(err, "NotFound", "NoSuchBucket") || awserr.HTTPStatus(err) == http.StatusNotFound
}

func isForbidden(err error) bool {
	return awserr.HasCode(err, "Forbidden", "AccessDenied") || awserr.HTTPStatus(err) == http.StatusForbidden
}
