package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

const (
	requestsMetric = "stowage_cloud_api_requests_total"
	durationMetric = "stowage_cloud_api_request_duration_seconds"
)

// report holds every figure the harness prints; --json writes it as is.
type report struct {
	Machine     machineInfo `json:"machine"`
	Scenario    string      `json:"scenario"`
	Workload    string      `json:"workload"`
	ProviderCmd string      `json:"providerCommand"`
	// ProviderDefaults are the provider's flag defaults (from --help).
	ProviderDefaults string `json:"providerDefaults"`
	Started          string `json:"started"`

	Objects         int           `json:"objects"`
	AllReadySeconds float64       `json:"allReadySeconds"`
	Latency         []kindLatency `json:"readyLatency"`
	// Stages splits the claims' time (scenario claims).
	Stages *claimStages `json:"claimStages,omitempty"`

	CreateCalls []opCount   `json:"createCloudCalls"`
	CreateWork  []ctrlWork  `json:"createReconciles"`
	Budget      budgetBound `json:"budget"`
	CreateUsage []procUsage `json:"createUsage"`
	// CreateAPI is what the measured phase asked of the API server, the
	// harness's own creates and watches included.
	CreateAPI []apiCount `json:"createAPIRequests"`
	// CreateEvents are the Events recorded while applying, by kind and
	// reason.
	CreateEvents []eventCount `json:"createEvents"`
	Steady       *steadyState `json:"steadyState,omitempty"`
}

type machineInfo struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpuModel"`
	MemoryMiB int64  `json:"memoryMiB"`
	LoadAvg   string `json:"loadAverageAtStart"`
	GoVersion string `json:"goVersion"`
	Commit    string `json:"commit"`
}

// kindLatency is apply → Ready of one kind (or "all").
type kindLatency struct {
	Kind  string  `json:"kind"`
	Count int     `json:"count"`
	P50   float64 `json:"p50Seconds"`
	P90   float64 `json:"p90Seconds"`
	P99   float64 `json:"p99Seconds"`
	Max   float64 `json:"maxSeconds"`
}

type opCount struct {
	Cloud     string  `json:"cloud"`
	Service   string  `json:"service"`
	Operation string  `json:"operation"`
	Write     bool    `json:"write"`
	Requests  float64 `json:"requests"`
	Failed    float64 `json:"failed"` // any outcome but success
	// MeanSeconds is the calls' mean duration, retries included.
	MeanSeconds float64 `json:"meanSeconds"`
	// PerResourceMinute: requests per managed resource of its cloud and
	// minute of the window (steady state only).
	PerResourceMinute float64 `json:"perResourceMinute,omitempty"`
}

// ctrlWork is what one controller did in a phase: where the provider
// spent its time.
type ctrlWork struct {
	Controller   string  `json:"controller"`
	Reconciles   float64 `json:"reconciles"`
	Errors       float64 `json:"errors"`
	ReconcileP50 num     `json:"reconcileP50Seconds"`
	ReconcileP99 num     `json:"reconcileP99Seconds"`
	QueueWaitP99 num     `json:"queueWaitP99Seconds"`
}

// controllerWork is every controller's reconciles between a and b, with
// their latency and how long work waited in the controller's queue.
func controllerWork(a, b scrape) []ctrlWork {
	n := delta(a, b, "controller_runtime_reconcile_total", labelKey("controller"))
	errs := delta(a, b, "controller_runtime_reconcile_errors_total", labelKey("controller"))
	lat := histogramDelta(a, b, "controller_runtime_reconcile_time_seconds", "controller")
	wait := histogramDelta(a, b, "workqueue_queue_duration_seconds", "name")
	var out []ctrlWork
	for _, c := range slices.Sorted(maps.Keys(n)) {
		w := ctrlWork{Controller: c, Reconciles: n[c], Errors: errs[c], ReconcileP50: num(math.NaN()), ReconcileP99: num(math.NaN()), QueueWaitP99: num(math.NaN())}
		if h := lat[c]; h != nil {
			w.ReconcileP50, w.ReconcileP99 = num(h.quantile(.5)), num(h.quantile(.99))
		}
		if h := wait[c]; h != nil {
			w.QueueWaitP99 = num(h.quantile(.99))
		}
		out = append(out, w)
	}
	return out
}

func printWork(p func(string, ...any), title string, ws []ctrlWork) {
	p("%s", title)
	// controller-runtime's buckets grow tenfold from 1 ms: a quantile past
	// 1 s is only "between 1 and 10 s".
	p("controller\treconciles\terrors\treconcile p50 s\tp99 s\tqueue wait p99 s (decade buckets)")
	for _, w := range ws {
		p("%s\t%.0f\t%.0f\t%s\t%s\t%s", w.Controller, w.Reconciles, w.Errors, f3(float64(w.ReconcileP50)), f3(float64(w.ReconcileP99)), f3(float64(w.QueueWaitP99)))
	}
}

func f3(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return f1(x)
	}
	return fmt.Sprintf("%.3f", x)
}

type budgetBound struct {
	Exported bool        `json:"exported"`
	Metrics  []string    `json:"metrics,omitempty"`
	Keys     []budgetKey `json:"keys,omitempty"`
	// BoundSeconds is the least time the budgets allow for the calls the
	// measured phase made; Ratio is the measured time to all Ready over it.
	BoundSeconds float64 `json:"boundSeconds"`
	Ratio        float64 `json:"ratio,omitempty"`
}

type budgetKey struct {
	Labels     map[string]string `json:"labels"`
	Rate       float64           `json:"rate"`
	Burst      float64           `json:"burst"`
	Calls      float64           `json:"calls"`
	MinSeconds float64           `json:"minSeconds"`
	// WaitSeconds is the time calls spent waiting for this budget
	// (stowage_cloud_budget_wait_seconds_total), summed over the calls.
	WaitSeconds float64 `json:"waitSeconds"`
}

type procUsage struct {
	Name    string  `json:"name"`
	RSSMiB  float64 `json:"rssMiB"`
	PeakMiB float64 `json:"peakRssMiB"`
	// AnonMiB is the private part of RSS (RssAnon): RSS less the pages of
	// the executable and other files, which are shared and reclaimable.
	AnonMiB float64 `json:"anonRssMiB"`
	Cores   float64 `json:"cpuCores"`
}

type steadyState struct {
	WindowSeconds float64        `json:"windowSeconds"`
	Resources     map[string]int `json:"resources"` // by kind
	Clouds        []cloudRate    `json:"clouds"`
	Requests      []opCount      `json:"requests"`
	Poll          []pollKind     `json:"pollInterval"`
	Work          []ctrlWork     `json:"reconciles"`
	Intervals     []intervals    `json:"intervalHistograms"`
	Usage         []procUsage    `json:"usage"`
	// GoMemory is the provider's own account of its memory at the end of
	// the window (go_memstats_*), to tell what its anonymous RSS holds.
	GoMemory *goMemory `json:"providerGoMemory,omitempty"`
}

// goMemory is the Go runtime's memory, in MiB.
type goMemory struct {
	HeapInUse  float64 `json:"heapInUseMiB"`
	HeapIdle   float64 `json:"heapIdleNotReleasedMiB"`
	Stacks     float64 `json:"stacksMiB"`
	Runtime    float64 `json:"runtimeMiB"` // spans, GC metadata, caches, other
	Goroutines float64 `json:"goroutines"`
}

// goMemoryOf reads go_memstats_* from a scrape of the provider.
func goMemoryOf(s scrape) *goMemory {
	v := func(name string) float64 { return s.sum(name, nil)[""] / (1 << 20) }
	if !s.has("go_memstats_heap_inuse_bytes") {
		return nil
	}
	return &goMemory{
		HeapInUse: v("go_memstats_heap_inuse_bytes"),
		HeapIdle:  v("go_memstats_heap_idle_bytes") - v("go_memstats_heap_released_bytes"),
		Stacks:    v("go_memstats_stack_sys_bytes"),
		Runtime: v("go_memstats_mspan_sys_bytes") + v("go_memstats_mcache_sys_bytes") + v("go_memstats_buck_hash_sys_bytes") +
			v("go_memstats_gc_sys_bytes") + v("go_memstats_other_sys_bytes"),
		Goroutines: v("go_goroutines") * (1 << 20),
	}
}

type cloudRate struct {
	Cloud     string  `json:"cloud"`
	Resources int     `json:"resources"`
	Reads     float64 `json:"readsPerResourceMinute"`
	Writes    float64 `json:"writesPerResourceMinute"`
	Failed    float64 `json:"failedRequests"`
}

// pollKind is the poll interval a kind achieved: its resources over its
// reconciles per second.
type pollKind struct {
	Kind            string  `json:"kind"`
	Resources       int     `json:"resources"`
	Reconciles      float64 `json:"reconciles"`
	IntervalSeconds num     `json:"intervalSeconds"` // +Inf (null): none in the window
}

// intervals is one of the provider's interval histograms by kind over the
// window, or a note saying why there is none.
type intervals struct {
	Metric string     `json:"metric"`
	Note   string     `json:"note,omitempty"`
	Kinds  []pollHist `json:"kinds,omitempty"`
}

// intervalMetrics are the histograms of achieved intervals the provider
// may export: between polls, and between per-object drift reads.
var intervalMetrics = []string{"stowage_poll_interval_seconds", "stowage_drift_check_interval_seconds"}

func intervalsOf(a, b scrape, metric string) intervals {
	iv := intervals{Metric: metric}
	if !b.has(metric + "_bucket") {
		iv.Note = "not exported by the provider (or nothing observed yet)"
		return iv
	}
	hs := histogramDelta(a, b, metric, "kind")
	for _, k := range slices.Sorted(maps.Keys(hs)) {
		h := hs[k]
		iv.Kinds = append(iv.Kinds, pollHist{Kind: k, Observations: h.total(), P50: num(h.quantile(.5)), P99: num(h.quantile(.99)), MaxBucket: num(h.maxBucket())})
	}
	if len(iv.Kinds) == 0 {
		iv.Note = "no observations in the window"
	}
	return iv
}

type pollHist struct {
	Kind         string  `json:"kind"`
	Observations float64 `json:"observations"`
	P50          num     `json:"p50Seconds"`
	P99          num     `json:"p99Seconds"`
	MaxBucket    num     `json:"maxBucketSeconds"` // +Inf (null): past the last bound
}

// num is a float that JSON writes as null when it is infinite or NaN.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

func machine(root string) machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kib int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kib); err == nil {
			m.MemoryMiB = kib / 1024
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	git := exec.Command("git", "describe", "--always", "--dirty")
	git.Dir = root
	if out, err := git.Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	return m
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// quantile is the nearest-rank q-quantile of sorted xs.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func latencyOf(kind string, xs []float64) kindLatency {
	sort.Float64s(xs)
	return kindLatency{Kind: kind, Count: len(xs), P50: quantile(xs, .5), P90: quantile(xs, .9), P99: quantile(xs, .99), Max: xs[len(xs)-1]}
}

// ready records the latencies of the measured objects and the time from
// the first create to the last Ready.
func (r *report) ready(entries []entry) {
	r.Objects = len(entries)
	first, last := entries[0].applied, entries[0].ready
	byKind := map[string][]float64{}
	var all []float64
	for _, e := range entries {
		if e.applied.Before(first) {
			first = e.applied
		}
		if e.ready.After(last) {
			last = e.ready
		}
		d := seconds(e.ready.Sub(e.applied))
		byKind[e.kind] = append(byKind[e.kind], d)
		all = append(all, d)
	}
	r.AllReadySeconds = seconds(last.Sub(first))
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		r.Latency = append(r.Latency, latencyOf(k, byKind[k]))
	}
	if len(kinds) > 1 {
		r.Latency = append(r.Latency, latencyOf("all", all))
	}
}

// isWrite classifies a call by its operation label. AWS labels are SDK
// operation names (HeadBucket, CreateDBInstance): only Describe, List, Get
// and Head read. Azure and Google labels start with the HTTP method
// ("GET servers", "POST storageAccounts/listKeys"): GET and HEAD read, and
// so does an ARM POST to a list action.
func isWrite(cloud, op string) bool {
	if cloud == "aws" {
		for _, p := range []string{"Describe", "List", "Get", "Head"} {
			if strings.HasPrefix(op, p) {
				return false
			}
		}
		return true
	}
	method, path, _ := strings.Cut(op, " ")
	switch method {
	case "GET", "HEAD":
		return false
	case "POST":
		last := path[strings.LastIndex(path, "/")+1:]
		return !strings.HasPrefix(strings.ToLower(last), "list")
	}
	return true
}

// cloudCalls is the requests made between a and b by operation.
func cloudCalls(a, b scrape) []opCount {
	all := delta(a, b, requestsMetric, labelKey("cloud", "service", "operation"))
	failed := delta(a, b, requestsMetric, func(l map[string]string) string {
		if l["outcome"] == "success" {
			return ""
		}
		return labelKey("cloud", "service", "operation")(l)
	})
	durSum := delta(a, b, durationMetric+"_sum", labelKey("cloud", "service", "operation"))
	durCount := delta(a, b, durationMetric+"_count", labelKey("cloud", "service", "operation"))
	var out []opCount
	for k, n := range all {
		p := splitKey(k)
		mean := 0.0
		if c := durCount[k]; c > 0 {
			mean = durSum[k] / c
		}
		out = append(out, opCount{Cloud: p[0], Service: p[1], Operation: p[2], Write: isWrite(p[0], p[2]), Requests: n, Failed: failed[k], MeanSeconds: mean})
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Cloud != y.Cloud {
			return x.Cloud < y.Cloud
		}
		if x.Write != y.Write {
			return !x.Write
		}
		return x.Requests > y.Requests
	})
	return out
}

func usageBetween(a, b map[string]usage) []procUsage {
	var out []procUsage
	for _, c := range []string{"provider", "moto_server", "localclouds", "kube-apiserver", "etcd"} {
		u0, u1 := a[c], b[c]
		out = append(out, procUsage{Name: c, RSSMiB: float64(u1.rssKiB) / 1024, PeakMiB: float64(u1.hwmKiB) / 1024, AnonMiB: float64(u1.anonKiB) / 1024, Cores: cores(u0, u1)})
	}
	return out
}

// apiCount is the API server's requests of one verb on one resource.
type apiCount struct {
	Verb        string  `json:"verb"`
	Resource    string  `json:"resource"`
	Requests    float64 `json:"requests"`
	MeanSeconds float64 `json:"meanSeconds"`
}

type eventCount struct {
	Kind   string  `json:"kind"`
	Reason string  `json:"reason"`
	Count  float64 `json:"count"`
}

func eventCounts(m map[string]float64) []eventCount {
	var out []eventCount
	for k, n := range m {
		p := splitKey(k)
		out = append(out, eventCount{Kind: p[0], Reason: p[1], Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// apiRequests is the requests the API server served between a and b, by
// verb and resource (with its subresource), writes first.
func apiRequests(a, b scrape) []apiCount {
	key := func(l map[string]string) string {
		r := l["resource"]
		if l["group"] != "" {
			r += "." + l["group"]
		}
		if l["subresource"] != "" {
			r += "/" + l["subresource"]
		}
		return l["verb"] + "\x00" + r
	}
	n := delta(a, b, "apiserver_request_total", key)
	durSum := delta(a, b, "apiserver_request_duration_seconds_sum", key)
	durCount := delta(a, b, "apiserver_request_duration_seconds_count", key)
	var out []apiCount
	for k, v := range n {
		if v == 0 {
			continue
		}
		p := splitKey(k)
		c := apiCount{Verb: p[0], Resource: p[1], Requests: v}
		if durCount[k] > 0 {
			c.MeanSeconds = durSum[k] / durCount[k]
		}
		out = append(out, c)
	}
	write := func(verb string) bool { return verb != "GET" && verb != "LIST" && verb != "WATCH" }
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if write(x.Verb) != write(y.Verb) {
			return write(x.Verb)
		}
		return x.Requests > y.Requests
	})
	return out
}

// createPhase records what the measured phase cost, and the bound the
// provider's cloud-call budgets (if it exports them) put on its duration.
func (r *report) createPhase(before, after scrape, u0, u1 map[string]usage) {
	r.CreateCalls = cloudCalls(before, after)
	r.CreateWork = controllerWork(before, after)
	r.CreateUsage = usageBetween(u0, u1)
	seen := map[string]bool{}
	for _, s := range after.samples {
		if strings.HasPrefix(s.name, "stowage_cloud_budget_") && !seen[s.name] {
			seen[s.name] = true
			r.Budget.Metrics = append(r.Budget.Metrics, s.name)
		}
	}
	sort.Strings(r.Budget.Metrics)
	r.Budget.Exported = len(seen) > 0
	calls := delta(before, after, requestsMetric, labelKey("cloud", "service"))
	waits := delta(before, after, "stowage_cloud_budget_wait_seconds_total", labelKey("cloud", "service"))
	for _, rate := range after.samples {
		if rate.name != "stowage_cloud_budget_rate" || rate.value <= 0 {
			continue
		}
		k := budgetKey{Labels: rate.labels, Rate: rate.value}
		for _, b := range after.samples {
			if b.name == "stowage_cloud_budget_burst" && sameLabels(b.labels, rate.labels) {
				k.Burst = b.value
			}
		}
		// A budget counts the calls of its cloud, and of its service when
		// it has one. The harness uses one account per cloud.
		for ck, n := range calls {
			if p := splitKey(ck); budgetCounts(rate.labels, p[0], p[1]) {
				k.Calls += n
			}
		}
		k.WaitSeconds = waits[labelKey("cloud", "service")(rate.labels)]
		k.MinSeconds = math.Max(0, k.Calls-k.Burst) / k.Rate
		r.Budget.BoundSeconds = math.Max(r.Budget.BoundSeconds, k.MinSeconds)
		r.Budget.Keys = append(r.Budget.Keys, k)
	}
	if r.Budget.BoundSeconds > 0 {
		r.Budget.Ratio = r.AllReadySeconds / r.Budget.BoundSeconds
	}
}

// budgetCounts reports whether a budget with labels counts the calls of
// cloud and service, as stowage_cloud_api_requests_total labels them. An
// Azure budget of service "arm" counts every ARM call, whatever resource
// provider (Microsoft.Storage, ...) the call's label names.
func budgetCounts(labels map[string]string, cloud, service string) bool {
	if c, ok := labels["cloud"]; ok && c != cloud {
		return false
	}
	s := labels["service"]
	return s == "" || strings.EqualFold(s, service) || (cloud == "azure" && strings.EqualFold(s, "arm"))
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func cloudOf(kind string) string {
	for _, c := range mixes {
		if strings.HasSuffix(kind, "."+c+".stowage.dev") {
			return c
		}
	}
	return "other"
}

// steadyState records what the provider asks of the clouds and the machine
// between a and b, with every resource Ready.
func (r *report) steadyState(counts map[string]int, a, b scrape, ua, ub map[string]usage) {
	win := b.at.Sub(a.at).Seconds()
	s := &steadyState{WindowSeconds: win, Resources: counts, Usage: usageBetween(ua, ub), Work: controllerWork(a, b)}
	perCloud := map[string]int{}
	for k, n := range counts {
		perCloud[cloudOf(k)] += n
	}
	rates := map[string]*cloudRate{}
	for c, n := range perCloud {
		rates[c] = &cloudRate{Cloud: c, Resources: n}
	}
	for _, op := range cloudCalls(a, b) {
		cr := rates[op.Cloud]
		if cr == nil {
			cr = &cloudRate{Cloud: op.Cloud}
			rates[op.Cloud] = cr
		}
		if cr.Resources > 0 {
			op.PerResourceMinute = op.Requests / float64(cr.Resources) / (win / 60)
		}
		if op.Write {
			cr.Writes += op.PerResourceMinute
		} else {
			cr.Reads += op.PerResourceMinute
		}
		cr.Failed += op.Failed
		s.Requests = append(s.Requests, op)
	}
	for _, c := range slices.Sorted(maps.Keys(rates)) {
		s.Clouds = append(s.Clouds, *rates[c])
	}

	reconciles := delta(a, b, "controller_runtime_reconcile_total", labelKey("controller"))
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		n := reconciles[controllerName(k)]
		p := pollKind{Kind: k, Resources: counts[k], Reconciles: n, IntervalSeconds: num(math.Inf(1))}
		if n > 0 {
			p.IntervalSeconds = num(float64(counts[k]) / (n / win))
		}
		s.Poll = append(s.Poll, p)
	}
	for _, m := range intervalMetrics {
		s.Intervals = append(s.Intervals, intervalsOf(a, b, m))
	}
	s.GoMemory = goMemoryOf(b)
	r.Steady = s
}

func f1(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "∞"
	case math.IsNaN(x):
		return "-"
	}
	return fmt.Sprintf("%.1f", x)
}

func f2(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return f1(x)
	}
	return fmt.Sprintf("%.2f", x)
}

func rw(write bool) string {
	if write {
		return "write"
	}
	return "read"
}

func (r *report) print(out io.Writer) {
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	defer w.Flush()
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	m := r.Machine
	p("Stowage benchmark  %s", r.Started)
	p("machine:   %d CPUs (%s), %d MiB memory, load average at start %s", m.CPUs, m.CPUModel, m.MemoryMiB, m.LoadAvg)
	p("build:     %s, %s", m.Commit, m.GoVersion)
	p("provider:  %s", r.ProviderCmd)
	p("defaults:  %s", r.ProviderDefaults)
	p("scenario:  %s: %s", r.Scenario, r.Workload)
	p("")
	p("== Apply → Ready (create to the Ready=True the watch saw)")
	p("time to all Ready:\t%.1f s\t(%d objects)", r.AllReadySeconds, r.Objects)
	if r.Budget.Exported && r.Budget.BoundSeconds > 0 {
		p("budget bound:\t%.1f s\tmeasured / bound = %.2f", r.Budget.BoundSeconds, r.Budget.Ratio)
	} else if r.Budget.Exported {
		p("budget bound:\t0 s\t(the calls fit in the budgets' bursts; budget metrics: %s)", strings.Join(r.Budget.Metrics, ", "))
	} else {
		p("budget bound:\tno budget exported")
	}
	p("")
	p("kind\tcount\tp50 s\tp90 s\tp99 s\tmax s")
	for _, l := range r.Latency {
		p("%s\t%d\t%s\t%s\t%s\t%s", l.Kind, l.Count, f2(l.P50), f2(l.P90), f2(l.P99), f2(l.Max))
	}
	if s := r.Stages; s != nil {
		p("")
		p("where the claims' time went (%d of %d claims split)", s.Count-s.Unsplit, s.Count)
		p("stage\tp50 s\tp99 s")
		p("apply → managed resources created (claim controller)\t%s\t%s", f2(s.Made.P50), f2(s.Made.P99))
		p("→ all of them Ready (managed controllers, clouds)\t%s\t%s", f2(s.MRsReady.P50), f2(s.MRsReady.P99))
		p("→ claim Ready (claim controller, Secret)\t%s\t%s", f2(s.Followed.P50), f2(s.Followed.P99))
	}
	if len(r.Budget.Keys) > 0 {
		p("")
		p("budget key\trate /s\tburst\tcalls\tmin s\tcalls waited s")
		for _, k := range r.Budget.Keys {
			var ls []string
			for _, n := range slices.Sorted(maps.Keys(k.Labels)) {
				ls = append(ls, n+"="+k.Labels[n])
			}
			p("%s\t%s\t%.0f\t%.0f\t%s\t%s", strings.Join(ls, ","), f2(k.Rate), k.Burst, k.Calls, f1(k.MinSeconds), f1(k.WaitSeconds))
		}
	}
	p("")
	p("cloud calls while applying (per measured object)")
	p("cloud\tservice\toperation\tkind\tcalls\tper object\tfailed\tmean s")
	for _, c := range r.CreateCalls {
		p("%s\t%s\t%s\t%s\t%.0f\t%s\t%.0f\t%s", c.Cloud, c.Service, c.Operation, rw(c.Write), c.Requests, f2(c.Requests/float64(r.Objects)), c.Failed, f3(c.MeanSeconds))
	}
	if len(r.CreateAPI) > 0 {
		p("")
		p("API-server requests while applying (per measured object; the harness's creates and watches included)")
		p("verb\tresource\trequests\tper object\tmean s")
		var writes float64
		for _, c := range r.CreateAPI {
			p("%s\t%s\t%.0f\t%s\t%s", c.Verb, c.Resource, c.Requests, f2(c.Requests/float64(r.Objects)), f3(c.MeanSeconds))
			if c.Verb != "GET" && c.Verb != "LIST" && c.Verb != "WATCH" {
				writes += c.Requests
			}
		}
		p("writes\t\t%.0f\t%s", writes, f2(writes/float64(r.Objects)))
	}
	if len(r.CreateEvents) > 0 {
		p("")
		p("Events recorded while applying (per measured object)")
		p("kind\treason\tcount\tper object")
		for _, e := range r.CreateEvents {
			p("%s\t%s\t%.0f\t%s", e.Kind, e.Reason, e.Count, f2(e.Count/float64(r.Objects)))
		}
	}
	p("")
	printWork(p, "reconciles while applying", r.CreateWork)
	p("")
	printUsage(p, "processes while applying", r.CreateUsage)
	s := r.Steady
	if s == nil {
		return
	}
	p("")
	p("== Steady state over %.0f s, every resource Ready", s.WindowSeconds)
	p("cloud\tresources\treads/res-min\twrites/res-min\tfailed")
	for _, c := range s.Clouds {
		p("%s\t%d\t%s\t%s\t%.0f", c.Cloud, c.Resources, f2(c.Reads), f2(c.Writes), c.Failed)
	}
	p("")
	p("cloud\tservice\toperation\tkind\trequests\tper res-min\tfailed")
	for _, c := range s.Requests {
		p("%s\t%s\t%s\t%s\t%.0f\t%s\t%.0f", c.Cloud, c.Service, c.Operation, rw(c.Write), c.Requests, f2(c.PerResourceMinute), c.Failed)
	}
	p("")
	p("achieved poll interval (resources / reconciles per second)")
	p("kind\tresources\treconciles\tinterval s")
	for _, k := range s.Poll {
		p("%s\t%d\t%.0f\t%s", k.Kind, k.Resources, k.Reconciles, f1(float64(k.IntervalSeconds)))
	}
	for _, iv := range s.Intervals {
		p("")
		if iv.Note != "" {
			p("%s: %s", iv.Metric, iv.Note)
			continue
		}
		p("%s over the window", iv.Metric)
		p("kind\tobservations\tp50 s\tp99 s\tmax bucket s")
		for _, h := range iv.Kinds {
			p("%s\t%.0f\t%s\t%s\t%s", h.Kind, h.Observations, f1(float64(h.P50)), f1(float64(h.P99)), f1(float64(h.MaxBucket)))
		}
	}
	p("")
	printWork(p, "reconciles over the window", s.Work)
	p("")
	printUsage(p, "processes over the window", s.Usage)
	if m := s.GoMemory; m != nil {
		p("")
		p("provider's Go memory at the end of the window (MiB)")
		p("heap in use\theap idle, not returned\tstacks\truntime\tgoroutines")
		p("%.1f\t%.1f\t%.1f\t%.1f\t%.0f", m.HeapInUse, m.HeapIdle, m.Stacks, m.Runtime, m.Goroutines)
	}
}

func printUsage(p func(string, ...any), title string, us []procUsage) {
	p("%s", title)
	p("process\tRSS MiB\tpeak RSS MiB\tanon RSS MiB\tCPU cores")
	for _, u := range us {
		p("%s\t%.0f\t%.0f\t%.0f\t%.3f", u.Name, u.RSSMiB, u.PeakMiB, u.AnonMiB, u.Cores)
	}
}
