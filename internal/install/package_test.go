package install_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/xpkg"
	"github.com/crossplane/crossplane-runtime/v2/pkg/xpkg/parser"
	pkgmetav1 "github.com/crossplane/crossplane/apis/v2/pkg/meta/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/spf13/afero"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/stowage-dev/stowage/apis"
	stowage "github.com/stowage-dev/stowage/internal/controller"
)

// TestCrossplanePackage parses package/ the way `crossplane xpkg build`
// does and lints it with Crossplane's provider linter, decodes the metadata
// strictly (Crossplane v2 has no spec.controller), and checks that it
// advertises only what works: safe-start, which every managed resource and
// claim controller honours by waiting for its CRDs, and no CRD without a
// controller.
func TestCrossplanePackage(t *testing.T) {
	ctx := context.Background()
	metaScheme, err := xpkg.BuildMetaScheme()
	if err != nil {
		t.Fatal(err)
	}
	objScheme, err := xpkg.BuildObjectScheme()
	if err != nil {
		t.Fatal(err)
	}
	r, err := parser.NewFsReadCloser(afero.NewOsFs(), filepath.Join(root, "package"), parser.SkipDirs(), parser.SkipNotYAML(), parser.SkipEmpty())
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := parser.New(metaScheme, objScheme).Parse(ctx, r)
	if err != nil {
		t.Fatalf("parse package/: %v", err)
	}
	if err := xpkg.NewProviderLinter().Lint(pkg); err != nil {
		t.Fatalf("Crossplane's provider linter: %v", err)
	}

	b, err := os.ReadFile(filepath.Join(root, "package", "crossplane.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	meta := &pkgmetav1.Provider{}
	if err := yaml.UnmarshalStrict(b, meta); err != nil {
		t.Fatalf("package/crossplane.yaml is not a Crossplane v2 Provider: %v", err)
	}
	if !slices.Contains(meta.Spec.Capabilities, pkgmetav1.ProviderCapabilitySafeStart) {
		t.Errorf("capabilities %v: want %s", meta.Spec.Capabilities, pkgmetav1.ProviderCapabilitySafeStart)
	}

	// Every controller the provider runs registers with the safe-start
	// gate the kinds whose CRDs it needs; every CRD the package installs
	// must be one of them or a provider config kind.
	gate := &recordingGate{}
	// The manager is never started: Setup only registers with the gate.
	mgr, err := ctrl.NewManager(&rest.Config{Host: "https://127.0.0.1:1"}, ctrl.Options{
		Scheme: scheme(t), Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		// TestClusterRoleIsWhatTheControllersUse sets the same controllers up in this process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	o := controller.Options{Logger: logging.NewNopLogger(), Gate: gate, PollInterval: time.Minute, MaxConcurrentReconciles: 1, GlobalRateLimiter: ratelimiter.NewGlobal(1), Features: &feature.Flags{}}
	if err := stowage.Setup(mgr, o); err != nil {
		t.Fatal(err)
	}
	var unserved []string
	for _, obj := range pkg.GetObjects() {
		crd, ok := obj.(*apiextensionsv1.CustomResourceDefinition)
		if !ok {
			t.Errorf("package object %T is not a CRD", obj)
			continue
		}
		gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: crd.Spec.Versions[0].Name, Kind: crd.Spec.Names.Kind}
		switch {
		case slices.Contains(crd.Spec.Names.Categories, "managed") || strings.HasSuffix(gvk.Kind, "Claim"):
			// Reconciled by a controller of its own.
			if !gate.reconciles[gvk] {
				unserved = append(unserved, gvk.String()+" (no controller reconciles it)")
			}
		case strings.Contains(gvk.Kind, "ProviderConfig"):
			// Provider configs are not gated: their CRDs are always installed.
		default:
			// Classes: read by the claim controllers.
			if !gate.needs[gvk] {
				unserved = append(unserved, gvk.String()+" (no controller uses it)")
			}
		}
	}
	sort.Strings(unserved)
	if len(unserved) > 0 {
		t.Errorf("the package installs CRDs no controller waits for (advertise only what works):\n  %s", strings.Join(unserved, "\n  "))
	}
}

// TestCrossplaneExtraRBAC keeps examples/crossplane/provider.yaml's
// ClusterRole, the permissions Crossplane does not grant a provider, within
// the chart's ClusterRole, which TestClusterRoleIsWhatTheControllersUse
// holds to what the controllers use; and its package tag the chart's
// appVersion.
func TestCrossplaneExtraRBAC(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "examples", "crossplane", "provider.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeAll(b)
	if err != nil {
		t.Fatal(err)
	}
	granted := map[permission]bool{}
	for _, o := range render(t) {
		if o.GetKind() == "ClusterRole" {
			var r rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &r); err != nil {
				t.Fatal(err)
			}
			for _, p := range expand(t, r.Rules) {
				granted[p] = true
			}
		}
	}
	chart, err := os.ReadFile(filepath.Join(root, "cluster", "charts", "stowage", "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(chart, &c); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range objs {
		switch o.GetKind() {
		case "ClusterRole":
			found = true
			var r rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &r); err != nil {
				t.Fatal(err)
			}
			for _, p := range expand(t, r.Rules) {
				if !granted[p] {
					t.Errorf("examples/crossplane grants %s, which the chart's ClusterRole does not", p)
				}
			}
		case "Provider":
			pkgRef, _, _ := unstructured.NestedString(o.Object, "spec", "package")
			if diff := cmp.Diff("ghcr.io/stowage-dev/provider-stowage:"+c.AppVersion, pkgRef); diff != "" {
				t.Errorf("Provider spec.package (-chart appVersion +got):\n%s", diff)
			}
		}
	}
	if !found {
		t.Error("examples/crossplane/provider.yaml has no ClusterRole")
	}
}

// A recordingGate records the kinds controllers wait for, and starts none.
// A controller registers the kind it reconciles first.
type recordingGate struct {
	reconciles, needs map[schema.GroupVersionKind]bool
}

func (g *recordingGate) Register(_ func(), gvks ...schema.GroupVersionKind) {
	if g.needs == nil {
		g.needs, g.reconciles = map[schema.GroupVersionKind]bool{}, map[schema.GroupVersionKind]bool{}
	}
	if len(gvks) > 0 {
		g.reconciles[gvks[0]] = true
	}
	for _, gvk := range gvks {
		g.needs[gvk] = true
	}
}

func (g *recordingGate) Set(schema.GroupVersionKind, bool) bool { return false }

func scheme(t *testing.T) *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apis.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}
