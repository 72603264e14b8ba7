package claims

import (
	"context"
	"time"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
)

const claimsHelp = "Claims by kind, the class they are bound to (empty while unbound), whether they are bound, and their Ready condition (True, False, Unknown)."

var claimsDesc = prometheus.NewDesc("stowage_claims", claimsHelp, []string{"kind", "class", "bound", "ready"}, nil)

// A Collector counts claims on every scrape, listing them from c (the
// manager's client, so from the informer cache the claim controllers
// already keep): nothing to keep in step, and a deleted claim is gone from
// the next scrape. Its labels are bounded: the class is the one the claim
// is bound to, so one a platform team made, never what a claim asked for.
type Collector struct {
	c client.Reader
}

// NewCollector returns a Collector listing claims from c.
func NewCollector(c client.Reader) *Collector { return &Collector{c: c} }

// Describe implements prometheus.Collector.
func (m *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- claimsDesc }

// Collect implements prometheus.Collector.
func (m *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, k := range []kind{databaseKind{}, bucketKind{}} {
		list := k.NewClaimList()
		if err := m.c.List(ctx, list); err != nil {
			ch <- prometheus.NewInvalidMetric(claimsDesc, err)
			continue
		}
		counts := map[[3]string]int{}
		_ = apimeta.EachListItem(list, func(o runtime.Object) error {
			c, ok := o.(claimObject)
			if !ok {
				return nil
			}
			bound := "false"
			class := boundClass(c)
			if class != "" {
				bound = "true"
			}
			ready := string(c.GetCondition(xpv2.TypeReady).Status)
			counts[[3]string{class, bound, ready}]++
			return nil
		})
		for l, n := range counts {
			ch <- prometheus.MustNewConstMetric(claimsDesc, prometheus.GaugeValue, float64(n), k.Kind(), l[0], l[1], l[2])
		}
	}
}

// boundClass is the class a claim was bound to and found, as its status
// records it.
func boundClass(c claimObject) string {
	switch c := c.(type) {
	case *dbv1.DatabaseClaim:
		return c.Status.ClassName
	case *storagev1.BucketClaim:
		return c.Status.ClassName
	}
	return ""
}
