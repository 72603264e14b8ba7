package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

	rgv1alpha1 "github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
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
)

func TestMain(m *testing.M) {
	h, err := testenv.StartAzure(poll, delay, func(mgr ctrl.Manager, o controller.Options) error {
		for _, s := range []func(ctrl.Manager, controller.Options) error{usage.Setup, resourcegroup.Setup, server.Setup} {
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
	// A client behind the provider's back, straight to the local ARM.
	if servers, err = armsql.NewServersClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(h.Azure.URL)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

var pc = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}

// setup makes a namespace with a ProviderConfig "default" pointing at the
// local ARM through the call counter, and a resource group of the same name
// made behind the provider's back.
func setup(t *testing.T) (context.Context, string) {
	t.Helper()
	ctx, ns := harness.TestNamespace(t, "sqlsrv", 3*time.Minute)
	if _, err := harness.Azure.ResourceGroups().CreateOrUpdate(ctx, ns, armresources.ResourceGroup{Location: ptr.To("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}

func newServer(ns, name string, p v1alpha1.ServerParameters) *v1alpha1.Server {
	if p.ResourceGroupName == nil && p.ResourceGroupNameRef == nil {
		p.ResourceGroupName = ptr.To(ns)
	}
	if p.AdministratorLogin == nil {
		p.AdministratorLogin = ptr.To("stowage")
	}
	s := &v1alpha1.Server{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.ServerSpec{ForProvider: p}}
	s.Spec.ProviderConfigReference = pc
	return s
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

func serverPath(rg, name string) string {
	return strings.ToLower(arm.SQLServerID(testenv.AzureSubscription, rg, name))
}

// callsTo are the counted calls with method on the server.
func callsTo(calls []testenv.Call, rg, name, method string) []testenv.Call {
	var out []testenv.Call
	for _, c := range calls {
		if c.Method == method && strings.ToLower(c.Path) == serverPath(rg, name) {
			out = append(out, c)
		}
	}
	return out
}

// listPath is a group's list of SQL servers, which serves its Servers'
// polls.
func listPath(rg string) string {
	return arm.GroupID(testenv.AzureSubscription, rg) + "/providers/Microsoft.Sql/servers"
}

// watchPolls waits until the provider has read the server n more times (one
// GET a poll) and returns the calls made meanwhile.
func watchPolls(ctx context.Context, t *testing.T, rg, name string, n int) []testenv.Call {
	t.Helper()
	calls, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, func(c testenv.Call) bool {
		// A poll reads the server alone, or its group's listing.
		return c.Method == http.MethodGet && (strings.ToLower(c.Path) == serverPath(rg, name) || strings.EqualFold(c.Path, listPath(rg)))
	})
	if err != nil {
		t.Fatalf("polls of server %s: %v", name, err)
	}
	return calls
}

func secret(ctx context.Context, t *testing.T, ns, name string) map[string]string {
	t.Helper()
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range sec.Data {
		out[k] = string(v)
	}
	return out
}

func TestServerLifecycle(t *testing.T) {
	ctx, ns := setup(t)
	s := newServer(ns, "lifecycle-"+ns, v1alpha1.ServerParameters{Tags: map[string]string{"team": "shop"}})
	s.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "lifecycle-conn"}
	if err := env.Client.Create(ctx, s); err != nil {
		t.Fatal(err)
	}

	// The server goes Ready through Azure's Creating state, which the
	// status shows while it lasts.
	seen := map[string]bool{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(s), s); err != nil {
			return err
		}
		seen[s.Status.AtProvider.State] = true
		if s.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue {
			return fmt.Errorf("not ready: %v", s.GetCondition(xpv2.TypeReady))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !seen["Creating"] {
		t.Errorf("states seen %v: want Creating before Ready", seen)
	}
	waitReady(ctx, t, s)
	name := meta.GetExternalName(s)
	if name != server.NameFor(ns, s.Name) || s.GetAnnotations()["stowage.dev/generated-external-name"] != name {
		t.Fatalf("external name %q (annotations %v): want the generated %q", name, s.GetAnnotations(), server.NameFor(ns, s.Name))
	}
	// The provider started the create and never polled its operation.
	all := counter.Calls()
	if puts := callsTo(all, ns, name, http.MethodPut); len(puts) != 1 {
		t.Errorf("%d PUTs of the server, want 1", len(puts))
	}
	for _, c := range all {
		if strings.Contains(strings.ToLower(c.Path), "operation") {
			t.Errorf("the provider polled a long-running operation (%s %s): it must read the server instead", c.Method, c.Path)
		}
	}

	// Defaults and owner tags reached Azure.
	got, err := servers.Get(ctx, ns, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Properties
	if diff := cmp.Diff([]string{"stowage", "1.2", "12.0", name + ".database.windows.net"}, []string{*p.AdministratorLogin, *p.MinimalTLSVersion, *p.Version, *p.FullyQualifiedDomainName}); diff != "" {
		t.Errorf("server settings: -want, +got:\n%s", diff)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "sqlserver", s, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}
	if ptr.Deref(s.Spec.ForProvider.PublicNetworkAccess, "") != "Enabled" || ptr.Deref(s.Spec.ForProvider.Location, "") != "westeurope" {
		t.Errorf("late-initialised publicNetworkAccess %v, location %v: want Enabled, westeurope", s.Spec.ForProvider.PublicNetworkAccess, s.Spec.ForProvider.Location)
	}

	// The generated password lives in a Secret the Server owns, and the
	// connection secret follows the contract.
	own := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: server.GeneratedPasswordSecret(s.Name)}, own); err != nil {
		t.Fatal(err)
	}
	if len(own.OwnerReferences) != 1 || own.OwnerReferences[0].UID != s.UID || !server.Complex(string(own.Data["password"])) {
		t.Errorf("password Secret owners %v, complex %v: want owned by the Server and a complex password", own.OwnerReferences, server.Complex(string(own.Data["password"])))
	}
	pw := string(own.Data["password"])
	conn := secret(ctx, t, ns, "lifecycle-conn")
	host := name + ".database.windows.net"
	want := map[string]string{
		"engine": "sqlserver", "host": host, "port": "1433", "username": "stowage", "password": pw, "database": "master",
		"uri":     "sqlserver://stowage:" + pw + "@" + host + ":1433?database=master&encrypt=true",
		"jdbcUrl": "jdbc:sqlserver://" + host + ":1433;databaseName=master;encrypt=true",
	}
	if diff := cmp.Diff(want, conn); diff != "" {
		t.Errorf("connection secret: -want, +got:\n%s", diff)
	}
	if u, err := url.Parse(conn["uri"]); err != nil || u.Hostname() != host {
		t.Errorf("uri does not parse: %v", err)
	}

	// In sync: five polls, no writes.
	for _, c := range watchPolls(ctx, t, ns, name, 5) {
		if c.Write() {
			t.Errorf("write while in sync: %s %s", c.Method, c.Path)
		}
	}

	// A change behind the provider's back is reverted with one PATCH that
	// carries only the difference.
	if _, err := servers.BeginUpdate(ctx, ns, name, armsql.ServerUpdate{Properties: &armsql.ServerProperties{PublicNetworkAccess: ptr.To(armsql.ServerNetworkAccessFlagDisabled)}}, nil); err != nil {
		t.Fatal(err)
	}
	mark := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, timeout, mark, 1, func(c testenv.Call) bool { return c.Method == http.MethodPatch }); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, ns, name, 3)
	patches := callsTo(counter.Calls()[mark:], ns, name, http.MethodPatch)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes, want 1", len(patches))
	}
	var body map[string]any
	if err := json.Unmarshal(patches[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"properties": map[string]any{"publicNetworkAccess": "Enabled"}}, body); diff != "" {
		t.Errorf("PATCH body: -want, +got:\n%s", diff)
	}
	if got, err := servers.Get(ctx, ns, name, nil); err != nil || *got.Properties.PublicNetworkAccess != armsql.ServerNetworkAccessFlagEnabled {
		t.Errorf("public network access not reverted: %v", err)
	}

	// Deleting the resource deletes the server, and the resource stays
	// until Azure has finished: one DELETE, then reads.
	mark = len(counter.Calls())
	if err := env.Client.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, s, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := servers.Get(ctx, ns, name, nil); err == nil {
		t.Error("the resource went before the server left Azure")
	}
	if dels := callsTo(counter.Calls()[mark:], ns, name, http.MethodDelete); len(dels) != 1 {
		t.Errorf("%d DELETEs of the server, want 1: Azure deletes in the background", len(dels))
	}
}

func TestServerPasswordFromSecret(t *testing.T) {
	ctx, ns := setup(t)
	pwSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "admin"}, StringData: map[string]string{"pw": "weakpassword"}}
	if err := env.Client.Create(ctx, pwSecret); err != nil {
		t.Fatal(err)
	}
	s := newServer(ns, "bysecret-"+ns, v1alpha1.ServerParameters{PasswordSecretRef: &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "admin"}, Key: "pw"}})
	s.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "bysecret-conn"}
	if err := env.Client.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	// A password Azure would refuse is refused before any create call.
	c, err := testenv.WaitForCondition(ctx, env.Client, s, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "spec.forProvider.passwordSecretRef") || strings.Contains(c.Message, "weakpassword") {
		t.Errorf("Synced=False message %q: want it to name passwordSecretRef and never show the password", c.Message)
	}
	name := meta.GetExternalName(s)
	if puts := callsTo(counter.Calls(), ns, name, http.MethodPut); len(puts) != 0 {
		t.Errorf("%d create calls with a weak password, want none", len(puts))
	}

	pwSecret.StringData = map[string]string{"pw": "Sup3r-secret-1"}
	if err := env.Client.Update(ctx, pwSecret); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, s)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if got := secret(ctx, t, ns, "bysecret-conn")["password"]; got != "Sup3r-secret-1" {
			return fmt.Errorf("connection secret password is not the Secret's")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A new value in the Secret is sent with one PATCH of the password
	// alone, and published.
	mark := len(counter.Calls())
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(pwSecret), pwSecret); err != nil {
		t.Fatal(err)
	}
	pwSecret.StringData = map[string]string{"pw": "Sup3r-secret-2"}
	if err := env.Client.Update(ctx, pwSecret); err != nil {
		t.Fatal(err)
	}
	if _, err := counter.WaitFor(ctx, timeout, mark, 1, func(c testenv.Call) bool { return c.Method == http.MethodPatch }); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, ns, name, 2)
	patches := callsTo(counter.Calls()[mark:], ns, name, http.MethodPatch)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes after the password changed, want 1", len(patches))
	}
	var body map[string]any
	if err := json.Unmarshal(patches[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"properties": map[string]any{"administratorLoginPassword": "Sup3r-secret-2"}}, body); diff != "" {
		t.Errorf("PATCH body: -want, +got:\n%s", diff)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if got := secret(ctx, t, ns, "bysecret-conn")["password"]; got != "Sup3r-secret-2" {
			return fmt.Errorf("connection secret password is not the new one")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestServerImport(t *testing.T) {
	ctx, ns := setup(t)
	// Server names are global: one per test run.
	name := "imported-" + ns
	if _, err := servers.BeginCreateOrUpdate(ctx, ns, name, armsql.Server{Location: ptr.To("westeurope"), Tags: map[string]*string{"origin": ptr.To("by-hand")},
		Properties: &armsql.ServerProperties{AdministratorLogin: ptr.To("dba"), AdministratorLoginPassword: ptr.To("By-hand-pw1"), MinimalTLSVersion: ptr.To("1.2")}}, nil); err != nil {
		t.Fatal(err)
	}
	s := newServer(ns, "imported", v1alpha1.ServerParameters{AdministratorLogin: ptr.To("dba")})
	meta.SetExternalName(s, name)
	if err := env.Client.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, s)
	got, err := servers.Get(ctx, ns, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "sqlserver", s, map[string]string{"origin": "by-hand"}); err != nil {
		t.Errorf("an imported server is tagged as this resource's and keeps its tags: %v", err)
	}
	if s.Spec.ForProvider.Tags["origin"] != "by-hand" {
		t.Errorf("tags %v: want the server's own tags late-initialised", s.Spec.ForProvider.Tags)
	}
	if puts := callsTo(counter.Calls(), ns, name, http.MethodPut); len(puts) != 0 {
		t.Errorf("an import made %d PUTs, want none", len(puts))
	}
	for _, c := range callsTo(counter.Calls(), ns, name, http.MethodPatch) {
		if strings.Contains(string(c.Body), "administratorLoginPassword") {
			t.Errorf("an import without passwordSecretRef changed the password: %s", c.Body)
		}
	}
}

func TestServerNameTaken(t *testing.T) {
	ctx, ns := setup(t)
	name := "taken-" + ns
	harness.Azure.Server.Reserve(arm.SQLServerType, name)
	s := newServer(ns, name, v1alpha1.ServerParameters{})
	if err := env.Client.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, s, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "already taken") || !strings.Contains(c.Message, name) {
		t.Errorf("Synced=False message %q: want it to say the name is taken", c.Message)
	}
	// Later reconciles check the name (a read) and never create again.
	if _, err := counter.WaitFor(ctx, timeout, 0, 3, func(c testenv.Call) bool {
		return strings.HasSuffix(strings.ToLower(c.Path), "/microsoft.sql/checknameavailability") && strings.Contains(string(c.Body), name)
	}); err != nil {
		t.Fatal(err)
	}
	if puts := callsTo(counter.Calls(), ns, name, http.MethodPut); len(puts) != 1 {
		t.Errorf("%d create calls for a taken name, want 1", len(puts))
	}
}

// TestThrottlingStorm throttles 30% of the provider's calls while resource
// groups and servers are made: every one becomes Ready, with no duplicate,
// once the storm passes.
func TestThrottlingStorm(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlstorm", 3*time.Minute)
	harness.Azure.Faults.Set(fault.Faults{Throttle: 0.3, RetryAfter: time.Second})
	t.Cleanup(harness.Azure.Faults.Clear)
	var objs []testenv.Conditioned
	for i := range 2 {
		name := fmt.Sprintf("storm%d-%s", i, ns)
		g := &rgv1alpha1.ResourceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		g.Spec.ProviderConfigReference = pc
		s := newServer(ns, name, v1alpha1.ServerParameters{ResourceGroupNameRef: &xpv2.NamespacedReference{Name: name}})
		for _, o := range []client.Object{g, s} {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		objs = append(objs, g, s)
	}
	// The storm lasts until the provider has made 40 calls through it.
	if _, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), 40, func(testenv.Call) bool { return true }); err != nil {
		t.Fatal(err)
	}
	st := harness.Azure.Faults.Stats()
	harness.Azure.Faults.Clear()
	if st.Throttled == 0 {
		t.Fatalf("no call was throttled (%+v)", st)
	}
	waitReady(ctx, t, objs...)
	for i := range 2 {
		rg := fmt.Sprintf("storm%d-%s", i, ns)
		page, err := servers.NewListByResourceGroupPager(rg, nil).NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Value) != 1 {
			t.Errorf("resource group %s holds %d servers, want 1", rg, len(page.Value))
		}
	}
	t.Logf("storm: %+v", st)
}

// TestServersListed shows three servers in one group polled from the
// group's listing: about one list call a poll between them and no GET of
// any one server; a change behind the provider's back is still reverted; a
// server deleted behind its back is confirmed gone with a GET and made
// again; deleting the resources deletes the servers.
func TestServersListed(t *testing.T) {
	ctx, ns := setup(t)
	const k = 3
	var ss []*v1alpha1.Server
	var paths []string
	for i := range k {
		s := newServer(ns, fmt.Sprintf("listed-%d-%s", i, ns), v1alpha1.ServerParameters{Location: ptr.To("westeurope")})
		if err := env.Client.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	for _, s := range ss {
		waitReady(ctx, t, s)
		paths = append(paths, arm.SQLServerID(testenv.AzureSubscription, ns, meta.GetExternalName(s)))
	}
	testenv.ListingCheck{
		Counter: counter, Poll: poll, Timeout: timeout, ListPath: listPath(ns), ObjectPaths: paths,
		Drift: func(ctx context.Context) error {
			_, err := servers.BeginUpdate(ctx, ns, meta.GetExternalName(ss[0]), armsql.ServerUpdate{Properties: &armsql.ServerProperties{PublicNetworkAccess: ptr.To(armsql.ServerNetworkAccessFlagDisabled)}}, nil)
			return err
		},
		DeleteBehind: func(ctx context.Context) error {
			_, err := servers.BeginDelete(ctx, ns, meta.GetExternalName(ss[1]), nil)
			return err
		},
	}.Run(ctx, t)
	for _, s := range ss {
		if err := env.Client.Delete(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range ss {
		if err := testenv.WaitGone(ctx, env.Client, s, timeout); err != nil {
			t.Fatal(err)
		}
		if _, err := servers.Get(ctx, ns, meta.GetExternalName(s), nil); err == nil {
			t.Errorf("server %s is still in Azure", meta.GetExternalName(s))
		}
	}
}
