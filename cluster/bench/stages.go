package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

// claimLabel is the label the claim controller puts on every managed
// resource it makes (claims.LabelClaimName).
const claimLabel = "claims.stowage.dev/name"

// stages records when the managed resources of claims first appeared and
// first showed Ready, so a claim's time splits into the claim controller
// making them, the managed resources becoming Ready, and the claim
// following them.
type stages struct {
	factory dynamicinformer.DynamicSharedInformerFactory

	mu      sync.Mutex
	created map[string]time.Time            // namespace/claim → first managed resource seen
	ready   map[string]map[string]time.Time // namespace/claim → managed resource → first Ready
}

// watchStages starts informers on every managed kind, for objects a claim
// made, and waits for them to sync.
func watchStages(ctx context.Context, k *kube) (*stages, error) {
	gvrs, _, err := k.managedKinds()
	if err != nil {
		return nil, err
	}
	s := &stages{
		factory: dynamicinformer.NewFilteredDynamicSharedInformerFactory(k.dyn, 0, metav1.NamespaceAll, func(o *metav1.ListOptions) {
			o.LabelSelector = claimLabel
		}),
		created: map[string]time.Time{},
		ready:   map[string]map[string]time.Time{},
	}
	for _, gvr := range gvrs {
		seen := func(obj any) {
			u, ok := obj.(*unstructured.Unstructured)
			if !ok {
				return
			}
			now := time.Now()
			claim := u.GetNamespace() + "/" + u.GetLabels()[claimLabel]
			mr := gvr.Resource + "." + gvr.Group + "/" + u.GetName()
			s.mu.Lock()
			defer s.mu.Unlock()
			if _, ok := s.created[claim]; !ok {
				s.created[claim] = now
			}
			if !isReady(u) {
				return
			}
			if s.ready[claim] == nil {
				s.ready[claim] = map[string]time.Time{}
			}
			if _, ok := s.ready[claim][mr]; !ok {
				s.ready[claim][mr] = now
			}
		}
		if _, err := s.factory.ForResource(gvr).Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    seen,
			UpdateFunc: func(_, obj any) { seen(obj) },
		}); err != nil {
			return nil, err
		}
	}
	s.factory.Start(ctx.Done())
	for gvr, ok := range s.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return nil, fmt.Errorf("informer for %s did not sync", gvr)
		}
	}
	return s, nil
}

// claimStages is where claims' time went, in seconds: apply → the first
// managed resource created, → the last of them Ready, → the claim Ready.
type claimStages struct {
	Count    int           `json:"count"`
	Made     stageQuantile `json:"appliedToManagedCreated"`
	MRsReady stageQuantile `json:"managedCreatedToManagedReady"`
	Followed stageQuantile `json:"managedReadyToClaimReady"`
	Unsplit  int           `json:"unsplit"`
}

type stageQuantile struct {
	P50 float64 `json:"p50Seconds"`
	P99 float64 `json:"p99Seconds"`
}

func quantiles(xs []float64) stageQuantile {
	sort.Float64s(xs)
	return stageQuantile{P50: quantile(xs, .5), P99: quantile(xs, .99)}
}

// split splits the measured claims' time; a claim whose managed resources
// were not all seen Ready before it is counted as unsplit.
func (s *stages) split(entries []entry) *claimStages {
	s.mu.Lock()
	defer s.mu.Unlock()
	var made, mrs, followed []float64
	out := &claimStages{Count: len(entries)}
	for _, e := range entries {
		claim := e.namespace + "/" + e.name
		created, ok := s.created[claim]
		var last time.Time
		for _, t := range s.ready[claim] {
			if t.After(last) {
				last = t
			}
		}
		if !ok || last.IsZero() || last.After(e.ready) || created.Before(e.applied) {
			out.Unsplit++
			continue
		}
		made = append(made, seconds(created.Sub(e.applied)))
		mrs = append(mrs, seconds(last.Sub(created)))
		followed = append(followed, seconds(e.ready.Sub(last)))
	}
	out.Made, out.MRsReady, out.Followed = quantiles(made), quantiles(mrs), quantiles(followed)
	return out
}
