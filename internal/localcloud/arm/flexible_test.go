package arm

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/mysql/armmysqlflexibleservers"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/postgresql/armpostgresqlflexibleservers"
	"github.com/google/go-cmp/cmp"
)

func pgServers(t *testing.T, e *env) *armpostgresqlflexibleservers.ServersClient {
	t.Helper()
	c, err := armpostgresqlflexibleservers.NewServersClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pgDatabases(t *testing.T, e *env) *armpostgresqlflexibleservers.DatabasesClient {
	t.Helper()
	c, err := armpostgresqlflexibleservers.NewDatabasesClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pgServer() armpostgresqlflexibleservers.Server {
	return armpostgresqlflexibleservers.Server{
		Location: to.Ptr("West Europe"),
		SKU:      &armpostgresqlflexibleservers.SKU{Name: to.Ptr("Standard_B1ms"), Tier: to.Ptr(armpostgresqlflexibleservers.SKUTierBurstable)},
		Tags:     map[string]*string{"team": to.Ptr("a")},
		Properties: &armpostgresqlflexibleservers.ServerProperties{
			AdministratorLogin:         to.Ptr("stowage"),
			AdministratorLoginPassword: to.Ptr("s3cret-Passw0rd"),
			Version:                    to.Ptr(armpostgresqlflexibleservers.ServerVersionThirteen),
			Storage:                    &armpostgresqlflexibleservers.Storage{StorageSizeGB: to.Ptr[int32](32)},
		},
	}
}

// TestFlexibleServerLifecycle follows a PostgreSQL flexible server and a
// database in it through create, update and delete, as the SDK sees them.
func TestFlexibleServerLifecycle(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.group(t, "rg")
	servers, dbs := pgServers(t, e), pgDatabases(t, e)

	// The create is accepted with the headers of a long-running operation.
	st, h, _ := raw(t, http.MethodPut, e.url+"/subscriptions/"+sub+"/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-raw?api-version=2021-06-01",
		`{"location":"westeurope","sku":{"name":"Standard_B1ms","tier":"Burstable"},"properties":{"administratorLogin":"stowage","administratorLoginPassword":"x-Passw0rd"}}`)
	if st != http.StatusAccepted || !strings.Contains(h.Get("Azure-AsyncOperation"), "/providers/Microsoft.DBforPostgreSQL/locations/westeurope/azureAsyncOperation/") ||
		!strings.Contains(h.Get("Location"), "/operationResults/") || h.Get("Retry-After") == "" {
		t.Errorf("create answered %d with headers %v: want 202 with Azure-AsyncOperation, Location and Retry-After", st, h)
	}

	p, err := servers.BeginCreate(ctx, "rg", "pg-one", pgServer(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := servers.Get(ctx, "rg", "pg-one", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Provisioning", "pg-one.postgres.database.azure.com", "westeurope", "13", "stowage"},
		[]string{string(*got.Properties.State), *got.Properties.FullyQualifiedDomainName, *got.Location, string(*got.Properties.Version), *got.Properties.AdministratorLogin}); diff != "" {
		t.Errorf("server while creating: -want, +got:\n%s", diff)
	}
	if got.Properties.AdministratorLoginPassword != nil {
		t.Error("GET returned the administrator password")
	}
	if _, err := servers.BeginUpdate(ctx, "rg", "pg-one", armpostgresqlflexibleservers.ServerForUpdate{Tags: map[string]*string{}}, nil); code(err) != "ServerBusy" {
		t.Errorf("PATCH while provisioning: got %q, want ServerBusy", code(err))
	}
	if _, err := dbs.BeginCreate(ctx, "rg", "pg-one", "app", armpostgresqlflexibleservers.Database{}, nil); code(err) != "ServerBusy" {
		t.Errorf("database create while provisioning: got %q, want ServerBusy", code(err))
	}
	e.clock.Add(delay)
	if _, err := p.Poll(ctx); err != nil || !p.Done() {
		t.Fatalf("create not done after the delay: %v", err)
	}
	res, err := p.Result(ctx)
	if err != nil || *res.Properties.State != armpostgresqlflexibleservers.ServerStateReady {
		t.Fatalf("create result: %v %v", err, res.Properties)
	}

	// A PATCH changes only what it sends, through Updating.
	up, err := servers.BeginUpdate(ctx, "rg", "pg-one", armpostgresqlflexibleservers.ServerForUpdate{Properties: &armpostgresqlflexibleservers.ServerPropertiesForUpdate{
		Storage: &armpostgresqlflexibleservers.Storage{StorageSizeGB: to.Ptr[int32](64)},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = servers.Get(ctx, "rg", "pg-one", nil)
	if *got.Properties.State != armpostgresqlflexibleservers.ServerStateUpdating || *got.Properties.Storage.StorageSizeGB != 64 || *got.Tags["team"] != "a" || *got.SKU.Name != "Standard_B1ms" {
		t.Errorf("server while updating: state %s, storage %d, tags %v", *got.Properties.State, *got.Properties.Storage.StorageSizeGB, got.Tags)
	}
	e.clock.Add(delay)
	if _, err := up.Poll(ctx); err != nil || !up.Done() {
		t.Fatalf("update not done: %v", err)
	}

	// A database is not visible until its create ends.
	dp, err := dbs.BeginCreate(ctx, "rg", "pg-one", "app", armpostgresqlflexibleservers.Database{Properties: &armpostgresqlflexibleservers.DatabaseProperties{Charset: to.Ptr("UTF8")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dbs.Get(ctx, "rg", "pg-one", "app", nil); code(err) != "ResourceNotFound" {
		t.Errorf("database while its create runs: got %q, want ResourceNotFound", code(err))
	}
	e.clock.Add(delay)
	if _, err := dp.Poll(ctx); err != nil || !dp.Done() {
		t.Fatalf("database create not done: %v", err)
	}
	db, err := dbs.Get(ctx, "rg", "pg-one", "app", nil)
	if err != nil || *db.Properties.Collation != "en_US.utf8" {
		t.Fatalf("database: %v %v", err, db.Properties)
	}
	page, err := dbs.NewListByServerPager("rg", "pg-one", nil).NextPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range page.Value {
		names = append(names, *d.Name)
	}
	if diff := cmp.Diff([]string{"app", "azure_maintenance", "azure_sys", "postgres"}, names); diff != "" {
		t.Errorf("databases: -want, +got:\n%s", diff)
	}
	if _, err := dbs.BeginCreate(ctx, "rg", "missing", "app", armpostgresqlflexibleservers.Database{}, nil); code(err) != "ParentResourceNotFound" {
		t.Errorf("database in a missing server: got %q, want ParentResourceNotFound", code(err))
	}

	// A delete drops the server, then it is gone with its databases.
	del, err := servers.BeginDelete(ctx, "rg", "pg-one", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err = servers.Get(ctx, "rg", "pg-one", nil)
	if err != nil || *got.Properties.State != armpostgresqlflexibleservers.ServerStateDropping {
		t.Fatalf("server while deleting: %v", err)
	}
	e.clock.Add(delay)
	if _, err := del.Poll(ctx); err != nil || !del.Done() {
		t.Fatalf("delete not done: %v", err)
	}
	if _, err := servers.Get(ctx, "rg", "pg-one", nil); code(err) != "ResourceNotFound" {
		t.Errorf("deleted server: got %q, want ResourceNotFound", code(err))
	}
	if _, err := dbs.Get(ctx, "rg", "pg-one", "app", nil); code(err) != "ParentResourceNotFound" {
		t.Errorf("database of a deleted server: got %q, want ParentResourceNotFound", code(err))
	}
}

func TestFlexibleServerErrors(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.group(t, "rg")
	e.group(t, "other")
	servers := pgServers(t, e)
	if _, err := servers.BeginCreate(ctx, "other", "pg-other", pgServer(), nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(delay)
	e.srv.Reserve(Postgres.ServerType(), "pg-reserved")
	withProps := func(f func(*armpostgresqlflexibleservers.Server)) armpostgresqlflexibleservers.Server {
		s := pgServer()
		f(&s)
		return s
	}
	cases := map[string]struct {
		reason     string
		rg, name   string
		server     armpostgresqlflexibleservers.Server
		wantCode   string
		wantStatus int
	}{
		"GroupNotFound": {
			reason: "A server is made in an existing resource group.", rg: "nope", name: "pg-a", server: pgServer(),
			wantCode: "ResourceGroupNotFound", wantStatus: 404,
		},
		"TakenInAnotherGroup": {
			reason: "Server names are global DNS names.", rg: "rg", name: "pg-other", server: pgServer(),
			wantCode: "ServerNameAlreadyExists", wantStatus: 409,
		},
		"TakenElsewhere": {
			reason: "A name used outside this local cloud is taken too.", rg: "rg", name: "pg-reserved", server: pgServer(),
			wantCode: "ServerNameAlreadyExists", wantStatus: 409,
		},
		"NameInvalid": {
			reason: "Server names are lower-case letters, digits and hyphens.", rg: "rg", name: "Bad_Name", server: pgServer(),
			wantCode: "InvalidParameter", wantStatus: 400,
		},
		"NoPassword": {
			reason: "A create needs the administrator password.", rg: "rg", name: "pg-b",
			server:   withProps(func(s *armpostgresqlflexibleservers.Server) { s.Properties.AdministratorLoginPassword = nil }),
			wantCode: "InvalidParameter", wantStatus: 400,
		},
		"WeakPassword": {
			reason: "Passwords need three of four character classes.", rg: "rg", name: "pg-f",
			server: withProps(func(s *armpostgresqlflexibleservers.Server) {
				s.Properties.AdministratorLoginPassword = to.Ptr("alllowercase")
			}),
			wantCode: "InvalidParameter", wantStatus: 400,
		},
		"VersionUnknown": {
			reason: "Only the engine's versions exist.", rg: "rg", name: "pg-c",
			server: withProps(func(s *armpostgresqlflexibleservers.Server) {
				s.Properties.Version = to.Ptr(armpostgresqlflexibleservers.ServerVersion("9.6"))
			}),
			wantCode: "InvalidParameter", wantStatus: 400,
		},
		"BurstableHA": {
			reason: "Burstable servers have no high availability.", rg: "rg", name: "pg-d",
			server: withProps(func(s *armpostgresqlflexibleservers.Server) {
				s.Properties.HighAvailability = &armpostgresqlflexibleservers.HighAvailability{Mode: to.Ptr(armpostgresqlflexibleservers.HighAvailabilityModeZoneRedundant)}
			}),
			wantCode: "InvalidParameter", wantStatus: 400,
		},
		"StorageSize": {
			reason: "PostgreSQL storage comes in fixed sizes.", rg: "rg", name: "pg-e",
			server:   withProps(func(s *armpostgresqlflexibleservers.Server) { s.Properties.Storage.StorageSizeGB = to.Ptr[int32](33) }),
			wantCode: "InvalidParameter", wantStatus: 400,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := servers.BeginCreate(ctx, tc.rg, tc.name, tc.server, nil)
			if diff := cmp.Diff(tc.wantCode, code(err)); diff != "" {
				t.Errorf("%s\ncode: -want, +got:\n%s", tc.reason, diff)
			}
			if got := status(err); got != tc.wantStatus {
				t.Errorf("%s\nstatus: got %d, want %d", tc.reason, got, tc.wantStatus)
			}
		})
	}

	// A Ready server refuses what its api-version cannot change.
	updates := map[string]struct {
		reason string
		update armpostgresqlflexibleservers.ServerForUpdate
	}{
		"ShrinkStorage": {
			reason: "Storage never shrinks.",
			update: armpostgresqlflexibleservers.ServerForUpdate{Properties: &armpostgresqlflexibleservers.ServerPropertiesForUpdate{Storage: &armpostgresqlflexibleservers.Storage{StorageSizeGB: to.Ptr[int32](32)}}},
		},
		"GeoRedundantBackup": {
			reason: "Geo-redundant backup is chosen at create time only.",
			update: armpostgresqlflexibleservers.ServerForUpdate{Properties: &armpostgresqlflexibleservers.ServerPropertiesForUpdate{Backup: &armpostgresqlflexibleservers.Backup{GeoRedundantBackup: to.Ptr(armpostgresqlflexibleservers.GeoRedundantBackupEnumEnabled)}}},
		},
		"RetentionRange": {
			reason: "PostgreSQL keeps backups 7 to 35 days.",
			update: armpostgresqlflexibleservers.ServerForUpdate{Properties: &armpostgresqlflexibleservers.ServerPropertiesForUpdate{Backup: &armpostgresqlflexibleservers.Backup{BackupRetentionDays: to.Ptr[int32](3)}}},
		},
	}
	if _, err := servers.BeginUpdate(ctx, "other", "pg-other", armpostgresqlflexibleservers.ServerForUpdate{Properties: &armpostgresqlflexibleservers.ServerPropertiesForUpdate{Storage: &armpostgresqlflexibleservers.Storage{StorageSizeGB: to.Ptr[int32](64)}}}, nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(delay)
	for name, tc := range updates {
		t.Run(name, func(t *testing.T) {
			if _, err := servers.BeginUpdate(ctx, "other", "pg-other", tc.update, nil); code(err) != "InvalidParameter" {
				t.Errorf("%s\ngot %q, want InvalidParameter", tc.reason, code(err))
			}
		})
	}

	avail, err := armpostgresqlflexibleservers.NewCheckNameAvailabilityClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"pg-other": false, "pg-reserved": false, "pg-free": true} {
		r, err := avail.Execute(ctx, armpostgresqlflexibleservers.NameAvailabilityRequest{Name: to.Ptr(name), Type: to.Ptr(Postgres.ServerType())}, nil)
		if err != nil || *r.NameAvailable != want {
			t.Errorf("checkNameAvailability %s: %v, want available %v", name, err, want)
		}
	}
}

// TestFlexibleMySQL checks the MySQL provider speaks its own api-version,
// DNS suffix, storage model and name check, on the same handlers.
func TestFlexibleMySQL(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.group(t, "rg")
	servers, err := armmysqlflexibleservers.NewServersClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	dbs, err := armmysqlflexibleservers.NewDatabasesClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	p, err := servers.BeginCreate(ctx, "rg", "my-one", armmysqlflexibleservers.Server{
		Location: to.Ptr("westeurope"),
		SKU:      &armmysqlflexibleservers.SKU{Name: to.Ptr("Standard_D2ds_v4"), Tier: to.Ptr(armmysqlflexibleservers.SKUTierGeneralPurpose)},
		Properties: &armmysqlflexibleservers.ServerProperties{
			AdministratorLogin: to.Ptr("stowage"), AdministratorLoginPassword: to.Ptr("s3cret-Passw0rd"),
			Version:          to.Ptr(armmysqlflexibleservers.ServerVersionEight021),
			HighAvailability: &armmysqlflexibleservers.HighAvailability{Mode: to.Ptr(armmysqlflexibleservers.HighAvailabilityModeSameZone)},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(delay)
	if _, err := p.Poll(ctx); err != nil || !p.Done() {
		t.Fatalf("create not done: %v", err)
	}
	got, err := servers.Get(ctx, "rg", "my-one", nil)
	if err != nil {
		t.Fatal(err)
	}
	pr := got.Properties
	if diff := cmp.Diff([]string{"Ready", "my-one.mysql.database.azure.com", "20", "Enabled", "Healthy", "Enabled"},
		[]string{string(*pr.State), *pr.FullyQualifiedDomainName, strconv.Itoa(int(*pr.Storage.StorageSizeGB)), string(*pr.Storage.AutoGrow), string(*pr.HighAvailability.State), string(*pr.Network.PublicNetworkAccess)}); diff != "" {
		t.Errorf("MySQL server: -want, +got:\n%s", diff)
	}
	if _, err := dbs.BeginCreateOrUpdate(ctx, "rg", "my-one", "app", armmysqlflexibleservers.Database{Properties: &armmysqlflexibleservers.DatabaseProperties{Charset: to.Ptr("utf8mb4"), Collation: to.Ptr("utf8mb4_0900_ai_ci")}}, nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(delay)
	if db, err := dbs.Get(ctx, "rg", "my-one", "app", nil); err != nil || *db.Properties.Charset != "utf8mb4" {
		t.Errorf("MySQL database: %v", err)
	}
	// The PostgreSQL api-version does not serve MySQL.
	c, _, body := raw(t, http.MethodGet, e.url+"/subscriptions/"+sub+"/resourceGroups/rg/providers/Microsoft.DBforMySQL/flexibleServers/my-one?api-version=2021-06-01", "")
	if c != http.StatusBadRequest || body["error"].(map[string]any)["code"] != "InvalidApiVersionParameter" {
		t.Errorf("MySQL with PostgreSQL's api-version: %d %v", c, body)
	}
	avail, err := armmysqlflexibleservers.NewCheckNameAvailabilityClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	r, err := avail.Execute(ctx, "westeurope", armmysqlflexibleservers.NameAvailabilityRequest{Name: to.Ptr("my-one"), Type: to.Ptr(MySQL.ServerType())}, nil)
	if err != nil || *r.NameAvailable {
		t.Errorf("checkNameAvailability of a used name: %v %v", err, r.NameAvailable)
	}
}
