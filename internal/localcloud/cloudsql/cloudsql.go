// Package cloudsql is a local Cloud SQL Admin API (v1), written from the
// discovery document google.golang.org/api/sqladmin/v1/sqladmin-api.json:
// the same URL shapes, resources (sql#instance, sql#operation, sql#database,
// sql#user, sql#backupRun, sql#backup), enums and Google JSON error bodies.
//
// What it emulates:
//   - Instances insert/get/patch/delete/list (paged with maxResults,
//     pageToken and nextPageToken, at most 500 items a page unless
//     maxResults asks for up to 1000, or Options.PageSize). A listed
//     instance is the same resource instances.get returns.
//     An instance is PENDING_CREATE until its CREATE operation is DONE, then
//     RUNNABLE with its IP addresses, a real self-signed server CA
//     certificate and the defaults Cloud SQL fills in (edition, disk,
//     backups, IP configuration, settingsVersion …). A patch is applied when
//     its UPDATE operation is DONE and increments settings.settingsVersion; a
//     patch carrying a stale settingsVersion is refused (412 staleData).
//     Deletion protection refuses a delete (400). A deleted instance's name
//     cannot be used again for a week (409 instanceAlreadyExists).
//   - One operation at a time per instance: anything else while one runs is
//     refused with 409 operationInProgress, as Cloud SQL does.
//   - Operations get/list; databases insert/get/patch/delete/list; users
//     insert/list/get/update/delete (addressed by the name and host query
//     parameters); backupRuns insert/list/get; the project's backups
//     list/get, where the FINAL backup of a deleted instance is kept
//     (settings.finalBackupConfig or the delete call's enableFinalBackup).
//
// Operations move with time (Options.OperationDelay) and are advanced
// lazily on every request: no goroutines, so a test's clock decides.
package cloudsql

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

// DefaultOperationDelay is how long an operation runs when Options leave
// it unset.
const DefaultOperationDelay = 2 * time.Second

// NameReuseWindow is how long the name of a deleted instance stays taken.
const NameReuseWindow = 7 * 24 * time.Hour

// Options configure a local Cloud SQL Admin API.
type Options struct {
	// OperationDelay is how long every operation runs before it is DONE:
	// PENDING for its first third, then RUNNING. Zero means
	// DefaultOperationDelay; a negative value makes operations finish at
	// the next request.
	OperationDelay time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// BaseURL is the URL clients reach the API at, for selfLinks; when
	// empty, it is taken from each request's Host.
	BaseURL string
	// PageSize is the most items a page of instances.list (and of the
	// other paged lists) holds, whatever maxResults asks: Cloud SQL
	// returns at most 500 without maxResults and 1000 with it ("the
	// service may return fewer than this value"). Zero means Cloud SQL's
	// own limits; tests set a few to see clients follow nextPageToken.
	PageSize int
}

// A Cloud is a local Cloud SQL Admin API behind the fault injector.
type Cloud struct {
	*fault.Injector
	s *server
}

// New returns a local Cloud SQL Admin API, wrapped with a fault injector
// that answers in Google's error format.
func New(o Options) *Cloud {
	if o.OperationDelay == 0 {
		o.OperationDelay = DefaultOperationDelay
	}
	if o.OperationDelay < 0 {
		o.OperationDelay = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &server{opts: o}
	s.reset()
	return &Cloud{Injector: fault.New(s, Responder{}), s: s}
}

// Reset drops every instance, operation and backup.
func (c *Cloud) Reset() {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.reset()
}

// SetPageSize sets Options.PageSize from now on: the most items a page
// of instances.list holds; zero for Cloud SQL's own limits.
func (c *Cloud) SetPageSize(n int) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.opts.PageSize = n
}

// Password returns the password of a user of an instance, which the API
// never returns, so tests can check what the provider set. ok is false
// when there is no such user.
func (c *Cloud) Password(project, instance, user, host string) (pw string, ok bool) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.advance(c.s.opts.Now())
	in := c.s.instances[key(project, instance)]
	if in == nil {
		return "", false
	}
	u := in.users[userKey(user, host)]
	if u == nil {
		return "", false
	}
	return u.password, true
}

// A Responder answers injected faults the way Google APIs do.
type Responder struct{}

// Throttled answers 429 with Google's rateLimitExceeded body.
func (Responder) Throttled(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
	writeError(w, &apiError{
		Code:    http.StatusTooManyRequests,
		Status:  "RESOURCE_EXHAUSTED",
		Reason:  "rateLimitExceeded",
		Domain:  "usageLimits",
		Message: "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'sqladmin.googleapis.com' for consumer 'project_number:0'.",
	})
}

// ServerError answers 503 with Google's backendError body.
func (Responder) ServerError(w http.ResponseWriter, _ *http.Request) {
	writeError(w, &apiError{Code: http.StatusServiceUnavailable, Status: "UNAVAILABLE", Reason: "backendError", Message: "The service is currently unavailable."})
}

// An apiError is a Google JSON error.
type apiError struct {
	Code     int
	Status   string
	Reason   string
	Domain   string
	Message  string
	Location string
}

func (e *apiError) Error() string { return e.Message }

func writeError(w http.ResponseWriter, e *apiError) {
	dom := e.Domain
	if dom == "" {
		dom = "global"
	}
	item := map[string]string{"message": e.Message, "domain": dom, "reason": e.Reason}
	if e.Location != "" {
		item["location"] = e.Location
		item["locationType"] = "header"
	}
	body := map[string]any{"error": map[string]any{
		"code":    e.Code,
		"message": e.Message,
		"errors":  []any{item},
		"status":  e.Status,
	}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.Code)
	_ = json.NewEncoder(w).Encode(body)
}

func notFound(msg, reason string) *apiError {
	return &apiError{Code: http.StatusNotFound, Status: "NOT_FOUND", Reason: reason, Message: msg}
}

func badRequest(msg string) *apiError {
	return &apiError{Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT", Reason: "invalid", Message: msg}
}

func conflict(msg, reason string) *apiError {
	return &apiError{Code: http.StatusConflict, Status: "ALREADY_EXISTS", Reason: reason, Message: msg}
}

var (
	errInstanceNotFound = notFound("The Cloud SQL instance does not exist.", "instanceDoesNotExist")
	errInProgress       = &apiError{Code: http.StatusConflict, Status: "ABORTED", Reason: "operationInProgress",
		Message: "Operation failed because another operation was already in progress. Try your request after the current operation is complete."}
	errStale = &apiError{Code: http.StatusPreconditionFailed, Status: "FAILED_PRECONDITION", Reason: "staleData",
		Message: "Condition does not match.", Location: "If-Match"}
	errProtected = &apiError{Code: http.StatusBadRequest, Status: "FAILED_PRECONDITION", Reason: "invalid",
		Message: "The instance is protected. Please disable the deletion protection and try again. To disable deletion protection, update the instance settings with deletionProtectionEnabled set to false."}
	errNotRunning = &apiError{Code: http.StatusBadRequest, Status: "FAILED_PRECONDITION", Reason: "invalidState",
		Message: "Invalid request since instance is not running."}
)

// server holds the state; every request takes mu.
type server struct {
	opts Options

	mu        sync.Mutex
	instances map[string]*instance // by project/name
	deleted   map[string]time.Time // project/name of deleted instances
	ops       map[string]*operation
	opOrder   []string
	backups   map[string]*backup // by project/id, the FINAL backups
	seq       int
}

func (s *server) reset() {
	s.instances = map[string]*instance{}
	s.deleted = map[string]time.Time{}
	s.ops = map[string]*operation{}
	s.opOrder = nil
	s.backups = map[string]*backup{}
}

func key(project, name string) string { return project + "/" + name }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	base := s.opts.BaseURL
	if base == "" {
		base = "http://" + r.Host
	}
	c := &call{s: s, r: r, now: now, base: strings.TrimSuffix(base, "/") + "/v1/"}
	out, err := c.route()
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			writeError(w, ae)
			return
		}
		writeError(w, badRequest("Invalid request: "+err.Error()))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(out)
}

// call is one request.
type call struct {
	s    *server
	r    *http.Request
	now  time.Time
	base string // http://host/v1/
}

func (c *call) q(name string) string { return c.r.URL.Query().Get(name) }

func (c *call) decode(v any) error {
	if err := json.NewDecoder(c.r.Body).Decode(v); err != nil {
		return badRequest("Invalid JSON payload received. " + err.Error())
	}
	return nil
}

// route dispatches v1/projects/{project}/… requests.
func (c *call) route() (any, error) {
	p := strings.Split(strings.Trim(c.r.URL.Path, "/"), "/")
	if len(p) < 3 || p[0] != "v1" || p[1] != "projects" {
		return nil, notFound("Not Found", "notFound")
	}
	project, rest := p[2], p[3:]
	m := c.r.Method
	switch {
	case len(rest) == 1 && rest[0] == "instances":
		switch m {
		case http.MethodGet:
			return c.listInstances(project)
		case http.MethodPost:
			return c.insertInstance(project)
		}
	case len(rest) == 2 && rest[0] == "instances":
		switch m {
		case http.MethodGet:
			return c.getInstance(project, rest[1])
		case http.MethodPatch:
			return c.patchInstance(project, rest[1])
		case http.MethodDelete:
			return c.deleteInstance(project, rest[1])
		}
	case len(rest) == 1 && rest[0] == "operations" && m == http.MethodGet:
		return c.listOperations(project)
	case len(rest) == 2 && rest[0] == "operations" && m == http.MethodGet:
		return c.getOperation(project, rest[1])
	case len(rest) == 1 && rest[0] == "backups" && m == http.MethodGet:
		return c.listBackups(project)
	case len(rest) == 2 && rest[0] == "backups" && m == http.MethodGet:
		return c.getBackup(project, rest[1])
	case len(rest) >= 3 && rest[0] == "instances":
		return c.routeChild(project, rest[1], rest[2:])
	}
	return nil, &apiError{Code: http.StatusNotFound, Status: "NOT_FOUND", Reason: "notFound", Message: "Method " + m + " not found for " + c.r.URL.Path}
}

func (c *call) routeChild(project, inst string, rest []string) (any, error) {
	m := c.r.Method
	switch rest[0] {
	case "databases":
		switch {
		case len(rest) == 1 && m == http.MethodGet:
			return c.listDatabases(project, inst)
		case len(rest) == 1 && m == http.MethodPost:
			return c.insertDatabase(project, inst)
		case len(rest) == 2 && m == http.MethodGet:
			return c.getDatabase(project, inst, rest[1])
		case len(rest) == 2 && (m == http.MethodPatch || m == http.MethodPut):
			return c.patchDatabase(project, inst, rest[1])
		case len(rest) == 2 && m == http.MethodDelete:
			return c.deleteDatabase(project, inst, rest[1])
		}
	case "users":
		switch {
		case len(rest) == 1 && m == http.MethodGet:
			return c.listUsers(project, inst)
		case len(rest) == 1 && m == http.MethodPost:
			return c.insertUser(project, inst)
		case len(rest) == 1 && m == http.MethodPut:
			return c.updateUser(project, inst)
		case len(rest) == 1 && m == http.MethodDelete:
			return c.deleteUser(project, inst)
		case len(rest) == 2 && m == http.MethodGet:
			return c.getUser(project, inst, rest[1])
		}
	case "backupRuns":
		switch {
		case len(rest) == 1 && m == http.MethodGet:
			return c.listBackupRuns(project, inst)
		case len(rest) == 1 && m == http.MethodPost:
			return c.insertBackupRun(project, inst)
		case len(rest) == 2 && m == http.MethodGet:
			return c.getBackupRun(project, inst, rest[1])
		}
	}
	return nil, &apiError{Code: http.StatusNotFound, Status: "NOT_FOUND", Reason: "notFound", Message: "Method " + m + " not found for " + c.r.URL.Path}
}

func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
