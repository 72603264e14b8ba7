package database_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	rgv1alpha1 "github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
	"github.com/stowage-dev/stowage/internal/azure/sql/database"
	"github.com/stowage-dev/stowage/internal/azure/sql/server"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	delay   = 500 * time.Millisecond
	timeout = 60 * time.Second
)

var (
	harness *testenv.AzureHarness
	env     *testenv.Env
	counter *testenv.CallCounter
	servers *armsql.ServersClient
	dbs     *armsql.DatabasesClient
)

func TestMain(m *testing.M) {
	h, err := testenv.StartAzure(poll, delay, func(mgr ctrl.Manager, o controller.Options) error {
		for _, s := range []func(ctrl.Manager, controller.Options) error{usage.Setup, resourcegroup.Setup, server.Setup, database.Setup} {
			if err := s(mgr, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness, env, counter = h, h.Env, h.Counter
	// Clients behind the provider's back, straight to the local ARM.
	opts := arm.ClientOptions(h.Azure.URL)
	if servers, err = armsql.NewServersClient(testenv.AzureSubscription, arm.Credential, opts); err == nil {
		dbs, err = armsql.NewDatabasesClient(testenv.AzureSubscription, arm.Credential, opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

var pc = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}

// stack makes a Server in the resource group rg and a Database on it by
// reference, both named name.
func stack(ns, rg, name string, p v1alpha1.DatabaseParameters) (*v1alpha1.Server, *v1alpha1.Database) {
	s := &v1alpha1.Server{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.ServerSpec{ForProvider: v1alpha1.ServerParameters{
		ResourceGroupName: ptr.To(rg), AdministratorLogin: ptr.To("stowage"),
	}}}
	if rg == name {
		s.Spec.ForProvider = v1alpha1.ServerParameters{ResourceGroupNameRef: &xpv2.NamespacedReference{Name: rg}, AdministratorLogin: ptr.To("stowage")}
	}
	s.Spec.ProviderConfigReference = pc
	p.ServerNameRef = &xpv2.NamespacedReference{Name: name}
	d := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.DatabaseSpec{ForProvider: p}}
	d.Spec.ProviderConfigReference = pc
	return s, d
}

// group makes a resource group named ns behind the provider's back.
func group(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	if _, err := harness.Azure.ResourceGroups().CreateOrUpdate(ctx, ns, armresources.ResourceGroup{Location: ptr.To("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
}

func create(ctx context.Context, t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
}

func waitReady(ctx context.Context, t *testing.T, objs ...testenv.Conditioned) {
	t.Helper()
	for _, o := range objs {
		for _, c := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
			if _, err := testenv.WaitForCondition(ctx, env.Client, o, c, corev1.ConditionTrue, timeout); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func dbPath(rg, srv, name string) string {
	return strings.ToLower(arm.SQLDatabaseID(testenv.AzureSubscription, rg, srv, name))
}

// callsTo are the counted calls with method on the database.
func callsTo(calls []testenv.Call, path, method string) []testenv.Call {
	var out []testenv.Call
	for _, c := range calls {
		if c.Method == method && strings.ToLower(c.Path) == path {
			out = append(out, c)
		}
	}
	return out
}

// watchPolls waits until the provider has read the database n more times
// (one GET a poll) and returns the calls made meanwhile.
func watchPolls(ctx context.Context, t *testing.T, path string, n int) []testenv.Call {
	t.Helper()
	calls, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, func(c testenv.Call) bool {
		// A poll reads the database alone, or its server's listing.
		p := strings.ToLower(c.Path)
		return c.Method == http.MethodGet && (p == path || p == path[:strings.LastIndex(path, "/")])
	})
	if err != nil {
		t.Fatalf("polls of %s: %v", path, err)
	}
	return calls
}

func patchBody(t *testing.T, c testenv.Call) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(c.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body
}

func TestDatabaseLifecycle(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqldb", 3*time.Minute)
	group(ctx, t, ns)
	s, d := stack(ns, ns, "orders-"+ns, v1alpha1.DatabaseParameters{Tags: map[string]string{"team": "shop"}})
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "orders-db"}
	create(ctx, t, s, d)

	// The database goes Ready through Azure's Creating status, once its
	// server is Ready.
	seen := map[string]bool{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
			return err
		}
		seen[d.Status.AtProvider.Status] = true
		if d.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue {
			return fmt.Errorf("not ready: %v", d.GetCondition(xpv2.TypeReady))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !seen["Creating"] {
		t.Errorf("statuses seen %v: want Creating before Online", seen)
	}
	waitReady(ctx, t, s, d)
	srv, name := meta.GetExternalName(s), meta.GetExternalName(d)
	path := dbPath(ns, srv, name)
	if ptr.Deref(d.Spec.ForProvider.ResourceGroupName, "") != "" || ptr.Deref(d.Spec.ForProvider.ServerName, "") != srv {
		t.Errorf("serverName %v, resourceGroupName %v: want the Server's name resolved and the group taken from the Server", d.Spec.ForProvider.ServerName, d.Spec.ForProvider.ResourceGroupName)
	}
	all := counter.Calls()
	if puts := callsTo(all, path, http.MethodPut); len(puts) != 1 {
		t.Errorf("%d PUTs of the database, want 1", len(puts))
	}
	for _, c := range all {
		if strings.Contains(strings.ToLower(c.Path), "operation") {
			t.Errorf("the provider polled a long-running operation (%s %s): it must read the database instead", c.Method, c.Path)
		}
	}
	got, err := dbs.Get(ctx, ns, srv, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "sqldatabase", d, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}
	// Azure's defaults come back as the service objective, which Azure
	// takes as input again.
	if diff := cmp.Diff(&v1alpha1.SKU{Name: "S0", Tier: ptr.To("Standard")}, d.Spec.ForProvider.SKU); diff != "" {
		t.Errorf("late-initialised sku: -want, +got:\n%s", diff)
	}
	if !ptr.Deref(d.Spec.ForProvider.DeletionProtection, false) {
		t.Error("deletion protection is not on by default")
	}
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "orders-db"}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"engine": "sqlserver", "database": name}, map[string]string{"engine": string(sec.Data["engine"]), "database": string(sec.Data["database"])}); diff != "" {
		t.Errorf("connection secret: -want, +got:\n%s", diff)
	}

	// In sync: five polls, no writes at all.
	for _, c := range watchPolls(ctx, t, path, 5) {
		if c.Write() {
			t.Errorf("write while in sync: %s %s", c.Method, c.Path)
		}
	}

	// A change behind the provider's back is reverted with one PATCH that
	// carries only the difference.
	if _, err := dbs.BeginUpdate(ctx, ns, srv, name, armsql.DatabaseUpdate{Properties: &armsql.DatabaseUpdateProperties{MaxSizeBytes: ptr.To[int64](100 << 30)}}, nil); err != nil {
		t.Fatal(err)
	}
	mark := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, timeout, mark, 1, func(c testenv.Call) bool { return c.Method == http.MethodPatch }); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, path, 3)
	patches := callsTo(counter.Calls()[mark:], path, http.MethodPatch)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes, want 1", len(patches))
	}
	if diff := cmp.Diff(map[string]any{"properties": map[string]any{"maxSizeBytes": float64(250 << 30)}}, patchBody(t, patches[0])); diff != "" {
		t.Errorf("PATCH body: -want, +got:\n%s", diff)
	}

	// A new service objective is one PATCH; Azure scales in the background
	// and nothing more is sent while it does.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	d.Spec.ForProvider.SKU = &v1alpha1.SKU{Name: "S1", Tier: ptr.To("Standard")}
	mark = len(counter.Calls())
	if err := env.Client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
			return err
		}
		if d.Status.AtProvider.CurrentServiceObjectiveName != "S1" || d.Status.AtProvider.Status != "Online" {
			return fmt.Errorf("objective %s, status %s", d.Status.AtProvider.CurrentServiceObjectiveName, d.Status.AtProvider.Status)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, path, 2)
	patches = callsTo(counter.Calls()[mark:], path, http.MethodPatch)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes to scale, want 1", len(patches))
	}
	if diff := cmp.Diff(map[string]any{"sku": map[string]any{"name": "S1", "tier": "Standard"}}, patchBody(t, patches[0])); diff != "" {
		t.Errorf("scale PATCH body: -want, +got:\n%s", diff)
	}

	// Deletion protection refuses the delete without calling Azure and
	// says how to turn it off.
	mark = len(counter.Calls())
	if err := env.Client.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "deletion protection is on") || !strings.Contains(c.Message, "spec.forProvider.deletionProtection to false") {
		t.Errorf("Synced=False message %q: want it to say deletion protection refused the delete and how to turn it off", c.Message)
	}
	watchPolls(ctx, t, path, 2)
	if dels := callsTo(counter.Calls()[mark:], path, http.MethodDelete); len(dels) != 0 {
		t.Fatalf("%d DELETEs of a protected database, want none", len(dels))
	}
	if _, err := dbs.Get(ctx, ns, srv, name, nil); err != nil {
		t.Fatalf("the protected database is gone from Azure: %v", err)
	}

	// Turned off, the delete goes ahead, waits for Azure and says how long
	// the backups can be restored.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	d.Spec.ForProvider.DeletionProtection = ptr.To(false)
	if err := env.Client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, d, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := dbs.Get(ctx, ns, srv, name, nil); err == nil {
		t.Error("the resource went before the database left Azure")
	}
	if dels := callsTo(counter.Calls()[mark:], path, http.MethodDelete); len(dels) != 1 {
		t.Errorf("%d DELETEs, want 1: Azure deletes in the background", len(dels))
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		evs := &corev1.EventList{}
		if err := env.Client.List(ctx, evs, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.InvolvedObject.Name == d.Name && e.InvolvedObject.Kind == "Database" && strings.Contains(e.Message, "point-in-time backups") && strings.Contains(e.Message, "7 days") {
				return nil
			}
		}
		return fmt.Errorf("no event says how long the deleted database can be restored")
	}); err != nil {
		t.Error(err)
	}
}

func TestDatabaseImport(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqldb", 3*time.Minute)
	group(ctx, t, ns)
	// Server names are global: one per test run.
	srv := "byhand-" + ns
	if _, err := servers.BeginCreateOrUpdate(ctx, ns, srv, armsql.Server{Location: ptr.To("westeurope"), Properties: &armsql.ServerProperties{
		AdministratorLogin: ptr.To("dba"), AdministratorLoginPassword: ptr.To("By-hand-pw1"),
	}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := dbs.BeginCreateOrUpdate(ctx, ns, srv, "ledger", armsql.Database{Location: ptr.To("westeurope"), Tags: map[string]*string{"origin": ptr.To("by-hand")},
		SKU: &armsql.SKU{Name: ptr.To("GP_Gen5"), Capacity: ptr.To[int32](2)}}, nil); err != nil {
		t.Fatal(err)
	}
	d := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "imported"}, Spec: v1alpha1.DatabaseSpec{ForProvider: v1alpha1.DatabaseParameters{
		ServerName: ptr.To(srv), ResourceGroupName: ptr.To(ns),
	}}}
	d.Spec.ProviderConfigReference = pc
	meta.SetExternalName(d, "ledger")
	create(ctx, t, d)
	waitReady(ctx, t, d)
	if diff := cmp.Diff(&v1alpha1.SKU{Name: "GP_Gen5_2", Tier: ptr.To("GeneralPurpose")}, d.Spec.ForProvider.SKU); diff != "" {
		t.Errorf("an imported database keeps its SKU: -want, +got:\n%s", diff)
	}
	got, err := dbs.Get(ctx, ns, srv, "ledger", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "sqldatabase", d, map[string]string{"origin": "by-hand"}); err != nil {
		t.Errorf("an imported database is tagged as this resource's and keeps its tags: %v", err)
	}
	path := dbPath(ns, srv, "ledger")
	if puts := callsTo(counter.Calls(), path, http.MethodPut); len(puts) != 0 {
		t.Errorf("an import made %d PUTs, want none", len(puts))
	}
	for _, c := range callsTo(counter.Calls(), path, http.MethodPatch) {
		if body := patchBody(t, c); body["sku"] != nil || body["properties"] != nil {
			t.Errorf("an import changed more than the tags: %s", c.Body)
		}
	}
}

// TestServerKeepsDatabases shows a Server is not deleted while it holds
// databases (Azure would take them with it, past their protection), and is
// once they are gone.
func TestServerKeepsDatabases(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqldb", 3*time.Minute)
	group(ctx, t, ns)
	s, d := stack(ns, ns, "keep-"+ns, v1alpha1.DatabaseParameters{DeletionProtection: ptr.To(false)})
	create(ctx, t, s, d)
	waitReady(ctx, t, s, d)
	srv := meta.GetExternalName(s)
	mark := len(counter.Calls())
	if err := env.Client.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, s, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "still holds databases "+meta.GetExternalName(d)) {
		t.Errorf("Synced=False message %q: want it to name the databases the server holds", c.Message)
	}
	srvPath := strings.ToLower(arm.SQLServerID(testenv.AzureSubscription, ns, srv))
	if dels := callsTo(counter.Calls()[mark:], srvPath, http.MethodDelete); len(dels) != 0 {
		t.Fatalf("%d DELETEs of a server holding a database, want none", len(dels))
	}
	if err := env.Client.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	for _, o := range []client.Object{d, s} {
		if err := testenv.WaitGone(ctx, env.Client, o, timeout); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := servers.Get(ctx, ns, srv, nil); err == nil {
		t.Error("the server is still in Azure")
	}
}

// TestThrottlingStorm throttles 30% of the provider's calls while resource
// groups, servers and databases are made: every one becomes Ready, with no
// duplicate, once the storm passes.
func TestThrottlingStorm(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlstorm", 3*time.Minute)
	harness.Azure.Faults.Set(fault.Faults{Throttle: 0.3, RetryAfter: time.Second})
	t.Cleanup(harness.Azure.Faults.Clear)
	var objs []testenv.Conditioned
	for i := range 2 {
		name := fmt.Sprintf("storm%d-%s", i, ns)
		g := &rgv1alpha1.ResourceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		g.Spec.ProviderConfigReference = pc
		s, d := stack(ns, name, name, v1alpha1.DatabaseParameters{})
		create(ctx, t, g, s, d)
		objs = append(objs, g, s, d)
	}
	// The storm lasts until the provider has made 60 calls through it.
	if _, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), 60, func(testenv.Call) bool { return true }); err != nil {
		t.Fatal(err)
	}
	st := harness.Azure.Faults.Stats()
	harness.Azure.Faults.Clear()
	if st.Throttled == 0 {
		t.Fatalf("no call was throttled (%+v)", st)
	}
	waitReady(ctx, t, objs...)
	for i := range 2 {
		name := fmt.Sprintf("storm%d-%s", i, ns)
		srvs, err := servers.NewListByResourceGroupPager(name, nil).NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(srvs.Value) != 1 {
			t.Fatalf("resource group %s holds %d servers, want 1", name, len(srvs.Value))
		}
		page, err := dbs.NewListByServerPager(name, *srvs.Value[0].Name, nil).NextPage(ctx)
		if err != nil || len(page.Value) != 1 {
			t.Errorf("server holds %d databases (%v), want 1", len(page.Value), err)
		}
	}
	t.Logf("storm: %+v", st)
}

// TestSchema checks the examples against the CRDs, and what the CRDs
// refuse at apply time.
func TestSchema(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlschema", time.Minute)
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		file string
		obj  client.Object
	}{{"server.yaml", &v1alpha1.Server{}}, {"database.yaml", &v1alpha1.Database{}}} {
		data, err := os.ReadFile(root + "/examples/azure/sql/" + f.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, f.obj); err != nil {
			t.Fatal(err)
		}
		f.obj.SetNamespace(ns)
		if err := env.Client.Create(ctx, f.obj, client.DryRunAll); err != nil {
			t.Errorf("example %s rejected: %v", f.file, err)
		}
	}
	cases := map[string]struct {
		obj  client.Object
		want string
	}{
		"DTUWithCapacity": {
			obj:  dbWith(ns, func(p *v1alpha1.DatabaseParameters) { p.SKU = &v1alpha1.SKU{Name: "S0", Capacity: ptr.To[int32](10)} }),
			want: "capacity goes with a vCore family",
		},
		"RefNamespace": {
			obj: dbWith(ns, func(p *v1alpha1.DatabaseParameters) {
				p.ServerNameRef = &xpv2.NamespacedReference{Name: "s", Namespace: "other"}
			}),
			want: "references stay in the resource's own namespace",
		},
		"NoServer": {
			obj:  dbWith(ns, func(p *v1alpha1.DatabaseParameters) { p.ServerName = nil }),
			want: "needs serverName",
		},
		"ReservedLogin": {
			obj: func() client.Object {
				s, _ := stack(ns, "rg", "reserved", v1alpha1.DatabaseParameters{})
				s.Spec.ForProvider.AdministratorLogin = ptr.To("Admin")
				return s
			}(),
			want: "reserved name",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.obj.SetName(strings.ToLower(name))
			err := env.Client.Create(ctx, tc.obj, client.DryRunAll)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("create error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func dbWith(ns string, f func(*v1alpha1.DatabaseParameters)) *v1alpha1.Database {
	p := v1alpha1.DatabaseParameters{ServerName: ptr.To("s"), ResourceGroupName: ptr.To("rg")}
	f(&p)
	d := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns}, Spec: v1alpha1.DatabaseSpec{ForProvider: p}}
	d.Spec.ProviderConfigReference = pc
	return d
}

// TestDatabasesListed shows four databases on one server polled from the
// server's listing: about one list call a poll between them and no GET of
// any one database; a change behind the provider's back is still reverted;
// a database deleted behind its back is confirmed gone with a GET and made
// again; deleting the resources deletes the databases.
func TestDatabasesListed(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqldblist", 3*time.Minute)
	group(ctx, t, ns)
	s, first := stack(ns, ns, "listed-"+ns, v1alpha1.DatabaseParameters{DeletionProtection: ptr.To(false)})
	create(ctx, t, s, first)
	ds := []*v1alpha1.Database{first}
	for i := 1; i < 4; i++ {
		d := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("listed-%d", i)}, Spec: v1alpha1.DatabaseSpec{ForProvider: v1alpha1.DatabaseParameters{
			ServerNameRef: &xpv2.NamespacedReference{Name: s.Name}, DeletionProtection: ptr.To(false),
		}}}
		d.Spec.ProviderConfigReference = pc
		create(ctx, t, d)
		ds = append(ds, d)
	}
	waitReady(ctx, t, s)
	var paths []string
	for _, d := range ds {
		waitReady(ctx, t, d)
		paths = append(paths, arm.SQLDatabaseID(testenv.AzureSubscription, ns, meta.GetExternalName(s), meta.GetExternalName(d)))
	}
	srv := meta.GetExternalName(s)
	testenv.ListingCheck{
		Counter: counter, Poll: poll, Timeout: timeout,
		ListPath:    arm.SQLServerID(testenv.AzureSubscription, ns, srv) + "/databases",
		ObjectPaths: paths,
		Drift: func(ctx context.Context) error {
			_, err := dbs.BeginUpdate(ctx, ns, srv, meta.GetExternalName(ds[0]), armsql.DatabaseUpdate{Properties: &armsql.DatabaseUpdateProperties{MaxSizeBytes: ptr.To[int64](100 << 30)}}, nil)
			return err
		},
		DeleteBehind: func(ctx context.Context) error {
			_, err := dbs.BeginDelete(ctx, ns, srv, meta.GetExternalName(ds[1]), nil)
			return err
		},
	}.Run(ctx, t)
	for _, d := range ds {
		if err := env.Client.Delete(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range ds {
		if err := testenv.WaitGone(ctx, env.Client, d, timeout); err != nil {
			t.Fatal(err)
		}
		if _, err := dbs.Get(ctx, ns, srv, meta.GetExternalName(d), nil); err == nil {
			t.Errorf("database %s is still in Azure", meta.GetExternalName(d))
		}
	}
}
