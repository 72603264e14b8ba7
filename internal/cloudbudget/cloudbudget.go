// Package cloudbudget limits the rate of the provider's calls to each cloud
// account, the limit that protects the account, instead of the rate of
// reconciles: a reconcile served from a shared listing (package cloudlist)
// makes no call and costs nothing, and one that makes ten calls costs ten.
//
// A budget is a token bucket per cloud, account and service (an AWS
// account's region and service, an Azure subscription, a Google project's
// API), as the clouds themselves count. Every attempt, retries included,
// takes a token where each cloud's calls are counted (awsclient,
// azureclient, gcpclient). When the cloud throttles a call anyway (another
// client shares the account) the bucket's rate halves, and recovers to the
// configured rate once the throttling stops.
package cloudbudget

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// A Limit is a token bucket's shape: calls a second and calls at once.
type Limit struct {
	Rate  float64
	Burst int
}

// Published are the limits clouds document for one account (an AWS account
// in a region, an Azure subscription), which Stowage keeps to by default.
var Published = map[[2]string]Limit{
	// Amazon RDS: "up to 300 requests in a burst and a sustained 12
	// requests per second" per account and region (RDS User Guide, Request
	// throttling for the Amazon RDS API).
	{"aws", "RDS"}: {Rate: 12, Burst: 300},
	// Azure Resource Manager's token bucket for a subscription's reads in a
	// region: 250 tokens, 25 a second (ARM request limits and throttling).
	// Writes have a smaller one (200, 10 a second) that ARM counts apart.
	{"azure", "arm"}: {Rate: 25, Burst: 250},
}

// Unpublished is the limit of a service whose cloud documents none for
// the calls Stowage makes (S3's bucket configuration calls, Google's
// Cloud SQL Admin and Cloud Storage bucket calls under default quotas):
// ARM's read bucket, the strictest general limit documented above.
var Unpublished = Limit{Rate: 25, Burst: 250}

// recovery is how long after the last throttling a halved rate takes to
// climb back to the configured rate.
const recovery = 30 * time.Second

// A Key names one budget.
type Key struct {
	Cloud   string
	Account string
	Service string
}

var (
	rateGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stowage_cloud_budget_rate",
		Help: "Cloud API calls a second the budget of a cloud account and service allows now: the configured rate, lower while the cloud throttles.",
	}, []string{"cloud", "account", "service"})
	burstGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stowage_cloud_budget_burst",
		Help: "Cloud API calls the budget of a cloud account and service allows at once.",
	}, []string{"cloud", "account", "service"})
	waited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stowage_cloud_budget_wait_seconds_total",
		Help: "Time cloud API calls spent waiting for the budget of their cloud account and service.",
	}, []string{"cloud", "service"})
)

func init() {
	metrics.Registry.MustRegister(rateGauge, burstGauge, waited)
}

// A Budget holds the token bucket of every key it has seen.
type Budget struct {
	// override, when set, is every key's limit; else each service has
	// its published limit, or Unpublished.
	override *Limit

	mu      sync.Mutex
	buckets map[Key]*bucket
}

type bucket struct {
	l    *rate.Limiter
	full float64 // the configured rate

	mu        sync.Mutex
	throttled time.Time // the last throttling, zero if none
	floor     float64   // the rate right after it
}

// New returns a Budget that gives each service its published limit.
func New() *Budget {
	return &Budget{buckets: map[Key]*bucket{}}
}

// NewWithLimit returns a Budget of perSecond calls with burst calls at once
// for every key. A perSecond of zero or less means no limit.
func NewWithLimit(perSecond float64, burst int) *Budget {
	return &Budget{override: &Limit{Rate: perSecond, Burst: max(burst, 1)}, buckets: map[Key]*bucket{}}
}

// limit is k's configured limit.
func (b *Budget) limit(k Key) Limit {
	if b.override != nil {
		return *b.override
	}
	if l, ok := Published[[2]string{k.Cloud, k.Service}]; ok {
		return l
	}
	return Unpublished
}

// off reports whether k has no limit.
func (b *Budget) off(k Key) bool { return b == nil || b.limit(k).Rate <= 0 }

func (b *Budget) bucket(k Key) *bucket {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, ok := b.buckets[k]
	if !ok {
		l := b.limit(k)
		bk = &bucket{l: rate.NewLimiter(rate.Limit(l.Rate), l.Burst), full: l.Rate}
		b.buckets[k] = bk
		rateGauge.WithLabelValues(k.Cloud, k.Account, k.Service).Set(l.Rate)
		burstGauge.WithLabelValues(k.Cloud, k.Account, k.Service).Set(float64(l.Burst))
	}
	return bk
}

// Wait blocks until k's budget allows one more call, or ctx ends.
func (b *Budget) Wait(ctx context.Context, k Key) error {
	if b.off(k) {
		return nil
	}
	bk := b.bucket(k)
	bk.recover(k)
	start := time.Now()
	err := wait(ctx, bk.l)
	if d := time.Since(start); d > time.Millisecond {
		waited.WithLabelValues(k.Cloud, k.Service).Add(d.Seconds())
	}
	if err != nil {
		return fmt.Errorf("no call to %s %s of account %s in this reconcile's time (its cloud API budget is spent; see --cloud-api-rate); retried later: %w", k.Cloud, k.Service, k.Account, err)
	}
	return nil
}

// answerTime is how long a call that had to wait for its budget must still
// have before its context's deadline when it goes (or half the time left
// when it started waiting, if that is less). A call sent with no time left
// is acted on by the cloud but reported as failed here: creating 2,000 RDS
// instances at once, each waiting behind the others' calls until its
// reconcile's minute was nearly up, half the creates the cloud made were
// ones the provider believed had failed.
const answerTime = 10 * time.Second

// wait takes a token of l, waiting for one when there is none, unless the
// wait would leave the call too little of ctx's time to be answered.
func wait(ctx context.Context, l *rate.Limiter) error {
	r := l.Reserve()
	if !r.OK() {
		return fmt.Errorf("the budget allows no call at all (burst 0)")
	}
	d := r.Delay()
	if d == 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if d > left-min(answerTime, left/2) {
			r.Cancel()
			return fmt.Errorf("the next call slot is in %s, too late for the %s left", d.Round(time.Millisecond), left.Round(time.Millisecond))
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// Throttled tells k's budget that the cloud throttled a call: its rate
// halves, down to a sixteenth of the configured rate.
func (b *Budget) Throttled(k Key) {
	if b.off(k) {
		return
	}
	bk := b.bucket(k)
	bk.mu.Lock()
	defer bk.mu.Unlock()
	r := max(float64(bk.l.Limit())/2, bk.full/16)
	bk.l.SetLimit(rate.Limit(r))
	bk.throttled, bk.floor = time.Now(), r
	rateGauge.WithLabelValues(k.Cloud, k.Account, k.Service).Set(r)
}

// recover raises a throttled bucket's rate linearly back to full over the
// recovery period after its last throttling.
func (bk *bucket) recover(k Key) {
	full := bk.full
	bk.mu.Lock()
	defer bk.mu.Unlock()
	if bk.throttled.IsZero() {
		return
	}
	since := time.Since(bk.throttled)
	r := full
	if since < recovery {
		r = bk.floor + (full-bk.floor)*float64(since)/float64(recovery)
	} else {
		bk.throttled = time.Time{}
	}
	if rate.Limit(r) != bk.l.Limit() {
		bk.l.SetLimit(rate.Limit(r))
		rateGauge.WithLabelValues(k.Cloud, k.Account, k.Service).Set(r)
	}
}

// Spare reports whether k's budget has at least half its burst unused:
// enough that work which can wait, such as a drift check, may spend some
// without holding up what users asked for.
func (b *Budget) Spare(k Key) bool {
	if b.off(k) {
		return true
	}
	bk := b.bucket(k)
	return bk.l.Tokens() >= float64(bk.l.Burst())/2
}

// Limit is k's current rate in calls a second, and its burst.
func (b *Budget) Limit(k Key) (float64, int) {
	if b.off(k) {
		return 0, 0
	}
	bk := b.bucket(k)
	return float64(bk.l.Limit()), bk.l.Burst()
}

// Default is the provider's budget, shared by every cloud client: each
// service's published limit unless the provider's flags set one for all
// (Override), before any controller starts.
var Default = New()

// Override makes Default one limit for every key. A perSecond of zero or
// less means no limit.
func Override(perSecond float64, burst int) { Default = NewWithLimit(perSecond, burst) }
