// Package flextest holds the integration test scenarios of flexible servers
// and their databases, run on envtest and the local ARM by each engine's
// packages (PostgreSQL and MySQL) against its own kinds.
package flextest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	rgv1alpha1 "github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/flexible"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// Timings every flexible server test package uses: the local ARM takes
// Delay over a long-running operation and the controllers poll every Poll.
const (
	Poll    = time.Second
	Delay   = 500 * time.Millisecond
	Timeout = 60 * time.Second
)

// An Object is a managed resource the tests can read and wait for.
type Object interface {
	resource.ModernManaged
	testenv.Conditioned
}

// Direct is what a test does behind the provider's back, with the engine's
// own SDK pointed straight at the local ARM.
type Direct interface {
	// CreateServer makes a server (without waiting) with tags.
	CreateServer(ctx context.Context, rg, name string, tags map[string]string) error
	// SetRetention changes a server's backup retention.
	SetRetention(ctx context.Context, rg, name string, days int32) error
	// ServerExists reports whether the server is there.
	ServerExists(ctx context.Context, rg, name string) (bool, error)
	// DeleteServer drops a server (without waiting).
	DeleteServer(ctx context.Context, rg, name string) error
	// CreateDatabase makes a database (without waiting).
	CreateDatabase(ctx context.Context, rg, server, name string) error
	// DeleteDatabase drops a database (without waiting).
	DeleteDatabase(ctx context.Context, rg, server, name string) error
	// DatabaseExists reports whether the database is there.
	DatabaseExists(ctx context.Context, rg, server, name string) (bool, error)
	// ServerCount is how many servers the resource group holds.
	ServerCount(ctx context.Context, rg string) (int, error)
}

// A ServerSuite runs the FlexibleServer scenarios for one engine's kind T.
type ServerSuite[T Object] struct {
	Harness *testenv.AzureHarness
	Kind    flexible.ServerKind[T]
	Cloud   arm.FlexibleEngine
	Direct  Direct
	// OwnerKind is the kind as owner tags name it.
	OwnerKind string
	// Version the scenarios ask for.
	Version string
	// SetGroup sets T's resource group by name, SetGroupRef by reference
	// to a ResourceGroup (clearing the name).
	SetGroup    func(cr T, rg string)
	SetGroupRef func(cr T, name string)
}

var pc = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}

// NewServer is an empty T named name in ns, using the default provider
// config, in resource group rg.
func (s ServerSuite[T]) NewServer(ns, name, rg string) T {
	cr := s.Kind.New()
	cr.SetNamespace(ns)
	cr.SetName(name)
	cr.SetProviderConfigReference(pc)
	s.SetGroup(cr, rg)
	return cr
}

// Setup makes a namespace with a ProviderConfig "default" pointing at the
// local ARM through the call counter, and a resource group of the same name
// made behind the provider's back.
func (s ServerSuite[T]) Setup(t *testing.T, prefix string) (context.Context, string) {
	t.Helper()
	ctx, ns := s.Harness.TestNamespace(t, prefix, 3*time.Minute)
	if _, err := s.Harness.Azure.ResourceGroups().CreateOrUpdate(ctx, ns, armresources.ResourceGroup{Location: ptr.To("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}

func (s ServerSuite[T]) serverPath(rg, name string) string {
	return strings.ToLower(s.Cloud.ServerID(testenv.AzureSubscription, rg, name))
}

// callsTo are the counted calls with method on the server (and under it
// when nested).
func (s ServerSuite[T]) callsTo(calls []testenv.Call, rg, name, method string, nested bool) []testenv.Call {
	var out []testenv.Call
	p := s.serverPath(rg, name)
	for _, c := range calls {
		path := strings.ToLower(c.Path)
		if c.Method == method && (path == p || nested && strings.HasPrefix(path, p+"/")) {
			out = append(out, c)
		}
	}
	return out
}

// listPath is a group's list of servers, which serves its servers' polls.
func (s ServerSuite[T]) listPath(rg string) string {
	return arm.GroupID(testenv.AzureSubscription, rg) + "/providers/" + s.Cloud.ServerType()
}

// watchPolls waits until the provider has read the server n more times
// (one GET a poll) and returns the calls made meanwhile.
func (s ServerSuite[T]) watchPolls(ctx context.Context, t *testing.T, rg, name string, n int) []testenv.Call {
	t.Helper()
	calls, err := s.Harness.Counter.WaitFor(ctx, Timeout, len(s.Harness.Counter.Calls()), n, func(c testenv.Call) bool {
		// A poll reads the server alone, or its group's listing.
		return c.Method == http.MethodGet && (strings.ToLower(c.Path) == s.serverPath(rg, name) || strings.EqualFold(c.Path, s.listPath(rg)))
	})
	if err != nil {
		t.Fatalf("polls of server %s: %v", name, err)
	}
	return calls
}

// WaitReady waits for Ready and Synced.
func WaitReady(ctx context.Context, t *testing.T, c client.Client, objs ...testenv.Conditioned) {
	t.Helper()
	for _, o := range objs {
		for _, ct := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
			if _, err := testenv.WaitForCondition(ctx, c, o, ct, corev1.ConditionTrue, Timeout); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func body(t *testing.T, c testenv.Call) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("body of %s %s: %v", c.Method, c.Path, err)
	}
	return m
}

// Lifecycle: create → Ready through Provisioning with one PUT and no
// operation polling; the connection secret; zero writes in sync; a change
// behind the provider's back reverted with one PATCH of only the
// difference; deletion protection refusing, then allowing, a delete that
// waits for Azure.
func (s ServerSuite[T]) Lifecycle(t *testing.T) {
	env, counter := s.Harness.Env, s.Harness.Counter
	ctx, ns := s.Setup(t, "flex")
	cr := s.NewServer(ns, "life-"+ns, ns)
	st := s.Kind.Settings(cr)
	st.Version = ptr.To(s.Version)
	st.Tags = map[string]string{"team": "shop"}
	cr.SetWriteConnectionSecretToReference(&xpv2.LocalSecretReference{Name: "life-conn"})
	if err := env.Client.Create(ctx, cr); err != nil {
		t.Fatal(err)
	}

	// The server goes Ready through Azure's states, which the status
	// shows while they last.
	seen := map[string]bool{}
	if err := testenv.Eventually(ctx, Timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cr), cr); err != nil {
			return err
		}
		seen[s.Kind.Observation(cr).State] = true
		if c := cr.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
			return fmt.Errorf("not ready: %v", c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !seen[flexible.StateProvisioning] {
		t.Errorf("states seen %v: want Provisioning before Ready", seen)
	}
	WaitReady(ctx, t, env.Client, cr)
	name := meta.GetExternalName(cr)
	if name != cr.GetName() {
		t.Fatalf("external name %q, want metadata.name %q", name, cr.GetName())
	}
	all := counter.Calls()
	if puts := s.callsTo(all, ns, name, http.MethodPut, false); len(puts) != 1 {
		t.Errorf("%d PUTs of the server, want 1", len(puts))
	} else if b := body(t, puts[0]); b["properties"].(map[string]any)["administratorLoginPassword"] == "" {
		t.Error("the create sent no administrator password")
	}
	for _, c := range all {
		p := strings.ToLower(c.Path)
		if strings.Contains(p, "/azureasyncoperation/") || strings.Contains(p, "/operationresults/") {
			t.Errorf("the provider polled a long-running operation (%s %s): it must read the server instead", c.Method, c.Path)
		}
	}

	// Defaults reached Azure and came back into the spec.
	st = s.Kind.Settings(cr)
	if diff := cmp.Diff([]any{"westeurope", s.Version, &flexv1alpha1.SKU{Tier: "Burstable", Name: "Standard_B1ms"}, "stowage", "Enabled", true},
		[]any{ptr.Deref(st.Location, ""), ptr.Deref(st.Version, ""), st.SKU, ptr.Deref(st.AdministratorLogin, ""), ptr.Deref(st.PublicNetworkAccess, ""), ptr.Deref(st.DeletionProtection, false)}); diff != "" {
		t.Errorf("spec after late-initialisation: -want, +got:\n%s", diff)
	}
	if st.Backup == nil || ptr.Deref(st.Backup.RetentionDays, 0) != 7 {
		t.Errorf("backup %+v: want Azure's 7 days late-initialised", st.Backup)
	}
	if err := testenv.CheckOwnerTags(s.tags(ctx, t, ns, name), s.OwnerKind, cr, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}

	// The connection secret is the contract's, with the generated password
	// Azure was given (and that no GET ever returns).
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, Timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "life-conn"}, sec); err != nil {
			return err
		}
		if len(sec.Data["password"]) == 0 {
			return fmt.Errorf("no password yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	own := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: flexible.PasswordSecret(cr.GetName())}, own); err != nil {
		t.Fatal(err)
	}
	pw := string(own.Data["password"])
	inAzure, _ := s.Harness.Azure.Server.FlexibleAdministratorPassword(s.Cloud, testenv.AzureSubscription, ns, name)
	if pw == "" || pw != inAzure || string(sec.Data["password"]) != pw {
		t.Errorf("password: generated %d chars, Azure has %d, secret has %d; want all the same", len(pw), len(inAzure), len(sec.Data["password"]))
	}
	host := name + s.Cloud.DNSSuffix
	port := fmt.Sprint(s.Kind.Engine.Port)
	for k, want := range map[string]string{"host": host, "port": port, "username": "stowage", "engine": string(s.Kind.Engine.Contract), "database": s.Kind.Engine.DefaultDatabase} {
		if got := string(sec.Data[k]); got != want {
			t.Errorf("connection secret %s = %q, want %q", k, got, want)
		}
	}
	u, err := url.Parse(string(sec.Data["uri"]))
	if err != nil || u.Host != host+":"+port || u.User.Username() != "stowage" {
		t.Errorf("uri %q (%v): want one for %s:%s as stowage", sec.Data["uri"], err, host, port)
	}
	if p, _ := u.User.Password(); p != pw {
		t.Error("uri does not carry the password")
	}
	if !strings.Contains(string(sec.Data["jdbcUrl"]), "//"+host+":"+port+"/") {
		t.Errorf("jdbcUrl %q: want one for %s:%s", sec.Data["jdbcUrl"], host, port)
	}

	// In sync: five polls, no writes.
	for _, c := range s.watchPolls(ctx, t, ns, name, 5) {
		if c.Write() {
			t.Errorf("write while in sync: %s %s", c.Method, c.Path)
		}
	}

	// A change behind the provider's back is reverted with one PATCH that
	// carries only the difference.
	if err := s.Direct.SetRetention(ctx, ns, name, 14); err != nil {
		t.Fatal(err)
	}
	mark := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, Timeout, mark, 1, func(c testenv.Call) bool { return c.Method == http.MethodPatch }); err != nil {
		t.Fatal(err)
	}
	s.watchPolls(ctx, t, ns, name, 3)
	patches := s.callsTo(counter.Calls()[mark:], ns, name, http.MethodPatch, false)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes, want 1", len(patches))
	}
	if diff := cmp.Diff(map[string]any{"properties": map[string]any{"backup": map[string]any{"backupRetentionDays": float64(7)}}}, body(t, patches[0])); diff != "" {
		t.Errorf("PATCH body: -want, +got:\n%s", diff)
	}
	WaitReady(ctx, t, env.Client, cr)

	// Deletion protection: the delete is refused, says how to turn it off,
	// and sends nothing to Azure.
	if err := env.Client.Delete(ctx, cr); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, cr, xpv2.TypeSynced, corev1.ConditionFalse, Timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "deletion protection is on") || !strings.Contains(c.Message, "spec.forProvider.deletionProtection to false") {
		t.Errorf("Synced=False message %q: want it to say deletion protection is on and how to turn it off", c.Message)
	}
	s.watchPolls(ctx, t, ns, name, 2)
	if dels := s.callsTo(counter.Calls(), ns, name, http.MethodDelete, false); len(dels) != 0 {
		t.Errorf("%d DELETEs while deletion protection is on, want none", len(dels))
	}
	if ok, err := s.Direct.ServerExists(ctx, ns, name); err != nil || !ok {
		t.Fatalf("the server is gone while deletion protection is on (%v)", err)
	}

	// Turned off, the delete goes through and waits for Azure.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cr), cr); err != nil {
		t.Fatal(err)
	}
	s.Kind.Settings(cr).DeletionProtection = ptr.To(false)
	if err := env.Client.Update(ctx, cr); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, cr, Timeout); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Direct.ServerExists(ctx, ns, name); err != nil || ok {
		t.Errorf("the server is still in Azure after its resource is gone (%v)", err)
	}
	calls := counter.Calls()
	if dels := s.callsTo(calls, ns, name, http.MethodDelete, false); len(dels) != 1 {
		t.Errorf("%d DELETEs, want 1", len(dels))
	}
	// The resource went only once Azure said the server was gone: its
	// last reads were of a Dropping server, then a 404.
	if gets := s.callsTo(calls, ns, name, http.MethodGet, false); len(gets) == 0 {
		t.Error("no reads of the server")
	}
	s.checkEvent(ctx, t, ns, cr.GetName(), fmt.Sprintf("restorable for %d days", flexible.DroppedServerRestoreDays))
}

// checkEvent waits for an event of the object whose message contains want.
func (s ServerSuite[T]) checkEvent(ctx context.Context, t *testing.T, ns, name, want string) {
	t.Helper()
	if err := testenv.Eventually(ctx, Timeout, func() error {
		evs := &corev1.EventList{}
		if err := s.Harness.Env.Client.List(ctx, evs, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.InvolvedObject.Name == name && strings.Contains(e.Message, want) {
				return nil
			}
		}
		return fmt.Errorf("no event of %s says %q", name, want)
	}); err != nil {
		t.Error(err)
	}
}

func (s ServerSuite[T]) tags(ctx context.Context, t *testing.T, rg, name string) map[string]string {
	t.Helper()
	code, b := s.get(ctx, t, s.Cloud.ServerID(testenv.AzureSubscription, rg, name))
	if code != http.StatusOK {
		t.Fatalf("GET server: %d", code)
	}
	out := map[string]string{}
	if tags, ok := b["tags"].(map[string]any); ok {
		for k, v := range tags {
			out[k], _ = v.(string)
		}
	}
	if _, ok := b["properties"].(map[string]any)["administratorLoginPassword"]; ok {
		t.Error("GET returned the administrator password")
	}
	return out
}

// get reads an ARM resource straight from the local ARM, as JSON.
func (s ServerSuite[T]) get(ctx context.Context, t *testing.T, id string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Harness.Azure.URL+id+"?api-version="+s.Cloud.APIVersions[0], nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// Import: a server made behind the provider's back is adopted by external
// name, without a create; its password, from a Secret, is set with one
// PATCH with the owner tags.
func (s ServerSuite[T]) Import(t *testing.T) {
	env, counter := s.Harness.Env, s.Harness.Counter
	ctx, ns := s.Setup(t, "flexi")
	name := "imported-" + ns
	if err := s.Direct.CreateServer(ctx, ns, name, map[string]string{"origin": "by-hand"}); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "admin"}, Data: map[string][]byte{"pw": []byte("Imported-Passw0rd")}}); err != nil {
		t.Fatal(err)
	}
	cr := s.NewServer(ns, "imported", ns)
	meta.SetExternalName(cr, name)
	s.Kind.Settings(cr).AdministratorPasswordSecretRef = &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "admin"}, Key: "pw"}
	if err := env.Client.Create(ctx, cr); err != nil {
		t.Fatal(err)
	}
	WaitReady(ctx, t, env.Client, cr)
	if _, err := counter.WaitFor(ctx, Timeout, 0, 1, func(c testenv.Call) bool {
		return c.Method == http.MethodPatch && strings.ToLower(c.Path) == s.serverPath(ns, name)
	}); err != nil {
		t.Fatal(err)
	}
	WaitReady(ctx, t, env.Client, cr)
	s.watchPolls(ctx, t, ns, name, 2)
	calls := counter.Calls()
	if puts := s.callsTo(calls, ns, name, http.MethodPut, false); len(puts) != 0 {
		t.Errorf("an import made %d PUTs, want none", len(puts))
	}
	patches := s.callsTo(calls, ns, name, http.MethodPatch, false)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes, want 1 (password and owner tags)", len(patches))
	}
	b := body(t, patches[0])
	if pw := b["properties"].(map[string]any)["administratorLoginPassword"]; pw != "Imported-Passw0rd" {
		t.Error("the PATCH did not set the password from the Secret")
	}
	if _, ok := b["tags"].(map[string]any)["stowage-uid"]; !ok || len(b) != 2 || len(b["properties"].(map[string]any)) != 1 {
		t.Errorf("PATCH keys %v: want only the password and the tags", keys(b))
	}
	if err := testenv.CheckOwnerTags(s.tags(ctx, t, ns, name), s.OwnerKind, cr, map[string]string{"origin": "by-hand"}); err != nil {
		t.Errorf("an imported server is tagged as this resource's and keeps its tags: %v", err)
	}
	if inAzure, _ := s.Harness.Azure.Server.FlexibleAdministratorPassword(s.Cloud, testenv.AzureSubscription, ns, name); inAzure != "Imported-Passw0rd" {
		t.Error("Azure does not have the password from the Secret")
	}
	if s.Kind.Settings(cr).Tags["origin"] != "by-hand" || s.Kind.Settings(cr).SKU == nil {
		t.Errorf("tags %v, sku %v: want the server's own late-initialised", s.Kind.Settings(cr).Tags, s.Kind.Settings(cr).SKU)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// NameTaken: a name used elsewhere ends in Synced=False saying so, after
// one create; later reconciles only check the name.
func (s ServerSuite[T]) NameTaken(t *testing.T) {
	env, counter := s.Harness.Env, s.Harness.Counter
	ctx, ns := s.Setup(t, "flext")
	name := "taken-" + ns
	s.Harness.Azure.Server.Reserve(s.Cloud.ServerType(), name)
	cr := s.NewServer(ns, name, ns)
	if err := env.Client.Create(ctx, cr); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, cr, xpv2.TypeSynced, corev1.ConditionFalse, Timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "already used") || !strings.Contains(c.Message, name) {
		t.Errorf("Synced=False message %q: want it to say the name is taken", c.Message)
	}
	if _, err := counter.WaitFor(ctx, Timeout, 0, 3, func(c testenv.Call) bool {
		return strings.HasSuffix(strings.ToLower(c.Path), "/checknameavailability")
	}); err != nil {
		t.Fatal(err)
	}
	if puts := s.callsTo(counter.Calls(), ns, name, http.MethodPut, false); len(puts) != 1 {
		t.Errorf("%d create calls for a taken name, want 1", len(puts))
	}
}

// Storm throttles 30% of the provider's calls while resource groups and
// servers (pointing at them by reference) are made: every one becomes
// Ready, with no duplicate, once the storm passes. extra adds more objects
// to each stack (a database) and returns them.
func (s ServerSuite[T]) Storm(t *testing.T, extra func(ns, name string) []testenv.Conditioned) {
	env, counter := s.Harness.Env, s.Harness.Counter
	ctx, ns := s.Harness.TestNamespace(t, "storm", 3*time.Minute)
	s.Harness.Azure.Faults.Set(fault.Faults{Throttle: 0.3, RetryAfter: time.Second})
	t.Cleanup(s.Harness.Azure.Faults.Clear)
	var objs []testenv.Conditioned
	for i := range 2 {
		name := fmt.Sprintf("storm%d-%s", i, ns)
		g := &rgv1alpha1.ResourceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		g.Spec.ProviderConfigReference = pc
		cr := s.NewServer(ns, name, "")
		s.SetGroupRef(cr, name)
		s.Kind.Settings(cr).DeletionProtection = ptr.To(false)
		todo := []testenv.Conditioned{g, cr}
		if extra != nil {
			todo = append(todo, extra(ns, name)...)
		}
		for _, o := range todo {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		objs = append(objs, todo...)
	}
	// The storm lasts until the provider has made 60 calls through it.
	if _, err := counter.WaitFor(ctx, Timeout, len(counter.Calls()), 60, func(testenv.Call) bool { return true }); err != nil {
		t.Fatal(err)
	}
	st := s.Harness.Azure.Faults.Stats()
	s.Harness.Azure.Faults.Clear()
	if st.Throttled == 0 {
		t.Fatalf("no call was throttled (%+v)", st)
	}
	WaitReady(ctx, t, env.Client, objs...)
	for i := range 2 {
		rg := fmt.Sprintf("storm%d-%s", i, ns)
		n, err := s.Direct.ServerCount(ctx, rg)
		if err != nil || n != 1 {
			t.Errorf("resource group %s holds %d servers (%v), want 1", rg, n, err)
		}
	}
	t.Logf("storm: %+v", st)
}

// Listed: three servers in one group are polled from the group's listing,
// about one list call a poll between them and no GET of any one server; a
// change behind the provider's back is still reverted; a server deleted
// behind its back is confirmed gone with a GET and made again; deleting
// the resources deletes the servers.
func (s ServerSuite[T]) Listed(t *testing.T) {
	env := s.Harness.Env
	ctx, ns := s.Setup(t, "flexlist")
	var crs []T
	var paths []string
	for i := range 3 {
		cr := s.NewServer(ns, fmt.Sprintf("listed-%d-%s", i, ns), ns)
		s.Kind.Settings(cr).Version = ptr.To(s.Version)
		s.Kind.Settings(cr).DeletionProtection = ptr.To(false)
		if err := env.Client.Create(ctx, cr); err != nil {
			t.Fatal(err)
		}
		crs = append(crs, cr)
	}
	for _, cr := range crs {
		WaitReady(ctx, t, env.Client, cr)
		paths = append(paths, s.Cloud.ServerID(testenv.AzureSubscription, ns, meta.GetExternalName(cr)))
	}
	testenv.ListingCheck{
		Counter: s.Harness.Counter, Poll: Poll, Timeout: Timeout, ListPath: s.listPath(ns), ObjectPaths: paths,
		Drift: func(ctx context.Context) error {
			return s.Direct.SetRetention(ctx, ns, meta.GetExternalName(crs[0]), 14)
		},
		DeleteBehind: func(ctx context.Context) error { return s.Direct.DeleteServer(ctx, ns, meta.GetExternalName(crs[1])) },
	}.Run(ctx, t)
	for _, cr := range crs {
		if err := env.Client.Delete(ctx, cr); err != nil {
			t.Fatal(err)
		}
	}
	for _, cr := range crs {
		if err := testenv.WaitGone(ctx, env.Client, cr, Timeout); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Direct.ServerExists(ctx, ns, meta.GetExternalName(cr)); err != nil || ok {
			t.Errorf("server %s is still in Azure (%v)", meta.GetExternalName(cr), err)
		}
	}
}
