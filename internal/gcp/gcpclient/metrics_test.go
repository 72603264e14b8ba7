package gcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/api/googleapi"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudbudget"
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

// TestSessionWaitsForBudget checks every attempt a Session's clients make
// waits for its project's budget of the service's calls, and a throttled
// answer (429, or 403 rateLimitExceeded or userRateLimitExceeded) halves
// that budget, with the error body still whole for the client.
func TestSessionWaitsForBudget(t *testing.T) {
	type answer struct {
		code int
		body string
	}
	answers := map[string]answer{
		"ok":        {200, `{"name":"i"}`},
		"429":       {429, `{"error":{"code":429,"message":"Quota exceeded","errors":[{"reason":"rateLimitExceeded","domain":"usageLimits","message":"Quota exceeded"}],"status":"RESOURCE_EXHAUSTED"}}`},
		"userLimit": {403, `{"error":{"code":403,"message":"User Rate Limit Exceeded","errors":[{"reason":"userRateLimitExceeded","domain":"usageLimits","message":"User Rate Limit Exceeded"}]}}`},
		"rateLimit": {403, `{"error":{"code":403,"message":"Rate Limit Exceeded","errors":[{"reason":"rateLimitExceeded","domain":"usageLimits","message":"Rate Limit Exceeded"}]}}`},
		"forbidden": {403, `{"error":{"code":403,"message":"The client is not authorized to make this request.","errors":[{"reason":"notAuthorized","domain":"global","message":"The client is not authorized to make this request."}]}}`},
		"notFound":  {404, `{"error":{"code":404,"message":"The Cloud SQL instance does not exist.","errors":[{"reason":"instanceDoesNotExist","domain":"global","message":"The Cloud SQL instance does not exist."}]}}`},
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		a := answers[strings.TrimPrefix(r.URL.Path, "/v1/projects/p/instances/")]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.code)
		_, _ = w.Write([]byte(a.body))
	}))
	defer srv.Close()

	saved := cloudbudget.Default
	t.Cleanup(func() { cloudbudget.Default = saved })
	const perSecond = 40
	cloudbudget.Default = cloudbudget.NewWithLimit(perSecond, 1)
	key := cloudbudget.Key{Cloud: "gcp", Account: "p", Service: "sqladmin"}

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

	// Answers that are not throttling leave the rate alone, and the
	// client still reads their bodies whole.
	for _, name := range []string{"ok", "forbidden", "notFound"} {
		_, err := sql.Instances.Get("p", name).Context(ctx).Do()
		if name == "ok" && err != nil {
			t.Fatal(err)
		}
		if name != "ok" && !strings.Contains(err.Error(), reasonOf(answers[name].body)) {
			t.Errorf("%s: error %v does not carry the body's reason", name, err)
		}
		if r, _ := cloudbudget.Default.Limit(key); r != perSecond {
			t.Errorf("after %s the budget is %v a second, want %v", name, r, perSecond)
		}
	}
	// Each throttled answer halves it.
	want := float64(perSecond)
	for _, name := range []string{"429", "userLimit", "rateLimit"} {
		_, err := sql.Instances.Get("p", name).Context(ctx).Do()
		var ge *googleapi.Error
		if !errors.As(err, &ge) || ge.Code != answers[name].code || len(ge.Errors) != 1 || ge.Errors[0].Reason != reasonOf(answers[name].body) {
			t.Errorf("%s: the client did not get the whole error body: %v", name, err)
		}
		want /= 2
		if r, _ := cloudbudget.Default.Limit(key); r < want*0.9 || r > want*1.1 {
			t.Errorf("after %s the budget is %v a second, want about %v", name, r, want)
		}
	}

	// An attempt waits for the budget before it is sent: with a budget
	// that allows nothing more for a long while, a call whose context ends
	// first never reaches the cloud.
	cloudbudget.Default = cloudbudget.NewWithLimit(0.001, 1)
	if _, err := sql.Instances.Get("p", "ok").Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	before := hits.Load()
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := sql.Instances.Get("p", "ok").Context(short).Do(); err == nil {
		t.Error("a call over budget went out")
	}
	if hits.Load() != before {
		t.Error("a call over budget reached the cloud")
	}
	// Another project's budget is its own.
	other := key
	other.Account = "q"
	if r, _ := cloudbudget.Default.Limit(other); r != 0.001 {
		t.Errorf("project q's budget is %v", r)
	}
}

func reasonOf(body string) string {
	var e struct {
		Error struct {
			Errors []struct{ Reason string }
		}
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error.Errors[0].Reason
}
