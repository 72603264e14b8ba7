package instance_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	sqladmin "google.golang.org/api/sqladmin/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/gcp/sql/instance"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	delay   = 3 * time.Second
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
		if err := usage.Setup(mgr, o); err != nil {
			return err
		}
		return instance.Setup(mgr, o)
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

func postgres() v1alpha1.InstanceParameters {
	return v1alpha1.InstanceParameters{
		DatabaseVersion: "POSTGRES_16",
		Tier:            "db-custom-1-3840",
		UserLabels:      map[string]string{"team": "shop"},
	}
}

func newInstance(ns, name string, p v1alpha1.InstanceParameters) *v1alpha1.Instance {
	i := &v1alpha1.Instance{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.InstanceSpec{ForProvider: p}}
	i.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return i
}

func waitReady(ctx context.Context, t *testing.T, i *v1alpha1.Instance) {
	t.Helper()
	if _, err := testenv.WaitForCondition(ctx, env.Client, i, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, i, xpv2.TypeSynced, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
}

// about reports whether a call concerns instance name.
func about(c testenv.Call, name string) bool {
	return strings.Contains(c.Path, "/instances/"+name) || (c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/instances") && strings.Contains(string(c.Body), `"name":"`+name+`"`))
}

func writesTo(name string, cs []testenv.Call) []testenv.Call {
	var out []testenv.Call
	for _, c := range cs {
		if c.Write() && about(c, name) {
			out = append(out, c)
		}
	}
	return out
}

func describe(cs []testenv.Call) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Method + " " + c.Path + " " + string(c.Body)
	}
	return out
}

// isGet reports whether c reads instance name by itself.
func isGet(c testenv.Call, name string) bool {
	return c.Method == http.MethodGet && strings.HasSuffix(c.Path, "/instances/"+name)
}

// isListing reports whether c starts a listing of the project's instances
// (its first page): what the provider's polls are served from.
func isListing(c testenv.Call) bool {
	q, err := url.ParseQuery(c.Query)
	return isListPage(c) && err == nil && q.Get("pageToken") == ""
}

// isListPage reports whether c reads a page of the project's instances.
func isListPage(c testenv.Call) bool {
	return c.Method == http.MethodGet && c.Path == "/v1/projects/"+project+"/instances"
}

// watchPolls waits until the provider has listed the project's instances
// n more times and returns the calls made meanwhile, checking the instance
// stays Synced.
func watchPolls(ctx context.Context, t *testing.T, i *v1alpha1.Instance, n int) []testenv.Call {
	t.Helper()
	name := meta.GetExternalName(i)
	since, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, isListing)
	if err != nil {
		t.Fatalf("polls of %s: %v", name, err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(i), i); err != nil {
		t.Fatal(err)
	}
	if c := i.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionTrue {
		t.Errorf("Synced is %s (%s) after %d polls, want True", c.Status, c.Message, n)
	}
	return since
}

// settled waits for Ready, Synced and late initialisation.
func settled(ctx context.Context, t *testing.T, i *v1alpha1.Instance) {
	t.Helper()
	waitReady(ctx, t, i)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(i), i); err != nil {
			return err
		}
		if i.Spec.ForProvider.Edition == nil || i.Spec.ForProvider.Backup == nil || i.Status.AtProvider.Operation != "" {
			return fmt.Errorf("not late-initialised yet, or an operation runs")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestInstanceLifecycle(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlinst", 3*time.Minute)
	name := "life-" + ns
	i := newInstance(ns, name, postgres())
	i.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "life-conn"}
	if err := env.Client.Create(ctx, i); err != nil {
		t.Fatal(err)
	}
	// Created, then PENDING_CREATE until the operation is done.
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(i), i); err != nil {
			return err
		}
		if s := i.Status.AtProvider.State; s != "PENDING_CREATE" {
			return fmt.Errorf("state %q", s)
		}
		if c := i.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionFalse {
			return fmt.Errorf("Ready is %s while PENDING_CREATE", c.Status)
		}
		return nil
	}); err != nil {
		t.Fatalf("never saw PENDING_CREATE: %v", err)
	}
	settled(ctx, t, i)
	if i.Status.AtProvider.State != "RUNNABLE" || i.Status.AtProvider.ConnectionName != project+":europe-west1:"+name || i.Status.AtProvider.PublicIP == "" {
		t.Errorf("status.atProvider = %+v", i.Status.AtProvider)
	}
	p := i.Spec.ForProvider
	if ptr.Deref(p.Region, "") != "europe-west1" || *p.Edition != v1alpha1.EditionEnterprise || *p.DiskSizeGB != 10 || !*p.DiskAutoresize || !ptr.Deref(p.DeletionProtection, false) {
		t.Errorf("spec.forProvider not late-initialised from Cloud SQL's defaults: %+v", p)
	}

	// The connection secret is complete, with the root password and the CA.
	gen := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: instance.GeneratedPasswordSecret(name)}, gen); err != nil {
		t.Fatal(err)
	}
	pw := string(gen.Data[instance.GeneratedPasswordKey])
	if got, _ := harness.SQL.Cloud.Password(project, name, "postgres", ""); got != pw || len(pw) < 16 {
		t.Errorf("the postgres user's password in Cloud SQL is not the generated one")
	}
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "life-conn"}, sec); err != nil {
			return err
		}
		for _, k := range []string{"engine", "host", "port", "database", "username", "password", "uri", "jdbcUrl", "caCert", "connectionName"} {
			if len(sec.Data[k]) == 0 {
				return fmt.Errorf("no %q yet", k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if string(sec.Data["host"]) != i.Status.AtProvider.PublicIP || string(sec.Data["port"]) != "5432" || string(sec.Data["engine"]) != "postgres" || string(sec.Data["password"]) != pw {
		t.Errorf("connection secret host %s port %s engine %s", sec.Data["host"], sec.Data["port"], sec.Data["engine"])
	}
	if block, _ := pem.Decode(sec.Data["caCert"]); block == nil {
		t.Error("caCert is not PEM")
	} else if c, err := x509.ParseCertificate(block.Bytes); err != nil || !c.IsCA {
		t.Errorf("caCert is not a CA certificate: %v", err)
	}
	got, err := sql.Instances.Get(project, name).Do()
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(got.Settings.UserLabels, "sqlinstance", i, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}
	if fb := got.Settings.FinalBackupConfig; fb == nil || !fb.Enabled || fb.RetentionDays != 30 {
		t.Errorf("finalBackupConfig = %+v, want enabled for 30 days", fb)
	}

	// A change behind the provider's back is reverted by one PATCH of only
	// the differing fields, with the settingsVersion.
	if _, err := sql.Instances.Patch(project, name, &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-custom-2-7680", DataDiskType: "PD_SSD"}}).Do(); err != nil {
		t.Fatal(err)
	}
	from := len(counter.Calls())
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := sql.Instances.Get(project, name).Do()
		if err != nil || db.Settings.Tier != "db-custom-1-3840" || db.Settings.SettingsVersion < 3 {
			return fmt.Errorf("drift not reverted yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	settled(ctx, t, i)
	w := writesTo(name, counter.Calls()[from:])
	if len(w) != 1 || w[0].Method != http.MethodPatch {
		t.Fatalf("writes reverting the drift: %v, want one PATCH", describe(w))
	}
	var body map[string]map[string]any
	if err := json.Unmarshal(w[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range body["settings"] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(body) != 1 || !slices.Equal(keys, []string{"settingsVersion", "tier"}) || body["settings"]["settingsVersion"] != "2" {
		t.Errorf("PATCH body %s, want only settings.tier and settings.settingsVersion 2", w[0].Body)
	}

	// Deletion protection blocks the delete and says so.
	if err := env.Client.Delete(ctx, i); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, i, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "deletion protection is on") || !strings.Contains(c.Message, "nothing was deleted") {
		t.Errorf("Synced=False message %q does not explain the deletion protection", c.Message)
	}
	if _, err := sql.Instances.Get(project, name).Do(); err != nil {
		t.Fatalf("protected instance is gone: %v", err)
	}

	// With protection off, the delete goes through its operation, with a
	// final backup, and the Instance goes once Cloud SQL has no instance.
	off := &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{DeletionProtectionEnabled: false, ForceSendFields: []string{"DeletionProtectionEnabled"}}}
	if _, err := sql.Instances.Patch(project, name, off).Do(); err != nil {
		t.Fatal(err)
	}
	sawPending := false
	if err := testenv.Eventually(ctx, timeout, func() error {
		if db, err := sql.Instances.Get(project, name).Do(); err == nil {
			sawPending = sawPending || db.State == "PENDING_DELETE"
			return fmt.Errorf("instance still in Cloud SQL (%s)", db.State)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, i, timeout); err != nil {
		t.Fatal(err)
	}
	if !sawPending {
		t.Error("never saw the instance PENDING_DELETE: the delete did not wait for its operation")
	}
	bs, err := sql.Backups.ListBackups("projects/" + project).Do()
	if err != nil {
		t.Fatal(err)
	}
	var finals []string
	for _, b := range bs.Backups {
		if b.Instance == name && b.Type == "FINAL" {
			finals = append(finals, b.Name)
		}
	}
	if len(finals) != 1 {
		t.Errorf("final backups of %s: %v, want one", name, finals)
	}
}

func TestInstanceInSyncMakesNoWrites(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlquiet", 3*time.Minute)
	name := "quiet-" + ns
	p := postgres()
	p.DeletionProtection = ptr.To(false)
	p.DatabaseFlags = []v1alpha1.DatabaseFlag{{Name: "max_connections", Value: "200"}, {Name: "log_min_duration_statement", Value: "500"}}
	p.Tier = "DB-CUSTOM-1-3840"
	p.Backup = &v1alpha1.BackupConfiguration{Enabled: ptr.To(true), PointInTimeRecovery: ptr.To(true)}
	p.MaintenanceWindow = &v1alpha1.MaintenanceWindow{Day: 7, Hour: 3}
	p.IPConfiguration = &v1alpha1.IPConfiguration{AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{{Value: "203.0.113.0/24"}, {Name: ptr.To("office"), Value: "198.51.100.7/32"}}}
	i := newInstance(ns, name, p)
	if err := env.Client.Create(ctx, i); err != nil {
		t.Fatal(err)
	}
	settled(ctx, t, i)
	cs := watchPolls(ctx, t, i, 5)
	if w := writesTo(name, cs); len(w) != 0 {
		t.Errorf("an instance in sync got %d writes, want 0: %v", len(w), describe(w))
	}
	// Every poll is served from the project's listing: no read of the
	// instance by itself.
	var gets []testenv.Call
	for _, c := range cs {
		if about(c, name) {
			gets = append(gets, c)
		}
	}
	if len(gets) != 0 {
		t.Errorf("%d reads of the instance itself in 5 polls, want none (the listing serves them): %v", len(gets), describe(gets))
	}
	if err := env.Client.Delete(ctx, i); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, i, timeout); err != nil {
		t.Fatal(err)
	}
}

func TestInstanceImport(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlimport", 3*time.Minute)
	name := "existing-" + ns
	if _, err := sql.Instances.Insert(project, &sqladmin.DatabaseInstance{Name: name, Region: "europe-west1", DatabaseVersion: "MYSQL_8_0",
		Settings: &sqladmin.Settings{Tier: "db-custom-1-3840", UserLabels: map[string]string{"owner": "legacy"}}}).Do(); err != nil {
		t.Fatal(err)
	}
	from := len(counter.Calls())

	// Observe only: the spec differs, nothing is written.
	p := v1alpha1.InstanceParameters{DatabaseVersion: "MYSQL_8_0", Tier: "db-custom-2-7680", DeletionProtection: ptr.To(false)}
	watched := newInstance(ns, "watched", p)
	meta.SetExternalName(watched, name)
	watched.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	if err := env.Client.Create(ctx, watched); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, watched, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), 3, isListing); err != nil {
		t.Fatal(err)
	}
	if w := writesTo(name, counter.Calls()[from:]); len(w) != 0 {
		t.Fatalf("observe-only Instance wrote: %v", describe(w))
	}
	if err := env.Client.Delete(ctx, watched); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, watched, timeout); err != nil {
		t.Fatal(err)
	}

	// Full management adopts it: no insert, the spec's tier and the owner
	// labels win, the user labels are kept in the spec.
	adopted := newInstance(ns, "adopted", p)
	meta.SetExternalName(adopted, name)
	if err := env.Client.Create(ctx, adopted); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := sql.Instances.Get(project, name).Do()
		if err != nil || db.Settings.Tier != "db-custom-2-7680" {
			return fmt.Errorf("not adopted yet (%v)", err)
		}
		return testenv.CheckOwnerTags(db.Settings.UserLabels, "sqlinstance", adopted, map[string]string{"owner": "legacy"})
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range writesTo(name, counter.Calls()[from:]) {
		if c.Method == http.MethodPost {
			t.Errorf("adopting an existing instance inserted one: %s", c.Path)
		}
	}
	if err := env.Client.Delete(ctx, adopted); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, adopted, timeout); err != nil {
		t.Fatal(err)
	}
}

func TestInstanceSurvivesThrottling(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlthrottle", 3*time.Minute)
	name := "throttled-" + ns
	inj := harness.SQL.Cloud
	before := inj.Stats().Throttled
	inj.Set(fault.Faults{Throttle: 1, RetryAfter: time.Second, Match: func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/instances")
	}})
	t.Cleanup(inj.Clear)
	p := postgres()
	p.DeletionProtection = ptr.To(false)
	i := newInstance(ns, name, p)
	if err := env.Client.Create(ctx, i); err != nil {
		t.Fatal(err)
	}
	// A burst: every call is throttled until five were.
	if err := testenv.Eventually(ctx, timeout, func() error {
		if n := inj.Stats().Throttled - before; n < 5 {
			return fmt.Errorf("%d calls throttled", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inj.Clear()
	c, err := testenv.WaitForCondition(ctx, env.Client, i, xpv2.TypeReady, corev1.ConditionTrue, timeout)
	if err != nil {
		t.Fatal(err)
	}
	_ = c
	ops, err := sql.Operations.List(project).Instance(name).Do()
	if err != nil {
		t.Fatal(err)
	}
	creates := 0
	for _, o := range ops.Items {
		if o.OperationType == "CREATE" {
			creates++
		}
	}
	if creates != 1 {
		t.Errorf("%d CREATE operations for %s, want exactly one", creates, name)
	}
	waitReady(ctx, t, i)
	if err := env.Client.Delete(ctx, i); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, i, timeout); err != nil {
		t.Fatal(err)
	}
}

func TestSchema(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlschema", time.Minute)
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		file string
		obj  client.Object
	}{{"instance.yaml", &v1alpha1.Instance{}}, {"database.yaml", &v1alpha1.Database{}}, {"user.yaml", &v1alpha1.User{}}} {
		data, err := os.ReadFile(root + "/examples/gcp/sql/" + f.file)
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
		p    func(*v1alpha1.InstanceParameters)
		want string
	}{
		"PlusTier":   {p: func(p *v1alpha1.InstanceParameters) { p.Edition = ptr.To(v1alpha1.EditionEnterprisePlus) }, want: "edition ENTERPRISE_PLUS needs a db-perf-optimized-N-* tier"},
		"BadVersion": {p: func(p *v1alpha1.InstanceParameters) { p.DatabaseVersion = "ORACLE_19" }, want: "databaseVersion"},
		"NoAddress": {p: func(p *v1alpha1.InstanceParameters) {
			p.IPConfiguration = &v1alpha1.IPConfiguration{IPv4Enabled: ptr.To(false)}
		}, want: "needs a public address"},
		"PITRNoBackup": {p: func(p *v1alpha1.InstanceParameters) {
			p.Backup = &v1alpha1.BackupConfiguration{PointInTimeRecovery: ptr.To(true)}
		}, want: "pointInTimeRecovery needs enabled: true"},
		"ReservedLabel": {p: func(p *v1alpha1.InstanceParameters) { p.UserLabels = map[string]string{"stowage-uid": "x"} }, want: "reserved"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := postgres()
			tc.p(&p)
			err := env.Client.Create(ctx, newInstance(ns, strings.ToLower(name), p), client.DryRunAll)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("create error = %v, want one saying %q", err, tc.want)
			}
		})
	}
	// The engine is fixed.
	i := newInstance(ns, "fixed", postgres())
	i.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	meta.SetExternalName(i, "nowhere-"+ns)
	if err := env.Client.Create(ctx, i); err != nil {
		t.Fatal(err)
	}
	// The controller writes the Instance meanwhile (its finalizer, its
	// status): a conflict is tried again on the latest version.
	for range 5 {
		if err = env.Client.Get(ctx, client.ObjectKeyFromObject(i), i); err != nil {
			t.Fatal(err)
		}
		i.Spec.ForProvider.DatabaseVersion = "MYSQL_8_0"
		if err = env.Client.Update(ctx, i, client.DryRunAll); !apierrors.IsConflict(err) {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "engine of databaseVersion is immutable") {
		t.Errorf("engine change: %v", err)
	}
}

// TestInstancesShareOneListing checks k instances of one project are
// polled from the project's instances.list, taken about once a poll for
// all of them and followed over every page, with no read of any instance
// by itself; that a change made behind the provider's back is still
// reverted; that an instance deleted behind its back is confirmed gone by
// a read of its own and handled as before (its name cannot be used again
// for a week, which the resource says); and that deleting works.
func TestInstancesShareOneListing(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "sqlscale", 4*time.Minute)
	// Pages of two, so a listing of the project takes several calls.
	harness.SQL.Cloud.SetPageSize(2)
	t.Cleanup(func() { harness.SQL.Cloud.SetPageSize(0) })
	const k = 6
	var is []*v1alpha1.Instance
	var names []string
	for n := range k {
		p := postgres()
		p.DeletionProtection = ptr.To(false)
		p.SkipFinalBackup = ptr.To(true)
		i := newInstance(ns, fmt.Sprintf("scale-%d-%s", n, ns), p)
		if err := env.Client.Create(ctx, i); err != nil {
			t.Fatal(err)
		}
		is, names = append(is, i), append(names, i.Name)
	}
	for _, i := range is {
		settled(ctx, t, i)
	}

	// Steady state.
	const listings = 6
	from, start, servedBefore := len(counter.Calls()), time.Now(), testenv.Served(t, "gcp_sql_instance")
	cs, err := counter.WaitFor(ctx, timeout, from, listings+1, isListing)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	observations := testenv.Served(t, "gcp_sql_instance") - servedBefore
	var took, pages int
	var own, writes []testenv.Call
	for _, c := range cs {
		if isListing(c) {
			took++
		}
		if isListPage(c) {
			pages++
		}
		for _, name := range names {
			if about(c, name) {
				if c.Write() {
					writes = append(writes, c)
				} else {
					own = append(own, c)
				}
			}
		}
	}
	polls := elapsed.Seconds() / poll.Seconds()
	t.Logf("%d instances, %.1f polls: %d listings (%.2f a poll, %.1f pages each), %.0f observations served from them (%.1f a listing), %d reads of an instance by itself, %d writes",
		k, polls, took, float64(took)/polls, float64(pages)/float64(took), observations, observations/float64(took), len(own), len(writes))
	if len(own) != 0 {
		t.Errorf("%d reads of single instances in steady state, want none: %v", len(own), describe(own))
	}
	if len(writes) != 0 {
		t.Errorf("%d writes in steady state, want none: %v", len(writes), describe(writes))
	}
	if pages < 2*took {
		t.Errorf("%d pages in %d listings of %d or more instances two a page: the listing does not follow nextPageToken", pages, took, k)
	}
	// Each listing serves many instances' polls: sharing, not a listing
	// per poll of each.
	if observations < float64(k*took)/2 {
		t.Errorf("%v observations served from %d listings of %d instances: want at least %d a listing", observations, took, k, k/2)
	}

	// A change behind the provider's back is reverted by one PATCH.
	drifted := names[1]
	if _, err := sql.Instances.Patch(project, drifted, &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-custom-2-7680"}}).Do(); err != nil {
		t.Fatal(err)
	}
	from = len(counter.Calls())
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := sql.Instances.Get(project, drifted).Do()
		if err != nil || db.Settings.Tier != "db-custom-1-3840" || db.Settings.SettingsVersion < 3 {
			return fmt.Errorf("drift not reverted yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if w := writesTo(drifted, counter.Calls()[from:]); len(w) != 1 || w[0].Method != http.MethodPatch {
		t.Errorf("writes reverting the drift: %v, want one PATCH", describe(w))
	}

	// An instance deleted behind the provider's back: missing from the
	// listing, it is read by itself before it is taken as gone, and then
	// handled as before: its name cannot be used again for a week.
	gone := is[2]
	from = len(counter.Calls())
	if _, err := sql.Instances.Delete(project, gone.Name).Do(); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if _, err := sql.Instances.Get(project, gone.Name).Do(); err == nil {
			return fmt.Errorf("instance %s still in Cloud SQL", gone.Name)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, gone, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "deleted within the last week") {
		t.Errorf("Synced=False message %q, want the name-reuse refusal", c.Message)
	}
	if _, err := counter.WaitFor(ctx, timeout, from, 1, func(c testenv.Call) bool { return isGet(c, gone.Name) }); err != nil {
		t.Errorf("the instance missing from the listing was not read by itself before it was taken as gone: %v", err)
	}

	// Deleting works: each instance goes through its delete operation.
	for _, i := range is {
		if err := env.Client.Delete(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range is {
		if err := testenv.WaitGone(ctx, env.Client, i, timeout); err != nil {
			t.Fatal(err)
		}
		if _, err := sql.Instances.Get(project, i.Name).Do(); err == nil {
			t.Errorf("instance %s still in Cloud SQL after its resource went", i.Name)
		}
	}
}
