// Command provider runs the Stowage provider: every managed resource, claim
// and provider config controller in one controller manager.
package main

import (
	"os"
	"path/filepath"
	rtdebug "runtime/debug"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/customresourcesgate"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/stowage-dev/stowage/apis"
	"github.com/stowage-dev/stowage/internal/cloudbudget"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	stowage "github.com/stowage-dev/stowage/internal/controller"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/providerconfig"
	"github.com/stowage-dev/stowage/internal/secrets"
)

// defaultGCPercent is the provider's GOGC unless the environment sets one.
const defaultGCPercent = 50

func main() {
	app := newFlags(commandName())
	var (
		debug          = app.BoolP("debug", "d", false, "Run with debug logging.")
		leaderElection = app.BoolP("leader-election", "l", false, "Use leader election so only one replica reconciles.")
		syncInterval   = app.DurationP("sync", "s", time.Hour, "How often every resource is re-listed from the API server.")
		pollInterval   = app.Duration("poll", time.Minute, "How often each resource is checked against the cloud for drift.")
		pollStateEvery = app.Duration("poll-state-metric", 5*time.Second, "How often resource state metrics are recorded.")
		maxReconcile   = app.Int("max-reconcile-rate", 10, "Global maximum reconciles per second, applied only when set: the clouds are protected by --cloud-api-rate instead. Also the per-controller concurrency and the API server client's rate (5 per reconcile).")
		cloudRate      = app.Float64("cloud-api-rate", 0, "Cloud API calls per second allowed per cloud account and service (an AWS account's region and service, an Azure subscription, a Google project's API), for every service; 0 for no limit. By default each service's published limit (RDS 12/s, Azure Resource Manager 25/s), 25/s where none is published.")
		cloudBurst     = app.Int("cloud-api-burst", cloudbudget.Unpublished.Burst, "Cloud API calls allowed at once per cloud account and service, with --cloud-api-rate. By default the published burst (RDS 300, ARM 250), 250 where none is published.")
		driftCheck     = app.Duration("drift-check-interval", cloudlist.DefaultDriftCheck, "How often each resource's settings that no cloud listing returns (an S3 bucket's versioning, encryption, public access block and tags; an Azure blob container's metadata and a storage account's keys for its connection secret) are read for drift; existence and everything a listing returns are checked every --poll.")
		kubeQPS        = app.Float32("kube-api-qps", 500, "Requests per second the provider's API server client may send, unless --max-reconcile-rate is set (then 5 per reconcile, as before). The API server's priority and fairness queues a client that sends too many.")
		kubeBurst      = app.Int("kube-api-burst", 1000, "Requests the provider's API server client may send at once, with --kube-api-qps.")
		metricsAddr    = app.String("metrics-bind-address", ":8080", "Address the Prometheus metrics endpoint binds to; 0 disables it.")
		pprofAddr      = app.String("pprof-bind-address", "", "Address Go's /debug/pprof profiles are served on; empty (the default) serves none.")
		probeAddr      = app.String("health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
		allowAmbient   = app.Bool("allow-namespaced-ambient-credentials", false, "Let namespaced ProviderConfigs use the provider's own identity (InjectedIdentity, Environment), not only Secrets.")
	)
	app.envars["leader-election"] = "LEADER_ELECTION"
	app.mustParse(os.Stderr)
	reconcileRateSet, cloudRateSet := app.Changed("max-reconcile-rate"), app.Changed("cloud-api-rate")

	// Most of the provider's heap is its informers' objects, which change
	// slowly: collecting when the heap has grown by half rather than doubled
	// keeps its memory a quarter lower, for CPU it has to spare between
	// polls. GOGC, when set, decides instead.
	if os.Getenv("GOGC") == "" {
		rtdebug.SetGCPercent(defaultGCPercent)
	}

	// Structured JSON logs by default; human-readable ones with --debug.
	zl := zap.New(zap.UseDevMode(*debug))
	ctrl.SetLogger(zl)
	log := logging.NewLogrLogger(zl.WithName("provider-stowage"))

	cfg, err := ctrl.GetConfig()
	fatalIfError(err, "Cannot get API server rest config")

	// The manager's cache is told about CRDs (the safe-start gate) before
	// the manager exists, so the scheme must know them from the start.
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, apis.AddToScheme} {
		fatalIfError(add(scheme), "Cannot build the scheme")
	}

	// Creating one managed resource takes about ten API writes (usage,
	// finalizer, external name, create annotations, status, late
	// initialisation): at crossplane-runtime's 5 requests per reconcile
	// (50/s) the provider's own client, not the cloud, bounded how fast a
	// hundred claims became Ready.
	if reconcileRateSet {
		cfg = ratelimiter.LimitRESTConfig(cfg, *maxReconcile)
	} else {
		cfg = rest.CopyConfig(cfg)
		cfg.QPS, cfg.Burst = *kubeQPS, *kubeBurst
	}
	opts := ctrl.Options{
		Scheme: scheme,
		Cache: cache.Options{
			SyncPeriod: syncInterval,
			// The safe-start gate watches every CRD in the cluster for its
			// Established condition only: their schemas are not kept.
			ByObject: map[client.Object]cache.ByObject{
				&apiextensionsv1.CustomResourceDefinition{}: {Transform: customresourcesgate.TransformStripCRDSchema},
			},
		},
		Metrics:                    metricsserver.Options{BindAddress: *metricsAddr},
		HealthProbeBindAddress:     *probeAddr,
		PprofBindAddress:           *pprofAddr,
		LeaderElection:             *leaderElection,
		LeaderElectionID:           "crossplane-leader-election-provider-stowage",
		LeaderElectionResourceLock: resourcelock.LeasesResourceLock,
		LeaseDuration:              ptr(60 * time.Second),
		RenewDeadline:              ptr(50 * time.Second),
		// Finish in-flight reconciles on SIGTERM before exiting.
		GracefulShutdownTimeout: ptr(30 * time.Second),
	}
	// The cache holds only the Secrets Stowage writes, and no object's
	// managedFields; the client reads other Secrets from the API server.
	secrets.ConfigureManager(&opts)
	mgr, err := ctrl.NewManager(cfg, opts)
	fatalIfError(err, "Cannot create controller manager")
	fatalIfError(mgr.AddHealthzCheck("healthz", healthz.Ping), "Cannot add health check")
	fatalIfError(mgr.AddReadyzCheck("readyz", healthz.Ping), "Cannot add ready check")

	// Served on the manager's metrics endpoint with controller-runtime's own
	// (controller_runtime_reconcile_*, workqueue_*) and the cloud API call
	// metrics (internal/cloudmetrics).
	metricOptions, err := mrsetup.MetricOptions(metrics.Registry, *pollStateEvery)
	fatalIfError(err, "Cannot register managed resource metrics")

	if cloudRateSet {
		cloudbudget.Override(*cloudRate, *cloudBurst)
	}
	cloudlist.DriftCheck = *driftCheck
	mrsetup.SetPollBuckets(*pollInterval)

	o := controller.Options{
		Logger:                  log,
		MaxConcurrentReconciles: *maxReconcile,
		PollInterval:            *pollInterval,
		Features:                &feature.Flags{},
		MetricOptions:           metricOptions,
	}
	if reconcileRateSet {
		o.GlobalRateLimiter = ratelimiter.NewGlobal(*maxReconcile)
	}
	o.Features.Enable(feature.EnableBetaManagementPolicies)
	if *allowAmbient {
		o.Features.Enable(providerconfig.EnableNamespacedAmbientCredentials)
		log.Info("Namespaced ProviderConfigs may use the provider's own identity", "flag", providerconfig.FlagNamespacedAmbientCredentials)
	}

	fatalIfError(stowage.Setup(mgr, o), "Cannot set up Stowage controllers")
	log.Info("Starting provider", "poll", pollInterval.String(), "driftCheck", driftCheck.String(),
		"cloudAPIRate", *cloudRate, "cloudAPIBurst", *cloudBurst, "cloudAPIRateSet", cloudRateSet, "maxReconcileRate", *maxReconcile, "reconcileRateLimited", reconcileRateSet)
	fatalIfError(mgr.Start(ctrl.SetupSignalHandler()), "Cannot start controller manager")
}

func ptr[T any](v T) *T { return &v }

// commandName is the name the provider was run by: its flags' environment
// variables start with it.
func commandName() string { return filepath.Base(os.Args[0]) }
