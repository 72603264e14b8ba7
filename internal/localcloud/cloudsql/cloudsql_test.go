package cloudsql

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

const project = "stowage-test"

// clock is a test clock that only moves when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const delay = time.Minute

func start(t *testing.T) (*sqladmin.Service, *clock, *Cloud) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cloud := New(Options{OperationDelay: delay, Now: clk.Now})
	srv := httptest.NewServer(cloud)
	t.Cleanup(srv.Close)
	svc, err := sqladmin.NewService(context.Background(), option.WithEndpoint(srv.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	return svc, clk, cloud
}

func postgres(name string) *sqladmin.DatabaseInstance {
	return &sqladmin.DatabaseInstance{
		Name: name, DatabaseVersion: "POSTGRES_16", Region: "europe-west1", RootPassword: "root-pw",
		Settings: &sqladmin.Settings{Tier: "DB-CUSTOM-1-3840", UserLabels: map[string]string{"team": "shop"}},
	}
}

// apiErr returns the code and first reason of a Google API error.
func apiErr(err error) (int, string) {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return 0, ""
	}
	if len(ge.Errors) == 0 {
		return ge.Code, ""
	}
	return ge.Code, ge.Errors[0].Reason
}

// create makes a RUNNABLE instance.
func create(t *testing.T, svc *sqladmin.Service, clk *clock, in *sqladmin.DatabaseInstance) *sqladmin.DatabaseInstance {
	t.Helper()
	if _, err := svc.Instances.Insert(project, in).Do(); err != nil {
		t.Fatal(err)
	}
	clk.Add(delay)
	got, err := svc.Instances.Get(project, in.Name).Do()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestInstanceLifecycle(t *testing.T) {
	svc, clk, cloud := start(t)
	op, err := svc.Instances.Insert(project, postgres("orders")).Do()
	if err != nil {
		t.Fatal(err)
	}
	if op.Kind != "sql#operation" || op.OperationType != "CREATE" || op.Status != "PENDING" || op.TargetId != "orders" ||
		!strings.HasSuffix(op.TargetLink, "/v1/projects/"+project+"/instances/orders") || !strings.HasSuffix(op.SelfLink, "/v1/projects/"+project+"/operations/"+op.Name) {
		t.Errorf("insert operation = %+v", op)
	}
	in, err := svc.Instances.Get(project, "orders").Do()
	if err != nil {
		t.Fatal(err)
	}
	if in.State != "PENDING_CREATE" || len(in.IpAddresses) != 0 || in.ServerCaCert != nil {
		t.Errorf("new instance: state %s, %d addresses, CA %v; want PENDING_CREATE without addresses or CA", in.State, len(in.IpAddresses), in.ServerCaCert != nil)
	}

	clk.Add(delay / 2)
	if op, err = svc.Operations.Get(project, op.Name).Do(); err != nil || op.Status != "RUNNING" {
		t.Fatalf("operation halfway: %v %v, want RUNNING", op.Status, err)
	}
	clk.Add(delay / 2)
	if op, err = svc.Operations.Get(project, op.Name).Do(); err != nil || op.Status != "DONE" || op.Error != nil || op.EndTime == "" {
		t.Fatalf("operation after its delay: %+v %v, want DONE", op, err)
	}
	if in, err = svc.Instances.Get(project, "orders").Do(); err != nil {
		t.Fatal(err)
	}
	s := in.Settings
	want := map[string]any{
		"state": in.State, "connectionName": in.ConnectionName, "gceZone": in.GceZone, "installed": in.DatabaseInstalledVersion,
		"tier": s.Tier, "edition": s.Edition, "disk": s.DataDiskType, "size": s.DataDiskSizeGb, "autoresize": *s.StorageAutoResize,
		"availability": s.AvailabilityType, "ipv4": s.IpConfiguration.Ipv4Enabled, "sslMode": s.IpConfiguration.SslMode,
		"settingsVersion": s.SettingsVersion, "backupStart": s.BackupConfiguration.StartTime, "retained": s.BackupConfiguration.BackupRetentionSettings.RetainedBackups,
		"labels": s.UserLabels["team"], "rootPassword": in.RootPassword,
	}
	if d := cmp.Diff(map[string]any{
		"state": "RUNNABLE", "connectionName": project + ":europe-west1:orders", "gceZone": "europe-west1-c", "installed": "POSTGRES_16_4",
		"tier": "db-custom-1-3840", "edition": "ENTERPRISE", "disk": "PD_SSD", "size": int64(10), "autoresize": true,
		"availability": "ZONAL", "ipv4": true, "sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
		"settingsVersion": int64(1), "backupStart": "23:00", "retained": int64(7),
		"labels": "shop", "rootPassword": "",
	}, want); d != "" {
		t.Errorf("RUNNABLE instance (-want +got):\n%s", d)
	}
	if len(in.IpAddresses) == 0 || in.IpAddresses[0].Type != "PRIMARY" || in.IpAddresses[0].IpAddress == "" {
		t.Errorf("ipAddresses = %+v, want a PRIMARY address first", in.IpAddresses)
	}
	block, _ := pem.Decode([]byte(in.ServerCaCert.Cert))
	if block == nil {
		t.Fatal("serverCaCert.cert is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !cert.IsCA || cert.Subject.CommonName != "Google Cloud SQL Server CA" {
		t.Errorf("server CA certificate: %v %v", cert, err)
	}
	if pw, ok := cloud.Password(project, "orders", "postgres", ""); !ok || pw != "root-pw" {
		t.Errorf("postgres user password %q (%v), want the root password", pw, ok)
	}

	// A patch holds the instance; it is applied when its operation is done.
	patch := &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-custom-2-7680", SettingsVersion: 1, DeletionProtectionEnabled: true}}
	op, err = svc.Instances.Patch(project, "orders", patch).Do()
	if err != nil || op.OperationType != "UPDATE" {
		t.Fatalf("patch: %v %v", op, err)
	}
	_, err = svc.Instances.Patch(project, "orders", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-custom-4-15360"}}).Do()
	if c, r := apiErr(err); c != http.StatusConflict || r != "operationInProgress" {
		t.Errorf("second patch while one runs: %v, want 409 operationInProgress", err)
	}
	if in, _ = svc.Instances.Get(project, "orders").Do(); in.Settings.Tier != "db-custom-1-3840" {
		t.Errorf("tier %s before the patch is done", in.Settings.Tier)
	}
	clk.Add(delay)
	if in, _ = svc.Instances.Get(project, "orders").Do(); in.Settings.Tier != "db-custom-2-7680" || in.Settings.SettingsVersion != 2 || !in.Settings.DeletionProtectionEnabled || in.Settings.UserLabels["team"] != "shop" {
		t.Errorf("after the patch: tier %s, settingsVersion %d, protection %v, labels %v", in.Settings.Tier, in.Settings.SettingsVersion, in.Settings.DeletionProtectionEnabled, in.Settings.UserLabels)
	}
	// A patch with an old settingsVersion is refused.
	_, err = svc.Instances.Patch(project, "orders", &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{Tier: "db-custom-4-15360", SettingsVersion: 1}}).Do()
	if c, r := apiErr(err); c != http.StatusPreconditionFailed || r != "staleData" {
		t.Errorf("stale patch: %v, want 412 staleData", err)
	}

	// Deletion protection refuses the delete.
	_, err = svc.Instances.Delete(project, "orders").Do()
	if c, _ := apiErr(err); c != http.StatusBadRequest || !strings.Contains(err.Error(), "The instance is protected") {
		t.Errorf("delete of a protected instance: %v, want 400 The instance is protected", err)
	}
	off := &sqladmin.DatabaseInstance{Settings: &sqladmin.Settings{DeletionProtectionEnabled: false, ForceSendFields: []string{"DeletionProtectionEnabled"}}}
	if _, err := svc.Instances.Patch(project, "orders", off).Do(); err != nil {
		t.Fatal(err)
	}
	clk.Add(delay)
	op, err = svc.Instances.Delete(project, "orders").EnableFinalBackup(true).FinalBackupTtlDays(14).Do()
	if err != nil || op.OperationType != "DELETE" {
		t.Fatalf("delete: %v %v", op, err)
	}
	if in, err = svc.Instances.Get(project, "orders").Do(); err != nil || in.State != "PENDING_DELETE" {
		t.Errorf("instance while deleting: %v %v, want PENDING_DELETE", in, err)
	}
	clk.Add(delay)
	_, err = svc.Instances.Get(project, "orders").Do()
	if c, r := apiErr(err); c != http.StatusNotFound || r != "instanceDoesNotExist" {
		t.Errorf("get after delete: %v, want 404 instanceDoesNotExist", err)
	}
	bs, err := svc.Backups.ListBackups("projects/" + project).Do()
	if err != nil || len(bs.Backups) != 1 || bs.Backups[0].Type != "FINAL" || bs.Backups[0].Instance != "orders" || !strings.HasPrefix(bs.Backups[0].ExpiryTime, "2026-01-16") {
		t.Errorf("final backups %+v (%v), want one FINAL backup of orders expiring in 14 days", bs, err)
	}

	// The name stays taken for a week.
	_, err = svc.Instances.Insert(project, postgres("orders")).Do()
	if c, r := apiErr(err); c != http.StatusConflict || r != "instanceAlreadyExists" || !strings.Contains(err.Error(), "one week") {
		t.Errorf("insert of a recently deleted name: %v, want 409 instanceAlreadyExists saying one week", err)
	}
	clk.Add(NameReuseWindow)
	if _, err := svc.Instances.Insert(project, postgres("orders")).Do(); err != nil {
		t.Errorf("insert a week later: %v", err)
	}
}

func TestInstanceInsertErrors(t *testing.T) {
	svc, clk, _ := start(t)
	create(t, svc, clk, postgres("taken"))
	cases := map[string]struct {
		reason string
		in     *sqladmin.DatabaseInstance
		code   int
		want   string
	}{
		"Duplicate": {reason: "a second insert of a name is refused", in: postgres("taken"), code: 409, want: "instanceAlreadyExists"},
		"BadName":   {reason: "names are lowercase", in: postgres("Bad_Name"), code: 400, want: "invalid"},
		"NoVersion": {reason: "databaseVersion is required", in: func() *sqladmin.DatabaseInstance {
			i := postgres("nover")
			i.DatabaseVersion = ""
			return i
		}(), code: 400, want: "invalid"},
		"PlusTier": {reason: "Enterprise Plus takes only perf-optimized tiers", in: func() *sqladmin.DatabaseInstance {
			i := postgres("plus")
			i.Settings.Edition = "ENTERPRISE_PLUS"
			return i
		}(), code: 400, want: "invalid"},
		"NoNetwork": {reason: "an instance needs a public or a private address", in: func() *sqladmin.DatabaseInstance {
			i := postgres("nonet")
			i.Settings.IpConfiguration = &sqladmin.IpConfiguration{Ipv4Enabled: false, ForceSendFields: []string{"Ipv4Enabled"}}
			return i
		}(), code: 400, want: "invalid"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := svc.Instances.Insert(project, tc.in).Do()
			code, reason := apiErr(err)
			if d := cmp.Diff([]any{tc.code, tc.want}, []any{code, reason}); d != "" {
				t.Errorf("%s: (-want +got):\n%s (%v)", tc.reason, d, err)
			}
		})
	}
}

func TestPrivateNetworkAndList(t *testing.T) {
	svc, clk, _ := start(t)
	in := postgres("private")
	in.Settings.IpConfiguration = &sqladmin.IpConfiguration{Ipv4Enabled: false, PrivateNetwork: "projects/p/global/networks/default", ForceSendFields: []string{"Ipv4Enabled"}}
	got := create(t, svc, clk, in)
	if len(got.IpAddresses) != 1 || got.IpAddresses[0].Type != "PRIVATE" {
		t.Errorf("ipAddresses %+v, want one PRIVATE", got.IpAddresses)
	}
	for _, n := range []string{"b", "c", "d"} {
		create(t, svc, clk, postgres(n))
	}
	var names []string
	err := svc.Instances.List(project).MaxResults(3).Pages(context.Background(), func(r *sqladmin.InstancesListResponse) error {
		for _, i := range r.Items {
			names = append(names, i.Name)
		}
		if len(r.Items) > 3 {
			t.Errorf("page of %d items, want at most 3", len(r.Items))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"b", "c", "d", "private"}, names); d != "" {
		t.Errorf("listed instances (-want +got):\n%s", d)
	}
	ops, err := svc.Operations.List(project).Instance("private").Do()
	if err != nil || len(ops.Items) != 1 || ops.Items[0].OperationType != "CREATE" {
		t.Errorf("operations of private: %+v %v", ops, err)
	}
}

func TestDatabasesUsersBackups(t *testing.T) {
	svc, clk, cloud := start(t)
	my := postgres("shop")
	my.DatabaseVersion = "MYSQL_8_0"
	create(t, svc, clk, my)

	if _, err := svc.Databases.Insert(project, "shop", &sqladmin.Database{Name: "orders"}).Do(); err != nil {
		t.Fatal(err)
	}
	// The instance is busy with the database until its operation is done.
	_, err := svc.Users.Insert(project, "shop", &sqladmin.User{Name: "app", Password: "pw1"}).Do()
	if c, r := apiErr(err); c != http.StatusConflict || r != "operationInProgress" {
		t.Errorf("user insert while a database is being made: %v, want 409 operationInProgress", err)
	}
	clk.Add(delay)
	d, err := svc.Databases.Get(project, "shop", "orders").Do()
	if err != nil || d.Charset != "utf8mb4" || d.Collation != "utf8mb4_0900_ai_ci" || d.Kind != "sql#database" {
		t.Errorf("database %+v %v, want MySQL 8 defaults", d, err)
	}
	_, err = svc.Databases.Insert(project, "shop", &sqladmin.Database{Name: "orders"}).Do()
	if c, r := apiErr(err); c != http.StatusConflict || r != "alreadyExists" {
		t.Errorf("duplicate database: %v, want 409 alreadyExists", err)
	}
	_, err = svc.Databases.Get(project, "shop", "nope").Do()
	if c, _ := apiErr(err); c != http.StatusNotFound {
		t.Errorf("missing database: %v, want 404", err)
	}

	if _, err := svc.Users.Insert(project, "shop", &sqladmin.User{Name: "app", Password: "pw1"}).Do(); err != nil {
		t.Fatal(err)
	}
	clk.Add(delay)
	users, err := svc.Users.List(project, "shop").Do()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users.Items {
		got = append(got, u.Name+"@"+u.Host+":"+u.Password)
	}
	if d := cmp.Diff([]string{"app@%:", "root@%:"}, got); d != "" {
		t.Errorf("users (-want +got), passwords never listed:\n%s", d)
	}
	if _, err := svc.Users.Update(project, "shop", &sqladmin.User{Password: "pw2"}).Name("app").Host("%").Do(); err != nil {
		t.Fatal(err)
	}
	clk.Add(delay)
	if pw, _ := cloud.Password(project, "shop", "app", "%"); pw != "pw2" {
		t.Errorf("password after update %q, want pw2", pw)
	}
	if _, err := svc.Users.Delete(project, "shop").Name("app").Host("%").Do(); err != nil {
		t.Fatal(err)
	}
	clk.Add(delay)
	_, err = svc.Users.Get(project, "shop", "app").Host("%").Do()
	if c, _ := apiErr(err); c != http.StatusNotFound {
		t.Errorf("deleted user: %v, want 404", err)
	}

	op, err := svc.BackupRuns.Insert(project, "shop", &sqladmin.BackupRun{Description: "before upgrade"}).Do()
	if err != nil || op.OperationType != "BACKUP_VOLUME" {
		t.Fatalf("backup run: %v %v", op, err)
	}
	runs, err := svc.BackupRuns.List(project, "shop").Do()
	if err != nil || len(runs.Items) != 1 || runs.Items[0].Status != "ENQUEUED" || runs.Items[0].Type != "ON_DEMAND" {
		t.Fatalf("backup runs %+v %v, want one ENQUEUED ON_DEMAND", runs, err)
	}
	clk.Add(delay)
	r, err := svc.BackupRuns.Get(project, "shop", runs.Items[0].Id).Do()
	if err != nil || r.Status != "SUCCESSFUL" || r.Description != "before upgrade" {
		t.Errorf("backup run after its operation: %+v %v", r, err)
	}
}

func TestFaults(t *testing.T) {
	svc, _, cloud := start(t)
	cloud.Set(fault.Faults{Throttle: 1, RetryAfter: 3 * time.Second})
	_, err := svc.Instances.Get(project, "any").Do()
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != http.StatusTooManyRequests || len(ge.Errors) != 1 || ge.Errors[0].Reason != "rateLimitExceeded" || ge.Header.Get("Retry-After") != "3" {
		t.Errorf("throttled: %#v, want 429 rateLimitExceeded with Retry-After 3", err)
	}
	cloud.Set(fault.Faults{ServerError: 1})
	_, err = svc.Instances.Get(project, "any").Do()
	if c, r := apiErr(err); c != http.StatusServiceUnavailable || r != "backendError" {
		t.Errorf("server error: %v, want 503 backendError", err)
	}
	cloud.Clear()
	_, err = svc.Instances.Get(project, "any").Do()
	if c, r := apiErr(err); c != http.StatusNotFound || r != "instanceDoesNotExist" {
		t.Errorf("after clearing: %v", err)
	}
	if s := cloud.Stats(); s.Requests != 3 || s.Throttled != 1 || s.ServerErrors != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestListsAsGet checks instances.list pages by Options.PageSize without
// maxResults, and every list (instances, databases, users) returns the
// resources their get returns, in the list kinds Cloud SQL names.
func TestListsAsGet(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cloud := New(Options{OperationDelay: delay, Now: clk.Now, PageSize: 2})
	srv := httptest.NewServer(cloud)
	t.Cleanup(srv.Close)
	svc, err := sqladmin.NewService(context.Background(), option.WithEndpoint(srv.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		create(t, svc, clk, postgres(n))
	}
	// One instance still being created is listed as it is got.
	if _, err := svc.Instances.Insert(project, postgres("f")).Do(); err != nil {
		t.Fatal(err)
	}
	var pages []int
	var listed []*sqladmin.DatabaseInstance
	if err := svc.Instances.List(project).Pages(context.Background(), func(r *sqladmin.InstancesListResponse) error {
		if r.Kind != "sql#instancesList" {
			t.Errorf("kind %q", r.Kind)
		}
		pages = append(pages, len(r.Items))
		listed = append(listed, r.Items...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{2, 2, 2}, pages); d != "" {
		t.Errorf("page sizes (-want +got):\n%s", d)
	}
	ignore := cmpopts.IgnoreFields(sqladmin.DatabaseInstance{}, "ServerResponse")
	for _, l := range listed {
		got, err := svc.Instances.Get(project, l.Name).Do()
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(got, l, ignore); d != "" {
			t.Errorf("listed %s differs from its get (-get +list):\n%s", l.Name, d)
		}
	}
	// maxResults asks for fewer; above 1000 it is coerced, never refused.
	r, err := svc.Instances.List(project).MaxResults(1).Do()
	if err != nil || len(r.Items) != 1 || r.NextPageToken == "" {
		t.Errorf("maxResults 1: %d items, next %q, %v", len(r.Items), r.NextPageToken, err)
	}
	if _, err := svc.Instances.List(project).MaxResults(5000).Do(); err != nil {
		t.Errorf("maxResults 5000: %v", err)
	}
	if _, err := svc.Instances.List("another-project").Do(); err != nil {
		t.Errorf("another project: %v", err)
	}

	if _, err := svc.Databases.Insert(project, "a", &sqladmin.Database{Name: "orders"}).Do(); err != nil {
		t.Fatal(err)
	}
	clk.Add(delay)
	ds, err := svc.Databases.List(project, "a").Do()
	if err != nil || ds.Kind != "sql#databasesList" {
		t.Fatalf("databases: %+v %v", ds, err)
	}
	for _, d := range ds.Items {
		got, err := svc.Databases.Get(project, "a", d.Name).Do()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, d, cmpopts.IgnoreFields(sqladmin.Database{}, "ServerResponse")); diff != "" {
			t.Errorf("listed database %s differs from its get (-get +list):\n%s", d.Name, diff)
		}
	}
	us, err := svc.Users.List(project, "a").Do()
	if err != nil || us.Kind != "sql#usersList" || len(us.Items) == 0 {
		t.Fatalf("users: %+v %v", us, err)
	}
	for _, u := range us.Items {
		got, err := svc.Users.Get(project, "a", u.Name).Do()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, u, cmpopts.IgnoreFields(sqladmin.User{}, "ServerResponse")); diff != "" {
			t.Errorf("listed user %s differs from its get (-get +list):\n%s", u.Name, diff)
		}
	}
	// The databases and users of an instance Cloud SQL does not have are
	// a 404, as their get is.
	if _, err := svc.Databases.List(project, "nowhere").Do(); !isCode(err, http.StatusNotFound) {
		t.Errorf("databases of a missing instance: %v", err)
	}
	if _, err := svc.Users.List(project, "nowhere").Do(); !isCode(err, http.StatusNotFound) {
		t.Errorf("users of a missing instance: %v", err)
	}
}

func isCode(err error, code int) bool { c, _ := apiErr(err); return c == code }
