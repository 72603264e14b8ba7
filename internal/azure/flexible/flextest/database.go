package flextest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/flexible"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// A DatabaseSuite runs the Database scenarios for one engine's kind D in
// servers of kind S.
type DatabaseSuite[D, S Object] struct {
	Servers ServerSuite[S]
	Kind    flexible.DatabaseKind[D, S]
	// SetServerRef points a database at a FlexibleServer by reference;
	// SetServer by server and resource group names.
	SetServerRef func(cr D, name string)
	SetServer    func(cr D, server, rg string)
	// Charset and Collation are the engine's defaults, as Azure reports
	// them.
	Charset, Collation string
}

// NewDatabase is an empty D named name in ns, using the default provider
// config.
func (s DatabaseSuite[D, S]) NewDatabase(ns, name string) D {
	cr := s.Kind.New()
	cr.SetNamespace(ns)
	cr.SetName(name)
	cr.SetProviderConfigReference(pc)
	return cr
}

// Stack is a server (deletion protection off) in resource group rg and a
// database in it by reference, both named name.
func (s DatabaseSuite[D, S]) Stack(ns, name, rg string) (S, D) {
	srv := s.Servers.NewServer(ns, name, rg)
	s.Servers.Kind.Settings(srv).DeletionProtection = ptr.To(false)
	db := s.NewDatabase(ns, name)
	s.SetServerRef(db, name)
	return srv, db
}

func (s DatabaseSuite[D, S]) dbPath(rg, server, name string) string {
	return strings.ToLower(s.Servers.Cloud.DatabaseID(testenv.AzureSubscription, rg, server, name))
}

func (s DatabaseSuite[D, S]) callsTo(calls []testenv.Call, rg, server, name, method string) []testenv.Call {
	var out []testenv.Call
	for _, c := range calls {
		if c.Method == method && strings.ToLower(c.Path) == s.dbPath(rg, server, name) {
			out = append(out, c)
		}
	}
	return out
}

func (s DatabaseSuite[D, S]) watchPolls(ctx context.Context, t *testing.T, rg, server, name string, n int) []testenv.Call {
	t.Helper()
	counter := s.Servers.Harness.Counter
	calls, err := counter.WaitFor(ctx, Timeout, len(counter.Calls()), n, func(c testenv.Call) bool {
		// A poll reads the database alone, or its server's listing.
		p := strings.ToLower(c.Path)
		return c.Method == http.MethodGet && (p == s.dbPath(rg, server, name) || p == strings.ToLower(s.Servers.Cloud.ServerID(testenv.AzureSubscription, rg, server))+"/databases")
	})
	if err != nil {
		t.Fatalf("polls of database %s: %v", name, err)
	}
	return calls
}

// Lifecycle: a database in a referenced server goes Ready through "Azure
// accepted it and has not shown it yet" with one PUT, publishes its name,
// costs no writes in sync, is made again with one PUT when deleted behind
// the provider's back, and its delete waits for Azure.
func (s DatabaseSuite[D, S]) Lifecycle(t *testing.T) {
	env, counter := s.Servers.Harness.Env, s.Servers.Harness.Counter
	ctx, ns := s.Servers.Setup(t, "flexdb")
	srv, db := s.Stack(ns, "app-"+ns, ns)
	db.SetWriteConnectionSecretToReference(&xpv2.LocalSecretReference{Name: "app-db"})
	for _, o := range []client.Object{srv, db} {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	messages := map[string]bool{}
	if err := testenv.Eventually(ctx, Timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(db), db); err != nil {
			return err
		}
		c := db.GetCondition(xpv2.TypeReady)
		messages[c.Message] = true
		if c.Status != corev1.ConditionTrue {
			return fmt.Errorf("not ready: %v", c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !messages["Azure accepted the database and has not shown it yet"] {
		t.Errorf("Ready messages seen %v: want the accepted-not-shown state before Ready", messages)
	}
	WaitReady(ctx, t, env.Client, srv, db)
	server, name := meta.GetExternalName(srv), meta.GetExternalName(db)
	if ptr.Deref(s.Kind.ServerName(db), "") != server || ptr.Deref(s.Kind.ResourceGroup(db), "") != "" {
		t.Errorf("serverName %v, resourceGroupName %v: want the referenced server, and its resource group not copied into the spec", s.Kind.ServerName(db), s.Kind.ResourceGroup(db))
	}
	all := counter.Calls()
	if puts := s.callsTo(all, ns, server, name, http.MethodPut); len(puts) != 1 {
		t.Errorf("%d PUTs of the database, want 1", len(puts))
	}
	for _, c := range all {
		if p := strings.ToLower(c.Path); strings.Contains(p, "/azureasyncoperation/") || strings.Contains(p, "/operationresults/") {
			t.Errorf("the provider polled a long-running operation (%s %s)", c.Method, c.Path)
		}
	}
	set := s.Kind.Settings(db)
	if ptr.Deref(set.Charset, "") != s.Charset || ptr.Deref(set.Collation, "") != s.Collation {
		t.Errorf("charset %v, collation %v: want Azure's %s, %s late-initialised", set.Charset, set.Collation, s.Charset, s.Collation)
	}
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, Timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app-db"}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	if string(sec.Data["database"]) != name {
		t.Errorf("connection secret database = %q, want %q", sec.Data["database"], name)
	}

	// In sync: five polls, no writes.
	for _, c := range s.watchPolls(ctx, t, ns, server, name, 5) {
		if c.Write() {
			t.Errorf("write while in sync: %s %s", c.Method, c.Path)
		}
	}

	// Dropped behind the provider's back, the database is made again with
	// one PUT carrying its settings.
	d := s.Servers.Direct
	if err := d.DeleteDatabase(ctx, ns, server, name); err != nil {
		t.Fatal(err)
	}
	mark := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, Timeout, mark, 1, func(c testenv.Call) bool {
		return c.Method == http.MethodPut && strings.ToLower(c.Path) == s.dbPath(ns, server, name)
	}); err != nil {
		t.Fatal(err)
	}
	// Ready until the controller has seen the 404; wait for Azure to show
	// the database again before reading the resource's conditions.
	if err := testenv.Eventually(ctx, Timeout, func() error {
		if ok, err := d.DatabaseExists(ctx, ns, server, name); err != nil || !ok {
			return fmt.Errorf("database not shown again yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	WaitReady(ctx, t, env.Client, db)
	s.watchPolls(ctx, t, ns, server, name, 2)
	puts := s.callsTo(counter.Calls()[mark:], ns, server, name, http.MethodPut)
	if len(puts) != 1 {
		t.Fatalf("%d PUTs to make the database again, want 1", len(puts))
	}
	if diff := cmp.Diff(map[string]any{"properties": map[string]any{"charset": s.Charset, "collation": s.Collation}}, body(t, puts[0])); diff != "" {
		t.Errorf("PUT body: -want, +got:\n%s", diff)
	}

	// Deleting the resource deletes the database, once Azure has.
	if err := env.Client.Delete(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, db, Timeout); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.DatabaseExists(ctx, ns, server, name); err != nil || ok {
		t.Errorf("the database is still in Azure after its resource is gone (%v)", err)
	}
	if dels := s.callsTo(counter.Calls(), ns, server, name, http.MethodDelete); len(dels) != 1 {
		t.Errorf("%d DELETEs of the database, want 1", len(dels))
	}
	if ok, err := d.ServerExists(ctx, ns, server); err != nil || !ok {
		t.Errorf("the server went with the database (%v)", err)
	}
}

// Import: a database made behind the provider's back is adopted by external
// name, with the server and resource group named, without a create.
func (s DatabaseSuite[D, S]) Import(t *testing.T) {
	env, counter := s.Servers.Harness.Env, s.Servers.Harness.Counter
	ctx, ns := s.Servers.Setup(t, "flexdbi")
	srv, _ := s.Stack(ns, "imp-"+ns, ns)
	if err := env.Client.Create(ctx, srv); err != nil {
		t.Fatal(err)
	}
	WaitReady(ctx, t, env.Client, srv)
	server := meta.GetExternalName(srv)
	d := s.Servers.Direct
	if err := d.CreateDatabase(ctx, ns, server, "existing"); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, Timeout, func() error {
		if ok, err := d.DatabaseExists(ctx, ns, server, "existing"); err != nil || !ok {
			return fmt.Errorf("database not there yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db := s.NewDatabase(ns, "imported")
	s.SetServer(db, server, ns)
	meta.SetExternalName(db, "existing")
	if err := env.Client.Create(ctx, db); err != nil {
		t.Fatal(err)
	}
	WaitReady(ctx, t, env.Client, db)
	if puts := s.callsTo(counter.Calls(), ns, server, "existing", http.MethodPut); len(puts) != 0 {
		t.Errorf("an import made %d PUTs, want none", len(puts))
	}
	if s.Kind.Observation(db).ID == "" {
		t.Error("no ARM ID in the status")
	}
}

// DeleteWhileAccepted: a database deleted while Azure has accepted its
// create and does not show it yet is deleted once it shows (one DELETE),
// not left behind by a delete that found nothing.
func (s DatabaseSuite[D, S]) DeleteWhileAccepted(t *testing.T) {
	env, counter := s.Servers.Harness.Env, s.Servers.Harness.Counter
	ctx, ns := s.Servers.Setup(t, "flexdbdel")
	srv, db := s.Stack(ns, "del-"+ns, ns)
	if err := env.Client.Create(ctx, srv); err != nil {
		t.Fatal(err)
	}
	WaitReady(ctx, t, env.Client, srv)
	server, name := meta.GetExternalName(srv), db.GetName() // external name defaults to the resource name
	if err := env.Client.Create(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Delete as soon as the controller has seen Azure's 404 after the PUT.
	if err := testenv.Eventually(ctx, Timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(db), db); err != nil {
			return err
		}
		if c := db.GetCondition(xpv2.TypeReady); c.Message != "Azure accepted the database and has not shown it yet" {
			return fmt.Errorf("not in the accepted-not-shown state: %v", c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, db, Timeout); err != nil {
		t.Fatal(err)
	}
	if dels := s.callsTo(counter.Calls(), ns, server, name, http.MethodDelete); len(dels) != 1 {
		t.Errorf("%d DELETEs of the database, want 1: a delete that finds nothing while Azure is making the database leaves it behind", len(dels))
	}
	if ok, err := s.Servers.Direct.DatabaseExists(ctx, ns, server, name); err != nil || ok {
		t.Errorf("the database is in Azure after its resource is gone (%v)", err)
	}
}

// Storm runs ServerSuite.Storm with a database in each server.
func (s DatabaseSuite[D, S]) Storm(t *testing.T) {
	s.Servers.Storm(t, func(ns, name string) []testenv.Conditioned {
		db := s.NewDatabase(ns, name)
		s.SetServerRef(db, name)
		return []testenv.Conditioned{db}
	})
}

// A SchemaCase is settings the CRD must refuse, and what its message says.
type SchemaCase struct {
	Set  func(*flexv1alpha1.ServerSettings)
	Want string
}

// Schema checks the engine's examples (examples/azure/<dir>) are accepted,
// that cases are refused at apply time, and that create-only fields cannot
// change.
func (s DatabaseSuite[D, S]) Schema(t *testing.T, dir string, cases map[string]SchemaCase) {
	env := s.Servers.Harness.Env
	ctx, ns := s.Servers.Harness.TestNamespace(t, "flexschema", time.Minute)
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		file string
		obj  client.Object
	}{{"flexibleserver.yaml", s.Servers.Kind.New()}, {"database.yaml", s.Kind.New()}} {
		data, err := os.ReadFile(filepath.Join(root, "examples", "azure", dir, f.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, f.obj); err != nil {
			t.Fatal(err)
		}
		f.obj.SetNamespace(ns)
		if err := env.Client.Create(ctx, f.obj, client.DryRunAll); err != nil {
			t.Errorf("example %s/%s rejected: %v", dir, f.file, err)
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := s.Servers.NewServer(ns, strings.ToLower(name), ns)
			tc.Set(s.Servers.Kind.Settings(cr))
			err := env.Client.Create(ctx, cr, client.DryRunAll)
			if err == nil || !strings.Contains(err.Error(), tc.Want) {
				t.Errorf("create error = %v, want one saying %q", err, tc.Want)
			}
		})
	}
	// Create-only fields: watched only, so nothing is made in Azure.
	cr := s.Servers.NewServer(ns, "fixed", ns)
	cr.SetManagementPolicies(xpv2.ManagementPolicies{xpv2.ManagementActionObserve})
	meta.SetExternalName(cr, "nowhere-"+ns)
	st := s.Servers.Kind.Settings(cr)
	st.AdministratorLogin = ptr.To("first")
	st.Backup = &flexv1alpha1.Backup{GeoRedundantBackup: ptr.To(false)}
	if err := env.Client.Create(ctx, cr); err != nil {
		t.Fatal(err)
	}
	for field, change := range map[string]func(*flexv1alpha1.ServerSettings){
		"administratorLogin": func(st *flexv1alpha1.ServerSettings) { st.AdministratorLogin = ptr.To("second") },
		"geoRedundantBackup": func(st *flexv1alpha1.ServerSettings) { st.Backup.GeoRedundantBackup = ptr.To(true) },
	} {
		// The controller writes the object too: read it afresh on a
		// conflict.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			c := s.Servers.Kind.New()
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cr), c); err != nil {
				return err
			}
			change(s.Servers.Kind.Settings(c))
			return env.Client.Update(ctx, c, client.DryRunAll)
		})
		if err == nil || !strings.Contains(err.Error(), field+" can only be chosen when the server is created") {
			t.Errorf("changing %s: %v", field, err)
		}
	}
}

// Listed: four databases on one server are polled from the server's
// listing, about one list call a poll between them and no GET of any one
// database; a database dropped behind the provider's back is confirmed
// gone with a GET and made again; deleting the resources drops the
// databases. (A database has nothing Azure lets change, so no drift.)
func (s DatabaseSuite[D, S]) Listed(t *testing.T) {
	env := s.Servers.Harness.Env
	ctx, ns := s.Servers.Setup(t, "flexdblist")
	srv, first := s.Stack(ns, "listed-"+ns, ns)
	dbs := []D{first}
	for i := 1; i < 4; i++ {
		db := s.NewDatabase(ns, fmt.Sprintf("listed-%d", i))
		s.SetServerRef(db, srv.GetName())
		dbs = append(dbs, db)
	}
	if err := env.Client.Create(ctx, srv); err != nil {
		t.Fatal(err)
	}
	for _, db := range dbs {
		if err := env.Client.Create(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	WaitReady(ctx, t, env.Client, srv)
	server := meta.GetExternalName(srv)
	var paths []string
	for _, db := range dbs {
		WaitReady(ctx, t, env.Client, db)
		paths = append(paths, s.Servers.Cloud.DatabaseID(testenv.AzureSubscription, ns, server, meta.GetExternalName(db)))
	}
	testenv.ListingCheck{
		Counter: s.Servers.Harness.Counter, Poll: Poll, Timeout: Timeout,
		ListPath:    s.Servers.Cloud.ServerID(testenv.AzureSubscription, ns, server) + "/databases",
		ObjectPaths: paths,
		DeleteBehind: func(ctx context.Context) error {
			return s.Servers.Direct.DeleteDatabase(ctx, ns, server, meta.GetExternalName(dbs[1]))
		},
	}.Run(ctx, t)
	for _, db := range dbs {
		if err := env.Client.Delete(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	for _, db := range dbs {
		if err := testenv.WaitGone(ctx, env.Client, db, Timeout); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Servers.Direct.DatabaseExists(ctx, ns, server, meta.GetExternalName(db)); err != nil || ok {
			t.Errorf("database %s is still in Azure (%v)", meta.GetExternalName(db), err)
		}
	}
}
