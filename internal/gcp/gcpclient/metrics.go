package gcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"

	"github.com/stowage-dev/stowage/internal/cloudbudget"
	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

// Services, as the service label spells them.
const (
	serviceSQLAdmin = "sqladmin"
	serviceStorage  = "storage"
)

// newHTTPClient is the authenticated HTTP client the Google API clients of
// service are built on (option.WithHTTPClient), with every request waiting
// for project's budget of service calls (package cloudbudget), counted and
// timed. The Google clients offer no other hook; the client is built the
// way they would build it, from the Session's options.
func newHTTPClient(ctx context.Context, project, service string, opts []option.ClientOption) (*http.Client, error) {
	// The client lives as long as the cached Session, past the reconcile
	// that built it.
	hc, _, err := htransport.NewClient(context.WithoutCancel(ctx), append(slices.Clone(opts), option.WithUserAgent("stowage"))...)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: recordCalls{project: project, service: service, next: hc.Transport}}, nil
}

// recordCalls makes every request wait for its project's budget of the
// service's calls, then counts and times it. The Google clients retry
// above the HTTP client, so each attempt waits and is counted on its own.
// The wait comes before the timing, so time spent waiting for the budget
// is not counted as the cloud's latency.
type recordCalls struct {
	project string
	service string
	next    http.RoundTripper
}

func (r recordCalls) RoundTrip(req *http.Request) (*http.Response, error) {
	next := r.next
	if next == nil {
		next = http.DefaultTransport
	}
	k := cloudbudget.Key{Cloud: cloudmetrics.GCP, Account: r.project, Service: r.service}
	if err := cloudbudget.Default.Wait(req.Context(), k); err != nil {
		if req.Body != nil {
			// A RoundTripper closes the body, even when it sends nothing.
			_ = req.Body.Close()
		}
		return nil, err
	}
	start := time.Now()
	resp, err := next.RoundTrip(req)
	o := cloudmetrics.NetworkError
	if err == nil {
		o = cloudmetrics.OfStatus(resp.StatusCode)
		if throttled(resp) {
			o = cloudmetrics.Throttled
		}
	}
	if o == cloudmetrics.Throttled {
		cloudbudget.Default.Throttled(k)
	}
	cloudmetrics.Observe(cloudmetrics.GCP, r.service, operation(req.Method, req.URL.EscapedPath()), o, time.Since(start))
	return resp, err
}

// maxErrorBody is how much of a 403's body is read to find its reason;
// Google's error bodies are far smaller.
const maxErrorBody = 64 << 10

// throttled reports whether Google refused the call for its rate limits:
// 429, or a 403 whose error reason is rateLimitExceeded or
// userRateLimitExceeded (Cloud Storage and older Google APIs answer so).
// The body of a 403 is read to find out and put back whole for the
// caller.
func throttled(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusForbidden:
	default:
		return false
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(head), errReader{err}, resp.Body), Closer: resp.Body}
	var e struct {
		Error struct {
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(head, &e) != nil {
		return false
	}
	for _, it := range e.Error.Errors {
		if isRateLimit(it.Reason) {
			return true
		}
	}
	for _, d := range e.Error.Details {
		// google.rpc.ErrorInfo, in newer APIs' answers.
		if d.Reason == "RATE_LIMIT_EXCEEDED" || isRateLimit(d.Reason) {
			return true
		}
	}
	return false
}

func isRateLimit(reason string) bool {
	return reason == "rateLimitExceeded" || reason == "userRateLimitExceeded"
}

// readCloser reads from Reader and closes Closer.
type readCloser struct {
	io.Reader
	io.Closer
}

// errReader hands the caller the error reading the head of a body met, if
// any, where it met it; a nil error reads as the end of the head.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

var apiVersion = regexp.MustCompile(`^v\d+(alpha\d*|beta\d*)?$`)

// operation names a Google REST call by its method and the collections in
// its path, dropping every project, instance, bucket or object name:
//
//	GET /v1/projects/p/instances/i/databases/d → "GET instances/databases"
//	PATCH /storage/v1/b/bucket                 → "PATCH b"
//
// Paths after the API version alternate collection and name; a path without
// an API version is "other".
func operation(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	versioned := false
	for i, s := range segs {
		if apiVersion.MatchString(s) {
			segs, versioned = segs[i+1:], true
			break
		}
	}
	if !versioned {
		// Not a path we know the shape of: name nothing from it.
		return method + " other"
	}
	if len(segs) >= 2 && segs[0] == "projects" {
		segs = segs[2:]
	}
	var collections []string
	for i := 0; i < len(segs); i += 2 {
		collections = append(collections, segs[i])
	}
	if len(collections) == 0 {
		return method
	}
	return method + " " + strings.Join(collections, "/")
}
