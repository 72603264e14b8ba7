package mrsetup

import (
	"context"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// A cloud that throttles says when to come back (ARM's and Google's 429 with
// Retry-After). crossplane-runtime's managed reconciler turns every external
// error into an exponentially backed-off requeue, so a throttled resource
// would either come back too early, adding to the storm, or much too late.
// The external client reports the advised delay with Throttled; the
// controller then requeues after exactly that delay and forgets the error
// backoff, as controller-runtime does for any RequeueAfter.

type throttleKey struct{}

// A throttleSlot carries the longest delay the clouds advised during one
// reconcile.
type throttleSlot struct {
	mu    sync.Mutex
	delay time.Duration
}

// Throttled records that a cloud throttled a call of the reconcile running
// in ctx and advised retrying after d. Outside a reconcile it does nothing.
func Throttled(ctx context.Context, d time.Duration) {
	s, ok := ctx.Value(throttleKey{}).(*throttleSlot)
	if !ok || d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = max(s.delay, d)
}

// throttleAware requeues a reconcile that a cloud throttled after the delay
// the cloud advised.
type throttleAware struct {
	r reconcile.Reconciler
}

func (t throttleAware) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	s := &throttleSlot{}
	res, err := t.r.Reconcile(context.WithValue(ctx, throttleKey{}, s), req)
	s.mu.Lock()
	d := s.delay
	s.mu.Unlock()
	if d == 0 || err != nil {
		return res, err
	}
	if res.RequeueAfter == 0 || res.RequeueAfter > d {
		// A requeue without a delay is the error backoff; a longer one is
		// the poll interval, which a throttled call has not done its work for.
		res.RequeueAfter = d
	}
	res.Requeue = false //nolint:staticcheck // cleared so the queue honours RequeueAfter, not the rate limiter.
	return res, nil
}
