// Package fault is the part every local cloud shares: HTTP middleware that
// counts the requests a local cloud serves and injects the faults real clouds
// produce (throttling with a Retry-After, server errors, latency), each
// answered in the cloud's own error format. Tests set faults in process; the
// local-clouds command exposes the same switch over HTTP for the sandbox and
// the benchmarks.
package fault

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// A Responder writes a cloud's own error responses.
type Responder interface {
	// Throttled answers a request the cloud refuses for its rate limits,
	// advising a retry after retryAfter (already set as the Retry-After
	// header).
	Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)
	// ServerError answers a request the cloud failed internally.
	ServerError(w http.ResponseWriter, r *http.Request)
}

// Faults are injected into the requests Match selects.
type Faults struct {
	// Throttle is the fraction of requests (0 to 1) answered as throttled.
	Throttle float64 `json:"throttle,omitempty"`
	// RetryAfter advised with a throttled answer; 1 s when zero.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
	// ServerError is the fraction of requests answered with a server error.
	ServerError float64 `json:"serverError,omitempty"`
	// Latency added before every selected request is served.
	Latency time.Duration `json:"latency,omitempty"`
	// Match selects the requests faults apply to; nil selects all.
	Match func(*http.Request) bool `json:"-"`
}

// Stats count what an Injector served.
type Stats struct {
	Requests     int `json:"requests"`
	Throttled    int `json:"throttled"`
	ServerErrors int `json:"serverErrors"`
}

// An Injector counts requests and injects faults in front of a local cloud.
type Injector struct {
	next http.Handler
	resp Responder

	mu     sync.Mutex
	faults Faults
	stats  Stats
	rand   *rand.Rand
}

// New returns an Injector in front of next, answering faults with resp.
func New(next http.Handler, resp Responder) *Injector {
	return &Injector{next: next, resp: resp, rand: rand.New(rand.NewPCG(1, 2))}
}

// Set replaces the faults injected from now on.
func (i *Injector) Set(f Faults) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.faults = f
}

// Clear stops injecting faults.
func (i *Injector) Clear() { i.Set(Faults{}) }

// Stats returns what the Injector served so far.
func (i *Injector) Stats() Stats {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stats
}

type outcome int

const (
	serve outcome = iota
	throttle
	fail
)

func (i *Injector) decide(r *http.Request) (outcome, Faults) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.stats.Requests++
	f := i.faults
	if f.Match != nil && !f.Match(r) {
		return serve, Faults{}
	}
	switch p := i.rand.Float64(); {
	case p < f.Throttle:
		i.stats.Throttled++
		return throttle, f
	case p < f.Throttle+f.ServerError:
		i.stats.ServerErrors++
		return fail, f
	}
	return serve, f
}

func (i *Injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o, f := i.decide(r)
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	switch o {
	case throttle:
		after := f.RetryAfter
		if after <= 0 {
			after = time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((after+time.Second-1)/time.Second)))
		i.resp.Throttled(w, r, after)
	case fail:
		i.resp.ServerError(w, r)
	default:
		i.next.ServeHTTP(w, r)
	}
}

// ControlHandler serves the Injector's switch for processes outside the
// local cloud's own: GET returns the Stats, PUT sets Faults from a JSON body
// (durations in nanoseconds, as encoding/json writes time.Duration), DELETE
// clears them.
func (i *Injector) ControlHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(i.Stats())
		case http.MethodPut:
			var f Faults
			if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
				http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
				return
			}
			i.Set(f)
			w.WriteHeader(http.StatusNoContent)
		case http.MethodDelete:
			i.Clear()
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", "GET, PUT, DELETE")
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
}
