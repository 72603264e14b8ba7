package bucket_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/gcp/storage/bucket"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	timeout = 60 * time.Second
)

var (
	harness *testenv.GCSHarness
	env     *testenv.Env
	counter *testenv.CallCounter
	gcs     *storage.Client
)

func TestMain(m *testing.M) {
	h, err := testenv.StartGCS(poll, func(mgr ctrl.Manager, o controller.Options) error {
		if err := usage.Setup(mgr, o); err != nil {
			return err
		}
		return bucket.Setup(mgr, o)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness, env, counter = h, h.Env, h.Counter
	if gcs, err = h.GCS.Storage(context.Background()); err != nil {
		h.Stop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = gcs.Close()
	h.Stop()
	os.Exit(code)
}

func setup(t *testing.T) (context.Context, string) {
	t.Helper()
	return harness.TestNamespace(t, "gcs", 2*time.Minute)
}

func newBucket(ns, name string, p v1alpha1.BucketParameters) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.BucketSpec{ForProvider: p},
	}
	b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return b
}

func waitReady(ctx context.Context, t *testing.T, b *v1alpha1.Bucket) {
	t.Helper()
	if _, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeSynced, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
}

const bucketPath = "/storage/v1/b/"

// callsTo are the calls since from on bucket name that match method.
func callsTo(calls []testenv.Call, name, method string) []testenv.Call {
	var out []testenv.Call
	for _, c := range calls {
		if c.Method == method && c.Path == bucketPath+name {
			out = append(out, c)
		}
	}
	return out
}

func writesTo(name string) []testenv.Call {
	var out []testenv.Call
	for _, c := range counter.Writes() {
		if c.Path == bucketPath+name || strings.HasPrefix(c.Path, bucketPath+name+"/") || isInsertOf(c, name) {
			out = append(out, c)
		}
	}
	return out
}

func isInsertOf(c testenv.Call, name string) bool {
	if c.Method != http.MethodPost || strings.TrimSuffix(c.Path, "/") != "/storage/v1/b" {
		return false
	}
	var b struct{ Name string }
	return json.Unmarshal(c.Body, &b) == nil && b.Name == name
}

// isListing reports whether c starts a listing of the project's buckets
// (its first page): what the provider's polls are served from.
func isListing(c testenv.Call) bool {
	q, err := url.ParseQuery(c.Query)
	return isListPage(c) && err == nil && q.Get("pageToken") == ""
}

// isListPage reports whether c reads a page of the buckets of a project.
func isListPage(c testenv.Call) bool {
	return c.Method == http.MethodGet && strings.TrimSuffix(c.Path, "/") == "/storage/v1/b"
}

// watchPolls waits until the provider has listed the project's buckets n
// more times, each listing serving the polls of every bucket (bucket name
// among them).
func watchPolls(ctx context.Context, t *testing.T, name string, n int) {
	t.Helper()
	if _, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, isListing); err != nil {
		t.Fatalf("polls of bucket %s: %v", name, err)
	}
}

func TestBucketLifecycle(t *testing.T) {
	ctx, ns := setup(t)
	name := "lifecycle-" + ns
	b := newBucket(ns, name, v1alpha1.BucketParameters{
		StorageClass: ptr.To(v1alpha1.StorageClassNearline),
		Versioning:   ptr.To(true),
		Labels:       map[string]v1alpha1.LabelValue{"team": "shop"},
		Lifecycle: []v1alpha1.LifecycleRule{{
			Action:    v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleDelete},
			Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](30), WithState: ptr.To(v1alpha1.ObjectStateArchived)},
		}},
		RetentionPolicy: &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: 3600},
	})
	b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "lifecycle-conn"}
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)

	// The bucket is in Google's project with what the spec asked, in the
	// provider config's region, blocking public access by default.
	a, err := gcs.Bucket(name).Attrs(ctx)
	if err != nil {
		t.Fatalf("bucket not in Cloud Storage: %v", err)
	}
	type got struct {
		Location, StorageClass, PAP string
		UBLA, Versioning            bool
		Retention                   time.Duration
		Rules                       int
	}
	if diff := cmp.Diff(got{Location: "EUROPE-WEST1", StorageClass: "NEARLINE", PAP: "enforced", UBLA: true, Versioning: true, Retention: time.Hour, Rules: 1},
		got{Location: a.Location, StorageClass: a.StorageClass, PAP: a.PublicAccessPrevention.String(), UBLA: a.UniformBucketLevelAccess.Enabled,
			Versioning: a.VersioningEnabled, Retention: a.RetentionPolicy.RetentionPeriod, Rules: len(a.Lifecycle.Rules)}); diff != "" {
		t.Errorf("bucket in Cloud Storage: -want +got:\n%s", diff)
	}
	if err := testenv.CheckOwnerTags(a.Labels, "bucket", b, map[string]string{"team": "shop"}); err != nil {
		t.Errorf("a new bucket carries its labels and its owner labels: %v", err)
	}
	if b.GetAnnotations()["stowage.dev/generated-external-name"] != name {
		t.Errorf("annotations %v do not record the generated external name", b.GetAnnotations())
	}
	if ptr.Deref(b.Spec.ForProvider.Location, "") != "EUROPE-WEST1" || len(b.Spec.ForProvider.Labels) != 1 {
		t.Errorf("spec.forProvider after late initialisation: location %v, labels %v (owner labels must stay out)", ptr.Deref(b.Spec.ForProvider.Location, ""), b.Spec.ForProvider.Labels)
	}

	// The connection secret carries the bucket contract.
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lifecycle-conn"}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"provider": "gcp", "bucket": name, "region": "europe-west1", "endpoint": counter.URL, "url": "gs://" + name}
	for k, v := range want {
		if got := string(sec.Data[k]); got != v {
			t.Errorf("connection secret %s = %q, want %q", k, got, v)
		}
	}

	// Deleting a bucket that holds an object waits, saying why; once it is
	// empty the delete completes.
	w := gcs.Bucket(name).Object("keep.txt").NewWriter(ctx)
	if _, err := w.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "is not empty") {
		t.Errorf("Synced=False message %q does not say the bucket is not empty", c.Message)
	}
	if _, err := gcs.Bucket(name).Attrs(ctx); err != nil {
		t.Fatalf("a non-empty bucket disappeared: %v", err)
	}
	if err := gcs.Bucket(name).Object("keep.txt").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, b, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := gcs.Bucket(name).Attrs(ctx); !errors.Is(err, storage.ErrBucketNotExist) {
		t.Fatalf("bucket still in Cloud Storage after delete: %v", err)
	}
}

func TestBucketDriftRevertedWithOnePatch(t *testing.T) {
	ctx, ns := setup(t)
	name := "drift-" + ns
	b := newBucket(ns, name, v1alpha1.BucketParameters{
		StorageClass: ptr.To(v1alpha1.StorageClassStandard),
		Versioning:   ptr.To(true),
		Labels:       map[string]v1alpha1.LabelValue{"team": "shop", "env": "prod"},
	})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)
	watchPolls(ctx, t, name, 2)

	// Behind the provider's back: versioning off, uniform access off, one
	// label changed and one added. Storage class and the rest stay.
	a, err := gcs.Bucket(name).Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := storage.BucketAttrsToUpdate{VersioningEnabled: false, UniformBucketLevelAccess: &storage.UniformBucketLevelAccess{Enabled: false}}
	u.SetLabel("env", "dev")
	u.SetLabel("intruder", "yes")
	if _, err := gcs.Bucket(name).If(storage.BucketConditions{MetagenerationMatch: a.MetaGeneration}).Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	from := len(counter.Calls())
	calls, err := counter.WaitFor(ctx, timeout, from, 1, func(c testenv.Call) bool {
		return c.Method == http.MethodPatch && c.Path == bucketPath+name
	})
	if err != nil {
		t.Fatal(err)
	}
	// The provider reverts it with one PATCH carrying exactly the fields
	// that differ, labels one by one.
	patches := callsTo(calls, name, http.MethodPatch)
	var body map[string]any
	if err := json.Unmarshal(patches[0].Body, &body); err != nil {
		t.Fatalf("PATCH body %q: %v", patches[0].Body, err)
	}
	wantBody := map[string]any{
		"versioning":       map[string]any{"enabled": true},
		"iamConfiguration": map[string]any{"uniformBucketLevelAccess": map[string]any{"enabled": true}},
		"labels":           map[string]any{"env": "prod", "intruder": nil},
	}
	if diff := cmp.Diff(wantBody, body); diff != "" {
		t.Errorf("PATCH body: -want +got:\n%s", diff)
	}
	if !strings.Contains(patches[0].Query, "ifMetagenerationMatch=") {
		t.Errorf("PATCH %q has no metageneration precondition", patches[0].Query)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		a, err := gcs.Bucket(name).Attrs(ctx)
		if err != nil {
			return err
		}
		if !a.VersioningEnabled || !a.UniformBucketLevelAccess.Enabled || a.Labels["env"] != "prod" || a.Labels["intruder"] != "" {
			return fmt.Errorf("drift not reverted: versioning %t, uniform access %t, labels %v", a.VersioningEnabled, a.UniformBucketLevelAccess.Enabled, a.Labels)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// And says what it changed.
	if err := testenv.Eventually(ctx, timeout, func() error {
		evs := &corev1.EventList{}
		if err := env.Client.List(ctx, evs, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.InvolvedObject.Name == b.Name && e.Reason == "UpdateExternalResource" && strings.Contains(e.Message, "spec.forProvider.versioning: want true, Google has false") {
				return nil
			}
		}
		return fmt.Errorf("no UpdateExternalResource event describing the difference")
	}); err != nil {
		t.Error(err)
	}
	// One PATCH did it: the polls after it write nothing.
	watchPolls(ctx, t, name, 3)
	if got := callsTo(counter.Calls()[from:], name, http.MethodPatch); len(got) != 1 {
		t.Errorf("%d PATCHes to revert one drift, want 1: %+v", len(got), got)
	}
}

func TestBucketInSyncMakesNoWrites(t *testing.T) {
	ctx, ns := setup(t)
	name := "quiet-" + ns
	b := newBucket(ns, name, v1alpha1.BucketParameters{
		Location:     ptr.To("eu"), // Google says EU: the same
		StorageClass: ptr.To(v1alpha1.StorageClassColdline),
		Labels:       map[string]v1alpha1.LabelValue{"b": "2", "a": "1"},
		Lifecycle: []v1alpha1.LifecycleRule{
			{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleSetStorageClass, StorageClass: ptr.To(v1alpha1.StorageClassArchive)},
				Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](365), MatchesStorageClass: []v1alpha1.StorageClass{"STANDARD", "COLDLINE"}}},
			{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleDelete}, Condition: v1alpha1.LifecycleCondition{NumNewerVersions: ptr.To[int64](3)}},
		},
	})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)
	watchPolls(ctx, t, name, 2)
	from := len(counter.Calls())
	watchPolls(ctx, t, name, 5)
	var writes []testenv.Call
	for _, c := range counter.Calls()[from:] {
		if c.Write() {
			writes = append(writes, c)
		}
	}
	if len(writes) != 0 {
		t.Errorf("a bucket in sync got %d write calls over 5 polls, want 0: %+v", len(writes), writes)
	}
}

func TestBucketImportAndObserveOnly(t *testing.T) {
	ctx, ns := setup(t)
	name := "existing-" + ns
	if err := gcs.Bucket(name).Create(ctx, testenv.GCSProject, &storage.BucketAttrs{Location: "US", Labels: map[string]string{"owner": "legacy"}}); err != nil {
		t.Fatal(err)
	}
	counter.Reset()

	// Observe only: the spec asks for other labels, but nothing is written.
	b := newBucket(ns, "watched", v1alpha1.BucketParameters{Labels: map[string]v1alpha1.LabelValue{"owner": "stowage"}})
	meta.SetExternalName(b, name)
	b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, name, 3)
	if w := writesTo(name); len(w) != 0 {
		t.Fatalf("observe-only bucket got writes: %+v", w)
	}
	if b.Status.AtProvider.URL != "gs://"+name || b.Status.AtProvider.Location != "US" {
		t.Errorf("status.atProvider = %+v", b.Status.AtProvider)
	}
	if err := env.Client.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, b, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := gcs.Bucket(name).Attrs(ctx); err != nil {
		t.Fatalf("deleting an observe-only Bucket removed the bucket: %v", err)
	}

	// Full management of the same bucket by its external name adopts it:
	// no insert, the spec's labels replace the old ones, owner labels added.
	counter.Reset()
	adopted := newBucket(ns, "adopted", v1alpha1.BucketParameters{Labels: map[string]v1alpha1.LabelValue{"owner": "stowage"}})
	meta.SetExternalName(adopted, name)
	if err := env.Client.Create(ctx, adopted); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, adopted)
	if err := testenv.Eventually(ctx, timeout, func() error {
		a, err := gcs.Bucket(name).Attrs(ctx)
		if err != nil {
			return err
		}
		return testenv.CheckOwnerTags(a.Labels, "bucket", adopted, map[string]string{"owner": "stowage"})
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range writesTo(name) {
		if isInsertOf(c, name) {
			t.Errorf("adopting an existing bucket inserted it: %+v", c)
		}
	}
	// The location the import found is late-initialised, as Google has it.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(adopted), adopted); err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(adopted.Spec.ForProvider.Location, ""); got != "US" {
		t.Errorf("spec.forProvider.location = %q, want US", got)
	}
}

func TestBucketNameTakenIsRefused(t *testing.T) {
	ctx, ns := setup(t)
	name := "taken-" + ns
	// Someone else's bucket (no owner labels) under the generated name.
	if err := gcs.Bucket(name).Create(ctx, testenv.GCSProject, &storage.BucketAttrs{Labels: map[string]string{"team": "other"}}); err != nil {
		t.Fatal(err)
	}
	counter.Reset()
	b := newBucket(ns, name, v1alpha1.BucketParameters{})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "has no owner tags: it was not created by Stowage") {
		t.Errorf("Synced=False message %q does not say the bucket is someone else's", c.Message)
	}
	watchPolls(ctx, t, name, 3)
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("a bucket that is not ours got writes (no create loop, no relabel): %+v", w)
	}
	if err := env.Client.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, b, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := gcs.Bucket(name).Attrs(ctx); err != nil {
		t.Fatalf("deleting a refused Bucket removed someone else's bucket: %v", err)
	}
}

func TestBucketSurvivesThrottling(t *testing.T) {
	ctx, ns := setup(t)
	name := "throttled-" + ns
	faults := harness.GCS.Server.Faults
	// Every bucket insert is throttled (this test makes the only one).
	faults.Set(fault.Faults{Throttle: 1, RetryAfter: time.Second, Match: func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/storage/v1/b"
	}})
	t.Cleanup(faults.Clear)
	before := faults.Stats().Throttled
	from := len(counter.Calls())
	b := newBucket(ns, name, v1alpha1.BucketParameters{Labels: map[string]v1alpha1.LabelValue{"team": "shop"}})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	// A burst: the client's own retries (3 a reconcile) and requeues after
	// the advised delay.
	if _, err := counter.WaitFor(ctx, timeout, from, 7, func(c testenv.Call) bool { return isInsertOf(c, name) }); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "throttled by Google") {
		t.Errorf("Synced=False message %q does not say Google throttled the call", c.Message)
	}
	faults.Clear()
	waitReady(ctx, t, b)

	// Exactly one insert got through: every other was throttled before it
	// reached Cloud Storage, and none was repeated after it.
	throttled := faults.Stats().Throttled - before
	inserts := 0
	for _, c := range counter.Calls()[from:] {
		if isInsertOf(c, name) {
			inserts++
		}
	}
	if inserts-throttled != 1 {
		t.Errorf("%d inserts, %d of them throttled: want exactly one that got through", inserts, throttled)
	}
	a, err := gcs.Bucket(name).Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.MetaGeneration != 1 {
		t.Errorf("metageneration %d: the bucket was changed after its insert, want untouched (1)", a.MetaGeneration)
	}
	if err := testenv.CheckOwnerTags(a.Labels, "bucket", b, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}
}

func TestAdmissionRejectsBadInput(t *testing.T) {
	ctx, ns := setup(t)
	cases := map[string]struct {
		obj  client.Object
		want string
	}{
		"BadBucketName": {
			obj:  newBucket(ns, "google-"+ns, v1alpha1.BucketParameters{}),
			want: "metadata.name must be a valid Cloud Storage bucket name",
		},
		"ReservedLabel": {
			obj:  newBucket(ns, "reserved-"+ns, v1alpha1.BucketParameters{Labels: map[string]v1alpha1.LabelValue{"stowage-uid": "forged"}}),
			want: "label keys starting with stowage- are reserved",
		},
		"UppercaseLabel": {
			obj:  newBucket(ns, "upper-"+ns, v1alpha1.BucketParameters{Labels: map[string]v1alpha1.LabelValue{"Team": "x"}}),
			want: "label keys must start with a lowercase letter",
		},
		"SetStorageClassWithoutClass": {
			obj: newBucket(ns, "rule-"+ns, v1alpha1.BucketParameters{Lifecycle: []v1alpha1.LifecycleRule{{
				Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleSetStorageClass}, Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](1)}}}}),
			want: "storageClass is required with type SetStorageClass",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := env.Client.Create(ctx, tc.obj)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Create: got error %v, want one saying %q", err, tc.want)
			}
		})
	}

	// Defaults: uniform access on, public access prevention enforced.
	d := newBucket(ns, "defaults-"+ns, v1alpha1.BucketParameters{})
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	if !ptr.Deref(d.Spec.ForProvider.UniformBucketLevelAccess, false) || ptr.Deref(d.Spec.ForProvider.PublicAccessPrevention, "") != v1alpha1.PublicAccessPreventionEnforced {
		t.Errorf("defaults: uniformBucketLevelAccess %v, publicAccessPrevention %v", d.Spec.ForProvider.UniformBucketLevelAccess, d.Spec.ForProvider.PublicAccessPrevention)
	}
	// A bucket cannot move once created.
	waitReady(ctx, t, d)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
			return err
		}
		d.Spec.ForProvider.Location = ptr.To("us")
		err := env.Client.Update(ctx, d)
		if err == nil || !strings.Contains(err.Error(), "location is immutable") {
			return fmt.Errorf("changing location: got %v, want an immutability error", err)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// TestBucketsShareOneListing checks k buckets of one project are polled
// from the project's buckets.list, taken about once a poll for all of them
// and followed over every page, with no read of any bucket by itself; that
// a change behind the provider's back is still reverted; that a bucket
// deleted behind its back is read by itself before it is taken as gone,
// then made again as before; and that deleting works.
func TestBucketsShareOneListing(t *testing.T) {
	ctx, ns := setup(t)
	// Pages of two, so a listing of the project takes several calls.
	harness.GCS.Server.SetPageSize(2)
	t.Cleanup(func() { harness.GCS.Server.SetPageSize(0) })
	const k = 6
	var bs []*v1alpha1.Bucket
	for n := range k {
		b := newBucket(ns, fmt.Sprintf("scale-%d-%s", n, ns), v1alpha1.BucketParameters{Labels: map[string]v1alpha1.LabelValue{"n": v1alpha1.LabelValue(fmt.Sprint(n))}})
		if err := env.Client.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	for _, b := range bs {
		waitReady(ctx, t, b)
	}
	about := func(c testenv.Call) (*v1alpha1.Bucket, bool) {
		for _, b := range bs {
			if c.Path == bucketPath+b.Name || isInsertOf(c, b.Name) {
				return b, true
			}
		}
		return nil, false
	}

	// Steady state.
	const listings = 6
	from, start, servedBefore := len(counter.Calls()), time.Now(), testenv.Served(t, "gcp_storage_bucket")
	cs, err := counter.WaitFor(ctx, timeout, from, listings+1, isListing)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	observations := testenv.Served(t, "gcp_storage_bucket") - servedBefore
	var took, pages int
	var own, writes []testenv.Call
	for _, c := range cs {
		if isListing(c) {
			took++
		}
		if isListPage(c) {
			pages++
		}
		if _, ok := about(c); ok {
			if c.Write() {
				writes = append(writes, c)
			} else {
				own = append(own, c)
			}
		}
	}
	polls := elapsed.Seconds() / poll.Seconds()
	t.Logf("%d buckets, %.1f polls: %d listings (%.2f a poll, %.1f pages each), %.0f observations served from them (%.1f a listing), %d reads of a bucket by itself, %d writes",
		k, polls, took, float64(took)/polls, float64(pages)/float64(took), observations, observations/float64(took), len(own), len(writes))
	if len(own) != 0 {
		t.Errorf("%d reads of single buckets in steady state, want none: %+v", len(own), own)
	}
	if len(writes) != 0 {
		t.Errorf("%d writes in steady state, want none: %+v", len(writes), writes)
	}
	if pages < 2*took {
		t.Errorf("%d pages in %d listings of %d or more buckets two a page: the listing does not follow nextPageToken", pages, took, k)
	}
	if observations < float64(k*took)/2 {
		t.Errorf("%v observations served from %d listings of %d buckets: want at least %d a listing", observations, took, k, k/2)
	}

	// A change behind the provider's back is reverted by one PATCH.
	drifted := bs[1].Name
	u := storage.BucketAttrsToUpdate{}
	u.SetLabel("n", "changed")
	if _, err := gcs.Bucket(drifted).Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	from = len(counter.Calls())
	if err := testenv.Eventually(ctx, timeout, func() error {
		a, err := gcs.Bucket(drifted).Attrs(ctx)
		if err != nil || a.Labels["n"] != "1" {
			return fmt.Errorf("drift not reverted yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if p := callsTo(counter.Calls()[from:], drifted, http.MethodPatch); len(p) != 1 {
		t.Errorf("%d PATCHes reverting the drift, want 1", len(p))
	}

	// A bucket deleted behind the provider's back: missing from the
	// listing, it is read by itself before it is taken as gone, and made
	// again as before, with its owner labels.
	gone := bs[2]
	from = len(counter.Calls())
	if err := gcs.Bucket(gone.Name).Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := counter.WaitFor(ctx, timeout, from, 1, func(c testenv.Call) bool {
		return c.Method == http.MethodGet && c.Path == bucketPath+gone.Name
	}); err != nil {
		t.Errorf("the bucket missing from the listing was not read by itself: %v", err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		a, err := gcs.Bucket(gone.Name).Attrs(ctx)
		if err != nil {
			return fmt.Errorf("bucket not made again: %w", err)
		}
		return testenv.CheckOwnerTags(a.Labels, "bucket", gone, map[string]string{"n": "2"})
	}); err != nil {
		t.Fatal(err)
	}

	// Deleting works.
	for _, b := range bs {
		if err := env.Client.Delete(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bs {
		if err := testenv.WaitGone(ctx, env.Client, b, timeout); err != nil {
			t.Fatal(err)
		}
		if _, err := gcs.Bucket(b.Name).Attrs(ctx); !errors.Is(err, storage.ErrBucketNotExist) {
			t.Errorf("bucket %s still in Cloud Storage after its resource went: %v", b.Name, err)
		}
	}
}
