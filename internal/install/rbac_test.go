package install_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/yaml"

	stowage "github.com/stowage-dev/stowage/internal/controller"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// A permission is one (API group, resource[/subresource], verb) triple, the
// unit RBAC grants.
type permission struct{ Group, Resource, Verb string }

func (p permission) String() string {
	g := p.Group
	if g == "" {
		g = "core"
	}
	return g + " " + p.Resource + " " + p.Verb
}

// unexercised are permissions the roles grant that the workload below does
// not make the controllers use, each with the code path that does.
var unexercised = []struct {
	why   string
	match func(permission) bool
}{
	{"claims create and delete the managed resources their class's cloud and engine need (internal/{aws,azure,gcp}/claims, internal/claims deleteManaged); the sandbox's claims make some kinds only, and only its AWS classes delete",
		func(p permission) bool { return isManaged(p.Group) && (p.Verb == "create" || p.Verb == "delete") }},
	{"crossplane-runtime's reference resolver server-side applies resolved references, and internal/password patches its annotation, on the kinds that have them",
		func(p permission) bool { return isManaged(p.Group) && p.Verb == "patch" }},
	{"namespaced ProviderConfigs have the same provider config controller (finalizer, status.users) as ClusterProviderConfigs; the sandbox uses only ClusterProviderConfigs",
		func(p permission) bool {
			return strings.HasPrefix(p.Resource, "providerconfigs") && (p.Verb == "update" || p.Verb == "list" || p.Verb == "watch")
		}},
	{"a ProviderConfigUsage is updated when its resource moves to another provider config, and deleted with its resource (crossplane-runtime providerconfig usage tracker)",
		func(p permission) bool {
			return p.Resource == "providerconfigusages" && (p.Verb == "update" || p.Verb == "delete")
		}},
	{"connection Secrets are updated when their contents change (password rotation, endpoint change) and replaced when their type must change (internal/claims writeSecret)",
		func(p permission) bool {
			return p.Group == "" && p.Resource == "secrets" && (p.Verb == "update" || p.Verb == "delete")
		}},
	{"a namespaceSelector on a class (internal/claims namespaceAllowed) or a ClusterProviderConfig (internal/providerconfig CheckNamespace) reads namespaces from the cache; the sandbox sets none",
		func(p permission) bool {
			return p.Group == "" && p.Resource == "namespaces" && (p.Verb == "list" || p.Verb == "watch")
		}},
}

// isManaged reports whether group is a managed resource group (a cloud's
// service, such as rds.aws.stowage.dev).
func isManaged(group string) bool {
	for _, cloud := range []string{".aws.", ".azure.", ".gcp."} {
		if strings.Contains(group, cloud) {
			return true
		}
	}
	return false
}

// TestClusterRoleIsWhatTheControllersUse runs every controller as the
// chart's ServiceAccount, bound to nothing but the chart's ClusterRole and
// leader-election Role, drives the sandbox's examples on the three local
// clouds to Ready and deletes them again, and compares what the controllers
// asked the API server for with what the roles grant: everything used must
// be granted (the API server enforces that: a Forbidden fails the workload),
// and everything granted must have been used or be listed in unexercised.
func TestClusterRoleIsWhatTheControllersUse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	clouds := map[string]*testenv.Cloud{}
	for _, lc := range []testenv.LocalCloud{&testenv.Moto{}, &testenv.Azure{ProvisioningDelay: 200 * time.Millisecond}, &testenv.GCS{}, &testenv.CloudSQL{OperationDelay: 200 * time.Millisecond}} {
		c, err := testenv.StartCloud(ctx, lc)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Stop()
		clouds[lc.Name()] = c
	}
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()

	// The chart's RBAC, for real.
	const ns, sa = "stowage-system", "stowage"
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	granted := map[permission]bool{}
	for _, o := range render(t) {
		switch o.GetKind() {
		case "ServiceAccount", "ClusterRoleBinding", "RoleBinding":
		case "ClusterRole", "Role":
			var r rbacv1.ClusterRole // a Role's rules have the same shape
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &r); err != nil {
				t.Fatal(err)
			}
			for _, p := range expand(t, r.Rules) {
				granted[p] = true
			}
		default:
			continue
		}
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}

	// The provider, as that ServiceAccount, through a recording transport.
	rec := &recorder{used: map[permission]int{}}
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + ns + ":" + sa,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}
	cfg.Wrap(rec.wrap)
	mctx, stopManager := context.WithCancel(ctx)
	defer stopManager()
	err = env.StartManagerAs(mctx, cfg, ctrl.Options{
		LeaderElection:             true,
		LeaderElectionNamespace:    ns,
		LeaderElectionID:           "crossplane-leader-election-provider-stowage",
		LeaderElectionResourceLock: resourcelock.LeasesResourceLock,
		// TestCrossplanePackage sets the same controllers up in this process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	}, time.Second, stowage.Setup)
	if err != nil {
		t.Fatal(err)
	}

	// The sandbox's workload.
	apply(ctx, t, env.Client, "examples/namespace.yaml", nil)
	apply(ctx, t, env.Client, "examples/sandbox/aws-local.yaml", map[string]string{"MOTO_URL": clouds["aws"].Counter.URL})
	apply(ctx, t, env.Client, "examples/sandbox/azure-local.yaml", map[string]string{"AZURE_URL": clouds["azure"].Counter.URL})
	apply(ctx, t, env.Client, "examples/sandbox/gcp-local.yaml", map[string]string{"GCS_URL": clouds["gcs"].Counter.URL, "SQLADMIN_URL": clouds["gcp"].Counter.URL})
	var applied []*unstructured.Unstructured
	for _, dir := range []string{"aws/s3", "aws/rds", "azure/resources", "azure/storage", "azure/sql", "azure/dbforpostgresql", "azure/dbformysql", "gcp/storage", "gcp/sql", "classes", "claims", "claims/azure", "claims/gcp"} {
		files, err := filepath.Glob(filepath.Join(root, "examples", dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel, _ := filepath.Rel(root, f)
			applied = append(applied, apply(ctx, t, env.Client, rel, nil)...)
		}
	}
	var claims, managed []*unstructured.Unstructured
	for _, o := range applied {
		switch {
		case strings.HasSuffix(o.GetKind(), "Claim"):
			claims = append(claims, o)
		case o.GetNamespace() != "":
			managed = append(managed, o)
		}
	}
	for _, o := range append(slices.Clone(managed), claims...) {
		if err := waitReady(ctx, env.Client, o); err != nil {
			_, forbidden := rec.snapshot()
			t.Fatalf("%s %s/%s: %v\nrequests the API server refused: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err, forbidden)
		}
	}

	// Deleting: every claim and the AWS managed resources go (the Azure and
	// Google examples keep deletion protection on, as users' would).
	for _, o := range append(slices.Clone(claims), managed...) {
		if err := env.Client.Delete(ctx, o); err != nil && !kerrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	for _, o := range append(slices.Clone(claims), managed...) {
		if !strings.Contains(o.GetAPIVersion(), ".aws.") && !strings.HasSuffix(o.GetKind(), "Claim") {
			continue
		}
		if err := testenv.WaitGone(ctx, env.Client, o, 90*time.Second); err != nil {
			dump(ctx, t, env.Client, o.GetNamespace())
			t.Fatalf("%s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	stopManager()

	used, forbidden := rec.snapshot()
	if len(forbidden) > 0 {
		t.Errorf("the API server refused the controllers (the ClusterRole lacks these):\n  %s", strings.Join(forbidden, "\n  "))
	}
	var missing, unused, stale []string
	for p := range used {
		if !granted[p] {
			missing = append(missing, p.String())
		}
	}
	matched := make([]bool, len(unexercised))
	for p := range granted {
		if used[p] > 0 {
			continue
		}
		// Informers start with a streaming watch-list, which the API server
		// authorizes as watch; an API server that does not serve it gets a
		// LIST instead (client-go falls back), so list goes with watch.
		if p.Verb == "list" && used[permission{p.Group, p.Resource, "watch"}] > 0 {
			continue
		}
		explained := false
		for i, u := range unexercised {
			if u.match(p) {
				matched[i], explained = true, true
			}
		}
		if !explained {
			unused = append(unused, p.String())
		}
	}
	for i, u := range unexercised {
		if !matched[i] {
			stale = append(stale, u.why)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("used but not granted:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(unused) > 0 {
		t.Errorf("granted but never used (remove them from the chart's roles, or list them in unexercised with the code path that uses them):\n  %s", strings.Join(unused, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("unexercised entries that explain no unused grant (remove them):\n  %s", strings.Join(stale, "\n  "))
	}
	if t.Failed() || os.Getenv("TEST_DEBUG") != "" {
		var all []string
		for p, n := range used {
			all = append(all, fmt.Sprintf("%s (%d)", p, n))
		}
		sort.Strings(all)
		t.Logf("used:\n  %s", strings.Join(all, "\n  "))
	}
}

// expand turns RBAC rules into permissions. The chart names every group,
// resource and verb: a wildcard fails the test, since it would grant what no
// controller uses.
func expand(t *testing.T, rules []rbacv1.PolicyRule) []permission {
	t.Helper()
	var ps []permission
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			t.Errorf("rule %v: the provider's roles grant resources, by type", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					if g == "*" || res == "*" || strings.HasPrefix(res, "*/") || v == "*" {
						t.Errorf("rule %v has a wildcard", r)
					}
					ps = append(ps, permission{g, res, v})
				}
			}
		}
	}
	return ps
}

// apply creates every object in the repository file rel, after replacing
// the placeholders in it, and returns them.
func apply(ctx context.Context, t *testing.T, c client.Client, rel string, placeholders map[string]string) []*unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range placeholders {
		s = strings.ReplaceAll(s, k, v)
	}
	objs, err := decodeAll([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil && !kerrors.IsAlreadyExists(err) {
			t.Fatalf("%s: %s %s: %v", rel, o.GetKind(), o.GetName(), err)
		}
	}
	return objs
}

// waitReady waits for o's Ready condition to be True.
func waitReady(ctx context.Context, c client.Client, o *unstructured.Unstructured) error {
	return testenv.Eventually(ctx, 2*time.Minute, func() error {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(o.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKeyFromObject(o), u); err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, ci := range conds {
			if m, ok := ci.(map[string]any); ok && m["type"] == "Ready" {
				if m["status"] == "True" {
					return nil
				}
				return fmt.Errorf("Ready=%v: %v %v", m["status"], m["reason"], m["message"])
			}
		}
		return fmt.Errorf("no Ready condition yet: %v", conds)
	})
}

// A recorder notes the permission every API request needs, and the
// requests the API server refused.
type recorder struct {
	mu        sync.Mutex
	used      map[permission]int
	forbidden []string
}

func (r *recorder) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		p, ok := permissionOf(req)
		resp, err := next.RoundTrip(req)
		if ok {
			r.mu.Lock()
			r.used[p]++
			if f := p.String() + " (" + req.URL.Path + ")"; err == nil && resp.StatusCode == http.StatusForbidden && !slices.Contains(r.forbidden, f) {
				r.forbidden = append(r.forbidden, f)
			}
			r.mu.Unlock()
		}
		return resp, err
	})
}

func (r *recorder) snapshot() (map[permission]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	used := make(map[permission]int, len(r.used))
	for p, n := range r.used {
		used[p] = n
	}
	return used, slices.Clone(r.forbidden)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// permissionOf is the permission the API server checks for req, by the
// rules of its request info (k8s.io/apiserver/pkg/endpoints/request): a
// resource request is /api/v1/... or /apis/GROUP/VERSION/..., optionally
// namespaced; discovery and other non-resource requests are not recorded.
func permissionOf(req *http.Request) (permission, bool) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return permission{}, false
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	resource, name := parts[0], ""
	if len(parts) > 1 {
		name = parts[1]
	}
	if len(parts) > 2 {
		resource += "/" + parts[2]
	}
	var verb string
	switch req.Method {
	case http.MethodGet:
		switch {
		case name != "":
			verb = "get"
		case req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1":
			verb = "watch"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
		if name == "" {
			verb = "deletecollection"
		}
	default:
		return permission{}, false
	}
	return permission{group, resource, verb}, true
}

// dump logs every claim and Azure storage object left in ns, for a failed wait.
func dump(ctx context.Context, t *testing.T, c client.Client, ns string) {
	for _, gvk := range []string{"storage.stowage.dev/v1alpha1/BucketClaimList", "storage.azure.stowage.dev/v1alpha1/AccountList", "storage.azure.stowage.dev/v1alpha1/ContainerList"} {
		l := &unstructured.UnstructuredList{}
		i := strings.LastIndex(gvk, "/")
		l.SetAPIVersion(gvk[:i])
		l.SetKind(gvk[i+1:])
		if err := c.List(ctx, l, client.InNamespace(ns)); err != nil {
			t.Log(err)
			continue
		}
		for _, it := range l.Items {
			b, _ := yaml.Marshal(it.Object)
			t.Logf("%s\n%s", gvk, b)
		}
	}
}
