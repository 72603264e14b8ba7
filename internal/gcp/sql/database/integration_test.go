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

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	sqladmin "google.golang.org/api/sqladmin/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/gcp/sql/database"
	"github.com/stowage-dev/stowage/internal/gcp/sql/instance"
	"github.com/stowage-dev/stowage/internal/gcp/sql/user"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// These tests cover the Database and the User kinds, which live in an
// Instance: both run against the same local Cloud SQL.

const (
	poll    = time.Second
	delay   = 2 * time.Second
	timeout = 45 * time.Second
	project = testenv.CloudSQLProject
)

var (
	harness *testenv.CloudSQLHarness
	env     *testenv.Env
	counter *testenv.CallCounter
	sql     *sqladmin.Service
)

func TestMain(m *testing.M) {
	h, err := testenv.StartCloudSQL(poll, delay, func(mgr ctrl.Manager, o controller.Options) error {
		for _, s := range []func(ctrl.Manager, controller.Options) error{usage.Setup, instance.Setup, database.Setup, user.Setup} {
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
	if sql, err = h.SQL.SQLAdmin(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

func pc(mr interface {
	SetProviderConfigReference(*xpv2.ProviderConfigReference)
}) {
	mr.SetProviderConfigReference(&xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"})
}

// instanceFor makes an Instance named name in ns, with deletion protection
// off so the test can clean up.
func instanceFor(ctx context.Context, t *testing.T, ns, name, version string) *v1alpha1.Instance {
	t.Helper()
	i := &v1alpha1.Instance{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.InstanceSpec{ForProvider: v1alpha1.InstanceParameters{
		DatabaseVersion: version, Tier: "db-custom-1-3840", DeletionProtection: ptr.To(false), SkipFinalBackup: ptr.To(true),
	}}}
	pc(i)
	if err := env.Client.Create(ctx, i); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_ = env.Client.Delete(ctx, i)
		_ = testenv.WaitGone(ctx, env.Client, i, timeout)
	})
	return i
}

func ready(ctx context.Context, t *testing.T, o testenv.Conditioned) {
	t.Helper()
	for _, ct := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
		if _, err := testenv.WaitForCondition(ctx, env.Client, o, ct, corev1.ConditionTrue, timeout); err != nil {
			t.Fatal(err)
		}
	}
}

func writesUnder(prefix string, cs []testenv.Call) []testenv.Call {
	var out []testenv.Call
	for _, c := range cs {
		if c.Write() && strings.Contains(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func describe(cs []testenv.Call) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Method + " " + c.Path + "?" + c.Query + " " + string(c.Body)
	}
	return out
}

// operations counts the operations of a type on an instance.
func operations(t *testing.T, inst, typ string) int {
	t.Helper()
	ops, err := sql.Operations.List(project).Instance(inst).Do()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range ops.Items {
		if o.OperationType == typ {
			n++
		}
	}
	return n
}

func TestDatabaseLifecycle(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqldb", 3*time.Minute)
	inst := "dbhost-" + ns
	i := instanceFor(ctx, t, ns, inst, "POSTGRES_16")

	// The Database points at its Instance by reference and waits for it to
	// be RUNNABLE.
	d := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "orders"}, Spec: v1alpha1.DatabaseSpec{ForProvider: v1alpha1.DatabaseParameters{
		InstanceRef: &xpv2.NamespacedReference{Name: i.Name},
	}}}
	pc(d)
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "orders-db"}
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	ready(ctx, t, d)
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(d.Spec.ForProvider.Instance, "") != inst || ptr.Deref(d.Spec.ForProvider.Charset, "") != "UTF8" || ptr.Deref(d.Spec.ForProvider.Collation, "") != "en_US.UTF8" {
		t.Errorf("spec.forProvider = %+v, want the instance resolved and charset and collation late-initialised", d.Spec.ForProvider)
	}
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "orders-db"}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	if string(sec.Data["database"]) != "orders" {
		t.Errorf("connection secret database = %q", sec.Data["database"])
	}
	prefix := "/instances/" + inst + "/databases"
	// Inserts refused while the instance was PENDING_CREATE are retried;
	// one made it.
	if n := operations(t, inst, "CREATE_DATABASE"); n != 1 {
		t.Errorf("%d CREATE_DATABASE operations, want exactly one", n)
	}

	// In sync: no writes over five polls, each served from a listing of
	// the instance's databases.
	from := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, timeout, from, 5, func(c testenv.Call) bool {
		return c.Method == http.MethodGet && strings.HasSuffix(c.Path, prefix)
	}); err != nil {
		t.Fatal(err)
	}
	if w := writesUnder(prefix, counter.Calls()[from:]); len(w) != 0 {
		t.Errorf("a database in sync got writes: %v", describe(w))
	}

	// A collation changed behind the provider's back is reverted by one
	// PATCH of only the collation.
	if _, err := sql.Databases.Patch(project, inst, "orders", &sqladmin.Database{Collation: "C"}).Do(); err != nil {
		t.Fatal(err)
	}
	from = len(counter.Calls())
	if err := testenv.Eventually(ctx, timeout, func() error {
		got, err := sql.Databases.Get(project, inst, "orders").Do()
		if err != nil || got.Collation != "C" {
			return fmt.Errorf("the change behind the provider's back is not done yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		got, err := sql.Databases.Get(project, inst, "orders").Do()
		if err != nil || got.Collation != "en_US.UTF8" {
			return fmt.Errorf("collation not reverted (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w := writesUnder(prefix, counter.Calls()[from:])
	if len(w) != 1 || w[0].Method != http.MethodPatch {
		t.Fatalf("writes reverting the collation: %v, want one PATCH", describe(w))
	}
	var body map[string]any
	if err := json.Unmarshal(w[0].Body, &body); err != nil || len(body) != 1 || body["collation"] != "en_US.UTF8" {
		t.Errorf("PATCH body %s, want only the collation", w[0].Body)
	}

	// Delete waits for its operation and the database goes.
	if err := env.Client.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, d, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := sql.Databases.Get(project, inst, "orders").Do(); err == nil {
		t.Error("database still in Cloud SQL after delete")
	}
}

func TestDatabaseImportAndThrottling(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqldbimport", 3*time.Minute)
	inst := "dbimport-" + ns
	i := instanceFor(ctx, t, ns, inst, "MYSQL_8_0")
	ready(ctx, t, i)
	if _, err := sql.Databases.Insert(project, inst, &sqladmin.Database{Name: "legacy", Collation: "utf8mb4_bin"}).Do(); err != nil {
		t.Fatal(err)
	}
	// Imported by external name: no insert, the collation is taken up.
	d := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "imported"}, Spec: v1alpha1.DatabaseSpec{ForProvider: v1alpha1.DatabaseParameters{Instance: ptr.To(inst)}}}
	meta.SetExternalName(d, "legacy")
	pc(d)
	from := len(counter.Calls())
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	ready(ctx, t, d)
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(d.Spec.ForProvider.Collation, "") != "utf8mb4_bin" {
		t.Errorf("collation %v, want the imported database's", d.Spec.ForProvider.Collation)
	}
	if w := writesUnder("/instances/"+inst+"/databases", counter.Calls()[from:]); len(w) != 0 {
		t.Errorf("importing a database wrote: %v", describe(w))
	}

	// A burst of 429s on the databases of the instance is survived without
	// a second insert.
	inj := harness.SQL.Cloud
	before := inj.Stats().Throttled
	inj.Set(fault.Faults{Throttle: 1, RetryAfter: time.Second, Match: func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/instances/"+inst+"/databases")
	}})
	t.Cleanup(inj.Clear)
	nd := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fresh"}, Spec: v1alpha1.DatabaseSpec{ForProvider: v1alpha1.DatabaseParameters{Instance: ptr.To(inst)}}}
	pc(nd)
	if err := env.Client.Create(ctx, nd); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if n := inj.Stats().Throttled - before; n < 4 {
			return fmt.Errorf("%d calls throttled", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inj.Clear()
	ready(ctx, t, nd)
	if creates := operations(t, inst, "CREATE_DATABASE"); creates != 2 {
		t.Errorf("%d CREATE_DATABASE operations, want two (legacy, made behind the provider's back, and fresh)", creates)
	}
}

func TestUserLifecycle(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqluser", 3*time.Minute)
	inst := "userhost-" + ns
	i := instanceFor(ctx, t, ns, inst, "POSTGRES_16")
	u := &v1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"}, Spec: v1alpha1.UserSpec{ForProvider: v1alpha1.UserParameters{
		InstanceRef: &xpv2.NamespacedReference{Name: i.Name},
	}}}
	pc(u)
	u.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "app-user"}
	if err := env.Client.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	ready(ctx, t, u)
	gen := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: user.GeneratedPasswordSecret("app")}, gen); err != nil {
		t.Fatal(err)
	}
	pw := string(gen.Data[user.GeneratedPasswordKey])
	if got, ok := harness.SQL.Cloud.Password(project, inst, "app", ""); !ok || got != pw || len(pw) < 16 {
		t.Fatalf("user app in Cloud SQL (%v) does not have the generated password", ok)
	}
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app-user"}, sec); err != nil {
			return err
		}
		if string(sec.Data["password"]) != pw || string(sec.Data["username"]) != "app" {
			return fmt.Errorf("connection secret has username %q and not the password yet", sec.Data["username"])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// In sync: no writes over five polls.
	prefix := "/instances/" + inst + "/users"
	from := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, timeout, from, 5, func(c testenv.Call) bool {
		return c.Method == http.MethodGet && strings.HasSuffix(c.Path, prefix)
	}); err != nil {
		t.Fatal(err)
	}
	if w := writesUnder(prefix, counter.Calls()[from:]); len(w) != 0 {
		t.Errorf("a user in sync got writes: %v", describe(w))
	}

	// Rotation: the password now comes from a Secret; one PUT sets it and
	// the connection secret follows.
	if err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-pw"}, StringData: map[string]string{"pw": "rotated-password-1"}}); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(u), u); err != nil {
		t.Fatal(err)
	}
	u.Spec.ForProvider.PasswordSecretRef = &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "app-pw"}, Key: "pw"}
	from = len(counter.Calls())
	if err := env.Client.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if got, _ := harness.SQL.Cloud.Password(project, inst, "app", ""); got != "rotated-password-1" {
			return fmt.Errorf("password not rotated in Cloud SQL")
		}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app-user"}, sec); err != nil {
			return err
		}
		if string(sec.Data["password"]) != "rotated-password-1" {
			return fmt.Errorf("connection secret has the old password")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ready(ctx, t, u)
	if _, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), 3, func(c testenv.Call) bool {
		return c.Method == http.MethodGet && strings.HasSuffix(c.Path, prefix)
	}); err != nil {
		t.Fatal(err)
	}
	w := writesUnder(prefix, counter.Calls()[from:])
	if len(w) != 1 || w[0].Method != http.MethodPut || !strings.Contains(w[0].Query, "name=app") {
		t.Errorf("writes rotating the password: %v, want one PUT ?name=app", describe(w))
	}
	for _, c := range u.Status.Conditions {
		if strings.Contains(c.Message, "rotated-password") {
			t.Errorf("condition %s leaks the password", c.Type)
		}
	}

	// Delete removes the user from Cloud SQL.
	if err := env.Client.Delete(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, u, timeout); err != nil {
		t.Fatal(err)
	}
	if _, ok := harness.SQL.Cloud.Password(project, inst, "app", ""); ok {
		t.Error("user app still in Cloud SQL after delete")
	}
}

func TestUserImportAndThrottling(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqluserimport", 3*time.Minute)
	inst := "userimport-" + ns
	i := instanceFor(ctx, t, ns, inst, "MYSQL_8_0")
	ready(ctx, t, i)
	if _, err := sql.Users.Insert(project, inst, &sqladmin.User{Name: "legacy", Password: "legacy-password"}).Do(); err != nil {
		t.Fatal(err)
	}
	// Imported by external name with a password from a Secret: the user is
	// not made again, and gets the Secret's password once.
	if err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "legacy-pw"}, StringData: map[string]string{"pw": "taken-over-1"}}); err != nil {
		t.Fatal(err)
	}
	u := &v1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "imported"}, Spec: v1alpha1.UserSpec{ForProvider: v1alpha1.UserParameters{
		Instance: ptr.To(inst), PasswordSecretRef: &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "legacy-pw"}, Key: "pw"},
	}}}
	meta.SetExternalName(u, "legacy")
	pc(u)
	inj := harness.SQL.Cloud
	before := inj.Stats().Throttled
	// A burst of 429s on the users of the instance while it is taken up.
	inj.Set(fault.Faults{Throttle: 1, RetryAfter: time.Second, Match: func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/instances/"+inst+"/users")
	}})
	t.Cleanup(inj.Clear)
	from := len(counter.Calls())
	if err := env.Client.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if n := inj.Stats().Throttled - before; n < 4 {
			return fmt.Errorf("%d calls throttled", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inj.Clear()
	ready(ctx, t, u)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if got, _ := harness.SQL.Cloud.Password(project, inst, "legacy", "%"); got != "taken-over-1" {
			return fmt.Errorf("password not taken over")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range writesUnder("/instances/"+inst+"/users", counter.Calls()[from:]) {
		if c.Method == http.MethodPost {
			t.Errorf("importing a user inserted one: %s", c.Body)
		}
	}
}

// TestDatabasesAndUsersShareListings checks k databases and k users of one
// instance are polled from one databases.list and one users.list of the
// instance, taken about once a poll for all of them, with no read of any
// database or user by itself; that a change behind the provider's back is
// reverted; that a database and a user deleted behind its back are read by
// themselves before they are taken as gone, then made again as before;
// and that deleting works.
func TestDatabasesAndUsersShareListings(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlscale", 4*time.Minute)
	inst := "scale-" + ns
	i := instanceFor(ctx, t, ns, inst, "POSTGRES_16")
	ready(ctx, t, i)
	const k = 4
	var ds []*v1alpha1.Database
	var us []*v1alpha1.User
	for n := range k {
		d := &v1alpha1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("db%d", n)}, Spec: v1alpha1.DatabaseSpec{ForProvider: v1alpha1.DatabaseParameters{Instance: ptr.To(inst)}}}
		u := &v1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("user%d", n)}, Spec: v1alpha1.UserSpec{ForProvider: v1alpha1.UserParameters{Instance: ptr.To(inst)}}}
		pc(d)
		pc(u)
		for _, o := range []client.Object{d, u} {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		ds, us = append(ds, d), append(us, u)
	}
	for n := range k {
		ready(ctx, t, ds[n])
		ready(ctx, t, us[n])
	}
	// Late initialisation of the databases' charset and collation done.
	for _, d := range ds {
		if err := testenv.Eventually(ctx, timeout, func() error {
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
				return err
			}
			if d.Spec.ForProvider.Collation == nil {
				return fmt.Errorf("%s not late-initialised yet", d.Name)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	dbPath, userPath := "/v1/projects/"+project+"/instances/"+inst+"/databases", "/v1/projects/"+project+"/instances/"+inst+"/users"
	isList := func(path string) func(testenv.Call) bool {
		return func(c testenv.Call) bool { return c.Method == http.MethodGet && c.Path == path }
	}
	const listings = 6
	from, start := len(counter.Calls()), time.Now()
	servedDB, servedUser := testenv.Served(t, "gcp_sql_database"), testenv.Served(t, "gcp_sql_user")
	cs, err := counter.WaitFor(ctx, timeout, from, listings+1, isList(dbPath))
	if err != nil {
		t.Fatal(err)
	}
	if cs, err = counter.WaitFor(ctx, timeout, from, listings+1, isList(userPath)); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	servedDB, servedUser = testenv.Served(t, "gcp_sql_database")-servedDB, testenv.Served(t, "gcp_sql_user")-servedUser
	var dbLists, userLists int
	var own, writes []testenv.Call
	for _, c := range cs {
		switch {
		case isList(dbPath)(c):
			dbLists++
		case isList(userPath)(c):
			userLists++
		case c.Write() && strings.HasPrefix(c.Path, "/v1/projects/"+project+"/instances/"+inst):
			writes = append(writes, c)
		case strings.HasPrefix(c.Path, dbPath+"/") || strings.HasPrefix(c.Path, userPath+"/"):
			own = append(own, c)
		}
	}
	polls := elapsed.Seconds() / poll.Seconds()
	t.Logf("%d databases and %d users of one instance, %.1f polls: %d databases.list (%.2f a poll, %.0f observations served, %.1f a listing), %d users.list (%.2f a poll, %.0f observations served, %.1f a listing), %d reads of one database or user, %d writes",
		k, k, polls, dbLists, float64(dbLists)/polls, servedDB, servedDB/float64(dbLists), userLists, float64(userLists)/polls, servedUser, servedUser/float64(userLists), len(own), len(writes))
	if len(own) != 0 {
		t.Errorf("%d reads of a single database or user in steady state, want none: %v", len(own), describe(own))
	}
	if len(writes) != 0 {
		t.Errorf("%d writes in steady state, want none: %v", len(writes), describe(writes))
	}
	if servedDB < float64(k*dbLists)/2 || servedUser < float64(k*userLists)/2 {
		t.Errorf("observations served: %v databases from %d listings, %v users from %d: want at least %d a listing", servedDB, dbLists, servedUser, userLists, k/2)
	}

	// A collation changed behind the provider's back is reverted.
	if _, err := sql.Databases.Patch(project, inst, "db1", &sqladmin.Database{Collation: "C"}).Do(); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		got, err := sql.Databases.Get(project, inst, "db1").Do()
		if err != nil || got.Collation != "en_US.UTF8" {
			return fmt.Errorf("collation not reverted (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A database and a user deleted behind the provider's back are read by
	// themselves before they are taken as gone, then made again.
	from = len(counter.Calls())
	if err := testenv.Eventually(ctx, timeout, func() error {
		_, err := sql.Databases.Delete(project, inst, "db2").Do()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		_, err := sql.Users.Delete(project, inst).Name("user2").Do()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dbPath + "/db2", userPath + "/user2"} {
		if _, err := counter.WaitFor(ctx, timeout, from, 1, func(c testenv.Call) bool { return c.Method == http.MethodGet && c.Path == path }); err != nil {
			t.Errorf("%s, missing from its listing, was not read by itself: %v", path, err)
		}
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if _, err := sql.Databases.Get(project, inst, "db2").Do(); err != nil {
			return fmt.Errorf("database db2 not made again: %v", err)
		}
		if _, ok := harness.SQL.Cloud.Password(project, inst, "user2", ""); !ok {
			return fmt.Errorf("user user2 not made again")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	gen := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: user.GeneratedPasswordSecret("user2")}, gen); err != nil {
		t.Fatal(err)
	}
	if got, _ := harness.SQL.Cloud.Password(project, inst, "user2", ""); got != string(gen.Data[user.GeneratedPasswordKey]) {
		t.Error("user2 was made again without its password")
	}

	// Deleting works.
	for n := range k {
		for _, o := range []client.Object{ds[n], us[n]} {
			if err := env.Client.Delete(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	for n := range k {
		for _, o := range []client.Object{ds[n], us[n]} {
			if err := testenv.WaitGone(ctx, env.Client, o, timeout); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := sql.Databases.List(project, inst).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range got.Items {
		if strings.HasPrefix(d.Name, "db") {
			t.Errorf("database %s still in Cloud SQL after its resource went", d.Name)
		}
	}
	for n := range k {
		if _, ok := harness.SQL.Cloud.Password(project, inst, fmt.Sprintf("user%d", n), ""); ok {
			t.Errorf("user%d still in Cloud SQL after its resource went", n)
		}
	}
}
