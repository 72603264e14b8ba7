package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
)

// kube is the harness's own client of the API server.
type kube struct {
	dyn    dynamic.Interface
	disc   discovery.DiscoveryInterface
	mapper meta.RESTMapper
}

func newKube(cfg *rest.Config) (*kube, error) {
	// The harness applies hundreds of objects at once: its own client-side
	// rate limit must not be what the benchmark measures.
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 500, 1000
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &kube{dyn: dyn, disc: disc, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))}, nil
}

func (k *kube) resource(o *unstructured.Unstructured) (dynamic.ResourceInterface, schema.GroupVersionResource, error) {
	gvk := o.GroupVersionKind()
	m, err := k.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, schema.GroupVersionResource{}, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return k.dyn.Resource(m.Resource).Namespace(o.GetNamespace()), m.Resource, nil
	}
	return k.dyn.Resource(m.Resource), m.Resource, nil
}

// create creates o; an object that already exists is left as it is.
func (k *kube) create(ctx context.Context, o *unstructured.Unstructured) error {
	r, _, err := k.resource(o)
	if err != nil {
		return err
	}
	_, err = r.Create(ctx, o, metav1.CreateOptions{FieldManager: "stowage-bench"})
	if kerrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot create %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
	}
	return nil
}

func (k *kube) createAll(ctx context.Context, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		if err := k.create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// managedKinds are the resources of category "managed" (kubectl get
// managed), found by discovery.
func (k *kube) managedKinds() ([]schema.GroupVersionResource, map[schema.GroupVersionResource]string, error) {
	lists, err := k.disc.ServerPreferredResources()
	if err != nil {
		return nil, nil, err
	}
	var out []schema.GroupVersionResource
	kinds := map[schema.GroupVersionResource]string{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if slices.Contains(r.Categories, "managed") {
				gvr := gv.WithResource(r.Name)
				out = append(out, gvr)
				kinds[gvr] = r.Kind
			}
		}
	}
	return out, kinds, nil
}

// countManaged counts the managed resources of every kind, by kind and
// group ("Bucket.s3.aws.stowage.dev").
func (k *kube) countManaged(ctx context.Context) (map[string]int, error) {
	gvrs, kinds, err := k.managedKinds()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, gvr := range gvrs {
		l, err := k.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		if n := len(l.Items); n > 0 {
			out[kinds[gvr]+"."+gvr.Group] = n
		}
	}
	return out, nil
}

// A tracker records, for every object the harness applies, when it was
// applied and when a watch first saw its Ready condition True.
type tracker struct {
	k       *kube
	run     string
	factory dynamicinformer.DynamicSharedInformerFactory
	watched map[schema.GroupVersionResource]bool

	mu      sync.Mutex
	entries map[string]*entry // by resource/namespace/name
}

type entry struct {
	gvr       schema.GroupVersionResource
	kind      string // Kind.group
	namespace string
	name      string
	applied   time.Time
	ready     time.Time
}

func newTracker(k *kube, run string) *tracker {
	f := dynamicinformer.NewFilteredDynamicSharedInformerFactory(k.dyn, 0, metav1.NamespaceAll, func(o *metav1.ListOptions) {
		o.LabelSelector = runLabel + "=" + run
	})
	return &tracker{k: k, run: run, factory: f, watched: map[schema.GroupVersionResource]bool{}, entries: map[string]*entry{}}
}

func key(gvr schema.GroupVersionResource, ns, name string) string {
	return gvr.Resource + "." + gvr.Group + "/" + ns + "/" + name
}

// watch starts an informer on the kinds of objs, once per kind, and waits
// for it to sync, so no Ready transition goes unseen.
func (t *tracker) watch(ctx context.Context, objs []*unstructured.Unstructured) error {
	var started bool
	for _, o := range objs {
		_, gvr, err := t.k.resource(o)
		if err != nil {
			return err
		}
		if t.watched[gvr] {
			continue
		}
		t.watched[gvr] = true
		started = true
		inf := t.factory.ForResource(gvr).Informer()
		seen := func(obj any) {
			u, ok := obj.(*unstructured.Unstructured)
			if !ok || !isReady(u) {
				return
			}
			now := time.Now()
			t.mu.Lock()
			if e := t.entries[key(gvr, u.GetNamespace(), u.GetName())]; e != nil && e.ready.IsZero() {
				e.ready = now
			}
			t.mu.Unlock()
		}
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    seen,
			UpdateFunc: func(_, obj any) { seen(obj) },
		}); err != nil {
			return err
		}
	}
	if started {
		t.factory.Start(ctx.Done())
		for gvr, ok := range t.factory.WaitForCacheSync(ctx.Done()) {
			if !ok {
				return fmt.Errorf("informer for %s did not sync", gvr)
			}
		}
	}
	return nil
}

func isReady(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == "Ready" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// apply creates objs with workers concurrent clients, each object's entry
// recorded before its create is sent.
func (t *tracker) apply(ctx context.Context, objs []*unstructured.Unstructured, workers int) ([]string, error) {
	keys := make([]string, len(objs))
	work := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				o := objs[i]
				r, gvr, err := t.k.resource(o)
				if err == nil {
					keys[i] = key(gvr, o.GetNamespace(), o.GetName())
					t.mu.Lock()
					t.entries[keys[i]] = &entry{gvr: gvr, kind: groupKind(o), namespace: o.GetNamespace(), name: o.GetName(), applied: time.Now()}
					t.mu.Unlock()
					_, err = r.Create(ctx, o, metav1.CreateOptions{FieldManager: "stowage-bench"})
				}
				if err != nil {
					select {
					case errs <- fmt.Errorf("cannot create %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err):
					default:
					}
				}
			}
		}()
	}
feed:
	for i := range objs {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		case err := <-errs:
			close(work)
			wg.Wait()
			return nil, err
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return keys, ctx.Err()
}

// waitReady waits until every entry of keys is Ready, printing progress
// every progress interval, and returns the entries.
func (t *tracker) waitReady(ctx context.Context, keys []string, timeout time.Duration, what string, provider *proc) ([]entry, error) {
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastSay := time.Now()
	for {
		t.mu.Lock()
		ready := 0
		var notReady string
		for _, k := range keys {
			if !t.entries[k].ready.IsZero() {
				ready++
			} else if notReady == "" {
				notReady = k
			}
		}
		t.mu.Unlock()
		if ready == len(keys) {
			break
		}
		if time.Since(lastSay) >= 10*time.Second {
			say("  %s: %d/%d Ready after %s", what, ready, len(keys), time.Since(start).Round(time.Second))
			lastSay = time.Now()
		}
		if provider != nil && provider.exited() {
			return nil, fmt.Errorf("the provider exited\n%s", provider.tail(30))
		}
		if time.Since(start) > timeout {
			return nil, fmt.Errorf("%s: only %d/%d Ready after %s; %s", what, ready, len(keys), timeout, t.describe(notReady))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]entry, len(keys))
	for i, k := range keys {
		out[i] = *t.entries[k]
	}
	return out, nil
}

// describe is key's conditions as the informer last saw them.
func (t *tracker) describe(k string) string {
	t.mu.Lock()
	e := t.entries[k]
	t.mu.Unlock()
	_, ns, _ := strings.Cut(k, "/")
	ns, name, _ := strings.Cut(ns, "/")
	obj, err := t.factory.ForResource(e.gvr).Lister().ByNamespace(ns).Get(name)
	if err != nil {
		return fmt.Sprintf("%s: %v", k, err)
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return k
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var cs []string
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok {
			cs = append(cs, fmt.Sprintf("%v=%v (%v: %v)", m["type"], m["status"], m["reason"], m["message"]))
		}
	}
	return fmt.Sprintf("e.g. %s is not: %s", k, strings.Join(cs, "; "))
}

// apiMetrics scrapes the API server's own metrics, to count the requests
// a phase made of it.
func (k *kube) apiMetrics(ctx context.Context) (scrape, error) {
	raw, err := k.disc.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return scrape{}, fmt.Errorf("cannot read the API server's metrics: %w", err)
	}
	return parseMetrics(bytes.NewReader(raw))
}

// eventsSince counts the Events first recorded at or after since, by the
// kind of object they are about and their reason, counting repeats.
func (k *kube) eventsSince(ctx context.Context, since time.Time) (map[string]float64, error) {
	l, err := k.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "events"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, e := range l.Items {
		first, _, _ := unstructured.NestedString(e.Object, "firstTimestamp")
		if t, err := time.Parse(time.RFC3339, first); err != nil || t.Before(since.Truncate(time.Second)) {
			continue
		}
		kind, _, _ := unstructured.NestedString(e.Object, "involvedObject", "kind")
		reason, _, _ := unstructured.NestedString(e.Object, "reason")
		n, _, _ := unstructured.NestedInt64(e.Object, "count")
		out[kind+"\x00"+reason] += float64(max(n, 1))
	}
	return out, nil
}
