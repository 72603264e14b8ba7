// Package testenv runs integration tests against a real kube-apiserver
// (envtest) with Stowage's CRDs installed and real controllers running, and
// starts the local clouds those controllers talk to.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/stowage-dev/stowage/apis"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/secrets"
)

// An Env is a running API server with Stowage's CRDs and a client for it.
type Env struct {
	Config *rest.Config
	Client client.Client
	Scheme *runtime.Scheme

	// Features are the running manager's feature flags (set by
	// StartManager), so a test can turn one on.
	Features *feature.Flags

	env *envtest.Environment
	kcm *controllerManager
}

// RepoRoot is the directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (go.mod)")
		}
		dir = parent
	}
}

// Start runs kube-apiserver, etcd and kube-controller-manager (garbage
// collector and namespace controller) from KUBEBUILDER_ASSETS with every CRD
// under package/crds installed.
func Start() (*Env, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return nil, errors.New("KUBEBUILDER_ASSETS is not set: run the tests with `make test`, which builds kube-apiserver and etcd once and points KUBEBUILDER_ASSETS at them")
	}
	for _, b := range []string{"kube-apiserver", "etcd", "kube-controller-manager"} {
		if _, err := os.Stat(filepath.Join(assets, b)); err != nil {
			return nil, fmt.Errorf("KUBEBUILDER_ASSETS=%s has no %s: run `make control-plane` to build it", assets, b)
		}
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := apis.AddToScheme(s); err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "package", "crds")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		Scheme:                s,
	}
	if dir := os.Getenv("STOWAGE_AUDIT_DIR"); dir != "" {
		if err := auditTo(env, dir); err != nil {
			return nil, err
		}
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("cannot start envtest: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	kcm, err := startControllerManager(env, assets)
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &Env{Config: cfg, Client: c, Scheme: s, env: env, kcm: kcm}, nil
}

// Stop stops kube-controller-manager, then the API server and etcd.
func (e *Env) Stop() error {
	return errors.Join(e.kcm.Stop(), e.env.Stop())
}

// StartManager runs the controllers setup adds, polling every poll, until
// ctx is done. It returns once the manager's caches have synced.
func (e *Env) StartManager(ctx context.Context, poll time.Duration, setup func(ctrl.Manager, controller.Options) error) error {
	return e.StartManagerAs(ctx, e.Config, ctrl.Options{}, poll, setup)
}

// StartManagerAs is StartManager with the manager reaching the API server
// through cfg (another identity, a recording transport) and with opts (such
// as leader election) as the provider would set them.
func (e *Env) StartManagerAs(ctx context.Context, cfg *rest.Config, opts ctrl.Options, poll time.Duration, setup func(ctrl.Manager, controller.Options) error) error {
	zl := zap.New(zap.UseDevMode(os.Getenv("TEST_DEBUG") != ""), zap.WriteTo(os.Stderr), zap.Level(zapLevel()))
	ctrl.SetLogger(zl)
	opts.Scheme = e.Scheme
	opts.Metrics = metricsserver.Options{BindAddress: "0"}
	opts.HealthProbeBindAddress = "0"
	// The provider's cache and client (cmd/provider).
	secrets.ConfigureManager(&opts)
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return err
	}
	o := controller.Options{
		Logger:                  logging.NewLogrLogger(zl),
		MaxConcurrentReconciles: 5,
		PollInterval:            poll,
		Features:                &feature.Flags{},
	}
	if cloudlist.DriftCheck == cloudlist.DefaultDriftCheck {
		// Tests change settings behind the provider's back and wait a few
		// polls for the revert, not the ten minutes a drift check takes in
		// production; a test package may set its own.
		cloudlist.DriftCheck = 4 * poll
	}
	if o.MetricOptions, err = metricOptions(); err != nil {
		return err
	}
	o.Features.Enable(feature.EnableBetaManagementPolicies)
	e.Features = o.Features
	if err := setup(mgr, o); err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "manager stopped: %v\n", err)
		}
	}()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return errors.New("manager caches did not sync")
	}
	return nil
}

// StateMetricInterval is how often the managed resource state metrics are
// recorded in tests.
const StateMetricInterval = time.Second

// metricOptions are the managed resource metrics, registered once per test
// process on controller-runtime's registry as the provider does.
var metricOptions = sync.OnceValues(func() (*controller.MetricOptions, error) {
	return mrsetup.MetricOptions(metrics.Registry, StateMetricInterval)
})

// Namespace creates a namespace with a generated name for one test.
func (e *Env) Namespace(ctx context.Context, prefix string) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := e.Client.Create(ctx, ns); err != nil {
		return "", err
	}
	return ns.Name, nil
}

// Env returns the underlying envtest environment.
func (e *Env) Env() *envtest.Environment { return e.env }

// auditPolicy records every write (create, update, patch, delete) at
// Metadata level, and nothing else.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create", "update", "patch", "delete"]
- level: None
`

// auditTo makes the API server write an audit log of every write to
// dir/audit.log (STOWAGE_AUDIT_DIR; the benchmark's --audit), to tell the
// order of a claim's writes and who made each.
func auditTo(env *envtest.Environment, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o644); err != nil {
		return err
	}
	args := env.ControlPlane.GetAPIServer().Configure()
	args.Set("audit-policy-file", policy)
	args.Set("audit-log-path", filepath.Join(dir, "audit.log"))
	args.Set("audit-log-format", "json")
	// Batched, so the log does not slow the writes it records.
	args.Set("audit-log-mode", "batch")
	return nil
}
