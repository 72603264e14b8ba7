package mrsetup

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

type reconcileFunc func(context.Context, reconcile.Request) (reconcile.Result, error)

func (f reconcileFunc) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	return f(ctx, req)
}

func TestThrottleAware(t *testing.T) {
	cases := map[string]struct {
		reason   string
		throttle []time.Duration
		result   reconcile.Result
		err      error
		want     reconcile.Result
		wantErr  bool
	}{
		"NotThrottled": {
			reason: "A reconcile no cloud throttled keeps its result.",
			result: reconcile.Result{RequeueAfter: time.Minute},
			want:   reconcile.Result{RequeueAfter: time.Minute},
		},
		"ErrorBackoffReplaced": {
			reason:   "A throttled reconcile that would back off as an error comes back after the advised delay instead.",
			throttle: []time.Duration{7 * time.Second},
			result:   reconcile.Result{Requeue: true},
			want:     reconcile.Result{RequeueAfter: 7 * time.Second},
		},
		"LongestAdvice": {
			reason:   "Of several throttled calls, the longest advice wins.",
			throttle: []time.Duration{2 * time.Second, 9 * time.Second, 4 * time.Second},
			result:   reconcile.Result{Requeue: true},
			want:     reconcile.Result{RequeueAfter: 9 * time.Second},
		},
		"PollShortened": {
			reason:   "A throttled reconcile scheduled for the next poll comes back when the cloud allows, since its work is not done.",
			throttle: []time.Duration{3 * time.Second},
			result:   reconcile.Result{RequeueAfter: time.Minute},
			want:     reconcile.Result{RequeueAfter: 3 * time.Second},
		},
		"SoonerKept": {
			reason:   "A requeue already sooner than the advice is kept.",
			throttle: []time.Duration{30 * time.Second},
			result:   reconcile.Result{RequeueAfter: time.Second},
			want:     reconcile.Result{RequeueAfter: time.Second},
		},
		"Error": {
			reason:   "A reconcile that returns an error is left to the controller's error handling.",
			throttle: []time.Duration{3 * time.Second},
			err:      errors.New("boom"),
			want:     reconcile.Result{},
			wantErr:  true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := throttleAware{r: reconcileFunc(func(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
				for _, d := range tc.throttle {
					Throttled(ctx, d)
				}
				return tc.result, tc.err
			})}
			got, err := r.Reconcile(context.Background(), reconcile.Request{})
			if (err != nil) != tc.wantErr {
				t.Errorf("%s\nerror: want %v, got %v", tc.reason, tc.wantErr, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestThrottledOutsideReconcile(t *testing.T) {
	// Must not panic: external clients may run outside a controller (tests).
	Throttled(context.Background(), time.Second)
}
