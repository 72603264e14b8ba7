package arm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/google/go-cmp/cmp"
)

type sqlEnv struct {
	*env
	servers *armsql.ServersClient
	dbs     *armsql.DatabasesClient
}

func startSQL(t *testing.T) *sqlEnv {
	t.Helper()
	e := &sqlEnv{env: start(t)}
	var err error
	if e.servers, err = armsql.NewServersClient(sub, Credential, ClientOptions(e.url)); err != nil {
		t.Fatal(err)
	}
	if e.dbs, err = armsql.NewDatabasesClient(sub, Credential, ClientOptions(e.url)); err != nil {
		t.Fatal(err)
	}
	return e
}

func sqlServer(pw string) armsql.Server {
	return armsql.Server{Location: to.Ptr("West Europe"), Tags: map[string]*string{"a": to.Ptr("b")}, Properties: &armsql.ServerProperties{
		AdministratorLogin: to.Ptr("stowage"), AdministratorLoginPassword: to.Ptr(pw), Version: to.Ptr("12.0"),
	}}
}

// server creates a server and moves the clock until it is Ready.
func (e *sqlEnv) server(t *testing.T, rg, name string) {
	t.Helper()
	p, err := e.servers.BeginCreateOrUpdate(context.Background(), rg, name, sqlServer("Sup3r-secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(delay)
	if _, err := p.Poll(context.Background()); err != nil || !p.Done() {
		t.Fatalf("server %s not created after the delay: %v", name, err)
	}
}

func TestSQLServerLifecycle(t *testing.T) {
	e := startSQL(t)
	ctx := context.Background()
	e.group(t, "rg")

	// The create is accepted as a long-running operation, with the headers
	// Azure SQL sends.
	st, h, _ := raw(t, http.MethodPut, e.url+"/subscriptions/"+sub+"/resourceGroups/rg/providers/Microsoft.Sql/servers/stowage-sql1?api-version=2021-02-01-preview",
		`{"location":"westeurope","properties":{"administratorLogin":"stowage","administratorLoginPassword":"Sup3r-secret"}}`)
	if st != http.StatusAccepted || !strings.Contains(h.Get("Azure-AsyncOperation"), "/providers/Microsoft.Sql/locations/westeurope/serverAzureAsyncOperation/") ||
		!strings.Contains(h.Get("Location"), "/serverOperationResults/") || h.Get("Retry-After") != "10" {
		t.Fatalf("create answered %d with Azure-AsyncOperation %q, Location %q, Retry-After %q", st, h.Get("Azure-AsyncOperation"), h.Get("Location"), h.Get("Retry-After"))
	}
	var states []string
	for range 2 {
		got, err := e.servers.Get(ctx, "rg", "stowage-sql1", nil)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, *got.Properties.State)
		e.clock.Add(delay)
	}
	if diff := cmp.Diff([]string{"Creating", "Ready"}, states); diff != "" {
		t.Errorf("server states: -want, +got:\n%s", diff)
	}

	// Through the SDK: a second server, its poller done after the delay.
	p, err := e.servers.BeginCreateOrUpdate(ctx, "rg", "stowage-sql2", sqlServer("Sup3r-secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Done() {
		t.Fatal("a server create finished at once; Azure takes time")
	}
	e.clock.Add(delay)
	if _, err := p.Poll(ctx); err != nil || !p.Done() {
		t.Fatalf("create not done after the delay: %v", err)
	}
	res, err := p.Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pr := res.Properties
	got := map[string]any{"fqdn": *pr.FullyQualifiedDomainName, "login": *pr.AdministratorLogin, "password": pr.AdministratorLoginPassword, "tls": *pr.MinimalTLSVersion,
		"public": string(*pr.PublicNetworkAccess), "version": *pr.Version, "state": *pr.State, "location": *res.Location, "kind": *res.Kind, "tags": *res.Tags["a"]}
	want := map[string]any{"fqdn": "stowage-sql2.database.windows.net", "login": "stowage", "password": (*string)(nil), "tls": "1.2",
		"public": "Enabled", "version": "12.0", "state": "Ready", "location": "westeurope", "kind": "v12.0", "tags": "b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created server (the password is never returned): -want, +got:\n%s", diff)
	}

	// PATCH is a long-running operation carrying only what changes.
	up, err := e.servers.BeginUpdate(ctx, "rg", "stowage-sql2", armsql.ServerUpdate{Properties: &armsql.ServerProperties{PublicNetworkAccess: to.Ptr(armsql.ServerNetworkAccessFlagDisabled)}}, nil)
	if err != nil || up.Done() {
		t.Fatalf("PATCH: %v, done at once %v", err, up != nil && up.Done())
	}
	g, err := e.servers.Get(ctx, "rg", "stowage-sql2", nil)
	if err != nil || *g.Properties.PublicNetworkAccess != armsql.ServerNetworkAccessFlagDisabled || *g.Properties.MinimalTLSVersion != "1.2" || *g.Tags["a"] != "b" {
		t.Fatalf("PATCH changes only what it sends: %v %+v", err, g.Properties)
	}
	if _, err := e.servers.BeginUpdate(ctx, "rg", "stowage-sql2", armsql.ServerUpdate{Properties: &armsql.ServerProperties{MinimalTLSVersion: to.Ptr("0.9")}}, nil); code(err) != "InvalidParameterValue" {
		t.Errorf("bad TLS version: got %q, want InvalidParameterValue", code(err))
	}

	page, err := e.servers.NewListByResourceGroupPager("rg", nil).NextPage(ctx)
	if err != nil || len(page.Value) != 2 {
		t.Fatalf("list: %v %d", err, len(page.Value))
	}

	// A delete is a long-running operation; the server and its databases
	// go when it ends.
	if _, err := e.dbs.BeginCreateOrUpdate(ctx, "rg", "stowage-sql2", "db1", armsql.Database{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	d, err := e.servers.BeginDelete(ctx, "rg", "stowage-sql2", nil)
	if err != nil || d.Done() {
		t.Fatalf("delete: %v", err)
	}
	if _, err := e.servers.Get(ctx, "rg", "stowage-sql2", nil); err != nil {
		t.Errorf("the server is there while the delete runs: %v", err)
	}
	e.clock.Add(delay)
	if _, err := d.Poll(ctx); err != nil || !d.Done() {
		t.Fatalf("delete not done after the delay: %v", err)
	}
	if _, err := e.servers.Get(ctx, "rg", "stowage-sql2", nil); code(err) != "ResourceNotFound" {
		t.Errorf("deleted server: got %q, want ResourceNotFound", code(err))
	}
	if _, err := e.dbs.Get(ctx, "rg", "stowage-sql2", "db1", nil); code(err) != "ParentResourceNotFound" {
		t.Errorf("database of a deleted server: got %q, want ParentResourceNotFound", code(err))
	}
	if _, err := e.servers.BeginDelete(ctx, "rg", "stowage-sql2", nil); err != nil {
		t.Errorf("deleting what is gone answers 204: %v", err)
	}
}

func TestSQLServerErrors(t *testing.T) {
	e := startSQL(t)
	ctx := context.Background()
	e.group(t, "rg")
	e.group(t, "other")
	e.server(t, "other", "in-other")
	e.srv.Reserve(SQLServerType, "taken-elsewhere")
	cases := map[string]struct {
		reason     string
		rg, name   string
		params     armsql.Server
		wantCode   string
		wantStatus int
		wantAvail  string
	}{
		"NameInvalid": {
			reason: "Server names are lower-case letters, digits and hyphens.", rg: "rg", name: "Not_Valid", params: sqlServer("Sup3r-secret"),
			wantCode: "InvalidResourceName", wantStatus: 400, wantAvail: "Invalid",
		},
		"TakenElsewhere": {
			reason: "A name taken in another subscription is taken: server names are DNS names.", rg: "rg", name: "taken-elsewhere", params: sqlServer("Sup3r-secret"),
			wantCode: "NameAlreadyExists", wantStatus: 409, wantAvail: "AlreadyExists",
		},
		"InAnotherGroup": {
			reason: "A name used in another resource group is taken too.", rg: "rg", name: "in-other", params: sqlServer("Sup3r-secret"),
			wantCode: "NameAlreadyExists", wantStatus: 409, wantAvail: "AlreadyExists",
		},
		"NoGroup": {
			reason: "A server needs its resource group.", rg: "nogroup", name: "fine", params: sqlServer("Sup3r-secret"),
			wantCode: "ResourceGroupNotFound", wantStatus: 404,
		},
		"NoLogin": {
			reason: "A server without Entra-only authentication needs an administrator login.", rg: "rg", name: "fine",
			params:   armsql.Server{Location: to.Ptr("westeurope"), Properties: &armsql.ServerProperties{AdministratorLoginPassword: to.Ptr("Sup3r-secret")}},
			wantCode: "InvalidParameterValue", wantStatus: 400,
		},
		"BadVersion": {
			reason: "Only version 12.0 exists.", rg: "rg", name: "fine",
			params:   armsql.Server{Location: to.Ptr("westeurope"), Properties: &armsql.ServerProperties{AdministratorLogin: to.Ptr("a"), AdministratorLoginPassword: to.Ptr("Sup3r-secret"), Version: to.Ptr("11.0")}},
			wantCode: "InvalidParameterValue", wantStatus: 400,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.servers.BeginCreateOrUpdate(ctx, tc.rg, tc.name, tc.params, nil)
			if diff := cmp.Diff(tc.wantCode, code(err)); diff != "" {
				t.Errorf("%s\ncode: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantStatus, status(err)); diff != "" {
				t.Errorf("%s\nstatus: -want, +got:\n%s", tc.reason, diff)
			}
			if tc.wantAvail == "" {
				return
			}
			a, err := e.servers.CheckNameAvailability(ctx, armsql.CheckNameAvailabilityRequest{Name: &tc.name, Type: to.Ptr(SQLServerType)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantAvail, string(*a.Reason)); diff != "" || *a.Available {
				t.Errorf("%s\ncheckNameAvailability: available %v, reason -want, +got:\n%s", tc.reason, *a.Available, diff)
			}
		})
	}

	// A weak password is accepted and the operation fails, as in Azure;
	// the server never appears.
	p, err := e.servers.BeginCreateOrUpdate(ctx, "rg", "weak", sqlServer("password"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(delay)
	if _, err := p.Poll(ctx); err != nil || !p.Done() {
		t.Fatalf("the failed create is done: %v", err)
	}
	if _, err := p.Result(ctx); code(err) != "PasswordNotComplex" {
		t.Errorf("weak password: got %q, want the operation to fail with PasswordNotComplex", code(err))
	}
	if _, err := e.servers.Get(ctx, "rg", "weak", nil); code(err) != "ResourceNotFound" {
		t.Errorf("server with a weak password: got %q, want ResourceNotFound", code(err))
	}
	if a, err := e.servers.CheckNameAvailability(ctx, armsql.CheckNameAvailabilityRequest{Name: to.Ptr("fresh-name"), Type: to.Ptr(SQLServerType)}, nil); err != nil || !*a.Available {
		t.Errorf("a free name is available: %v %v", err, a)
	}
}

func TestSQLDatabaseLifecycle(t *testing.T) {
	e := startSQL(t)
	ctx := context.Background()
	e.group(t, "rg")
	if _, err := e.dbs.BeginCreateOrUpdate(ctx, "rg", "nosrv", "db", armsql.Database{Location: to.Ptr("westeurope")}, nil); code(err) != "ParentResourceNotFound" {
		t.Errorf("database without server: got %q, want ParentResourceNotFound", code(err))
	}
	if _, err := e.dbs.BeginCreateOrUpdate(ctx, "nogroup", "nosrv", "db", armsql.Database{Location: to.Ptr("westeurope")}, nil); code(err) != "ResourceGroupNotFound" {
		t.Errorf("database without group: got %q, want ResourceGroupNotFound", code(err))
	}
	e.server(t, "rg", "srv")

	// The minimum: location only gives S0, 250 GB, geo backups, as the
	// CreateDatabaseMin example shows.
	p, err := e.dbs.BeginCreateOrUpdate(ctx, "rg", "srv", "orders", armsql.Database{Location: to.Ptr("westeurope"), Tags: map[string]*string{"team": to.Ptr("a")}}, nil)
	if err != nil || p.Done() {
		t.Fatalf("create: %v", err)
	}
	got, err := e.dbs.Get(ctx, "rg", "srv", "orders", nil)
	if err != nil || *got.Properties.Status != armsql.DatabaseStatusCreating {
		t.Fatalf("while creating: %v %v", err, got.Properties)
	}
	e.clock.Add(delay)
	if _, err := p.Poll(ctx); err != nil || !p.Done() {
		t.Fatalf("create not done after the delay: %v", err)
	}
	res, err := p.Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pr := res.Properties
	summary := map[string]any{"status": string(*pr.Status), "sku": *res.SKU.Name, "tier": *res.SKU.Tier, "capacity": *res.SKU.Capacity, "objective": *pr.CurrentServiceObjectiveName,
		"size": *pr.MaxSizeBytes, "collation": *pr.Collation, "backup": string(*pr.CurrentBackupStorageRedundancy), "zr": *pr.ZoneRedundant, "location": *res.Location}
	want := map[string]any{"status": "Online", "sku": "Standard", "tier": "Standard", "capacity": int32(10), "objective": "S0",
		"size": int64(268435456000), "collation": "SQL_Latin1_General_CP1_CI_AS", "backup": "Geo", "zr": false, "location": "westeurope"}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("created database: -want, +got:\n%s", diff)
	}

	// A vCore database by family and capacity.
	if _, err := e.dbs.BeginCreateOrUpdate(ctx, "rg", "srv", "vcore", armsql.Database{Location: to.Ptr("westeurope"), SKU: &armsql.SKU{Name: to.Ptr("GP_Gen5"), Capacity: to.Ptr[int32](2)}}, nil); err != nil {
		t.Fatal(err)
	}
	v, err := e.dbs.Get(ctx, "rg", "srv", "vcore", nil)
	if err != nil || *v.Properties.CurrentServiceObjectiveName != "GP_Gen5_2" || *v.SKU.Tier != "GeneralPurpose" || *v.Kind != "v12.0,user,vcore" {
		t.Fatalf("vCore database: %v %+v", err, v.SKU)
	}

	// Scaling is a long-running operation that shows Scaling; other
	// changes show at once.
	up, err := e.dbs.BeginUpdate(ctx, "rg", "srv", "orders", armsql.DatabaseUpdate{SKU: &armsql.SKU{Name: to.Ptr("S1")}, Properties: &armsql.DatabaseUpdateProperties{
		RequestedBackupStorageRedundancy: to.Ptr(armsql.BackupStorageRedundancyLocal),
	}}, nil)
	if err != nil || up.Done() {
		t.Fatalf("PATCH: %v", err)
	}
	mid, err := e.dbs.Get(ctx, "rg", "srv", "orders", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Scaling", "S0", "S1", "Local", "Geo", "a"}, []string{string(*mid.Properties.Status), *mid.Properties.CurrentServiceObjectiveName, *mid.Properties.RequestedServiceObjectiveName,
		string(*mid.Properties.RequestedBackupStorageRedundancy), string(*mid.Properties.CurrentBackupStorageRedundancy), *mid.Tags["team"]}); diff != "" {
		t.Errorf("while scaling: -want, +got:\n%s", diff)
	}
	e.clock.Add(delay)
	end, err := e.dbs.Get(ctx, "rg", "srv", "orders", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"Online", "S1", int32(20), "Local"}, []any{string(*end.Properties.Status), *end.Properties.CurrentServiceObjectiveName, *end.SKU.Capacity, string(*end.Properties.CurrentBackupStorageRedundancy)}); diff != "" {
		t.Errorf("after scaling: -want, +got:\n%s", diff)
	}

	page, err := e.dbs.NewListByServerPager("rg", "srv", nil).NextPage(ctx)
	if err != nil || len(page.Value) != 2 {
		t.Fatalf("list: %v", err)
	}

	d, err := e.dbs.BeginDelete(ctx, "rg", "srv", "orders", nil)
	if err != nil || d.Done() {
		t.Fatalf("delete: %v", err)
	}
	e.clock.Add(delay)
	if _, err := d.Poll(ctx); err != nil || !d.Done() {
		t.Fatalf("delete not done: %v", err)
	}
	if _, err := e.dbs.Get(ctx, "rg", "srv", "orders", nil); code(err) != "ResourceNotFound" {
		t.Errorf("deleted database: got %q, want ResourceNotFound", code(err))
	}
	if _, err := e.dbs.BeginDelete(ctx, "rg", "srv", "orders", nil); err != nil {
		t.Errorf("deleting what is gone answers 204: %v", err)
	}
}

func TestSQLDatabaseErrors(t *testing.T) {
	e := startSQL(t)
	ctx := context.Background()
	e.group(t, "rg")
	e.server(t, "rg", "srv")
	cases := map[string]struct {
		reason   string
		db       armsql.Database
		wantCode string
	}{
		"EditionName": {
			reason:   "Azure refuses a DTU edition name as a SKU: the service objective (S0) is what it takes.",
			db:       armsql.Database{Location: to.Ptr("westeurope"), SKU: &armsql.SKU{Name: to.Ptr("Standard"), Capacity: to.Ptr[int32](10)}},
			wantCode: "InvalidSku",
		},
		"UnknownObjective": {
			reason:   "An unknown service objective is refused.",
			db:       armsql.Database{Location: to.Ptr("westeurope"), SKU: &armsql.SKU{Name: to.Ptr("X9")}},
			wantCode: "InvalidSku",
		},
		"TooBig": {
			reason:   "Basic databases hold at most 2 GB.",
			db:       armsql.Database{Location: to.Ptr("westeurope"), SKU: &armsql.SKU{Name: to.Ptr("Basic")}, Properties: &armsql.DatabaseProperties{MaxSizeBytes: to.Ptr[int64](10 << 30)}},
			wantCode: "InvalidMaxSizeTierCombination",
		},
		"BadRedundancy": {
			reason:   "Backup storage redundancy is Geo, Local, Zone or GeoZone.",
			db:       armsql.Database{Location: to.Ptr("westeurope"), Properties: &armsql.DatabaseProperties{RequestedBackupStorageRedundancy: to.Ptr(armsql.BackupStorageRedundancy("Tape"))}},
			wantCode: "InvalidParameterValue",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.dbs.BeginCreateOrUpdate(ctx, "rg", "srv", strings.ToLower(name), tc.db, nil)
			if diff := cmp.Diff(tc.wantCode, code(err)); diff != "" {
				t.Errorf("%s\ncode: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
	if _, err := e.dbs.BeginCreateOrUpdate(ctx, "rg", "srv", "fixed", armsql.Database{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.dbs.BeginUpdate(ctx, "rg", "srv", "fixed", armsql.DatabaseUpdate{Properties: &armsql.DatabaseUpdateProperties{}}, nil); err != nil {
		t.Errorf("an empty PATCH is fine: %v", err)
	}
	st, _, body := raw(t, http.MethodPatch, e.url+"/subscriptions/"+sub+"/resourceGroups/rg/providers/Microsoft.Sql/servers/srv/databases/fixed?api-version=2021-05-01-preview", `{"properties":{"collation":"Latin1_General_100_CI_AS"}}`)
	b, _ := json.Marshal(body)
	if st != http.StatusBadRequest || !strings.Contains(string(b), "cannot be changed") {
		t.Errorf("changing the collation: %d %s, want 400 saying it cannot be changed", st, b)
	}
}
