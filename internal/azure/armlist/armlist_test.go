package armlist

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
)

var notFound = &azcore.ResponseError{StatusCode: http.StatusNotFound, ErrorCode: "ResourceNotFound"}

// fakeCloud counts the list and get calls of one scope.
type fakeCloud struct {
	lists, gets atomic.Int32
	mu          sync.Mutex
	objects     map[string]string
	listErr     error
}

func (c *fakeCloud) source(name string, existed bool) Source[string] {
	return Source[string]{
		Scope: "sub/rg", Name: name, Existed: existed,
		List: func(context.Context) (map[string]string, error) {
			c.lists.Add(1)
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.listErr != nil {
				return nil, c.listErr
			}
			out := map[string]string{}
			for k, v := range c.objects {
				out[k] = v
			}
			return out, nil
		},
		Get: func(context.Context) (string, error) {
			c.gets.Add(1)
			c.mu.Lock()
			defer c.mu.Unlock()
			if v, ok := c.objects[name]; ok {
				return v, nil
			}
			return "", notFound
		},
	}
}

func resourceNamed(name string, created, ready bool) *v1alpha1.ResourceGroup {
	g := &v1alpha1.ResourceGroup{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name)}}
	if created {
		meta.SetExternalCreateSucceeded(g, time.Now())
	}
	if ready {
		g.SetConditions(xpv2.Available())
	}
	return g
}

func TestObserve(t *testing.T) {
	ctx := context.Background()

	t.Run("SharedListing", func(t *testing.T) {
		// Ten Ready resources in one scope: one list call, no GETs.
		c := &fakeCloud{objects: map[string]string{}}
		o := New[string]("test", time.Minute)
		for i := range 10 {
			c.objects[string(rune('a'+i))] = "v"
		}
		for i := range 10 {
			n := string(rune('a' + i))
			v, found, err := o.Observe(ctx, resourceNamed(n, true, true), c.source(n, true))
			if err != nil || !found || v != "v" {
				t.Fatalf("%s: %q %v %v", n, v, found, err)
			}
		}
		if l, g := c.lists.Load(), c.gets.Load(); l != 1 || g != 0 {
			t.Errorf("lists %d, gets %d: want 1, 0", l, g)
		}
	})

	t.Run("AfterWrite", func(t *testing.T) {
		// A resource's write makes its next observation list again.
		c := &fakeCloud{objects: map[string]string{"a": "old"}}
		o := New[string]("test", time.Minute)
		mg := resourceNamed("a", true, true)
		if _, _, err := o.Observe(ctx, mg, c.source("a", true)); err != nil {
			t.Fatal(err)
		}
		c.objects["a"] = "new"
		o.Wrote(mg)
		v, _, _ := o.Observe(ctx, mg, c.source("a", true))
		if v != "new" || c.lists.Load() != 2 {
			t.Errorf("after a write: %q from %d listings; want new from 2", v, c.lists.Load())
		}
	})

	t.Run("NotReadyListsEachPoll", func(t *testing.T) {
		c := &fakeCloud{objects: map[string]string{"a": "creating"}}
		o := New[string]("test", time.Minute)
		mg := resourceNamed("a", true, false)
		for range 3 {
			if _, _, err := o.Observe(ctx, mg, c.source("a", false)); err != nil {
				t.Fatal(err)
			}
		}
		if c.lists.Load() != 3 {
			t.Errorf("%d listings for 3 polls of a resource not Ready, want 3", c.lists.Load())
		}
		// Others not Ready share a listing taken after their previous
		// observations.
		others := []*v1alpha1.ResourceGroup{resourceNamed("b", true, false), resourceNamed("c", true, false)}
		for _, mg := range others {
			if _, _, err := o.Observe(ctx, mg, c.source(mg.Name, false)); err != nil {
				t.Fatal(err)
			}
		}
		if c.lists.Load() != 3 {
			t.Errorf("%d listings after two more resources' first polls, want still 3", c.lists.Load())
		}
	})

	t.Run("MissingButSeen", func(t *testing.T) {
		// Gone from the listing after it was seen: confirmed by a GET.
		c := &fakeCloud{objects: map[string]string{"a": "v"}}
		o := New[string]("test", time.Minute)
		mg := resourceNamed("a", true, true)
		if _, found, _ := o.Observe(ctx, mg, c.source("a", false)); !found {
			t.Fatal("not found")
		}
		delete(c.objects, "a")
		o.Lister.Invalidate("sub/rg")
		_, found, err := o.Observe(ctx, mg, c.source("a", false))
		if found || err != nil || c.gets.Load() != 1 {
			t.Errorf("found %v, err %v, gets %d: want gone, confirmed by 1 GET", found, err, c.gets.Load())
		}
	})

	t.Run("MissingNeverCreated", func(t *testing.T) {
		// Not created by the provider (an import): a GET before a create.
		c := &fakeCloud{objects: map[string]string{}}
		o := New[string]("test", time.Minute)
		if _, _, err := o.Observe(ctx, resourceNamed("imp", false, false), c.source("imp", false)); err != nil {
			t.Fatal(err)
		}
		if c.gets.Load() != 1 {
			t.Errorf("gets %d, want 1", c.gets.Load())
		}
	})

	t.Run("CreatedNotShown", func(t *testing.T) {
		// Created and never seen: the listing taken after the create is
		// believed.
		c := &fakeCloud{objects: map[string]string{}}
		o := New[string]("test", time.Minute)
		mg := resourceNamed("new", true, false)
		o.Wrote(mg)
		if _, found, err := o.Observe(ctx, mg, c.source("new", false)); found || err != nil || c.gets.Load() != 0 {
			t.Errorf("found %v, err %v, gets %d: want not shown, no GET", found, err, c.gets.Load())
		}
	})

	t.Run("Deleting", func(t *testing.T) {
		c := &fakeCloud{objects: map[string]string{"a": "v"}}
		o := New[string]("test", time.Minute)
		mg := resourceNamed("a", true, true)
		mg.SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
		if _, found, _ := o.Observe(ctx, mg, c.source("a", true)); !found || c.gets.Load() != 1 || c.lists.Load() != 0 {
			t.Errorf("being deleted: gets %d, lists %d; want read alone", c.gets.Load(), c.lists.Load())
		}
		delete(c.objects, "a")
		if _, found, _ := o.Observe(ctx, mg, c.source("a", true)); found || o.Tracker.Len() != 0 {
			t.Errorf("deleted: found %v, tracked %d; want gone and forgotten", found, o.Tracker.Len())
		}
	})

	t.Run("ScopeGone", func(t *testing.T) {
		// The group is gone: the GET answers for the object.
		c := &fakeCloud{objects: map[string]string{}, listErr: &azcore.ResponseError{StatusCode: http.StatusNotFound, ErrorCode: "ResourceGroupNotFound"}}
		o := New[string]("test", time.Minute)
		_, found, err := o.Observe(ctx, resourceNamed("a", true, true), c.source("a", true))
		if found || err != nil || c.gets.Load() != 1 {
			t.Errorf("found %v, err %v, gets %d: want gone by a GET", found, err, c.gets.Load())
		}
	})

	t.Run("ListFails", func(t *testing.T) {
		boom := errors.New("boom")
		c := &fakeCloud{objects: map[string]string{}, listErr: boom}
		o := New[string]("test", time.Minute)
		if _, _, err := o.Observe(ctx, resourceNamed("a", true, true), c.source("a", true)); !errors.Is(err, boom) {
			t.Errorf("err %v, want the listing's", err)
		}
	})
}
