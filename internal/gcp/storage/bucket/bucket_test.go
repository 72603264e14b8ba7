package bucket

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/googleapi"
	storagev1 "google.golang.org/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/gcp/gcpclient"
	"github.com/stowage-dev/stowage/internal/gcp/labels"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// fakeGCS answers from its fields and records every call by name.
type fakeGCS struct {
	attrs   *storagev1.Bucket // nil: no bucket
	errs    map[string]error
	calls   []string
	created *storagev1.Bucket
	updated *storagev1.Bucket
}

func (f *fakeGCS) call(op string) error {
	f.calls = append(f.calls, op)
	return f.errs[op]
}

func (f *fakeGCS) Attrs(context.Context, string) (*storagev1.Bucket, error) {
	if err := f.call("Attrs"); err != nil {
		return nil, err
	}
	if f.attrs == nil {
		return nil, gerr(404, "notFound")
	}
	return f.attrs, nil
}

func (f *fakeGCS) List(context.Context, string) ([]*storagev1.Bucket, error) {
	if err := f.call("List"); err != nil {
		return nil, err
	}
	if f.attrs == nil {
		return nil, nil
	}
	a := *f.attrs
	a.Name = "assets"
	return []*storagev1.Bucket{&a}, nil
}

func (f *fakeGCS) Create(_ context.Context, _, _ string, a *storagev1.Bucket) error {
	f.created = a
	return f.call("Create")
}

func (f *fakeGCS) Update(_ context.Context, _ string, _ int64, u *storagev1.Bucket) (*storagev1.Bucket, error) {
	f.updated = u
	return f.attrs, f.call("Update")
}

func (f *fakeGCS) Delete(context.Context, string) error { return f.call("Delete") }

func gerr(code int, reason string) error {
	return &googleapi.Error{Code: code, Message: reason + " from Google", Errors: []googleapi.ErrorItem{{Reason: reason}}, Header: http.Header{}}
}

type nopRecorder struct{}

func (nopRecorder) Event(runtime.Object, event.Event)        {}
func (nopRecorder) WithAnnotations(...string) event.Recorder { return nopRecorder{} }

const cluster = "cluster-1"

func testExternal(f *fakeGCS) *external {
	return &external{
		api:      f,
		session:  gcpclient.Session{ProjectID: "p", Region: "europe-west1", Spec: gcpv1alpha1.ProviderConfigSpec{}},
		recorder: nopRecorder{},
		cluster:  ownership.ClusterIDFn(func(context.Context) (string, error) { return cluster, nil }),
		lister:   cloudlist.NewLister[*storagev1.Bucket]("test"),
		tracker:  cloudlist.NewTracker(time.Minute),
	}
}

func testBucket(name string) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: "uid-1"}}
	meta.SetExternalName(b, name)
	meta.AddAnnotations(b, map[string]string{ownership.AnnotationGeneratedExternalName: name})
	return b
}

// ours are the labels of a bucket b created.
func ours(b *v1alpha1.Bucket) map[string]string {
	return ownership.Merge(nil, labels.Owner(ownership.OwnerOf(cluster, "bucket", b)))
}

func TestCreate(t *testing.T) {
	name := "assets.v2"
	cases := map[string]struct {
		reason    string
		fake      *fakeGCS
		wantErr   string
		wantCalls []string
	}{
		"Created": {
			reason:    "A new bucket is one insert, labelled with its owner.",
			fake:      &fakeGCS{},
			wantCalls: []string{"Create"},
		},
		"OursAlready": {
			reason:    "A 409 for a bucket this resource already made (a create whose status was lost) is success.",
			fake:      &fakeGCS{errs: map[string]error{"Create": gerr(409, "conflict")}, attrs: &storagev1.Bucket{Labels: ours(testBucket(name))}},
			wantCalls: []string{"Create", "Attrs"},
		},
		"OtherProject": {
			reason:    "A 409 for a bucket another project holds says the name is taken, and stops.",
			fake:      &fakeGCS{errs: map[string]error{"Create": gerr(409, "conflict"), "Attrs": gerr(403, "forbidden")}},
			wantErr:   `bucket name "assets.v2" is taken by another Google Cloud project`,
			wantCalls: []string{"Create", "Attrs"},
		},
		"SomeoneElsesInThisProject": {
			reason:    "A 409 for a bucket made since Observe looked, without our labels, is refused.",
			fake:      &fakeGCS{errs: map[string]error{"Create": gerr(409, "conflict")}, attrs: &storagev1.Bucket{Labels: map[string]string{"team": "x"}}},
			wantErr:   "has no owner tags",
			wantCalls: []string{"Create", "Attrs"},
		},
		"Invalid": {
			reason:    "Google's 400 names the external name and the location.",
			fake:      &fakeGCS{errs: map[string]error{"Create": gerr(400, "invalid")}},
			wantErr:   `Google refused to create bucket "assets.v2" (the crossplane.io/external-name annotation) in location "europe-west1": invalid from Google`,
			wantCalls: []string{"Create"},
		},
		"Throttled": {
			reason:    "A throttled create says so.",
			fake:      &fakeGCS{errs: map[string]error{"Create": gerr(429, "rateLimitExceeded")}},
			wantErr:   "throttled by Google",
			wantCalls: []string{"Create"},
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			b := testBucket(name)
			_, err := testExternal(tc.fake).Create(context.Background(), b)
			if (err != nil || tc.wantErr != "") && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("%s\nCreate: %v, want an error saying %q", tc.reason, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantCalls, tc.fake.calls); diff != "" {
				t.Errorf("%s\ncalls: -want +got:\n%s", tc.reason, diff)
			}
			if c := tc.fake.created; c != nil {
				if diff := cmp.Diff(ours(b), c.Labels); diff != "" {
					t.Errorf("%s\ninsert labels: -want +got:\n%s", tc.reason, diff)
				}
				if c.Location != "europe-west1" || c.IamConfiguration == nil || c.IamConfiguration.UniformBucketLevelAccess == nil ||
					!c.IamConfiguration.UniformBucketLevelAccess.Enabled || c.IamConfiguration.PublicAccessPrevention != "enforced" {
					t.Errorf("%s\ninsert %+v: want the provider config's region, uniform access and public access prevention by default", tc.reason, c)
				}
			}
		})
	}
}

func TestObserveAndUpdate(t *testing.T) {
	b := testBucket("assets")
	b.Spec.ForProvider = v1alpha1.BucketParameters{Location: ptr.To("europe-west1"), Versioning: ptr.To(true)}
	f := &fakeGCS{attrs: &storagev1.Bucket{Location: "US", Labels: ours(b), Metageneration: 4}}
	e := testExternal(f)
	o, err := e.Observe(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if o.ResourceUpToDate || !strings.Contains(o.Diff, "spec.forProvider.location: want europe-west1, Google has US") {
		t.Errorf("Observe: up to date %t, diff %q: want the location and versioning differences", o.ResourceUpToDate, o.Diff)
	}
	// The versioning difference is sent; the location one cannot be, and
	// says so.
	_, err = e.Update(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), "spec.forProvider.location is europe-west1 but bucket \"assets\" is in US: a bucket cannot move") {
		t.Errorf("Update: %v, want an error naming spec.forProvider.location", err)
	}
	// A bucket the resource never saw is read by itself.
	if diff := cmp.Diff([]string{"Attrs", "Update"}, f.calls); diff != "" {
		t.Errorf("calls: -want +got:\n%s", diff)
	}
	if f.updated == nil || f.updated.Versioning == nil || !f.updated.Versioning.Enabled || f.updated.StorageClass != "" || f.updated.IamConfiguration != nil || f.updated.Labels != nil {
		t.Errorf("update %+v: want only versioning", f.updated)
	}

	// Once seen, it is observed from the project's listing.
	f.calls = nil
	if _, err := e.Observe(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"List"}, f.calls); diff != "" {
		t.Errorf("calls observing a bucket seen before: -want +got:\n%s", diff)
	}

	// A stale metageneration is reported, to be read again.
	f.errs = map[string]error{"Update": gerr(412, "conditionNotMet")}
	b.Spec.ForProvider.Location = ptr.To("us")
	if _, err := e.Update(context.Background(), b); err == nil || !strings.Contains(err.Error(), "changed while it was being updated") {
		t.Errorf("Update with a stale metageneration: %v", err)
	}
}

func TestDelete(t *testing.T) {
	cases := map[string]struct {
		reason  string
		err     error
		wantErr string
	}{
		"Deleted":  {reason: "A delete Google accepts is done."},
		"Gone":     {reason: "A bucket already gone is deleted.", err: gerr(404, "notFound")},
		"NotEmpty": {reason: "Google keeps a bucket with objects, and the resource says why.", err: gerr(409, "conflict"), wantErr: "is not empty and Google will not delete it"},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			f := &fakeGCS{errs: map[string]error{"Delete": tc.err}}
			_, err := testExternal(f).Delete(context.Background(), testBucket("assets"))
			if (err != nil || tc.wantErr != "") && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("%s\nDelete: %v, want %q", tc.reason, err, tc.wantErr)
			}
		})
	}
}
