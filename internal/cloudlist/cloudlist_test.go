package cloudlist

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
)

func TestListerSharesOneListingPerScope(t *testing.T) {
	l := NewLister[int]("Test")
	var calls atomic.Int32
	release := make(chan struct{})
	list := func(context.Context) (map[string]int, error) {
		calls.Add(1)
		<-release
		return map[string]int{"a": 1, "b": 2}, nil
	}
	start := time.Now()
	var wg sync.WaitGroup
	got := make([]int, 20)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, found, err := l.Get(context.Background(), "scope", start.Add(-time.Minute), "b", list)
			if err != nil || !found {
				t.Errorf("Get: found %v, err %v", found, err)
			}
			got[i] = v
		}()
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("20 concurrent Gets made %d list calls, want 1", n)
	}
	for i, v := range got {
		if v != 2 {
			t.Errorf("Get %d = %d, want 2", i, v)
		}
	}
	// A listing taken before notBefore is not served: a resource that just
	// wrote must see a listing taken after its write.
	if _, _, err := l.Get(context.Background(), "scope", time.Now(), "a", list); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("a Get newer than the listing made %d list calls in all, want 2", n)
	}
	// Another scope lists for itself.
	if _, found, _ := l.Get(context.Background(), "other", start.Add(-time.Minute), "c", list); found {
		t.Error("found c, which the listing lacks")
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("another scope: %d list calls in all, want 3", n)
	}
}

func TestListerErrorIsNotCached(t *testing.T) {
	l := NewLister[int]("Test")
	fail := true
	list := func(context.Context) (map[string]int, error) {
		if fail {
			return nil, errors.New("boom")
		}
		return map[string]int{"a": 1}, nil
	}
	if _, _, err := l.Get(context.Background(), "s", time.Time{}, "a", list); err == nil {
		t.Fatal("want the list error")
	}
	fail = false
	if v, found, err := l.Get(context.Background(), "s", time.Time{}, "a", list); err != nil || !found || v != 1 {
		t.Fatalf("after a failed listing: %v %v %v", v, found, err)
	}
}

func TestTracker(t *testing.T) {
	tr := &Tracker{MaxAge: time.Minute, DriftCheck: time.Hour}
	b := &v1alpha1.Bucket{}
	b.SetUID(types.UID("u1"))
	b.Spec.ForProvider.Tags = map[string]string{"a": "b"}

	before := time.Now()
	if nb := tr.NotBefore(b, true); nb.After(before.Add(-time.Minute + time.Second)) {
		t.Errorf("settled, never written: NotBefore %v, want about a minute ago", nb)
	}
	tr.Wrote(b)
	if nb := tr.NotBefore(b, true); nb.Before(before) {
		t.Errorf("after a write: NotBefore %v is before the write", nb)
	}
	// Not settled: a listing at most half a second old.
	if nb := tr.NotBefore(b, false); time.Since(nb) > unsettledAge {
		t.Errorf("unsettled: NotBefore %v is more than %v ago", nb, unsettledAge)
	}

	if !tr.DriftCheckDue(b, b.Spec.ForProvider) {
		t.Error("never verified: drift check not due")
	}
	tr.Verified(b, b.Spec.ForProvider)
	if tr.DriftCheckDue(b, b.Spec.ForProvider) {
		t.Error("just verified: drift check due")
	}
	b.Spec.ForProvider.Tags["a"] = "c"
	if !tr.DriftCheckDue(b, b.Spec.ForProvider) {
		t.Error("spec changed since verified: drift check not due")
	}

	if tr.WasSeen(b) {
		t.Error("seen before Seen")
	}
	tr.Seen(b)
	if !tr.WasSeen(b) {
		t.Error("not seen after Seen")
	}
	tr.Forget(b)
	if tr.WasSeen(b) || tr.Len() != 0 {
		t.Errorf("after Forget: seen %v, %d records", tr.WasSeen(b), tr.Len())
	}
}
