// Command provider runs the Stowage provider: every managed resource, claim
// and provider config controller in one controller manager.
package main

import (
	"os"
	"path/filepath"
	rtdebug "runtime/debug"
	"strconv"
	"time"

	"github.com/alecthomas/kingpin/v2"
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
	var (
		app            = kingpin.New(filepath.Base(os.Args[0]), "Stowage: managed cloud databases and storage for Kubernetes.").DefaultEnvars()
		debug          = app.Flag("debug", "Run with debug logging.").Short('d').Bool()
		leaderElection = app.Flag("leader-election", "Use leader election so only one replica reconciles.").Short('l').Default("false").Envar("LEADER_ELECTION").Bool()
		syncInterval   = app.Flag("sync", "How often every resource is re-listed from the API server.").Short('s').Default("1h").Duration()
		pollInterval   = app.Flag("poll", "How often each resource is checked against the cloud for drift.").Default("1m").Duration()
		pollStateEvery = app.Flag("poll-state-metric", "How often resource state metrics are recorded.").Default("5s").Duration()
		maxReconcile   = app.Flag("max-reconcile-rate", "Global maximum reconciles per second, applied only when set: the clouds are protected by --cloud-api-rate instead. Also the per-controller concurrency and the API server client's rate (5 per reconcile).").Default("10").Int()
		cloudRate      = app.Flag("cloud-api-rate", "Cloud API calls per second allowed per cloud account and service (an AWS account's region and service, an Azure subscription, a Google project's API), for every service; 0 for no limit. By default each service's published limit (RDS 12/s, Azure Resource Manager 25/s), 25/s where none is published.").Float64()
		cloudBurst     = app.Flag("cloud-api-burst", "Cloud API calls allowed at once per cloud account and service, with --cloud-api-rate. By default the published burst (RDS 300, ARM 250), 250 where none is published.").Default(strconv.Itoa(cloudbudget.Unpublished.Burst)).Int()
		driftCheck     = app.Flag("drift-check-interval", "How often each resource's settings that no cloud listing returns (an S3 bucket's versioning, encryption, public access block and tags; an Azure blob container's metadata and a storage account's keys for its connection secret) are read for drift; existence and everything a listing returns are checked every --poll.").Default(cloudlist.DefaultDriftCheck.String()).Duration()
		kubeQPS        = app.Flag("kube-api-qps", "Requests per second the provider's API server client may send, unless --max-reconcile-rate is set (then 5 per reconcile, as before). The API server's priority and fairness queues a client that sends too many.").Default("500").Float32()
		kubeBurst      = app.Flag("kube-api-burst", "Requests the provider's API server client may send at once, with --kube-api-qps.").Default("1000").Int()
		metricsAddr    = app.Flag("metrics-bind-address", "Address the Prometheus metrics endpoint binds to; 0 disables it.").Default(":8080").String()
		pprofAddr      = app.Flag("pprof-bind-address", "Address Go's /debug/pprof profiles are served on; empty (the default) serves none.").Default("").String()
		probeAddr      = app.Flag("health-probe-bind-address", "Address the /healthz and /readyz probes bind to.").Default(":8081").String()
		allowAmbient   = app.Flag("allow-namespaced-ambient-credentials", "Let namespaced ProviderConfigs use the provider's own identity (InjectedIdentity, Environment), not only Secrets.").Default("false").Bool()
	)
	var reconcileRateSet, cloudRateSet bool
	app.GetFlag("max-reconcile-rate").IsSetByUser(&reconcileRateSet)
	app.GetFlag("cloud-api-rate").IsSetByUser(&cloudRateSet)
	kingpin.MustParse(app.Parse(os.Args[1:]))

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
	kingpin.FatalIfError(err, "Cannot get API server rest config")

	// The manager's cache is told about CRDs (the safe-start gate) before
	// the manager exists, so the scheme must know them from the start.
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, apis.AddToScheme} {
		kingpin.FatalIfError(add(scheme), "Cannot build the scheme")
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
	kingpin.FatalIfError(err, "Cannot create controller manager")
	kingpin.FatalIfError(mgr.AddHealthzCheck("healthz", healthz.Ping), "Cannot add health check")
	kingpin.FatalIfError(mgr.AddReadyzCheck("readyz", healthz.Ping), "Cannot add ready check")

	// Served on the manager's metrics endpoint with controller-runtime's own
	// (controller_runtime_reconcile_*, workqueue_*) and the cloud API call
	// metrics (internal/cloudmetrics).
	metricOptions, err := mrsetup.MetricOptions(metrics.Registry, *pollStateEvery)
	kingpin.FatalIfError(err, "Cannot register managed resource metrics")

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

	kingpin.FatalIfError(stowage.Setup(mgr, o), "Cannot set up Stowage controllers")
	log.Info("Starting provider", "poll", pollInterval.String(), "driftCheck", driftCheck.String(),
		"cloudAPIRate", *cloudRate, "cloudAPIBurst", *cloudBurst, "cloudAPIRateSet", cloudRateSet, "maxReconcileRate", *maxReconcile, "reconcileRateLimited", reconcileRateSet)
	kingpin.FatalIfError(mgr.Start(ctrl.SetupSignalHandler()), "Cannot start controller manager")
}

func ptr[T any](v T) *T { return &v }
