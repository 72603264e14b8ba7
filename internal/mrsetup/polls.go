package mrsetup

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Routine polls must not hold up what users ask for, nor arrive all at once.
//
//   - A poll is queued at low priority (controller-runtime's priority
//     queue), so a create, edit or delete, which arrives as a watch event at
//     normal priority, is reconciled first however many polls are due.
//   - A reconcile that asks to come back at once (after a create) comes
//     back at high priority, so work started is finished before new work
//     starts.
//   - Each poll comes back after the poll interval less up to a tenth, so a
//     thousand resources created together do not poll together forever,
//     and none is observed less often than the poll interval asks.

// inFlightPriority is the priority of a resource's next reconcile while
// one of its operations is under way: above a new event's (0).
const inFlightPriority = 10

// pollJitter is the share of the poll interval a poll may come early by.
const pollJitter = 0.1

// jitteredPoll is the managed reconciler's poll interval hook. A resource
// that is not Ready (being created, modified, restarted) is polled sooner:
// a tenth of the time it has been so, from a second up to the poll
// interval, so an object the cloud makes in seconds is Ready in seconds and
// one that takes ten minutes is looked at every minute, not every second.
// Kinds observed from shared listings make these early polls cheap.
func jitteredPoll(mg resource.Managed, poll time.Duration) time.Duration {
	if c := mg.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
		since := mg.GetCreationTimestamp().Time
		if !c.LastTransitionTime.IsZero() {
			since = c.LastTransitionTime.Time
		}
		poll = min(poll, max(time.Second, time.Since(since)/10))
	}
	return poll - time.Duration(rand.Float64()*pollJitter*float64(poll))
}

// pollIntervals is the time between two polls of the same resource: the
// achieved poll interval, which is longer than the configured one when the
// provider cannot keep pace.
var pollIntervals = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name: "stowage_poll_interval_seconds",
	Help: "Time from the end of a reconcile that scheduled a poll to the start of that poll, by managed resource kind: the achieved poll interval.",
	// Set from the poll interval by recordPolls; these fit the default 1m.
	Buckets: []float64{30, 48, 54, 57, 60, 63, 66, 75, 90, 120, 180, 300},
}, []string{"kind"})

var registerPolls sync.Once

// SetPollBuckets sizes the poll interval histogram's buckets to poll. The
// provider calls it once, before any controller starts.
func SetPollBuckets(poll time.Duration) {
	s := poll.Seconds()
	b := make([]float64, 0, 12)
	for _, f := range []float64{0.5, 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2, 3, 5} {
		b = append(b, f*s)
	}
	pollIntervals = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "stowage_poll_interval_seconds", Help: "Time from the end of a reconcile that scheduled a poll to the start of that poll, by managed resource kind: the achieved poll interval.",
		Buckets: b,
	}, []string{"kind"})
}

// polls wraps a managed reconciler: it lowers the priority of the polls it
// schedules and records how far apart they come.
type polls struct {
	r    reconcile.Reconciler
	kind string
	poll time.Duration

	mu        sync.Mutex
	scheduled map[types.NamespacedName]time.Time
}

func newPolls(r reconcile.Reconciler, kind string, poll time.Duration) *polls {
	registerPolls.Do(func() { _ = metrics.Registry.Register(pollIntervals) })
	return &polls{r: r, kind: kind, poll: poll, scheduled: map[types.NamespacedName]time.Time{}}
}

func (p *polls) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	p.mu.Lock()
	if t, ok := p.scheduled[req.NamespacedName]; ok {
		delete(p.scheduled, req.NamespacedName)
		// Only a reconcile that came at its poll's time counts; one a watch
		// event brought early says nothing about keeping pace.
		if since := time.Since(t); since >= p.poll/2 {
			pollIntervals.WithLabelValues(p.kind).Observe(since.Seconds())
		}
	}
	p.mu.Unlock()

	res, err := p.r.Reconcile(ctx, req)
	if err == nil && res.Requeue && res.RequeueAfter == 0 { //nolint:staticcheck // the managed reconciler still uses Requeue.
		// Work under way (a create just sent, its annotations written)
		// comes back ahead of work not started yet: a thousand resources
		// applied together become Ready one by one, not all at the end.
		res.Priority = ptr.To(inFlightPriority)
		return res, nil
	}
	if err != nil || !p.isPoll(res) {
		return res, err
	}
	p.mu.Lock()
	p.scheduled[req.NamespacedName] = time.Now()
	p.mu.Unlock()
	res.Priority = ptr.To(handler.LowPriority)
	return res, nil
}

// isPoll reports whether res schedules a routine poll rather than a retry
// or a short wait for the cloud to finish something.
func (p *polls) isPoll(res reconcile.Result) bool {
	return p.poll > 0 && res.RequeueAfter >= time.Duration((1-pollJitter)*float64(p.poll))-time.Second
}
