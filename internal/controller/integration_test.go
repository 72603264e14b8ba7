package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	rgv1 "github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	stowage "github.com/stowage-dev/stowage/internal/controller"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	timeout = 90 * time.Second
)

var (
	harness *testenv.Harness
	moto    *testenv.Moto
	azure   *testenv.Azure
)

// TestMain runs every Stowage controller, as the provider does, against
// moto and the local ARM.
func TestMain(m *testing.M) {
	moto, azure = &testenv.Moto{}, &testenv.Azure{}
	h, err := testenv.StartHarness(poll, stowage.Setup, moto, azure)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness = h
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

// namespace makes a namespace for one test with the ProviderConfigs
// "default" of AWS and Azure, each through its cloud's call counter.
func namespace(t *testing.T) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	c := harness.Env.Client
	ns, err := harness.Env.Namespace(ctx, "obs")
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.AWSProviderConfig(ctx, c, ns, "default", harness.Clouds["aws"].Counter.URL); err != nil {
		t.Fatal(err)
	}
	if err := testenv.AzureProviderConfig(ctx, c, ns, "default", harness.Clouds["azure"].Counter.URL); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}

func newBucket(ns, name string, p s3v1.BucketParameters) *s3v1.Bucket {
	b := &s3v1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: s3v1.BucketSpec{ForProvider: p}}
	b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return b
}

func newGroup(ns, name string, p rgv1.ResourceGroupParameters) *rgv1.ResourceGroup {
	g := &rgv1.ResourceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: rgv1.ResourceGroupSpec{ForProvider: p}}
	g.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return g
}

func waitReady(ctx context.Context, t *testing.T, o testenv.Conditioned) {
	t.Helper()
	for _, c := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
		if _, err := testenv.WaitForCondition(ctx, harness.Env.Client, o, c, corev1.ConditionTrue, timeout); err != nil {
			t.Fatal(err)
		}
	}
}

// throttleFirstGroupPUT makes the local ARM refuse the first PUT of a
// resource group with a 429, as Azure does when a subscription's write
// limit is reached.
func throttleFirstGroupPUT() *atomic.Int32 {
	var n atomic.Int32
	azure.Faults.Set(fault.Faults{Throttle: 1, RetryAfter: time.Second, Match: func(r *http.Request) bool {
		if r.Method != http.MethodPut || !strings.Contains(strings.ToLower(r.URL.Path), "/resourcegroups/") {
			return false
		}
		return n.Add(1) == 1
	}})
	return &n
}

// A series is one metric's labels and value (a histogram's sample count).
type series map[string]string

// gather returns every metric on controller-runtime's registry, the one
// the provider serves, by family name.
func gather(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		m[f.GetName()] = f
	}
	return m
}

// value sums the series of family name whose labels include want: counter
// and gauge values, histogram sample counts. ok is false when none match.
func value(fams map[string]*dto.MetricFamily, name string, want series) (v float64, ok bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, w := range want {
			if have[k] != w {
				continue next
			}
		}
		ok = true
		switch {
		case m.Counter != nil:
			v += m.GetCounter().GetValue()
		case m.Gauge != nil:
			v += m.GetGauge().GetValue()
		case m.Histogram != nil:
			v += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return v, ok
}

// grown waits until every check's metric has grown by at least its
// minimum since base was gathered: the registry is the process's, so it
// holds what earlier tests (and earlier runs, with -count) recorded.
func grown(ctx context.Context, t *testing.T, base map[string]*dto.MetricFamily, checks map[string]struct {
	name string
	l    series
	min  float64
}) {
	t.Helper()
	if err := testenv.Eventually(ctx, timeout, func() error {
		fams := gather(t)
		var missing []string
		for what, c := range checks {
			v, _ := value(fams, c.name, c.l)
			b, _ := value(base, c.name, c.l)
			if v-b < c.min {
				missing = append(missing, fmt.Sprintf("%s: %s %v grew by %v, want at least %v", what, c.name, c.l, v-b, c.min))
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			return fmt.Errorf("%s", strings.Join(missing, "\n"))
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// TestMetrics drives a bucket on moto and a resource group on the local ARM
// (its first PUT throttled) to Ready, and an unbound claim, and checks what
// the metrics endpoint then shows.
func TestMetrics(t *testing.T) {
	ctx, ns := namespace(t)
	c := harness.Env.Client
	base := gather(t)
	throttled := throttleFirstGroupPUT()
	t.Cleanup(azure.Faults.Clear)

	// S3 and resource group names are global. The two differ as well:
	// crossplane-runtime's MRMetricRecorder keys its first-time-to-readiness
	// bookkeeping by metadata.name alone, across kinds and namespaces.
	b := newBucket(ns, "bucket-"+ns, s3v1.BucketParameters{})
	g := newGroup(ns, "group-"+ns, rgv1.ResourceGroupParameters{Location: ptr.To("westeurope")})
	claim := &storagev1.BucketClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unbound"}}
	claim.Spec.WriteConnectionSecretToRef.Name = "unbound-bucket"
	for _, o := range []client.Object{b, g, claim} {
		if err := c.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(ctx, t, b)
	waitReady(ctx, t, g)
	if throttled.Load() == 0 {
		t.Fatal("the local ARM throttled no resource group PUT")
	}

	bucketGVK := s3v1.BucketGroupVersionKind.String()
	groupGVK := rgv1.ResourceGroupGroupVersionKind.String()
	type check = struct {
		name string
		l    series
		min  float64
	}
	grown(ctx, t, base, map[string]check{
		"S3 bucket created":          {"stowage_cloud_api_requests_total", series{"cloud": "aws", "service": "S3", "operation": "CreateBucket", "outcome": "success"}, 1},
		"S3 bucket observed":         {"stowage_cloud_api_requests_total", series{"cloud": "aws", "service": "S3", "operation": "HeadBucket"}, 1},
		"S3 call latency":            {"stowage_cloud_api_request_duration_seconds", series{"cloud": "aws", "service": "S3", "operation": "CreateBucket"}, 1},
		"ARM PUT throttled":          {"stowage_cloud_api_requests_total", series{"cloud": "azure", "service": "Microsoft.Resources", "operation": "PUT resourceGroups", "outcome": "throttled"}, 1},
		"ARM PUT retried":            {"stowage_cloud_api_requests_total", series{"cloud": "azure", "service": "Microsoft.Resources", "operation": "PUT resourceGroups", "outcome": "success"}, 1},
		"ARM call latency":           {"stowage_cloud_api_request_duration_seconds", series{"cloud": "azure", "service": "Microsoft.Resources", "operation": "PUT resourceGroups"}, 2},
		"bucket first time to ready": {"crossplane_managed_resource_first_time_to_readiness_seconds", series{"gvk": bucketGVK}, 1},
		"group first time to ready":  {"crossplane_managed_resource_first_time_to_readiness_seconds", series{"gvk": groupGVK}, 1},
		"bucket reconciles timed":    {"controller_runtime_reconcile_time_seconds", series{"controller": "managed/bucket.s3.aws.stowage.dev"}, 1},
		"group reconciles timed":     {"controller_runtime_reconcile_time_seconds", series{"controller": "managed/resourcegroup.resources.azure.stowage.dev"}, 1},
		"claim reconciles timed":     {"controller_runtime_reconcile_time_seconds", series{"controller": "claims/bucketclaim"}, 1},
		"unbound claim counted":      {"stowage_claims", series{"kind": "BucketClaim", "class": "", "bound": "false"}, 1},
		"bucket work queued":         {"workqueue_adds_total", series{"name": "managed/bucket.s3.aws.stowage.dev"}, 1},
	})

	// The state recorders count what exists in the whole cluster: other
	// tests of this package may have made more, never fewer.
	if err := testenv.Eventually(ctx, timeout, func() error {
		fams := gather(t)
		var errs []string
		for _, gvk := range []string{bucketGVK, groupGVK} {
			var got []float64
			for _, n := range []string{"crossplane_managed_resource_exists", "crossplane_managed_resource_ready", "crossplane_managed_resource_synced"} {
				v, _ := value(fams, n, series{"gvk": gvk})
				got = append(got, v)
			}
			want := countReadySynced(ctx, t, gvk)
			if diff := cmp.Diff(want, got); diff != "" {
				errs = append(errs, fmt.Sprintf("%s exists, ready, synced: -want (API server), +got (metrics):\n%s", gvk, diff))
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s", strings.Join(errs, "\n"))
		}
		return nil
	}); err != nil {
		t.Error(err)
	}

	// Every Stowage controller reports to controller-runtime's metrics.
	fams := gather(t)
	for _, name := range controllerNames(t) {
		if _, ok := value(fams, "controller_runtime_reconcile_total", series{"controller": name}); !ok {
			t.Errorf("no controller_runtime_reconcile_total for controller %s", name)
		}
	}

	t.Run("DashboardQueriesExportedMetrics", func(t *testing.T) {
		checkDashboard(t, gather(t))
	})
}

// checkDashboard checks every metric the Grafana dashboard's queries name
// is one the provider exports (fams, gathered after a workload), so a
// renamed metric cannot leave a panel silently empty.
func checkDashboard(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	b, err := os.ReadFile("../../cluster/grafana/stowage.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Templating struct {
			List []struct{ Name, Type string }
		}
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	hasDatasource := false
	for _, v := range d.Templating.List {
		hasDatasource = hasDatasource || (v.Name == "datasource" && v.Type == "datasource")
	}
	if !hasDatasource {
		t.Error("the dashboard has no datasource template variable")
	}
	seen := map[string]bool{}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			names := metricNames(tg.Expr)
			if len(names) == 0 {
				t.Errorf("panel %q: no metric in %q", p.Title, tg.Expr)
			}
			for _, n := range names {
				seen[n] = true
				if !exported(fams, n) {
					t.Errorf("panel %q queries %s, which the provider does not export", p.Title, n)
				}
			}
		}
	}
	if len(seen) < 8 {
		t.Errorf("the dashboard queries only %d metrics: %v", len(seen), seen)
	}
}

var (
	// Parts of a PromQL expression that name no metric: label matchers,
	// grouping clauses, range selectors and Grafana variables.
	notMetrics = regexp.MustCompile(`\{[^}]*\}|\b(by|without|on|ignoring)\s*\([^)]*\)|\[[^\]]*\]|\$\{?\w+\}?`)
	identifier = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(?`)
)

// metricNames are the metrics a PromQL expression selects: the identifiers
// left once label matchers and clauses are gone that are not functions or
// operators.
func metricNames(expr string) []string {
	var names []string
	for _, id := range identifier.FindAllString(notMetrics.ReplaceAllString(expr, " "), -1) {
		id = strings.TrimSpace(id)
		if strings.HasSuffix(id, "(") {
			continue // a function or aggregation
		}
		switch id {
		case "and", "or", "unless", "bool", "offset":
			continue
		}
		names = append(names, id)
	}
	return names
}

// exported reports whether the registry has metric n; a histogram's
// _bucket, _count and _sum series count as its family.
func exported(fams map[string]*dto.MetricFamily, n string) bool {
	if fams[n] != nil {
		return true
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if f := fams[strings.TrimSuffix(n, suffix)]; strings.HasSuffix(n, suffix) && f != nil && f.GetType() == dto.MetricType_HISTOGRAM {
			return true
		}
	}
	return false
}

// countReadySynced counts the managed resources of gvk that exist, are
// Ready and are Synced, as the API server has them.
func countReadySynced(ctx context.Context, t *testing.T, gvk string) []float64 {
	t.Helper()
	var l resource.ManagedList
	switch gvk {
	case s3v1.BucketGroupVersionKind.String():
		l = &s3v1.BucketList{}
	case rgv1.ResourceGroupGroupVersionKind.String():
		l = &rgv1.ResourceGroupList{}
	}
	if err := harness.Env.Client.List(ctx, l); err != nil {
		t.Fatal(err)
	}
	var exists, ready, synced float64
	for _, mg := range l.GetItems() {
		exists++
		if mg.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue {
			ready++
		}
		if mg.GetCondition(xpv2.TypeSynced).Status == corev1.ConditionTrue {
			synced++
		}
	}
	return []float64{exists, ready, synced}
}

// controllerNames are the controllers the provider must run: one for every
// managed resource kind in the scheme (as crossplane-runtime names them) and
// one per claim kind.
func controllerNames(t *testing.T) []string {
	t.Helper()
	names := []string{"claims/databaseclaim", "claims/bucketclaim"}
	for gvk := range harness.Env.Scheme.AllKnownTypes() {
		if !strings.HasSuffix(gvk.Group, "stowage.dev") || strings.HasSuffix(gvk.Kind, "List") {
			continue
		}
		o, err := harness.Env.Scheme.New(gvk)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := o.(resource.Managed); ok {
			names = append(names, managed.ControllerName(gvk.GroupKind().String()))
		}
	}
	sort.Strings(names)
	if len(names) < 17 {
		t.Fatalf("found only %d controllers to check: %v", len(names), names)
	}
	return names
}

// TestUpdateEventNamesTheDifference changes a resource behind the provider's
// back on each cloud and checks the event of the update that reverts it
// says which field differed and how.
func TestUpdateEventNamesTheDifference(t *testing.T) {
	ctx, ns := namespace(t)
	c := harness.Env.Client

	t.Run("AWS", func(t *testing.T) {
		b := newBucket(ns, "drift-bucket-"+ns, s3v1.BucketParameters{Versioning: ptr.To(s3v1.VersioningEnabled)})
		if err := c.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		waitReady(ctx, t, b)
		name := meta.GetExternalName(b)
		if _, err := (&testenv.AWSHarness{Moto: moto}).S3().PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &name,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
			t.Fatal(err)
		}
		if _, err := testenv.WaitForEvent(ctx, c, b, "UpdateExternalResource", "spec.forProvider.versioning: want Enabled, S3 has Suspended", timeout); err != nil {
			t.Error(err)
		}
	})

	t.Run("Azure", func(t *testing.T) {
		g := newGroup(ns, "drift-group-"+ns, rgv1.ResourceGroupParameters{Location: ptr.To("westeurope"), Tags: map[string]string{"team": "shop"}})
		if err := c.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		waitReady(ctx, t, g)
		if _, err := azure.ResourceGroups().Update(ctx, meta.GetExternalName(g), armresources.ResourceGroupPatchable{Tags: map[string]*string{"team": ptr.To("other")}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := testenv.WaitForEvent(ctx, c, g, "UpdateExternalResource", "spec.forProvider.tags: want {team=shop}, Azure has {team=other}", timeout); err != nil {
			t.Error(err)
		}
	})
}

func TestMetricNames(t *testing.T) {
	cases := map[string]struct {
		expr string
		want []string
	}{
		"Rate":      {`sum by (cloud, outcome) (rate(stowage_cloud_api_requests_total{outcome="throttled"}[$__rate_interval]))`, []string{"stowage_cloud_api_requests_total"}},
		"Quantile":  {`histogram_quantile(0.99, sum by (le, controller) (rate(controller_runtime_reconcile_time_seconds_bucket[5m])))`, []string{"controller_runtime_reconcile_time_seconds_bucket"}},
		"Binary":    {`sum by (gvk) (crossplane_managed_resource_exists) - sum by (gvk) (crossplane_managed_resource_ready)`, []string{"crossplane_managed_resource_exists", "crossplane_managed_resource_ready"}},
		"Bare":      {`workqueue_depth`, []string{"workqueue_depth"}},
		"Variables": {`stowage_claims{kind=~"${kind}"} and on (kind) stowage_claims`, []string{"stowage_claims", "stowage_claims"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, metricNames(tc.expr)); diff != "" {
				t.Errorf("metricNames(%q): -want, +got:\n%s", tc.expr, diff)
			}
		})
	}
}
