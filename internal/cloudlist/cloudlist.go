// Package cloudlist serves managed resources' observations from shared
// listings of the cloud, so watching what exists costs one list call per
// account and poll instead of one or more reads per resource and poll.
//
// A Lister keeps, per scope (an AWS account and region, an Azure resource
// group, a Google project), the last listing of one kind of object. A
// resource's Observe asks for its object from a listing taken after a time
// the resource chooses (Tracker.NotBefore): after its own last write, so it
// always sees what it did, and within the poll interval. A listing older
// than that is taken again, once, for every resource waiting on it.
//
// An object a listing does not hold is not taken as gone on the listing's
// word when the resource has seen it before: the caller reads it directly
// (Tracker.Seen). Writes are never batched or delayed.
package cloudlist

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	listings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stowage_cloud_listings_total",
		Help: "Shared listings of the cloud taken to serve managed resources' observations, by kind.",
	}, []string{"kind"})
	served = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stowage_cloud_listing_observations_total",
		Help: "Managed resource observations served from a shared listing, by kind.",
	}, []string{"kind"})
	driftChecks = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "stowage_drift_check_interval_seconds",
		Help:    "Time between two per-object reads of the settings no listing returns, of a resource whose spec did not change, by kind: the achieved drift check interval.",
		Buckets: []float64{60, 300, 540, 600, 660, 900, 1200, 1800, 3600, 7200},
	}, []string{"kind"})
)

func init() {
	metrics.Registry.MustRegister(listings, served, driftChecks)
}

// A ListFunc lists every object of one kind in one scope, following every
// page, keyed by the name a managed resource knows its object by.
type ListFunc[T any] func(ctx context.Context) (map[string]T, error)

// A Lister holds the last listing of each scope of one kind of object.
type Lister[T any] struct {
	kind string

	mu     sync.Mutex
	scopes map[string]*scope[T]
}

// NewLister returns a Lister of the objects of kind (as metrics name it).
func NewLister[T any](kind string) *Lister[T] {
	return &Lister[T]{kind: kind, scopes: map[string]*scope[T]{}}
}

type scope[T any] struct {
	// turn is held by the one caller listing; the others wait on it and
	// then find the listing it took.
	turn chan struct{}

	mu    sync.Mutex
	taken time.Time
	items map[string]T
}

func (l *Lister[T]) scope(key string) *scope[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.scopes[key]
	if !ok {
		s = &scope[T]{turn: make(chan struct{}, 1)}
		l.scopes[key] = s
	}
	return s
}

// Get returns the object named name from a listing of scope key taken
// after notBefore, and whether the listing holds it. When the listing held
// is older, list takes a new one; callers that wait meanwhile share it.
func (l *Lister[T]) Get(ctx context.Context, key string, notBefore time.Time, name string, list ListFunc[T]) (T, bool, error) {
	s := l.scope(key)
	var none T
	if item, found, ok := s.lookup(notBefore, name); ok {
		served.WithLabelValues(l.kind).Inc()
		return item, found, nil
	}
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return none, false, ctx.Err()
	}
	defer func() { <-s.turn }()
	// Another caller may have listed while this one waited.
	if item, found, ok := s.lookup(notBefore, name); ok {
		served.WithLabelValues(l.kind).Inc()
		return item, found, nil
	}
	// Taken as of before the call: what changed during it may be missing.
	taken := time.Now()
	items, err := list(ctx)
	if err != nil {
		return none, false, err
	}
	listings.WithLabelValues(l.kind).Inc()
	s.mu.Lock()
	s.taken, s.items = taken, items
	s.mu.Unlock()
	served.WithLabelValues(l.kind).Inc()
	item, found := items[name]
	return item, found, nil
}

// lookup answers from the listing held if it was taken after notBefore.
func (s *scope[T]) lookup(notBefore time.Time, name string) (item T, found, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil || !s.taken.After(notBefore) {
		return item, false, false
	}
	item, found = s.items[name]
	return item, found, true
}

// Invalidate drops scope key's listing, so the next Get lists again.
func (l *Lister[T]) Invalidate(key string) {
	s := l.scope(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = nil
}
