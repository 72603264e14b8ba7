package arm

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A Resource is one ARM resource the server holds. Providers fill in what
// their type carries; the store moves its provisioning state over time and
// removes it (and every resource nested under its ID) when a delete ends.
type Resource struct {
	// ID is the full ARM ID, in the case it was created with.
	ID       string
	Name     string
	Type     string
	Location string
	Tags     map[string]string
	// Top holds the other top-level fields of the type (kind, sku, etag…).
	Top map[string]any
	// Props is the properties object; provisioningState lives here.
	Props map[string]any
	// Secret holds what the API never shows in the resource's body (an
	// account's keys).
	Secret map[string]any
	// StateField is the property the state machine moves:
	// provisioningState when empty (flexible servers report state).
	StateField string

	steps  []step
	goneAt time.Time
}

type step struct {
	at    time.Time
	state string
}

// State is the resource's provisioningState (or its StateField).
func (r *Resource) State() string {
	s, _ := r.Props[r.stateField()].(string)
	return s
}

func (r *Resource) stateField() string {
	if r.StateField != "" {
		return r.StateField
	}
	return "provisioningState"
}

// Deleting reports whether a delete of the resource is under way.
func (r *Resource) Deleting() bool { return !r.goneAt.IsZero() }

// Moves sets the provisioning state to first now and to each of then in
// turn, spread evenly until done.
func (r *Resource) Moves(now, done time.Time, first string, then ...string) {
	r.Props["provisioningState"] = first
	r.steps = nil
	for i, s := range then {
		r.steps = append(r.steps, step{at: now.Add(done.Sub(now) * time.Duration(i+1) / time.Duration(len(then))), state: s})
	}
}

// MarshalJSON renders the resource as ARM does.
func (r *Resource) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	maps.Copy(m, r.Top)
	m["id"] = r.ID
	m["name"] = r.Name
	m["type"] = r.Type
	if r.Location != "" {
		m["location"] = r.Location
	}
	if r.Tags != nil {
		m["tags"] = r.Tags
	}
	if r.Props != nil {
		m["properties"] = r.Props
	}
	return json.Marshal(m)
}

// Get returns the resource with id, or nil.
func (s *Server) Get(id string) *Resource { return s.resources[strings.ToLower(id)] }

// Put stores r under its ID.
func (s *Server) Put(r *Resource) { s.resources[strings.ToLower(r.ID)] = r }

// Children returns the resources directly or indirectly under id whose type
// is typ (any type when typ is empty).
func (s *Server) Children(id, typ string) []*Resource {
	prefix := strings.ToLower(id) + "/"
	var out []*Resource
	for k, r := range s.resources {
		if strings.HasPrefix(k, prefix) && (typ == "" || strings.EqualFold(r.Type, typ)) {
			out = append(out, r)
		}
	}
	return out
}

// Find returns every resource of type typ named name, anywhere: the way to
// check a globally unique name.
func (s *Server) Find(typ, name string) []*Resource {
	var out []*Resource
	for _, r := range s.resources {
		if strings.EqualFold(r.Type, typ) && strings.EqualFold(r.Name, name) {
			out = append(out, r)
		}
	}
	return out
}

// Reserved reports whether a global name was reserved with Reserve.
func (s *Server) Reserved(typ, name string) bool {
	return s.reserved[strings.ToLower(typ)][strings.ToLower(name)]
}

// Remove deletes the resource with id and everything nested under it now.
func (s *Server) Remove(id string) {
	k := strings.ToLower(id)
	delete(s.resources, k)
	for key := range s.resources {
		if strings.HasPrefix(key, k+"/") {
			delete(s.resources, key)
		}
	}
}

// RemoveAt marks the resource as being deleted (provisioningState Deleting)
// and removes it, with what is nested under it, at t.
func (s *Server) RemoveAt(r *Resource, t time.Time) {
	r.Props["provisioningState"] = "Deleting"
	r.steps = nil
	r.goneAt = t
}

// Delay is the configured provisioning delay.
func (s *Server) Delay() time.Duration { return s.opts.ProvisioningDelay }

// advance applies every state change due by now.
func (s *Server) advance(now time.Time) {
	for k, r := range s.resources {
		if !r.goneAt.IsZero() && !now.Before(r.goneAt) {
			s.Remove(r.ID)
			_ = k
			continue
		}
		for len(r.steps) > 0 && !now.Before(r.steps[0].at) {
			r.Props[r.stateField()] = r.steps[0].state
			r.steps = r.steps[1:]
		}
	}
}

// An operation is a long-running operation's status resource.
type operation struct {
	id       string
	started  time.Time
	done     time.Time
	failure  *Error
	method   string
	resource string // ARM ID the operation works on
}

// Operation kinds: how the client follows a long-running operation.
const (
	// AsyncOperation: the Azure-AsyncOperation header, a status resource
	// answering {"status": "InProgress"|"Succeeded"|"Failed"}.
	AsyncOperation = "asyncoperations"
	// OperationResult: the Location header, answering 202 until done,
	// then the result (200 with the resource after a PUT, 200 or 204
	// after a DELETE).
	OperationResult = "operationresults"
)

// StartOperation records a long-running operation on resource that ends at
// done and returns its ID. Point the client at its status with
// OperationURL in an Azure-AsyncOperation or Location header, and set
// RetryAfter.
func (s *Server) StartOperation(req *Request, resource string, done time.Time) string {
	op := &operation{id: newUUID(), started: req.Now, done: done, method: req.Method, resource: resource}
	s.ops[op.id] = op
	return op.id
}

// OperationURL is the absolute URL of operation id's status resource of kind
// (AsyncOperation or OperationResult) under statusPath, where the provider
// serves them (/subscriptions/{sub}/providers/{namespace}/locations/{loc},
// or /subscriptions/{sub} for Microsoft.Resources).
func OperationURL(req *Request, statusPath, kind, id string) string {
	return req.BaseURL + strings.TrimRight(statusPath, "/") + "/" + kind + "/" + id + "?api-version=" + req.APIVersion
}

// RetryAfter sets the Retry-After header ARM sends with an operation that
// ends at done, in whole seconds.
func RetryAfter(w http.ResponseWriter, req *Request, done time.Time) {
	w.Header().Set("Retry-After", retryAfter(done.Sub(req.Now)))
}

// FailOperation makes a recorded operation end in failure.
func (s *Server) FailOperation(id string, e Error) {
	if op := s.ops[id]; op != nil {
		op.failure = &e
	}
}

func retryAfter(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	return strconv.Itoa(max(1, min(secs, 60)))
}

// registerOperations serves the status resources of every provider's
// long-running operations:
// /subscriptions/{sub}/providers/{ns}/locations/{loc}/asyncoperations/{id},
// the same with operationresults, and Microsoft.Resources' own
// /subscriptions/{sub}/operationresults/{id}.
func registerOperations(s *Server) {
	for _, kind := range []string{AsyncOperation, OperationResult} {
		s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/{ns}/locations/{loc}/"+kind+"/{id}", nil, s.operationStatus(kind))
	}
	s.Handle(http.MethodGet, "/subscriptions/{sub}/operationresults/{id}", nil, s.operationStatus(OperationResult))
}

func (s *Server) operationStatus(kind string) Handler {
	return func(w http.ResponseWriter, req *Request) {
		op := s.ops[req.Param("id")]
		if op == nil {
			WriteError(w, http.StatusNotFound, "ResourceNotFound", "The operation '"+req.Param("id")+"' was not found.")
			return
		}
		// ?monitor=true is how the storage provider's Location points at
		// its asyncoperations resource; it answers as an operation result.
		if kind == AsyncOperation && req.URL.Query().Get("monitor") != "true" {
			body := map[string]any{"id": req.URL.Path, "name": op.id, "startTime": op.started.UTC().Format(time.RFC3339Nano)}
			switch {
			case req.Now.Before(op.done):
				body["status"] = "InProgress"
				w.Header().Set("Retry-After", retryAfter(op.done.Sub(req.Now)))
			case op.failure != nil:
				body["status"] = "Failed"
				body["error"] = op.failure
				body["endTime"] = op.done.UTC().Format(time.RFC3339Nano)
			default:
				body["status"] = "Succeeded"
				body["endTime"] = op.done.UTC().Format(time.RFC3339Nano)
			}
			WriteJSON(w, http.StatusOK, body)
			return
		}
		switch {
		case req.Now.Before(op.done):
			w.Header().Set("Location", req.BaseURL+req.URL.RequestURI())
			w.Header().Set("Retry-After", retryAfter(op.done.Sub(req.Now)))
			w.WriteHeader(http.StatusAccepted)
		case op.failure != nil:
			WriteJSON(w, http.StatusBadRequest, map[string]*Error{"error": op.failure})
		case op.method == http.MethodDelete:
			w.WriteHeader(http.StatusOK)
		default:
			r := s.Get(op.resource)
			if r == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			WriteJSON(w, http.StatusOK, r)
		}
	}
}
