// Command bench is Stowage's benchmark harness (issue 12). It starts the
// local control plane, the local clouds and the provider as separate
// processes, as cluster/local/sandbox.sh does but on free ports and in a
// temporary directory; applies managed resources or claims; and reports how
// long they took to become Ready and what the provider costs once they are:
// cloud requests per resource-minute, the poll interval it achieves, its
// memory and CPU. Run it with `make bench BENCH_FLAGS='...'`.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/stowage-dev/stowage/internal/testenv"
)

type options struct {
	scenario   string
	mrs        int
	mix        string
	namespaces int
	existing   int
	claims     int
	claimClass string
	workers    int
	settle     time.Duration
	// existingSettle is the wait between the existing claims being Ready
	// and the measured ones being applied.
	existingSettle time.Duration
	window         time.Duration
	timeout        time.Duration
	providerArgs   string
	jsonFile       string
	keepState      bool
	profile        string
	profileFor     time.Duration
	audit          string
}

func main() {
	var o options
	flag.StringVar(&o.scenario, "scenario", "mrs", "mrs: apply --mrs managed resources; claims: --existing claims, then --claims measured ones.")
	flag.IntVar(&o.mrs, "mrs", 250, "Managed resources to apply (scenario mrs).")
	flag.StringVar(&o.mix, "mix", "aws", "Managed resource mix: aws (80% S3 Bucket, 20% RDS DBInstance), azure (storage Accounts and Containers, 20% SQL/PostgreSQL/MySQL servers), gcp (GCS Bucket, 20% Cloud SQL Instance), all (--mrs split between the three).")
	flag.IntVar(&o.namespaces, "namespaces", 4, "Namespaces the objects are spread over.")
	flag.IntVar(&o.existing, "existing", 200, "Claims applied and waited Ready before the measured ones (scenario claims).")
	flag.IntVar(&o.claims, "claims", 100, "Claims applied together and measured, half DatabaseClaim, half BucketClaim (scenario claims).")
	flag.StringVar(&o.claimClass, "claim-class", "aws", "Cloud of the claims' classes: aws (the default classes), azure or gcp (className azure-standard, gcp-standard).")
	flag.IntVar(&o.workers, "workers", 20, "Concurrent clients applying the objects.")
	flag.DurationVar(&o.settle, "settle", time.Minute, "Warm-up after all are Ready, before the steady-state window.")
	flag.DurationVar(&o.existingSettle, "existing-settle", time.Minute, "Wait between the existing claims being Ready and applying the measured ones (scenario claims): one poll interval, so the sandbox is in steady state.")
	flag.DurationVar(&o.window, "window", 3*time.Minute, "Steady-state measuring window (0: skip the steady state).")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "How long to wait for all to be Ready.")
	flag.StringVar(&o.providerArgs, "provider-args", "", "Extra provider flags, space separated (the defaults are the provider's own).")
	flag.StringVar(&o.jsonFile, "json", "", "Also write the figures as JSON to this file.")
	flag.StringVar(&o.profile, "profile", "", "Write CPU profiles of the provider and the API server over the measured phase, the provider's heap profile at its end, and its heap and goroutine profiles at the end of the steady state, to this directory.")
	flag.DurationVar(&o.profileFor, "profile-for", 20*time.Second, "How long the CPU profiles of --profile run from the measured apply.")
	flag.StringVar(&o.audit, "audit", "", "Write the API server's audit log of every write (who, what, when) to this directory, as audit.log.")
	flag.BoolVar(&o.keepState, "keep-state", false, "Keep the temporary state directory (logs, kubeconfig) after a successful run.")
	flag.Parse()

	// Signals stay caught until the end: a second Ctrl-C does not cut the
	// clean-up short.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted")
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// env is what the harness started.
type env struct {
	root, state                          string
	run                                  string // random id in every object's name and label
	procs                                []*proc
	controlPlane, moto, clouds, provider *proc
	metricsURL                           string
	pprofURL                             string // the provider's, with --profile
	cfg                                  *rest.Config
	k                                    *kube
	t                                    templates
	providerCmd                          []string
	// providerDefaults are the provider's flag defaults as --help shows them.
	providerDefaults string
}

func run(ctx context.Context, o options) (err error) {
	switch o.scenario {
	case "mrs", "claims":
	default:
		return fmt.Errorf("unknown --scenario %q: mrs or claims", o.scenario)
	}
	if o.workers < 1 || o.namespaces < 1 {
		return fmt.Errorf("--workers and --namespaces must be at least 1")
	}
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return err
		}
	}
	if o.audit != "" {
		// The control plane runs in another directory.
		if o.audit, err = filepath.Abs(o.audit); err != nil {
			return err
		}
	}
	e := &env{run: runID()}
	if e.root, err = testenv.RepoRoot(); err != nil {
		return err
	}
	if e.t, err = loadTemplates(e.root); err != nil {
		return err
	}
	if e.state, err = os.MkdirTemp("", "stowage-bench-"); err != nil {
		return err
	}
	say("state directory (logs, kubeconfig): %s", e.state)
	// The harness's informers end before the API server is asked to stop.
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		say("stopping everything")
		// The provider first, so it makes no calls to clouds going away.
		for i := len(e.procs) - 1; i >= 0; i-- {
			t := time.Now()
			e.procs[i].stop(30 * time.Second)
			if d := time.Since(t); d > 2*time.Second {
				say("  %s took %s to stop", e.procs[i].name, d.Round(100*time.Millisecond))
			}
		}
		if err == nil && !o.keepState {
			os.RemoveAll(e.state)
		} else {
			say("logs kept in %s", e.state)
		}
	}()
	if err := e.up(ctx, o); err != nil {
		return err
	}
	r := &report{Machine: machine(e.root), Scenario: o.scenario, ProviderCmd: strings.Join(e.providerCmd, " "), ProviderDefaults: e.providerDefaults, Started: time.Now().UTC().Format(time.RFC3339)}
	if err := e.measure(ctx, o, r); err != nil {
		return err
	}
	if o.window > 0 {
		if err := e.steady(ctx, o, r); err != nil {
			return err
		}
	}
	r.print(os.Stdout)
	if o.jsonFile != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonFile, append(b, '\n'), 0o644); err != nil {
			return err
		}
		say("figures written to %s", o.jsonFile)
	}
	return nil
}

func runID() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	for i := range b {
		n := len(letters)
		if i == 0 {
			n = 26 // names must start with a letter (RDS, Cloud SQL)
		}
		b[i] = letters[int(b[i])%n]
	}
	return string(b)
}

func (e *env) start(name string, extraEnv []string, bin string, args ...string) (*proc, error) {
	p, err := start(e.state, name, extraEnv, bin, args...)
	if err != nil {
		return nil, err
	}
	e.procs = append(e.procs, p)
	return p, nil
}

func (e *env) build(pkg, out string) error {
	args := []string{"build", "-o", filepath.Join(e.root, "bin", out)}
	if pkg == "cmd/provider" {
		// Built as the image builds it (cluster/images/provider/Dockerfile),
		// so its memory is the shipped binary's.
		args = append(args, "-tags=grpcnotrace", "-trimpath", "-ldflags=-s -w")
	}
	cmd := exec.Command("go", append(args, "./"+pkg)...)
	cmd.Dir = e.root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

func freePorts(n int) ([]int, error) {
	var ports []int
	for len(ports) < n {
		p, err := testenv.FreePort()
		if err != nil {
			return nil, err
		}
		dup := false
		for _, q := range ports {
			dup = dup || q == p
		}
		if !dup {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// up starts the control plane, the local clouds and the provider, and
// installs the provider configs, as sandbox.sh does.
func (e *env) up(ctx context.Context, o options) error {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return fmt.Errorf("KUBEBUILDER_ASSETS must point at kube-apiserver and etcd: run `make bench`, which sets it")
	}
	if _, err := exec.LookPath("moto_server"); err != nil {
		return fmt.Errorf("%s", testenv.MotoInstall)
	}
	say("building the control plane, the local clouds and the provider into bin/")
	for pkg, out := range map[string]string{"cluster/local/controlplane": "controlplane", "cmd/localclouds": "localclouds", "cmd/provider": "provider"} {
		if err := e.build(pkg, out); err != nil {
			return err
		}
	}
	bin := func(n string) string { return filepath.Join(e.root, "bin", n) }

	say("starting the local control plane")
	kubeconfig := filepath.Join(e.state, "kubeconfig")
	var err error
	// envtest's certificates and etcd's data go in the state directory: a
	// control plane killed before it could clean up leaves nothing behind.
	tmp := filepath.Join(e.state, "controlplane")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	cpEnv := []string{"TMPDIR=" + tmp}
	if o.audit != "" {
		cpEnv = append(cpEnv, "STOWAGE_AUDIT_DIR="+o.audit)
	}
	if e.controlPlane, err = e.start("controlplane", cpEnv, bin("controlplane"), "--write-kubeconfig", kubeconfig); err != nil {
		return err
	}
	if err := waitFor(ctx, e.controlPlane, 120*time.Second, "the control plane's kubeconfig", func() bool {
		fi, err := os.Stat(kubeconfig)
		return err == nil && fi.Size() > 0
	}); err != nil {
		return err
	}
	if e.cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig); err != nil {
		return err
	}
	if e.k, err = newKube(e.cfg); err != nil {
		return err
	}
	if err := waitFor(ctx, e.controlPlane, 60*time.Second, "the API server's /readyz", func() bool {
		_, err := e.k.disc.RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil
	}); err != nil {
		return err
	}

	say("starting the local clouds")
	ports, err := freePorts(7)
	if err != nil {
		return err
	}
	url := func(p int) string { return fmt.Sprintf("http://127.0.0.1:%d", p) }
	motoURL, azureURL, gcsURL, sqlURL := url(ports[0]), url(ports[1]), url(ports[2]), url(ports[3])
	if e.moto, err = e.start("moto", testenv.MotoEnv, "moto_server", "-H", "127.0.0.1", "-p", fmt.Sprint(ports[0])); err != nil {
		return err
	}
	if e.clouds, err = e.start("localclouds", nil, bin("localclouds"),
		"--azure-addr="+strings.TrimPrefix(azureURL, "http://"),
		"--gcs-addr="+strings.TrimPrefix(gcsURL, "http://"),
		"--sqladmin-addr="+strings.TrimPrefix(sqlURL, "http://")); err != nil {
		return err
	}
	if err := waitFor(ctx, e.moto, 60*time.Second, "moto_server", httpOK(motoURL+"/moto-api/")); err != nil {
		return err
	}
	for _, u := range []string{azureURL, gcsURL, sqlURL} {
		if err := waitFor(ctx, e.clouds, 60*time.Second, "the local clouds", httpOK(u+"/_stowage/faults")); err != nil {
			return err
		}
	}

	say("installing provider configs for the local clouds")
	pcs, err := readYAML(e.root, []string{"examples/sandbox"}, "MOTO_URL", motoURL, "AZURE_URL", azureURL, "GCS_URL", gcsURL, "SQLADMIN_URL", sqlURL)
	if err != nil {
		return err
	}
	if err := e.k.createAll(ctx, pcs); err != nil {
		return err
	}

	say("starting the provider")
	metricsAddr, probeAddr := fmt.Sprintf("127.0.0.1:%d", ports[4]), fmt.Sprintf("127.0.0.1:%d", ports[5])
	args := []string{"--metrics-bind-address=" + metricsAddr, "--health-probe-bind-address=" + probeAddr}
	if o.profile != "" {
		e.pprofURL = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", ports[6])
		args = append(args, fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", ports[6]))
	}
	args = append(args, strings.Fields(o.providerArgs)...)
	e.providerCmd = append([]string{"provider"}, args...)
	e.providerDefaults = flagDefaults(bin("provider"))
	if e.provider, err = e.start("provider", []string{"KUBECONFIG=" + kubeconfig}, bin("provider"), args...); err != nil {
		return err
	}
	e.metricsURL = "http://" + metricsAddr + "/metrics"
	if err := waitFor(ctx, e.provider, 60*time.Second, "the provider's /readyz", httpOK("http://"+probeAddr+"/readyz")); err != nil {
		return err
	}
	// Ready answers before the controllers run: wait until every managed
	// controller's work queue exists, so the first objects applied do not
	// wait for the provider's start.
	gvrs, kinds, err := e.k.managedKinds()
	if err != nil {
		return err
	}
	return waitFor(ctx, e.provider, 60*time.Second, "the provider's controllers to start", func() bool {
		s, err := scrapeMetrics(e.metricsURL)
		if err != nil {
			return false
		}
		queues := s.sum("workqueue_adds_total", labelKey("name"))
		for _, gvr := range gvrs {
			if _, ok := queues[controllerName(kinds[gvr]+"."+gvr.Group)]; !ok {
				return false
			}
		}
		return true
	})
}

var helpFlag = regexp.MustCompile(`^\s+(?:-\w, )?--([a-z-]+)=(\S+)`)

// flagDefaults are the defaults of bin's valued flags, from its --help, so
// the report says what "the defaults" were when it ran.
func flagDefaults(bin string) string {
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	var fs []string
	for _, l := range strings.Split(string(out), "\n") {
		// --flag=FLAG is a flag without a default.
		if m := helpFlag.FindStringSubmatch(l); m != nil && !strings.HasSuffix(m[1], "-address") && m[2] != strings.ToUpper(m[1]) {
			fs = append(fs, "--"+m[1]+"="+strings.Trim(m[2], `"`))
		}
	}
	return strings.Join(fs, " ")
}

// controllerName is crossplane-runtime's managed.ControllerName.
func controllerName(groupKind string) string { return "managed/" + strings.ToLower(groupKind) }

func (e *env) namespaces(ctx context.Context, n int) ([]string, error) {
	var out []string
	for i := range n {
		name := fmt.Sprintf("bench-%d", i)
		ns := &unstructured.Unstructured{}
		ns.SetAPIVersion("v1")
		ns.SetKind("Namespace")
		ns.SetName(name)
		if err := e.k.create(ctx, ns); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}

// components are the processes whose memory and CPU the report shows.
func (e *env) components() []component {
	return []component{
		{"provider", func() []int { return []int{e.provider.pid()} }},
		{"moto_server", treeOf(e.moto)},
		{"localclouds", treeOf(e.clouds)},
		{"kube-apiserver", childNamed(e.controlPlane, "kube-apiserver")},
		{"etcd", childNamed(e.controlPlane, "etcd")},
	}
}

func (e *env) usages() map[string]usage {
	out := map[string]usage{}
	for _, c := range e.components() {
		out[c.name] = usageOf(c.pids())
	}
	return out
}

// measure runs the scenario: what it applies is timed from each object's
// create to the Ready=True its informer sees.
func (e *env) measure(ctx context.Context, o options, r *report) error {
	nss, err := e.namespaces(ctx, o.namespaces)
	if err != nil {
		return err
	}
	tr := newTracker(e.k, e.run)
	// prepare applies objects that must be Ready before the measured ones,
	// untimed.
	prepare := func(what string, objs []*unstructured.Unstructured) error {
		if len(objs) == 0 {
			return nil
		}
		say("applying %d %s (not measured)", len(objs), what)
		if err := tr.watch(ctx, objs); err != nil {
			return err
		}
		keys, err := tr.apply(ctx, objs, o.workers)
		if err != nil {
			return err
		}
		_, err = tr.waitReady(ctx, keys, o.timeout, what, e.provider)
		return err
	}

	var measured []*unstructured.Unstructured
	switch o.scenario {
	case "mrs":
		if o.mix == "azure" || o.mix == "all" {
			if err := prepare("Azure resource groups", e.t.resourceGroups(e.run, nss)); err != nil {
				return err
			}
		}
		if measured, err = e.t.managedResources(o.mix, e.run, o.mrs, nss); err != nil {
			return err
		}
		r.Workload = fmt.Sprintf("%d managed resources, mix %s, in %d namespaces", len(measured), o.mix, len(nss))
	case "claims":
		classes, err := readYAML(e.root, []string{"examples/classes"})
		if err != nil {
			return err
		}
		if err := e.k.createAll(ctx, classes); err != nil {
			return err
		}
		switch o.claimClass {
		case "aws", "gcp":
		case "azure":
			// The Azure classes put claims in the platform team's resource
			// group "stowage-example", which must exist.
			rg := e.t.instance("ResourceGroup.resources.azure.stowage.dev", e.run, nss[0], "stowage-example")
			if err := prepare("Azure resource group stowage-example", []*unstructured.Unstructured{rg}); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown --claim-class %q: aws, azure or gcp", o.claimClass)
		}
		if err := prepare("existing claims", e.t.claims(o.claimClass, e.run, "e", o.existing, nss)); err != nil {
			return err
		}
		// The measured claims land on a sandbox that holds the existing
		// ones in steady state, not one still busy (or with its cloud
		// budgets spent) from making them.
		say("existing claims Ready: letting the sandbox settle for %s", o.existingSettle)
		if err := sleep(ctx, e.provider, o.existingSettle); err != nil {
			return err
		}
		measured = e.t.claims(o.claimClass, e.run, "m", o.claims, nss)
		r.Workload = fmt.Sprintf("%d claims (%s classes) applied together on top of %d existing, in %d namespaces", len(measured), o.claimClass, o.existing, len(nss))
	}
	if len(measured) == 0 {
		return fmt.Errorf("nothing to measure")
	}

	if err := tr.watch(ctx, measured); err != nil {
		return err
	}
	var st *stages
	if o.scenario == "claims" {
		if st, err = watchStages(ctx, e.k); err != nil {
			return err
		}
	}
	before, err := scrapeMetrics(e.metricsURL)
	if err != nil {
		return err
	}
	api0, err := e.k.apiMetrics(ctx)
	if err != nil {
		return err
	}
	use0 := e.usages()
	profiled := e.startProfiles(ctx, o)
	applied := time.Now()
	say("applying %d objects with %d clients (measured)", len(measured), o.workers)
	keys, err := tr.apply(ctx, measured, o.workers)
	if err != nil {
		return err
	}
	entries, err := tr.waitReady(ctx, keys, o.timeout, "measured", e.provider)
	if err != nil {
		return err
	}
	after, err := scrapeMetrics(e.metricsURL)
	if err != nil {
		return err
	}
	use1 := e.usages()
	api1, err := e.k.apiMetrics(ctx)
	if err != nil {
		return err
	}
	r.CreateAPI = apiRequests(api0, api1)
	events, err := e.k.eventsSince(ctx, applied)
	if err != nil {
		return err
	}
	r.CreateEvents = eventCounts(events)
	if err := profiled(); err != nil {
		return err
	}
	r.ready(entries)
	if st != nil {
		r.Stages = st.split(entries)
	}
	say("all %d Ready in %s", len(entries), time.Duration(r.AllReadySeconds*float64(time.Second)).Round(time.Millisecond))
	r.createPhase(before, after, use0, use1)
	return nil
}

// steady measures the provider once everything is Ready: after a warm-up,
// what it asks of the clouds and of the machine over a window.
func (e *env) steady(ctx context.Context, o options, r *report) error {
	say("steady state: warming up for %s, then measuring for %s", o.settle, o.window)
	if err := sleep(ctx, e.provider, o.settle); err != nil {
		return err
	}
	counts, err := e.k.countManaged(ctx)
	if err != nil {
		return err
	}
	a, err := scrapeMetrics(e.metricsURL)
	if err != nil {
		return err
	}
	ua := e.usages()
	if err := sleep(ctx, e.provider, o.window); err != nil {
		return err
	}
	b, err := scrapeMetrics(e.metricsURL)
	if err != nil {
		return err
	}
	ub := e.usages()
	r.steadyState(counts, a, b, ua, ub)
	if o.profile == "" {
		return nil
	}
	if err := e.fetch(ctx, e.pprofURL+"goroutine", filepath.Join(o.profile, "provider-goroutines-steady.pb.gz")); err != nil {
		return err
	}
	return e.fetch(ctx, e.pprofURL+"heap", filepath.Join(o.profile, "provider-heap-steady.pb.gz"))
}

func sleep(ctx context.Context, p *proc, d time.Duration) error {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if p.exited() {
			return fmt.Errorf("the provider exited\n%s", p.tail(30))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(time.Second, time.Until(end))):
		}
	}
	return nil
}

// startProfiles starts CPU profiles of the provider and the API server
// over the next --profile-for, if --profile is set; the function it returns
// waits for them and adds the provider's heap profile.
func (e *env) startProfiles(ctx context.Context, o options) func() error {
	if o.profile == "" {
		return func() error { return nil }
	}
	secs := fmt.Sprint(int(o.profileFor.Seconds()))
	errs := make(chan error, 2)
	go func() {
		errs <- e.fetch(ctx, e.pprofURL+"profile?seconds="+secs, filepath.Join(o.profile, "provider-cpu.pb.gz"))
	}()
	go func() {
		raw, err := e.k.disc.RESTClient().Get().AbsPath("/debug/pprof/profile").Param("seconds", secs).Timeout(o.profileFor + time.Minute).DoRaw(ctx)
		if err == nil {
			err = os.WriteFile(filepath.Join(o.profile, "kube-apiserver-cpu.pb.gz"), raw, 0o644)
		}
		errs <- err
	}()
	say("profiling the provider and the API server for %s into %s", o.profileFor, o.profile)
	return func() error {
		for range 2 {
			if err := <-errs; err != nil {
				return fmt.Errorf("cannot profile: %w", err)
			}
		}
		return e.fetch(ctx, e.pprofURL+"heap", filepath.Join(o.profile, "provider-heap.pb.gz"))
	}
}

// fetch writes what GET url answers to file.
func (e *env) fetch(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
