package install_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestChartApplies renders the chart with its defaults and with the options
// platform teams set, and applies every object to a real API server with
// server-side dry run: the API server's own validation of each kind.
func TestChartApplies(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "stowage-system"}}); err != nil {
		t.Fatal(err)
	}
	// The ServiceMonitor's CRD, from the Prometheus Operator's module.
	installServiceMonitorCRD(ctx, t, env)

	options := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(options, []byte(`
replicas: 2
image: {tag: v9.9.9}
serviceAccount:
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/stowage
podLabels: {azure.workload.identity/use: "true"}
provider: {poll: 5m, allowNamespacedAmbientCredentials: true, extraArgs: [--sync=30m]}
metrics: {serviceMonitor: {enabled: true, labels: {release: prometheus}}}
`), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := map[string]struct {
		values   []string
		manifest string // a file of rendered manifests instead of the chart
		kinds    []string
		args     []string
	}{
		"PlainManifests": {
			manifest: "cluster/manifests/stowage.yaml",
			kinds:    []string{"ClusterRole", "ClusterRoleBinding", "Deployment", "Namespace", "Role", "RoleBinding", "Service", "ServiceAccount"},
			args:     []string{"--poll=1m", "--sync=1h", "--drift-check-interval=10m", "--kube-api-qps=500", "--kube-api-burst=1000", "--poll-state-metric=5s", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"},
		},
		"Defaults": {
			kinds: []string{"ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"},
			args:  []string{"--poll=1m", "--sync=1h", "--drift-check-interval=10m", "--kube-api-qps=500", "--kube-api-burst=1000", "--poll-state-metric=5s", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"},
		},
		"Options": {
			values: []string{options},
			kinds:  []string{"ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount", "ServiceMonitor"},
			args: []string{"--poll=5m", "--sync=1h", "--drift-check-interval=10m", "--kube-api-qps=500", "--kube-api-burst=1000", "--poll-state-metric=5s", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
				"--leader-election", "--allow-namespaced-ambient-credentials", "--sync=30m"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var kinds []string
			crds := 0
			var objs []*unstructured.Unstructured
			if tc.manifest != "" {
				b, err := os.ReadFile(filepath.Join(root, tc.manifest))
				if err != nil {
					t.Fatal(err)
				}
				if objs, err = decodeAll(b); err != nil {
					t.Fatalf("%s: %v", tc.manifest, err)
				}
			} else {
				objs = render(t, tc.values...)
			}
			for _, o := range objs {
				if o.GetKind() == "CustomResourceDefinition" {
					crds++
					continue // installed by envtest from package/crds, which the chart's crds/ copies
				}
				kinds = append(kinds, o.GetKind())
				err := env.Client.Patch(ctx, o, client.Apply, client.DryRunAll, client.ForceOwnership, client.FieldOwner("stowage-chart-test"))
				if err != nil {
					t.Errorf("%s %s: server-side dry-run apply: %v", o.GetKind(), o.GetName(), err)
				}
				if o.GetKind() == "Deployment" {
					checkDeployment(t, o, tc.args)
				}
			}
			sort.Strings(kinds)
			if diff := cmp.Diff(tc.kinds, kinds); diff != "" {
				t.Errorf("rendered kinds (-want +got):\n%s", diff)
			}
			want, _ := filepath.Glob(filepath.Join(root, "package", "crds", "*.yaml"))
			if crds != len(want) {
				t.Errorf("the chart has %d CRDs, package/crds %d", crds, len(want))
			}
		})
	}
}

// checkDeployment checks the provider's arguments and that it runs with
// the restricted pod security standard's settings.
func checkDeployment(t *testing.T, o *unstructured.Unstructured, args []string) {
	t.Helper()
	c, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	if len(c) != 1 {
		t.Fatalf("containers: %v", c)
	}
	ctr := c[0].(map[string]any)
	got, _, _ := unstructured.NestedStringSlice(ctr, "args")
	if diff := cmp.Diff(args, got); diff != "" {
		t.Errorf("provider args (-want +got):\n%s", diff)
	}
	for path, want := range map[string]any{
		"securityContext.readOnlyRootFilesystem":   true,
		"securityContext.allowPrivilegeEscalation": false,
		"securityContext.capabilities.drop":        []any{"ALL"},
	} {
		got, _, _ := unstructured.NestedFieldNoCopy(ctr, strings.Split(path, ".")...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("container %s (-want +got):\n%s", path, diff)
		}
	}
	for path, want := range map[string]any{
		"runAsNonRoot":        true,
		"seccompProfile.type": "RuntimeDefault",
	} {
		got, _, _ := unstructured.NestedFieldNoCopy(o.Object, append([]string{"spec", "template", "spec", "securityContext"}, strings.Split(path, ".")...)...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pod securityContext.%s (-want +got):\n%s", path, diff)
		}
	}
}

// TestChartCRDsArePackageCRDs keeps the chart's crds/ identical to the
// generated package/crds (make generate copies them).
func TestChartCRDsArePackageCRDs(t *testing.T) {
	read := func(dir string) map[string]string {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m[filepath.Base(f)] = string(b)
		}
		return m
	}
	if diff := cmp.Diff(read("package/crds"), read("cluster/charts/stowage/crds")); diff != "" {
		t.Errorf("cluster/charts/stowage/crds differs from package/crds; run make generate (-package +chart):\n%s", diff)
	}
}

// serviceMonitorModule holds the Prometheus Operator's API types; its
// repository's CRD bundle is not on the module proxy, so the CRD is made
// from the types with the pinned controller-gen, as upstream makes it.
const serviceMonitorModule = "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring@v0.92.1"

// installServiceMonitorCRD installs monitoring.coreos.com ServiceMonitor.
func installServiceMonitorCRD(ctx context.Context, t *testing.T, env *testenv.Env) {
	t.Helper()
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", serviceMonitorModule).Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", serviceMonitorModule, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Error != "" {
		t.Fatalf("go mod download %s: %v %s", serviceMonitorModule, err, mod.Error)
	}
	dir := t.TempDir()
	gen := exec.CommandContext(ctx, filepath.Join(root, "bin", "controller-gen"), "crd:crdVersions=v1", "paths=./v1", "output:crd:dir="+dir)
	gen.Dir = mod.Dir
	gen.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen on %s (run make tools): %v\n%s", mod.Dir, err, b)
	}
	if _, err := envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(dir, "monitoring.coreos.com_servicemonitors.yaml")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatal(err)
	}
}
