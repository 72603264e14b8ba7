package bucket

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsclient "github.com/stowage-dev/stowage/internal/aws/awsclient"
	"github.com/stowage-dev/stowage/internal/cloudbudget"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// fakeS3 answers every read from its fields and records every call by
// operation name. errs makes an operation fail.
type fakeS3 struct {
	API // unused methods panic, so a test notices calls it did not expect

	exists     bool
	versioning s3types.BucketVersioningStatus
	tags       map[string]string // nil: no tag set
	errs       map[string]error
	mu         sync.Mutex // Create sends some settings together
	calls      []string
	putTags    map[string]string // the last PutBucketTagging's tag set
}

func (f *fakeS3) call(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op)
	return f.errs[op]
}

// sentTogether sorts the calls after the owner tags, which Create sends
// together, in any order.
func sentTogether(calls []string) []string {
	out := slices.Clone(calls)
	if i := slices.Index(out, "PutBucketTagging"); i >= 0 {
		slices.Sort(out[i+1:])
	}
	return out
}

func (f *fakeS3) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	if err := f.call("HeadBucket"); err != nil {
		return nil, err
	}
	if !f.exists {
		return nil, &s3types.NotFound{}
	}
	return &s3.HeadBucketOutput{BucketRegion: ptr.To("us-east-1")}, nil
}

func (f *fakeS3) CreateBucket(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	return &s3.CreateBucketOutput{}, f.call("CreateBucket")
}

func (f *fakeS3) DeleteBucket(context.Context, *s3.DeleteBucketInput, ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	return &s3.DeleteBucketOutput{}, f.call("DeleteBucket")
}

func (f *fakeS3) GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	return &s3.GetBucketVersioningOutput{Status: f.versioning}, f.call("GetBucketVersioning")
}

func (f *fakeS3) PutBucketVersioning(context.Context, *s3.PutBucketVersioningInput, ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error) {
	return &s3.PutBucketVersioningOutput{}, f.call("PutBucketVersioning")
}

func (f *fakeS3) GetBucketEncryption(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	_ = f.call("GetBucketEncryption")
	return nil, &smithy.GenericAPIError{Code: "ServerSideEncryptionConfigurationNotFoundError"}
}

func (f *fakeS3) GetPublicAccessBlock(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	on := ptr.To(true)
	return &s3.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: on, IgnorePublicAcls: on, BlockPublicPolicy: on, RestrictPublicBuckets: on,
	}}, f.call("GetPublicAccessBlock")
}

func (f *fakeS3) PutPublicAccessBlock(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	return &s3.PutPublicAccessBlockOutput{}, f.call("PutPublicAccessBlock")
}

func (f *fakeS3) GetBucketTagging(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	_ = f.call("GetBucketTagging")
	if f.tags == nil {
		return nil, &smithy.GenericAPIError{Code: "NoSuchTagSet"}
	}
	out := &s3.GetBucketTaggingOutput{}
	for k, v := range f.tags {
		out.TagSet = append(out.TagSet, s3types.Tag{Key: ptr.To(k), Value: ptr.To(v)})
	}
	return out, nil
}

func (f *fakeS3) PutBucketTagging(_ context.Context, in *s3.PutBucketTaggingInput, _ ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
	f.putTags = map[string]string{}
	for _, t := range in.Tagging.TagSet {
		f.putTags[*t.Key] = *t.Value
	}
	return &s3.PutBucketTaggingOutput{}, f.call("PutBucketTagging")
}

// bucketCR is a Bucket with uid-1 whose external name was generated.
func bucketCR(p v1alpha1.BucketParameters) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "assets", UID: "uid-1"}, Spec: v1alpha1.BucketSpec{ForProvider: p}}
	meta.SetExternalName(b, "assets")
	meta.AddAnnotations(b, map[string]string{ownership.AnnotationGeneratedExternalName: "assets"})
	return b
}

func newExternal(f *fakeS3) *external {
	s := awsclient.Session{}
	s.Config.Region = "us-east-1"
	cluster := ownership.ClusterIDFn(func(context.Context) (string, error) { return "c-1", nil })
	return &external{api: f, session: s, recorder: event.NewNopRecorder(), cluster: cluster}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCreate(t *testing.T) {
	cases := map[string]struct {
		reason    string
		fake      *fakeS3
		spec      v1alpha1.BucketParameters
		pending   bool // the reconciler marked the create pending
		wantCalls []string
		wantTags  map[string]string
		wantErr   string
	}{
		"AppliesOnlyWhatIsAsked": {
			reason:    "A new bucket gets its owner tags first, then its public access block and versioning; nothing else is written.",
			fake:      &fakeS3{},
			spec:      v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled)},
			wantCalls: []string{"CreateBucket", "PutBucketTagging", "PutPublicAccessBlock", "PutBucketVersioning"},
			wantTags:  owner.Tags(),
		},
		"UserAndOwnerTags": {
			reason:    "The spec's tags go on with the owner tags.",
			fake:      &fakeS3{},
			spec:      v1alpha1.BucketParameters{Tags: map[string]string{"team": "shop"}},
			wantCalls: []string{"CreateBucket", "PutBucketTagging", "PutPublicAccessBlock"},
			wantTags:  ownership.Merge(map[string]string{"team": "shop"}, owner),
		},
		"AlreadyOwnedIsSuccess": {
			reason:    "A create that already happened (crash before the status write) is not an error.",
			fake:      &fakeS3{errs: map[string]error{"CreateBucket": &smithy.GenericAPIError{Code: "BucketAlreadyOwnedByYou"}}},
			pending:   true,
			wantCalls: []string{"CreateBucket", "GetBucketTagging", "PutBucketTagging", "PutPublicAccessBlock"},
			wantTags:  owner.Tags(),
		},
		"AlreadyOwnedBySomeoneElse": {
			reason:    "A bucket someone in this account made since Observe looked, tagged as theirs, is not configured.",
			fake:      &fakeS3{tags: other.Tags(), errs: map[string]error{"CreateBucket": &smithy.GenericAPIError{Code: "BucketAlreadyOwnedByYou"}}},
			pending:   true,
			wantCalls: []string{"CreateBucket", "GetBucketTagging"},
			wantErr:   `"assets" already exists and belongs to bucket other-team/assets (uid uid-2) in cluster c-1, so this resource will not manage it: to import it on purpose, create a managed resource with the annotation crossplane.io/external-name: assets (or remove the stowage.dev/generated-external-name annotation from this one)`,
		},
		"NameTaken": {
			reason:    "A name owned by another account says how to pick another.",
			fake:      &fakeS3{errs: map[string]error{"CreateBucket": &smithy.GenericAPIError{Code: "BucketAlreadyExists"}}},
			wantCalls: []string{"CreateBucket"},
			wantErr:   `bucket name "assets" is taken by another AWS account: S3 bucket names are global; set the crossplane.io/external-name annotation to another name`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := bucketCR(tc.spec)
			if tc.pending {
				meta.SetExternalCreatePending(cr, time.Now())
			}
			_, err := newExternal(tc.fake).Create(context.Background(), cr)
			if diff := cmp.Diff(tc.wantErr, errString(err)); diff != "" {
				t.Errorf("%s\nCreate error: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(sentTogether(tc.wantCalls), sentTogether(tc.fake.calls)); diff != "" {
				t.Errorf("%s\nCreate calls: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantTags, tc.fake.putTags); diff != "" {
				t.Errorf("%s\nCreate tags: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestObserveThenUpdate(t *testing.T) {
	f := &fakeS3{exists: true, versioning: s3types.BucketVersioningStatusSuspended, tags: owner.Tags()}
	e := newExternal(f)
	cr := bucketCR(v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled)})

	obs, err := e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.ResourceExists || obs.ResourceUpToDate {
		t.Fatalf("Observe: exists=%v upToDate=%v, want true false", obs.ResourceExists, obs.ResourceUpToDate)
	}
	if want := "spec.forProvider.versioning: want Enabled, S3 has Suspended"; obs.Diff != want {
		t.Errorf("Observe diff = %q, want %q", obs.Diff, want)
	}
	f.calls = nil
	if _, err := e.Update(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"PutBucketVersioning"}, f.calls); diff != "" {
		t.Errorf("Update must send only the differing part, reusing Observe's reads: -want, +got:\n%s", diff)
	}
}

func TestObserveOwnership(t *testing.T) {
	const refusedForeign = `"assets" already exists and belongs to bucket other-team/assets (uid uid-2) in cluster c-1, so this resource will not manage it: to import it on purpose, create a managed resource with the annotation crossplane.io/external-name: assets (or remove the stowage.dev/generated-external-name annotation from this one)`
	type want struct {
		exists, upToDate bool
		diff, err        string
	}
	cases := map[string]struct {
		reason string
		tags   map[string]string
		cr     func(*v1alpha1.Bucket)
		want   want
	}{
		"Ours": {
			reason: "A bucket tagged as ours is observed as usual and in sync.",
			tags:   owner.Tags(),
			want:   want{exists: true, upToDate: true},
		},
		"Foreign": {
			reason: "A bucket tagged as someone else's is refused, saying whose it is.",
			tags:   other.Tags(),
			want:   want{err: refusedForeign},
		},
		"ForeignWhileDeleting": {
			reason: "Deleting a resource refused a foreign bucket lets the finalizer go: the bucket is never touched.",
			tags:   other.Tags(),
			cr:     func(b *v1alpha1.Bucket) { b.SetDeletionTimestamp(&metav1.Time{Time: time.Now()}) },
			want:   want{},
		},
		"UntaggedGenerated": {
			reason: "An untagged bucket under a generated name was not created by this resource.",
			want:   want{err: `"assets" already exists and has no owner tags: it was not created by Stowage, so this resource will not manage it: to import it on purpose, create a managed resource with the annotation crossplane.io/external-name: assets (or remove the stowage.dev/generated-external-name annotation from this one)`},
		},
		"UntaggedAfterCreate": {
			reason: "An untagged bucket this resource created (crash before tagging) is ours, and needs its owner tags.",
			cr:     func(b *v1alpha1.Bucket) { meta.SetExternalCreateSucceeded(b, time.Now()) },
			want:   want{exists: true, diff: "owner tags: want {stowage-cluster=c-1, stowage-kind=bucket, stowage-name=assets, stowage-namespace=shop, stowage-uid=uid-1}, S3 has no tags"},
		},
		"ExplicitImportOfForeign": {
			reason: "An explicit external name imports someone else's bucket; its owner tags are then ours to write.",
			tags:   other.Tags(),
			cr: func(b *v1alpha1.Bucket) {
				delete(b.Annotations, ownership.AnnotationGeneratedExternalName)
			},
			want: want{exists: true, diff: "owner tags: want {stowage-namespace=shop, stowage-uid=uid-1}, S3 has {stowage-namespace=other-team, stowage-uid=uid-2}"},
		},
		"ObserveOnlyForeign": {
			reason: "A resource that only observes may watch someone else's bucket, and does not want to retag it.",
			tags:   other.Tags(),
			cr: func(b *v1alpha1.Bucket) {
				b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
			},
			want: want{exists: true, upToDate: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := bucketCR(v1alpha1.BucketParameters{})
			if tc.cr != nil {
				tc.cr(cr)
			}
			o, err := newExternal(&fakeS3{exists: true, tags: tc.tags}).Observe(context.Background(), cr)
			got := want{exists: o.ResourceExists, upToDate: o.ResourceUpToDate, diff: o.Diff, err: errString(err)}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nObserve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUpdateAdoptsExplicitImport(t *testing.T) {
	f := &fakeS3{exists: true, tags: ownership.Merge(map[string]string{"team": "old"}, other)}
	var events []event.Event
	e := newExternal(f)
	e.recorder = eventRecorder(func(ev event.Event) { events = append(events, ev) })
	cr := bucketCR(v1alpha1.BucketParameters{})
	delete(cr.Annotations, ownership.AnnotationGeneratedExternalName)
	if _, err := e.Observe(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	if _, err := e.Update(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"PutBucketTagging"}, f.calls); diff != "" {
		t.Errorf("Update calls: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(ownership.Merge(map[string]string{"team": "old"}, owner), f.putTags); diff != "" {
		t.Errorf("an imported bucket keeps its user tags and becomes ours: -want, +got:\n%s", diff)
	}
	var adopted []string
	for _, ev := range events {
		if ev.Reason == "AdoptExternalResource" {
			adopted = append(adopted, ev.Message)
		}
	}
	want := []string{`Bucket "assets" was tagged as owned by bucket other-team/assets (uid uid-2) in cluster c-1 (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's`}
	if diff := cmp.Diff(want, adopted); diff != "" {
		t.Errorf("adoption events: -want, +got:\n%s", diff)
	}
}

type eventRecorder func(event.Event)

func (r eventRecorder) Event(_ runtime.Object, e event.Event)    { r(e) }
func (r eventRecorder) WithAnnotations(...string) event.Recorder { return r }

func TestObserveMissing(t *testing.T) {
	obs, err := newExternal(&fakeS3{}).Observe(context.Background(), bucketCR(v1alpha1.BucketParameters{}))
	if err != nil || obs.ResourceExists {
		t.Errorf("Observe of a missing bucket: exists=%v err=%v, want false, nil", obs.ResourceExists, err)
	}
}

func TestDelete(t *testing.T) {
	cases := map[string]struct {
		reason  string
		fake    *fakeS3
		wantErr string
	}{
		"Deleted":     {reason: "A delete succeeds.", fake: &fakeS3{}},
		"AlreadyGone": {reason: "A bucket already gone is deleted.", fake: &fakeS3{errs: map[string]error{"DeleteBucket": &s3types.NoSuchBucket{}}}},
		"NotEmpty": {
			reason:  "S3 refuses to delete a bucket with objects; the message says what to do.",
			fake:    &fakeS3{errs: map[string]error{"DeleteBucket": &smithy.GenericAPIError{Code: "BucketNotEmpty"}}},
			wantErr: `bucket "assets" is not empty and S3 will not delete it: empty it first, or remove Delete from spec.managementPolicies to leave it in S3`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := newExternal(tc.fake).Delete(context.Background(), bucketCR(v1alpha1.BucketParameters{}))
			if diff := cmp.Diff(tc.wantErr, errString(err)); diff != "" {
				t.Errorf("%s\nDelete error: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func (f *fakeS3) ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	if err := f.call("ListBuckets"); err != nil {
		return nil, err
	}
	if !f.exists {
		return &s3.ListBucketsOutput{}, nil
	}
	return &s3.ListBucketsOutput{Buckets: []s3types.Bucket{{Name: ptr.To("assets")}}}, nil
}

// A bucket whose drift check is due is read in full only while the
// account's S3 budget has spare calls; otherwise the listing serves it and
// the check waits.
func TestDriftCheckWaitsForSpareBudget(t *testing.T) {
	defer func(d *cloudbudget.Budget) { cloudbudget.Default = d }(cloudbudget.Default)
	f := &fakeS3{exists: true, versioning: s3types.BucketVersioningStatusEnabled, tags: owner.Tags()}
	e := newExternal(f)
	e.list = cloudlist.NewLister[listed]("Bucket")
	e.track = &cloudlist.Tracker{MaxAge: time.Nanosecond, DriftCheck: time.Nanosecond}
	cr := bucketCR(v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled)})

	// Seen and verified by a first, full read.
	if _, err := e.Observe(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if !e.track.WasSeen(cr) || e.track.SpecChanged(cr, cr.Spec.ForProvider) {
		t.Fatalf("after a full read: seen %v, spec changed %v", e.track.WasSeen(cr), e.track.SpecChanged(cr, cr.Spec.ForProvider))
	}

	// The drift check is due (every nanosecond) and the budget is spent.
	cloudbudget.Override(0.001, 2)
	k := e.session.BudgetKey("S3")
	for range 2 {
		if err := cloudbudget.Default.Wait(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	f.calls = nil
	obs, err := e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.ResourceExists || !obs.ResourceUpToDate {
		t.Errorf("served from the listing: exists=%v upToDate=%v, want true true", obs.ResourceExists, obs.ResourceUpToDate)
	}
	if diff := cmp.Diff([]string{"ListBuckets"}, f.calls); diff != "" {
		t.Errorf("a due drift check with no spare budget: -want, +got calls:\n%s", diff)
	}

	// With spare budget the check runs.
	cloudbudget.Override(1000, 100)
	f.calls = nil
	if _, err := e.Observe(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if len(f.calls) == 0 || f.calls[0] != "HeadBucket" {
		t.Errorf("a due drift check with spare budget made calls %v, want a full read", f.calls)
	}
}

// What Create wrote stands for a read only until something else is
// written: after an Update the bucket is read again, or the update would
// be sent forever against the remembered settings.
func TestUpdateEndsWhatCreateRemembered(t *testing.T) {
	f := &fakeS3{}
	e := newExternal(f)
	e.list = cloudlist.NewLister[listed]("Bucket")
	e.track = &cloudlist.Tracker{MaxAge: time.Minute, DriftCheck: time.Hour}
	cr := bucketCR(v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled)})
	if _, err := e.Create(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	f.exists, f.versioning, f.tags = true, s3types.BucketVersioningStatusEnabled, owner.Tags()

	// The user suspends versioning before any listing served the bucket.
	cr.Spec.ForProvider.Versioning = ptr.To(v1alpha1.VersioningSuspended)
	obs, err := e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if obs.ResourceUpToDate {
		t.Fatal("a spec asking for Suspended versioning is up to date with a bucket created Enabled")
	}
	if _, err := e.Update(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	f.versioning = s3types.BucketVersioningStatusSuspended

	f.calls = nil
	e = &external{api: f, session: e.session, recorder: e.recorder, cluster: e.cluster, list: e.list, track: e.track}
	obs, err = e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.calls, "GetBucketVersioning") {
		t.Errorf("the Observe after an Update made calls %v: it did not read the bucket", f.calls)
	}
	if !obs.ResourceUpToDate {
		t.Errorf("after the update: not up to date: %s", obs.Diff)
	}
}
