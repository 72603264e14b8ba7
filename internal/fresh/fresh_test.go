package fresh

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// cacheAt stands for an informer's cache that holds cm at resourceVersion rv.
func cacheAt(t *testing.T, rv string) client.Reader {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm", ResourceVersion: rv}}
	return fake.NewClientBuilder().WithObjects(cm).Build()
}

func written(rv string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm", ResourceVersion: rv}}
}

var key = client.ObjectKey{Namespace: "ns", Name: "cm"}

func TestReconcileWaitsForTheCacheToHoldTheLastWrite(t *testing.T) {
	ctx := context.Background()
	calls := 0
	inner := reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
		calls++
		return reconcile.Result{}, nil
	})

	cases := map[string]struct {
		cacheRV   string
		wrote     string
		delivered string // a resourceVersion the informer delivered since
		wantRun   bool
	}{
		"no write":                           {cacheRV: "4", wantRun: true},
		"cache behind the write":             {cacheRV: "4", wrote: "5", wantRun: false},
		"cache holds the write":              {cacheRV: "5", wrote: "5", wantRun: true},
		"another write delivered, not ours":  {cacheRV: "6", wrote: "5", delivered: "6", wantRun: false},
		"ours delivered, then another write": {cacheRV: "6", wrote: "5", delivered: "5", wantRun: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			calls = 0
			f := New(cacheAt(t, tc.cacheRV), &corev1.ConfigMap{})
			if tc.wrote != "" {
				f.wrote(written(tc.wrote))
			}
			if tc.delivered != "" {
				f.seen(written(tc.delivered), false)
			}
			res, err := f.Reconciler(inner).Reconcile(ctx, reconcile.Request{NamespacedName: key})
			if err != nil {
				t.Fatal(err)
			}
			if ran := calls == 1; ran != tc.wantRun {
				t.Fatalf("reconciled: %v, want %v", ran, tc.wantRun)
			}
			if !tc.wantRun && (res.RequeueAfter <= 0 || res.RequeueAfter > freshWait) {
				t.Errorf("a reconcile that waits comes back after %s: want a recheck within %s", res.RequeueAfter, freshWait)
			}
		})
	}
}

func TestWaitEndsWhenTheObjectIsGone(t *testing.T) {
	ctx := context.Background()
	f := New(fake.NewClientBuilder().Build(), &corev1.ConfigMap{})
	f.wrote(written("5"))
	if f.behind(ctx, key) {
		t.Error("waiting for the cache to hold an object that is gone")
	}
}

func TestWritesOfOtherKindsAreNotTracked(t *testing.T) {
	ctx := context.Background()
	f := New(cacheAt(t, "4"), &corev1.ConfigMap{})
	f.wrote(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm", ResourceVersion: "5"}})
	if f.behind(ctx, key) {
		t.Error("a Secret's write made the ConfigMap controller wait")
	}
}

func TestClientRecordsItsWrites(t *testing.T) {
	ctx := context.Background()
	api := fake.NewClientBuilder().WithObjects(written("")).Build()
	// The cache is a copy taken before the write: it is behind.
	stale := &corev1.ConfigMap{}
	if err := api.Get(ctx, key, stale); err != nil {
		t.Fatal(err)
	}
	f := New(fake.NewClientBuilder().WithObjects(stale.DeepCopy()).Build(), &corev1.ConfigMap{})
	c := f.Client(api)
	cm := stale.DeepCopy()
	cm.Data = map[string]string{"k": "v"}
	if err := c.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if !f.behind(ctx, key) {
		t.Fatal("an Update through the client was not recorded")
	}
	f.seen(cm, false)
	if f.behind(ctx, key) {
		t.Error("still waiting after the informer delivered the write")
	}
}
