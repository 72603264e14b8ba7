// Package arm is a local Azure Resource Manager: an http.Handler that serves
// the ARM REST API the provider's SDK clients call, over plain HTTP on
// loopback, with ARM's URL shapes, api-version checking, long-running
// operations (Azure-AsyncOperation / Location, Retry-After, operation-status
// resources), provisioning states that move over time and ARM's error bodies.
//
// It is a small framework: this file holds the router, the resource store,
// the clock-driven state machine and the operation-status resources; each
// resource provider lives in its own file (resources.go for
// Microsoft.Resources, storage.go for Microsoft.Storage) and registers its
// routes with the api-versions it accepts. Add a provider by adding a file
// with a register function and listing it in providers.
//
// Shapes, codes and status codes follow the ARM modules' own
// *_client_example_test.go files and the Azure REST API reference.
package arm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Options configure a Server.
type Options struct {
	// ProvisioningDelay is how long a long-running operation (a storage
	// account create, a resource group delete, …) takes to finish. Zero
	// means one second: states never move instantly.
	ProvisioningDelay time.Duration
	// Now is the server's clock; time.Now when nil. Tests drive the state
	// machine with their own clock.
	Now func() time.Time
	// ListPageSize is how many resources a list call answers per page,
	// with a nextLink to the rest; zero puts every resource in one page.
	// Real ARM pages at a size of its choosing (often 1000 for resource
	// groups, fewer for some providers): a small size lets tests follow
	// nextLink across pages.
	ListPageSize int
}

// A Server is a local ARM. It accepts any subscription ID and, like the
// provider's "no credentials, local endpoint" mode, checks no credentials: a
// bearer token, if sent, is accepted.
type Server struct {
	opts Options

	mu        sync.Mutex
	routes    []route
	resources map[string]*Resource // by lower-case ARM ID
	ops       map[string]*operation
	reserved  map[string]map[string]bool // global names taken elsewhere, by lower-case type

	reads, writes atomic.Int64
	pageSize      atomic.Int64
}

// providers register every resource provider's routes. Each lives in its own
// file.
var providers = []func(*Server){
	registerResources,
	registerStorage,
	registerSQL,
	registerFlexible,
	registerOperations,
}

// New returns a Server with every resource provider registered.
func New(o Options) *Server {
	if o.ProvisioningDelay <= 0 {
		o.ProvisioningDelay = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{opts: o}
	s.pageSize.Store(int64(o.ListPageSize))
	s.reset()
	for _, register := range providers {
		register(s)
	}
	return s
}

// Reset drops every resource, operation and reserved name.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
}

func (s *Server) reset() {
	s.resources = map[string]*Resource{}
	s.ops = map[string]*operation{}
	s.reserved = map[string]map[string]bool{}
}

// Reserve marks a globally unique name of resource type typ (e.g.
// Microsoft.Storage/storageAccounts) as taken by someone outside this local
// cloud, in another subscription: creating it answers the cloud's "already
// taken" error and name checks report it unavailable.
func (s *Server) Reserve(typ, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := strings.ToLower(typ)
	if s.reserved[t] == nil {
		s.reserved[t] = map[string]bool{}
	}
	s.reserved[t][strings.ToLower(name)] = true
}

// A Handler serves one ARM operation. It runs with the server's lock held
// and the state machine advanced to req.Now.
type Handler func(w http.ResponseWriter, req *Request)

type route struct {
	method   string
	segments []string // lower-case literals, or {param}
	versions []string // accepted api-versions; nil accepts any
	handler  Handler
}

// Handle registers h for method and an ARM path pattern such as
// /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}. Literal
// segments match case-insensitively, as ARM matches them; versions are the
// api-versions the operation accepts (nil accepts any).
func (s *Server) Handle(method, pattern string, versions []string, h Handler) {
	segs := strings.Split(strings.Trim(pattern, "/"), "/")
	for i, sg := range segs {
		if !isParam(sg) {
			segs[i] = strings.ToLower(sg)
		}
	}
	s.routes = append(s.routes, route{method: method, segments: segs, versions: versions, handler: h})
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// A Request is one ARM request being served.
type Request struct {
	*http.Request
	// Params are the path parameters, named as in the route pattern
	// without braces, in the case the client sent them.
	Params map[string]string
	// Body of the request.
	Body []byte
	// Now is the server's time for this request.
	Now time.Time
	// BaseURL is the scheme and host the client reached, for the absolute
	// URLs ARM puts in Location and Azure-AsyncOperation headers.
	BaseURL string
	// APIVersion the client sent.
	APIVersion string
}

// Param returns a path parameter.
func (r *Request) Param(name string) string { return r.Params[name] }

// Decode reads the JSON body into v, answering InvalidRequestContent when
// it is not JSON. It reports whether the body was good.
func (r *Request) Decode(w http.ResponseWriter, v any) bool {
	if err := json.Unmarshal(r.Body, v); err != nil {
		WriteError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: '"+err.Error()+"'.")
		return false
	}
	return true
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.headers(w, r)
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var pathMatched *route
	for i := range s.routes {
		rt := &s.routes[i]
		params, ok := match(rt.segments, segs)
		if !ok {
			continue
		}
		pathMatched = rt
		if rt.method != r.Method {
			continue
		}
		s.serve(w, r, rt, params)
		return
	}
	if pathMatched != nil {
		WriteError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method))
		return
	}
	WriteError(w, http.StatusNotFound, "InvalidResourceType", fmt.Sprintf("The resource type could not be found for path '%s'.", r.URL.Path))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt *route, params map[string]string) {
	v := r.URL.Query().Get("api-version")
	switch {
	case v == "":
		WriteError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	case rt.versions != nil && !slices.Contains(rt.versions, v):
		WriteError(w, http.StatusBadRequest, "InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(rt.versions, ",")))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		WriteError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content could not be read.")
		return
	}
	if isWrite(r) {
		s.writes.Add(1)
	} else {
		s.reads.Add(1)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	rt.handler(w, &Request{Request: r, Params: params, Body: body, Now: now, BaseURL: scheme + "://" + r.Host, APIVersion: v})
}

// isWrite is ARM's own rule for its rate limits: GET and HEAD read, and so
// do the POSTs that only list or check (listKeys, checkNameAvailability).
func isWrite(r *http.Request) bool { return IsWrite(r.Method, r.URL.Path) }

// IsWrite reports whether an ARM request changes state: PUT, PATCH, DELETE
// and POST actions do; GET, HEAD and the POST reads (list*, check*) do not.
func IsWrite(method, path string) bool {
	switch method {
	case http.MethodGet, http.MethodHead:
		return false
	case http.MethodPost:
		last := strings.ToLower(path[strings.LastIndex(path, "/")+1:])
		return !strings.HasPrefix(last, "list") && !strings.HasPrefix(last, "check")
	}
	return true
}

func match(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if isParam(p) {
			if segs[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// headers are the ones ARM puts on every response.
func (s *Server) headers(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("x-ms-request-id", newUUID())
	corr := r.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = newUUID()
	}
	h.Set("x-ms-correlation-request-id", corr)
	h.Set("x-ms-routing-request-id", "LOCAL:"+time.Now().UTC().Format("20060102T150405Z")+":"+corr)
	if isWrite(r) {
		h.Set("x-ms-ratelimit-remaining-subscription-writes", strconv.FormatInt(max(0, 1199-s.writes.Load()%1200), 10))
	} else {
		h.Set("x-ms-ratelimit-remaining-subscription-reads", strconv.FormatInt(max(0, 11999-s.reads.Load()%12000), 10))
	}
	h.Set("Cache-Control", "no-cache")
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if v != nil {
		if err := json.NewEncoder(&buf).Encode(v); err != nil {
			WriteError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
			return
		}
	}
	if buf.Len() > 0 {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// An Error is ARM's error body: {"error":{"code":…,"message":…}}.
type Error struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Target  string  `json:"target,omitempty"`
	Details []Error `json:"details,omitempty"`
}

// WriteError answers status with ARM's error body and the x-ms-error-code
// header the SDK reads first.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("x-ms-error-code", code)
	WriteJSON(w, status, map[string]Error{"error": {Code: code, Message: message}})
}

// ResourceNotFound answers ARM's 404 for a missing top-level resource.
func ResourceNotFound(w http.ResponseWriter, typ, name, group string) {
	WriteError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", typ, name, group))
}

// ParentResourceNotFound answers ARM's 404 for a nested resource whose
// parent does not exist.
func ParentResourceNotFound(w http.ResponseWriter, parentTyp, parent string) {
	WriteError(w, http.StatusNotFound, "ParentResourceNotFound", fmt.Sprintf("Can not perform requested operation on nested resource. Parent resource '%s' not found.", parent))
	_ = parentTyp
}

// Responder answers the faults package's injected faults as ARM does.
type Responder struct{}

// Throttled answers ARM's 429 with the remaining-requests headers at zero.
func (Responder) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	h := w.Header()
	h.Set("x-ms-request-id", newUUID())
	h.Set("x-ms-correlation-request-id", newUUID())
	if isWrite(r) {
		h.Set("x-ms-ratelimit-remaining-subscription-writes", "0")
	} else {
		h.Set("x-ms-ratelimit-remaining-subscription-reads", "0")
	}
	secs := int((retryAfter + time.Second - 1) / time.Second)
	WriteError(w, http.StatusTooManyRequests, "TooManyRequests", fmt.Sprintf("The request is being throttled as the limit has been reached for operation type - %s. Please try again after %d seconds.", map[bool]string{true: "Write", false: "Read"}[isWrite(r)], secs))
}

// ServerError answers ARM's 500.
func (Responder) ServerError(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("x-ms-request-id", newUUID())
	w.Header().Set("x-ms-correlation-request-id", newUUID())
	WriteError(w, http.StatusInternalServerError, "InternalServerError", fmt.Sprintf("Encountered internal server error. Diagnostic information: timestamp '%s', tracking id '%s'.", time.Now().UTC().Format("20060102T150405Z"), newUUID()))
}

// ClientOptions point ARM SDK clients at a local ARM at endpoint, without
// registering resource providers and without retries (tests see every
// answer). Use them with Credential.
func ClientOptions(endpoint string) *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: endpoint,
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Endpoint: endpoint, Audience: "https://management.azure.com/"},
				},
			},
			InsecureAllowCredentialWithHTTP: true,
			Retry:                           policy.RetryOptions{MaxRetries: -1},
		},
		DisableRPRegistration: true,
	}
}

// Credential is a token credential the local ARM accepts (it checks none).
var Credential azcore.TokenCredential = staticToken{}

type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "local", ExpiresOn: time.Now().Add(time.Hour)}, nil
}
