package gcpclient

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"

	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

// Services, as the service label spells them.
const (
	serviceSQLAdmin = "sqladmin"
	serviceStorage  = "storage"
)

// newHTTPClient is the authenticated HTTP client the Google API clients of
// service are built on (option.WithHTTPClient), with every request counted
// and timed. The Google clients offer no other hook; the client is built
// the way they would build it, from the Session's options.
func newHTTPClient(ctx context.Context, service string, opts []option.ClientOption) (*http.Client, error) {
	// The client lives as long as the cached Session, past the reconcile
	// that built it.
	hc, _, err := htransport.NewClient(context.WithoutCancel(ctx), append(slices.Clone(opts), option.WithUserAgent("stowage"))...)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: recordCalls{service: service, next: hc.Transport}}, nil
}

// recordCalls counts and times every request. The Google clients retry
// above the HTTP client, so each attempt is counted on its own.
type recordCalls struct {
	service string
	next    http.RoundTripper
}

func (r recordCalls) RoundTrip(req *http.Request) (*http.Response, error) {
	next := r.next
	if next == nil {
		next = http.DefaultTransport
	}
	start := time.Now()
	resp, err := next.RoundTrip(req)
	o := cloudmetrics.NetworkError
	if err == nil {
		o = cloudmetrics.OfStatus(resp.StatusCode)
	}
	cloudmetrics.Observe(cloudmetrics.GCP, r.service, operation(req.Method, req.URL.EscapedPath()), o, time.Since(start))
	return resp, err
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
