package gcs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

// start serves a local Cloud Storage and returns a client of it that gives
// up after one attempt, so errors reach the test as the server sent them.
func start(t *testing.T) (*Server, *storage.Client) {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Stop() })
	c, err := storage.NewClient(context.Background(), option.WithEndpoint(srv.URL+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	c.SetRetry(storage.WithMaxAttempts(1))
	t.Cleanup(func() { _ = c.Close() })
	return s, c
}

func googleErr(err error) (code int, reason string) {
	var e *googleapi.Error
	if !errors.As(err, &e) {
		return 0, ""
	}
	if len(e.Errors) > 0 {
		reason = e.Errors[0].Reason
	}
	return e.Code, reason
}

// attrs are the parts of BucketAttrs this package keeps.
type attrs struct {
	Location, LocationType, StorageClass string
	Labels                               map[string]string
	UBLA                                 bool
	PAP                                  string
	Versioning                           bool
	Retention                            time.Duration
	Lifecycle                            int
}

func keptAttrs(a *storage.BucketAttrs) attrs {
	out := attrs{Location: a.Location, LocationType: a.LocationType, StorageClass: a.StorageClass, Labels: a.Labels,
		UBLA: a.UniformBucketLevelAccess.Enabled, PAP: a.PublicAccessPrevention.String(), Versioning: a.VersioningEnabled,
		Lifecycle: len(a.Lifecycle.Rules)}
	if a.RetentionPolicy != nil {
		out.Retention = a.RetentionPolicy.RetentionPeriod
	}
	return out
}

func TestBucketMetadata(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	b := c.Bucket("meta-bucket")
	err := b.Create(ctx, "project-1", &storage.BucketAttrs{
		Location: "europe-west1", StorageClass: "nearline", Labels: map[string]string{"team": "shop"},
		UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true},
		PublicAccessPrevention:   storage.PublicAccessPreventionEnforced,
		RetentionPolicy:          &storage.RetentionPolicy{RetentionPeriod: time.Hour},
		Lifecycle:                storage.Lifecycle{Rules: []storage.LifecycleRule{{Action: storage.LifecycleAction{Type: "Delete"}, Condition: storage.LifecycleCondition{AgeInDays: 30}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := attrs{Location: "EUROPE-WEST1", LocationType: "region", StorageClass: "NEARLINE", Labels: map[string]string{"team": "shop"},
		UBLA: true, PAP: "enforced", Retention: time.Hour, Lifecycle: 1}
	if diff := cmp.Diff(want, keptAttrs(got)); diff != "" {
		t.Errorf("Attrs after insert: -want +got:\n%s", diff)
	}
	if got.MetaGeneration != 1 {
		t.Errorf("metageneration %d after insert, want 1", got.MetaGeneration)
	}

	// A PATCH of one label changes only that: versioning, kept by
	// fake-gcs-server, and the other kept fields stay.
	if _, err := b.Update(ctx, storage.BucketAttrsToUpdate{VersioningEnabled: true}); err != nil {
		t.Fatal(err)
	}
	u := storage.BucketAttrsToUpdate{}
	u.SetLabel("env", "prod")
	u.DeleteLabel("team")
	got, err = b.If(storage.BucketConditions{MetagenerationMatch: 2}).Update(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	want.Labels, want.Versioning = map[string]string{"env": "prod"}, true
	if diff := cmp.Diff(want, keptAttrs(got)); diff != "" {
		t.Errorf("Attrs after a labels PATCH: -want +got:\n%s", diff)
	}
	if got.MetaGeneration != 3 {
		t.Errorf("metageneration %d after two patches, want 3", got.MetaGeneration)
	}

	// Turning uniform access off leaves public access prevention alone;
	// a zero retention period removes the policy.
	got, err = b.Update(ctx, storage.BucketAttrsToUpdate{UniformBucketLevelAccess: &storage.UniformBucketLevelAccess{}, RetentionPolicy: &storage.RetentionPolicy{}})
	if err != nil {
		t.Fatal(err)
	}
	want.UBLA, want.Retention = false, 0
	if diff := cmp.Diff(want, keptAttrs(got)); diff != "" {
		t.Errorf("Attrs after turning uniform access and retention off: -want +got:\n%s", diff)
	}
}

func TestBucketErrors(t *testing.T) {
	ctx := context.Background()
	s, c := start(t)
	if err := c.Bucket("taken").Create(ctx, "p", nil); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason     string
		call       func() error
		wantCode   int
		wantReason string
	}{
		"Conflict": {
			reason:   "A bucket name is global: a second insert is 409.",
			call:     func() error { return c.Bucket("taken").Create(ctx, "p", nil) },
			wantCode: http.StatusConflict, wantReason: "conflict",
		},
		"NotFound": {
			reason:   "A missing bucket is 404 notFound.",
			call:     func() error { _, err := c.Bucket("missing").Attrs(ctx); return err },
			wantCode: http.StatusNotFound, wantReason: "notFound",
		},
		"BadLabel": {
			reason: "Labels must be lowercase.",
			call: func() error {
				return c.Bucket("bad-label").Create(ctx, "p", &storage.BucketAttrs{Labels: map[string]string{"Team": "x"}})
			},
			wantCode: http.StatusBadRequest, wantReason: "invalid",
		},
		"StalePrecondition": {
			reason: "ifMetagenerationMatch is honoured.",
			call: func() error {
				_, err := c.Bucket("taken").If(storage.BucketConditions{MetagenerationMatch: 7}).Update(ctx, storage.BucketAttrsToUpdate{StorageClass: "COLDLINE"})
				return err
			},
			wantCode: http.StatusPreconditionFailed, wantReason: "conditionNotMet",
		},
		"NoProject": {
			reason:   "Insert needs a project.",
			call:     func() error { return c.Bucket("no-project").Create(ctx, "", nil) },
			wantCode: http.StatusBadRequest, wantReason: "required",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatalf("%s: no error", tc.reason)
			}
			code, reason := googleErr(err)
			if code != tc.wantCode || reason != tc.wantReason {
				t.Errorf("%s: got %d %q (%v), want %d %q", tc.reason, code, reason, err, tc.wantCode, tc.wantReason)
			}
		})
	}
	if _, err := c.Bucket("missing").Attrs(ctx); !errors.Is(err, storage.ErrBucketNotExist) {
		t.Errorf("Attrs of a missing bucket: %v, want storage.ErrBucketNotExist", err)
	}

	// A bucket with an object is not deleted: 409, as Google says.
	w := c.Bucket("taken").Object("o").NewWriter(ctx)
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if code, reason := googleErr(c.Bucket("taken").Delete(ctx)); code != http.StatusConflict || reason != "conflict" {
		t.Errorf("deleting a non-empty bucket: %d %q, want 409 conflict", code, reason)
	}

	// Throttling is Google's 429 rateLimitExceeded with a Retry-After.
	s.Faults.Set(fault.Faults{Throttle: 1, RetryAfter: 2 * time.Second})
	_, err := c.Bucket("taken").Attrs(ctx)
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != http.StatusTooManyRequests || len(ge.Errors) != 1 || ge.Errors[0].Reason != "rateLimitExceeded" || ge.Header.Get("Retry-After") != "2" {
		t.Errorf("throttled Attrs: %#v, want 429 rateLimitExceeded with Retry-After 2", err)
	}
	s.Faults.Set(fault.Faults{ServerError: 1})
	if code, reason := googleErr(c.Bucket("taken").Delete(ctx)); code != http.StatusServiceUnavailable || reason != "backendError" {
		t.Errorf("failing Delete: %d %q, want 503 backendError", code, reason)
	}
	s.Faults.Clear()

	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Bucket("taken").Attrs(ctx); !errors.Is(err, storage.ErrBucketNotExist) {
		t.Errorf("after Reset: %v, want storage.ErrBucketNotExist", err)
	}
}

// TestBucketList checks buckets.list lists the project's buckets only, in
// pages of the size set, each bucket as buckets.get returns it, and wants
// a project, as Cloud Storage does.
func TestBucketList(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var lists atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/storage/v1/b" {
			lists.Add(1)
		}
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); s.Stop() })
	c, err := storage.NewClient(context.Background(), option.WithEndpoint(srv.URL+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	for _, n := range []string{"e", "a", "c", "b", "d"} {
		if err := c.Bucket("list-"+n).Create(ctx, "p", &storage.BucketAttrs{Location: "EU", Labels: map[string]string{"n": n}, VersioningEnabled: n == "c"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Bucket("list-other").Create(ctx, "q", nil); err != nil {
		t.Fatal(err)
	}
	s.SetPageSize(2)
	var names []string
	it := c.Buckets(ctx, "p")
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.Name)
		got, err := c.Bucket(a.Name).Attrs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(got, a); d != "" {
			t.Errorf("listed %s differs from its get (-get +list):\n%s", a.Name, d)
		}
	}
	if d := cmp.Diff([]string{"list-a", "list-b", "list-c", "list-d", "list-e"}, names); d != "" {
		t.Errorf("project p's buckets (-want +got):\n%s", d)
	}
	if n := lists.Load(); n != 3 {
		t.Errorf("%d pages for 5 buckets 2 a page, want 3", n)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/storage/v1/b", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a list without a project: %d, want 400", resp.StatusCode)
	}
}
