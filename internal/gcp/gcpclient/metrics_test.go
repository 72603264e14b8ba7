package gcpclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

func TestOperation(t *testing.T) {
	cases := map[string]struct {
		method, path, want string
	}{
		"Instance":    {"GET", "/v1/projects/p/instances/db-1", "GET instances"},
		"Instances":   {"POST", "/v1/projects/p/instances", "POST instances"},
		"Database":    {"PATCH", "/v1/projects/p/instances/db-1/databases/app", "PATCH instances/databases"},
		"Operation":   {"GET", "/v1/projects/p/operations/op-123", "GET operations"},
		"Restart":     {"POST", "/v1/projects/p/instances/db-1/restart", "POST instances/restart"},
		"Prefixed":    {"GET", "/sqladmin/v1beta4/projects/p/instances/i", "GET instances"},
		"Bucket":      {"PATCH", "/storage/v1/b/my-bucket", "PATCH b"},
		"Buckets":     {"POST", "/storage/v1/b", "POST b"},
		"BucketIAM":   {"GET", "/storage/v1/b/my-bucket/iam", "GET b/iam"},
		"Object":      {"GET", "/storage/v1/b/my-bucket/o/a%2Fb", "GET b/o"},
		"Unversioned": {"GET", "/my-bucket/some/object", "GET other"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, operation(tc.method, tc.path)); diff != "" {
				t.Errorf("operation(%s %s): -want, +got:\n%s", tc.method, tc.path, diff)
			}
		})
	}
}

// TestSessionCountsEveryCall checks a Session's clients count their calls,
// with the outcome the status gives.
func TestSessionCountsEveryCall(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":429,"message":"rate limited"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"name":"i"}`))
	}))
	defer srv.Close()
	ctx := context.Background()
	s, err := newSession(ctx, v1alpha1.ProviderConfigSpec{
		ProjectID:   "p",
		Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
		Endpoints:   &v1alpha1.Endpoints{SQLAdmin: srv.URL},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sql, err := sqladmin.NewService(ctx, s.SQLAdminOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	count := func(o cloudmetrics.Outcome) float64 {
		return testutil.ToFloat64(cloudmetrics.Requests.WithLabelValues(cloudmetrics.GCP, "sqladmin", "GET instances", string(o)))
	}
	throttled, success := count(cloudmetrics.Throttled), count(cloudmetrics.Success)
	// The generated client does not retry: each call is one attempt.
	if _, err := sql.Instances.Get("p", "i").Context(ctx).Do(); err == nil {
		t.Fatal("the throttled call succeeded")
	}
	if _, err := sql.Instances.Get("p", "i").Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	got := []float64{count(cloudmetrics.Throttled) - throttled, count(cloudmetrics.Success) - success}
	if diff := cmp.Diff([]float64{1, 1}, got); diff != "" {
		t.Errorf("throttled and successful calls counted: -want, +got:\n%s", diff)
	}
}
