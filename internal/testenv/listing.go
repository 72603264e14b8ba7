package testenv

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A ListingCheck is how a test shows a kind is observed from shared
// listings: K resources of the kind in one scope (a resource group, a
// parent) polled in steady state cost about one list call a poll between
// them and no per-object reads; a change made behind the provider's back is
// still reverted; an object deleted behind its back is confirmed gone with
// a GET and made again.
type ListingCheck struct {
	Counter *CallCounter
	// Poll is the provider's poll interval.
	Poll time.Duration
	// Timeout of each wait.
	Timeout time.Duration
	// ListPath is the path of the scope's list call.
	ListPath string
	// ObjectPaths are the paths of the K resources' objects.
	ObjectPaths []string
	// Drift changes the first object behind the provider's back, in a way
	// the listing shows and the provider reverts with a PATCH.
	Drift func(context.Context) error
	// DeleteBehind deletes the second object behind the provider's back
	// (nil to skip).
	DeleteBehind func(context.Context) error
	// Before is how many calls a poll the K resources made before shared
	// listings, for the log; K (a GET each) when zero.
	Before int
	// PageSize, when set, is the local ARM's list page size: each listing
	// must follow nextLink through every page.
	PageSize int
	// Recreate is the method that makes an object again (PUT when empty).
	Recreate string
}

// Steady is what a steady-state window measured.
type Steady struct {
	Polls float64
	// Lists are listings taken (first pages); NextPages the pages after
	// the first that those listings followed through nextLink.
	Lists, NextPages, Gets, Writes int
	// Others are the other reads of the objects or what is under them
	// (a storage account's listKeys, say).
	Others int
}

func (s Steady) String() string {
	return fmt.Sprintf("%d list calls (+%d next pages) over %.1f polls (%.2f a poll for all), %d per-object GETs, %d other per-object reads, %d writes", s.Lists, s.NextPages, s.Polls, float64(s.Lists)/s.Polls, s.Gets, s.Others, s.Writes)
}

// isList is the first page of a listing of the scope.
func (lc ListingCheck) isList(c Call) bool {
	return c.Method == http.MethodGet && strings.EqualFold(c.Path, lc.ListPath) && !isNextPage(c)
}

func isNextPage(c Call) bool { return strings.Contains(c.Query, "skiptoken") }

func (lc ListingCheck) isObject(c Call, i int) bool {
	return strings.EqualFold(c.Path, lc.ObjectPaths[i])
}

// Measure watches lists more list calls of the scope and reports what the
// provider called meanwhile.
func (lc ListingCheck) Measure(ctx context.Context, t *testing.T, lists int) Steady {
	t.Helper()
	start := time.Now()
	calls, err := lc.Counter.WaitFor(ctx, lc.Timeout, len(lc.Counter.Calls()), lists, lc.isList)
	if err != nil {
		t.Fatalf("listings of %s: %v", lc.ListPath, err)
	}
	s := Steady{Polls: float64(time.Since(start)) / float64(lc.Poll)}
	for _, c := range calls {
		switch {
		case c.Write():
			s.Writes++
		case lc.isList(c):
			s.Lists++
		case c.Method == http.MethodGet && strings.EqualFold(c.Path, lc.ListPath):
			s.NextPages++
		default:
			for i, p := range lc.ObjectPaths {
				switch {
				case c.Method == http.MethodGet && lc.isObject(c, i):
					s.Gets++
				case strings.HasPrefix(strings.ToLower(c.Path), strings.ToLower(p)+"/"):
					s.Others++
				}
			}
		}
	}
	return s
}

// Run checks steady state, drift and a delete behind the provider's back.
func (lc ListingCheck) Run(ctx context.Context, t *testing.T) {
	t.Helper()
	k := len(lc.ObjectPaths)
	s := lc.Measure(ctx, t, 8)
	if lc.PageSize > 0 && s.NextPages < s.Lists*((k+lc.PageSize-1)/lc.PageSize-1) {
		t.Errorf("steady state: %s; want every listing to follow nextLink through %d pages", s, (k+lc.PageSize-1)/lc.PageSize)
	}
	before := lc.Before
	if before == 0 {
		before = k
	}
	t.Logf("%d resources in one scope, steady state: %s; before shared listings: %d calls a poll", k, s, before)
	if s.Gets != 0 || s.Others != 0 || s.Writes != 0 {
		t.Errorf("steady state: %s; want no per-object reads and no writes", s)
	}
	// Half a poll is the oldest listing served: at most two a poll,
	// whatever K.
	if per := float64(s.Lists) / s.Polls; per > 2.5 {
		t.Errorf("steady state: %s; want about one list call a poll for all %d resources (two at most)", s, k)
	}

	if lc.Drift != nil {
		if err := lc.Drift(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := lc.Counter.WaitFor(ctx, lc.Timeout, len(lc.Counter.Calls()), 1, func(c Call) bool {
			return c.Method == http.MethodPatch && lc.isObject(c, 0)
		}); err != nil {
			t.Fatalf("a change behind the provider's back was not reverted: %v", err)
		}
	}

	if lc.DeleteBehind != nil {
		if err := lc.DeleteBehind(ctx); err != nil {
			t.Fatal(err)
		}
		method := lc.Recreate
		if method == "" {
			method = http.MethodPut
		}
		mark := len(lc.Counter.Calls())
		calls, err := lc.Counter.WaitFor(ctx, lc.Timeout, mark, 1, func(c Call) bool { return c.Method == method && lc.isObject(c, 1) })
		if err != nil {
			t.Fatalf("an object deleted behind the provider's back was not made again: %v", err)
		}
		confirmed := false
		for _, c := range calls {
			if c.Method == method && lc.isObject(c, 1) {
				break
			}
			if c.Method == http.MethodGet && lc.isObject(c, 1) {
				confirmed = true
			}
		}
		if !confirmed {
			t.Error("an object missing from the listing was made again without a GET confirming it gone")
		}
	}
}
