// Package gcs is the local Google Cloud Storage: fake-gcs-server's
// fakestorage in process, behind the fault injector every local cloud shares,
// with the bucket metadata fake-gcs-server does not keep.
//
// fake-gcs-server v1.56.1 keeps a bucket's name, versioning, default event
// based hold and ACL, and nothing else: it reports every bucket in the one
// location it was started with, as STANDARD, metageneration 1, without
// labels; it ignores labels, storageClass, iamConfiguration (uniform
// bucket-level access, public access prevention), lifecycle and
// retentionPolicy on insert and patch; and its PATCH is a replace of
// versioning (a body without "versioning" turns versioning off). Stowage's
// owner labels and its "only what differs" updates cannot be tested against
// that, so this package keeps those fields itself, with the semantics the
// Cloud Storage JSON API documents (google.golang.org/api/storage/v1's
// discovery document): insert stores them with Google's defaults (location
// US, storage class STANDARD, public access prevention inherited), PATCH
// merges the body into them (objects merged, null removes, lists replaced),
// every metadata change moves the metageneration, and ifMetagenerationMatch
// is honoured. Labels, storage classes and retention periods are validated
// as Google does, with Google's JSON error bodies. Everything else (objects,
// versioning, ACLs) is fake-gcs-server's own.
package gcs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

// DefaultLocation is where a bucket inserted without a location lives, as
// on Google Cloud.
const DefaultLocation = "US"

// A Server is the local Cloud Storage JSON API.
type Server struct {
	// Faults injects throttling, server errors and latency into requests.
	Faults *fault.Injector

	fake    *fakestorage.Server
	handler http.Handler

	mu       sync.Mutex
	buckets  map[string]*bucketMeta
	now      func() time.Time
	pageSize int
}

// maxPage is the most buckets Cloud Storage returns a page: "the service
// will use this parameter or 1,000 items, whichever is smaller".
const maxPage = 1000

// SetPageSize makes a page of buckets.list hold at most n buckets from
// now on, whatever maxResults asks; zero for Cloud Storage's own limit.
// Tests set a few to see clients follow nextPageToken.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// bucketMeta is what this package keeps of a bucket beside fake-gcs-server.
type bucketMeta struct {
	// project the bucket was inserted in; "" for a bucket made behind
	// this package's back, which every project's listing shows.
	project        string
	fields         map[string]any // the kept fields, as JSON values
	metageneration int64
	updated        time.Time
}

// kept are the Bucket resource fields this package keeps; PATCH merges
// these and ignores others, as fake-gcs-server does.
var kept = []string{"labels", "location", "storageClass", "iamConfiguration", "lifecycle", "retentionPolicy"}

// New starts fakestorage in process (no listener: this package serves its
// handler) and returns the local Cloud Storage.
func New() (*Server, error) {
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme:          "http",
		NoListener:      true,
		BucketsLocation: DefaultLocation,
		Writer:          io.Discard,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot start fake-gcs-server: %w", err)
	}
	s := &Server{fake: fake, buckets: map[string]*bucketMeta{}, now: time.Now}
	s.Faults = fault.New(http.HandlerFunc(s.serve), Responder{})
	s.handler = s.Faults
	return s, nil
}

// Handler serves the Cloud Storage JSON API (under /storage/v1/, the path
// a client's endpoint names) and fake-gcs-server's upload and download
// paths.
func (s *Server) Handler() http.Handler { return s.handler }

// Reset drops every bucket and object.
func (s *Server) Reset() error {
	rec := httptest.NewRecorder()
	s.fake.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_internal/delete_all", nil))
	if rec.Code != http.StatusOK {
		return fmt.Errorf("fake-gcs-server reset: %d %s", rec.Code, rec.Body.String())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buckets = map[string]*bucketMeta{}
	return nil
}

// Stop ends fakestorage.
func (s *Server) Stop() { s.fake.Stop() }

const api = "/storage/v1/b"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case (p == api || p == api+"/") && r.Method == http.MethodPost:
		s.insert(w, r)
	case (p == api || p == api+"/") && r.Method == http.MethodGet:
		s.list(w, r)
	case strings.HasPrefix(p, api+"/") && !strings.Contains(strings.TrimPrefix(p, api+"/"), "/"):
		name, err := url.PathUnescape(strings.TrimPrefix(p, api+"/"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "Invalid bucket name.")
			return
		}
		switch r.Method {
		case http.MethodGet:
			s.forwardOverlay(w, r, name)
		case http.MethodPatch:
			s.patch(w, r, name)
		case http.MethodDelete:
			s.delete(w, r, name)
		default:
			s.fake.HTTPHandler().ServeHTTP(w, r)
		}
	default:
		s.fake.HTTPHandler().ServeHTTP(w, r)
	}
}

// call serves a request with fake-gcs-server and returns its answer.
func (s *Server) call(method, target string, body any, r *http.Request) *httptest.ResponseRecorder {
	var b io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		b = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, target, b).WithContext(r.Context())
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.fake.HTTPHandler().ServeHTTP(rec, req)
	return rec
}

func (s *Server) insert(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("project") == "" {
		writeError(w, http.StatusBadRequest, "required", "Required parameter: project")
		return
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "parseError", "Parse Error")
		return
	}
	name, _ := in["name"].(string)
	if !validName(name) {
		writeError(w, http.StatusBadRequest, "invalid", "Invalid bucket name: '"+name+"'")
		return
	}
	fields := map[string]any{
		"location":     DefaultLocation,
		"storageClass": "STANDARD",
		"iamConfiguration": map[string]any{
			"uniformBucketLevelAccess": map[string]any{"enabled": false},
			"publicAccessPrevention":   "inherited",
		},
	}
	patch := map[string]any{}
	for _, k := range kept {
		if v, ok := in[k]; ok {
			patch[k] = v
		}
	}
	now := s.now().UTC()
	fields = normalise(mergePatch(fields, patch).(map[string]any), now)
	if status, reason, msg := validate(fields); status != 0 {
		writeError(w, status, reason, msg)
		return
	}
	fwd := map[string]any{"name": name}
	if v, ok := in["versioning"]; ok {
		fwd["versioning"] = v
	}
	if v, ok := in["defaultEventBasedHold"]; ok {
		fwd["defaultEventBasedHold"] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.call(http.MethodPost, api+"?"+r.URL.RawQuery, fwd, r)
	if rec.Code == http.StatusOK {
		s.buckets[name] = &bucketMeta{project: r.URL.Query().Get("project"), fields: fields, metageneration: 1, updated: now}
	}
	s.answer(w, rec)
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request, name string) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "parseError", "Parse Error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.call(http.MethodGet, api+"/"+url.PathEscape(name), nil, r)
	if cur.Code != http.StatusOK {
		s.answer(w, cur)
		return
	}
	m := s.meta(name)
	if v := r.URL.Query().Get("ifMetagenerationMatch"); v != "" && v != strconv.FormatInt(m.metageneration, 10) {
		writeError(w, http.StatusPreconditionFailed, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.")
		return
	}
	if v := r.URL.Query().Get("ifMetagenerationNotMatch"); v != "" && v == strconv.FormatInt(m.metageneration, 10) {
		writeError(w, http.StatusNotModified, "notModified", "Not Modified")
		return
	}
	patch := map[string]any{}
	for _, k := range kept {
		if v, ok := in[k]; ok && k != "location" {
			patch[k] = v
		}
	}
	now := s.now().UTC()
	fields := normalise(mergePatch(deepCopy(m.fields), patch).(map[string]any), now)
	if status, reason, msg := validate(fields); status != 0 {
		writeError(w, status, reason, msg)
		return
	}
	if rp, ok := m.fields["retentionPolicy"].(map[string]any); ok && rp["isLocked"] == true {
		newRP, _ := fields["retentionPolicy"].(map[string]any)
		if newRP == nil || period(newRP) < period(rp) {
			writeError(w, http.StatusForbidden, "forbidden", "Cannot reduce retention duration of a locked Retention Policy for bucket '"+name+"'.")
			return
		}
	}
	// fake-gcs-server's PATCH replaces versioning and the default event
	// based hold: send both, the body's or the current values.
	var got struct {
		Versioning            struct{ Enabled bool } `json:"versioning"`
		DefaultEventBasedHold bool                   `json:"defaultEventBasedHold"`
	}
	_ = json.Unmarshal(cur.Body.Bytes(), &got)
	fwd := map[string]any{"versioning": map[string]any{"enabled": got.Versioning.Enabled}, "defaultEventBasedHold": got.DefaultEventBasedHold}
	if v, ok := in["versioning"].(map[string]any); ok {
		if e, ok := v["enabled"].(bool); ok {
			fwd["versioning"] = map[string]any{"enabled": e}
		}
	}
	if v, ok := in["defaultEventBasedHold"].(bool); ok {
		fwd["defaultEventBasedHold"] = v
	}
	rec := s.call(http.MethodPatch, api+"/"+url.PathEscape(name), fwd, r)
	if rec.Code == http.StatusOK {
		m.fields, m.updated = fields, now
		m.metageneration++
	}
	s.answer(w, rec)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := r.URL.Query().Get("ifMetagenerationMatch"); v != "" {
		if m, ok := s.buckets[name]; ok && v != strconv.FormatInt(m.metageneration, 10) {
			writeError(w, http.StatusPreconditionFailed, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.")
			return
		}
	}
	rec := s.call(http.MethodDelete, api+"/"+url.PathEscape(name), nil, r)
	switch {
	case rec.Code == http.StatusPreconditionFailed:
		// fake-gcs-server says 412 for a bucket with objects; Google says 409.
		writeError(w, http.StatusConflict, "conflict", "The bucket you tried to delete is not empty.")
		return
	case rec.Code < 300:
		delete(s.buckets, name)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.answer(w, rec)
}

// forwardOverlay serves a bucket get (name set) or list with
// fake-gcs-server and adds the kept fields.
func (s *Server) forwardOverlay(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := httptest.NewRecorder()
	s.fake.HTTPHandler().ServeHTTP(rec, r)
	s.answer(w, rec)
}

// list serves buckets.list as Cloud Storage does: the buckets of the
// project the required project parameter names (fake-gcs-server lists
// every bucket, of any project), by name, with the prefix asked, in pages
// of maxResults (at most 1000, and at most the page size set), each bucket
// as buckets.get returns it. The page token names the next page's first
// bucket, as fake-gcs-server's does.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	project := q.Get("project")
	if project == "" {
		writeError(w, http.StatusBadRequest, "required", "Required parameter: project")
		return
	}
	n := maxPage
	if v := q.Get("maxResults"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 {
			writeError(w, http.StatusBadRequest, "invalid", "Invalid unsigned integer value: '"+v+"'.")
			return
		}
		if m > 0 {
			n = min(m, maxPage)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pageSize > 0 {
		n = min(n, s.pageSize)
	}
	fq := url.Values{"project": {project}}
	if v := q.Get("prefix"); v != "" {
		fq.Set("prefix", v)
	}
	rec := s.call(http.MethodGet, api+"?"+fq.Encode(), nil, r)
	var doc struct {
		Items []map[string]any `json:"items"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
		s.answer(w, rec)
		return
	}
	token := q.Get("pageToken")
	var items []any
	next := ""
	for _, b := range doc.Items {
		name, _ := b["name"].(string)
		if name < token {
			continue
		}
		if m := s.buckets[name]; m != nil && m.project != "" && m.project != project {
			continue
		}
		if len(items) == n {
			next = name
			break
		}
		s.overlay(b)
		items = append(items, b)
	}
	out := map[string]any{"kind": "storage#buckets"}
	if len(items) > 0 {
		out["items"] = items
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(out)
}

// meta is what is kept of bucket name; a bucket made behind this package's
// back (fakestorage's own API) gets Google's defaults. s.mu is held.
func (s *Server) meta(name string) *bucketMeta {
	m, ok := s.buckets[name]
	if !ok {
		m = &bucketMeta{fields: normalise(map[string]any{
			"location": DefaultLocation, "storageClass": "STANDARD",
			"iamConfiguration": map[string]any{"uniformBucketLevelAccess": map[string]any{"enabled": false}, "publicAccessPrevention": "inherited"},
		}, s.now().UTC()), metageneration: 1, updated: s.now().UTC()}
		s.buckets[name] = m
	}
	return m
}

// answer copies fake-gcs-server's answer to w, with the kept fields added
// to every bucket in it. s.mu is held.
func (s *Server) answer(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		var doc map[string]any
		if json.Unmarshal(body, &doc) == nil {
			switch doc["kind"] {
			case "storage#bucket":
				s.overlay(doc)
			case "storage#buckets":
				items, _ := doc["items"].([]any)
				for _, it := range items {
					if b, ok := it.(map[string]any); ok {
						s.overlay(b)
					}
				}
			}
			body, _ = json.Marshal(doc)
		}
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func (s *Server) overlay(b map[string]any) {
	name, _ := b["name"].(string)
	m := s.meta(name)
	maps.Copy(b, deepCopy(m.fields))
	b["locationType"] = locationType(m.fields["location"].(string))
	b["metageneration"] = strconv.FormatInt(m.metageneration, 10)
	b["updated"] = m.updated.Format(time.RFC3339Nano)
	// The ETag changes with the metadata, as Google's does.
	b["etag"] = "CA" + strconv.FormatInt(m.metageneration, 10) + "="
}

// normalise applies what Google does to stored values: upper-case location
// and storage class, bucketPolicyOnly mirroring uniformBucketLevelAccess, a
// retention policy's effective time, and no empty labels object.
func normalise(f map[string]any, now time.Time) map[string]any {
	if v, ok := f["location"].(string); ok {
		f["location"] = strings.ToUpper(v)
	}
	if v, ok := f["storageClass"].(string); ok {
		f["storageClass"] = strings.ToUpper(v)
	}
	if iam, ok := f["iamConfiguration"].(map[string]any); ok {
		u, _ := iam["uniformBucketLevelAccess"].(map[string]any)
		if u == nil {
			u = map[string]any{"enabled": false}
			iam["uniformBucketLevelAccess"] = u
		}
		if u["enabled"] == true {
			if _, ok := u["lockedTime"]; !ok {
				// Uniform access can be turned off again for 90 days.
				u["lockedTime"] = now.Add(90 * 24 * time.Hour).Format(time.RFC3339Nano)
			}
		} else {
			u["enabled"] = false
			delete(u, "lockedTime")
		}
		iam["bucketPolicyOnly"] = deepCopy(u)
		if p, _ := iam["publicAccessPrevention"].(string); p == "" || p == "unspecified" {
			iam["publicAccessPrevention"] = "inherited"
		}
	}
	if rp, ok := f["retentionPolicy"].(map[string]any); ok {
		if n := period(rp); n > 0 {
			rp["retentionPeriod"] = strconv.FormatInt(n, 10)
		}
		if _, ok := rp["effectiveTime"]; !ok {
			rp["effectiveTime"] = now.Format(time.RFC3339Nano)
		}
		if _, ok := rp["isLocked"]; !ok {
			rp["isLocked"] = false
		}
	}
	if l, ok := f["labels"].(map[string]any); ok && len(l) == 0 {
		delete(f, "labels")
	}
	if l, ok := f["lifecycle"].(map[string]any); ok {
		if rules, _ := l["rule"].([]any); len(rules) == 0 {
			delete(f, "lifecycle")
		}
	}
	return f
}

// period is a retention policy's period in seconds (a JSON string or
// number); -1 when it is not a number.
func period(rp map[string]any) int64 {
	switch v := rp["retentionPeriod"].(type) {
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return -1
		}
		return n
	case float64:
		return int64(v)
	}
	return -1
}

var (
	labelKey   = regexp.MustCompile(`^\p{Ll}[\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)
	labelValue = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$`)
	classes    = map[string]bool{"STANDARD": true, "NEARLINE": true, "COLDLINE": true, "ARCHIVE": true,
		"MULTI_REGIONAL": true, "REGIONAL": true, "DURABLE_REDUCED_AVAILABILITY": true}
)

// validName checks the length rules of a bucket name (fake-gcs-server
// checks the characters): 3-63 characters, or up to 222 with dots and at
// most 63 between them.
func validName(name string) bool {
	if len(name) < 3 || len(name) > 222 || (!strings.Contains(name, ".") && len(name) > 63) {
		return false
	}
	for _, part := range strings.Split(name, ".") {
		if len(part) > 63 {
			return false
		}
	}
	return true
}

// maxRetention is Google's limit on a retention period: 100 years.
const maxRetention = 3_155_760_000

// validate checks the kept fields as Google does; status 0 means valid.
func validate(f map[string]any) (status int, reason, msg string) {
	if l, ok := f["labels"].(map[string]any); ok {
		if len(l) > 64 {
			return http.StatusBadRequest, "invalid", "Too many labels: a bucket can have at most 64."
		}
		for k, v := range l {
			sv, isString := v.(string)
			if !labelKey.MatchString(k) || !isString || !labelValue.MatchString(sv) {
				return http.StatusBadRequest, "invalid", fmt.Sprintf("Invalid argument: label %q: keys must start with a lowercase letter and keys and values may contain only lowercase letters, digits, '_' and '-', at most 63 characters.", k)
			}
		}
	}
	if c, _ := f["storageClass"].(string); !classes[c] {
		return http.StatusBadRequest, "invalid", fmt.Sprintf("Invalid argument: storage class %q.", c)
	}
	if rp, ok := f["retentionPolicy"].(map[string]any); ok {
		if n := period(rp); n <= 0 || n > maxRetention {
			return http.StatusBadRequest, "invalid", "Invalid argument: the retention period must be greater than zero and less than 100 years."
		}
	}
	if iam, ok := f["iamConfiguration"].(map[string]any); ok {
		if p, _ := iam["publicAccessPrevention"].(string); p != "inherited" && p != "enforced" {
			return http.StatusBadRequest, "invalid", fmt.Sprintf("Invalid argument: publicAccessPrevention %q.", p)
		}
	}
	if l, ok := f["lifecycle"].(map[string]any); ok {
		rules, _ := l["rule"].([]any)
		for _, r := range rules {
			rule, _ := r.(map[string]any)
			action, _ := rule["action"].(map[string]any)
			switch t, _ := action["type"].(string); t {
			case "Delete", "AbortIncompleteMultipartUpload":
			case "SetStorageClass":
				if c, _ := action["storageClass"].(string); !classes[strings.ToUpper(c)] {
					return http.StatusBadRequest, "invalid", "Invalid argument: a SetStorageClass lifecycle action needs a storage class."
				}
			default:
				return http.StatusBadRequest, "invalid", fmt.Sprintf("Invalid argument: lifecycle action type %q.", t)
			}
		}
	}
	return 0, "", ""
}

// locationType is Google's type of a location: the multi-regions and the
// predefined dual-regions by name, anything else a region.
func locationType(loc string) string {
	switch loc {
	case "US", "EU", "ASIA":
		return "multi-region"
	case "NAM4", "EUR4", "EUR5", "EUR7", "EUR8", "ASIA1":
		return "dual-region"
	}
	return "region"
}

// mergePatch applies patch to doc with the semantics of Google's PATCH
// (RFC 7396): objects are merged key by key, null removes a key, anything
// else (lists included) replaces.
func mergePatch(doc, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return deepCopy(patch)
	}
	d, ok := doc.(map[string]any)
	if !ok {
		d = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(d, k)
			continue
		}
		d[k] = mergePatch(d[k], v)
	}
	return d
}

func deepCopy[T any](v T) T {
	data, _ := json.Marshal(v)
	var out T
	_ = json.Unmarshal(data, &out)
	return out
}

// An errorBody is Google's JSON error.
type errorBody struct {
	Error struct {
		Code    int         `json:"code"`
		Message string      `json:"message"`
		Errors  []errorItem `json:"errors"`
	} `json:"error"`
}

type errorItem struct {
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func writeErrorDomain(w http.ResponseWriter, status int, domain, reason, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = status, msg
	b.Error.Errors = []errorItem{{Domain: domain, Reason: reason, Message: msg}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(b)
}

func writeError(w http.ResponseWriter, status int, reason, msg string) {
	writeErrorDomain(w, status, "global", reason, msg)
}

// Responder answers injected faults as Cloud Storage does: 429
// rateLimitExceeded (domain usageLimits) and 503 backendError.
type Responder struct{}

// Throttled answers 429 rateLimitExceeded.
func (Responder) Throttled(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
	writeErrorDomain(w, http.StatusTooManyRequests, "usageLimits", "rateLimitExceeded",
		"The project exceeded the rate limit for Cloud Storage operations. Reduce your request rate.")
}

// ServerError answers 503 backendError.
func (Responder) ServerError(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusServiceUnavailable, "backendError", "Backend Error")
}
