package arm

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/mysql/armmysqlflexibleservers"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/postgresql/armpostgresqlflexibleservers"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"github.com/google/go-cmp/cmp"
)

// TestListPaging lists every kind the provider lists, three or more of each, with
// pages of two: each list answers {"value":[...]} and a nextLink while more
// remain, the SDK pagers follow it, and every listed item is the resource
// as its own GET shows it (a container without its metadata, which Azure
// lists only for the container itself).
func TestListPaging(t *testing.T) {
	e := startSQL(t)
	ctx := context.Background()
	e.srv.SetListPageSize(2)
	for _, rg := range []string{"rg-a", "rg-b", "rg-c"} {
		e.group(t, rg)
	}
	pgs, pgdbs := pgServers(t, e.env), pgDatabases(t, e.env)
	mys, err := armmysqlflexibleservers.NewServersClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	mydbs, err := armmysqlflexibleservers.NewDatabasesClient(sub, Credential, ClientOptions(e.url))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"one", "three", "two"}
	for _, n := range names {
		e.account(t, "rg-a", "acct"+n)
		e.server(t, "rg-a", "sql-"+n)
		if _, err := pgs.BeginCreate(ctx, "rg-a", "pg-"+n, pgServer(), nil); err != nil {
			t.Fatal(err)
		}
		my := armmysqlflexibleservers.Server{Location: to.Ptr("westeurope"),
			SKU:        &armmysqlflexibleservers.SKU{Name: to.Ptr("Standard_B1ms"), Tier: to.Ptr(armmysqlflexibleservers.SKUTierBurstable)},
			Properties: &armmysqlflexibleservers.ServerProperties{AdministratorLogin: to.Ptr("stowage"), AdministratorLoginPassword: to.Ptr("s3cret-Passw0rd")}}
		if _, err := mys.BeginCreate(ctx, "rg-a", "my-"+n, my, nil); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Add(delay)
	for _, n := range names {
		if _, err := e.conts.Create(ctx, "rg-a", "acctone", "c-"+n, armstorage.BlobContainer{ContainerProperties: &armstorage.ContainerProperties{Metadata: map[string]*string{"k": to.Ptr("v")}}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.dbs.BeginCreateOrUpdate(ctx, "rg-a", "sql-one", "db-"+n, armsql.Database{Location: to.Ptr("westeurope")}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := pgdbs.BeginCreate(ctx, "rg-a", "pg-one", "db-"+n, armpostgresqlflexibleservers.Database{}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := mydbs.BeginCreateOrUpdate(ctx, "rg-a", "my-one", "db-"+n, armmysqlflexibleservers.Database{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Add(delay)

	// Through the SDK pagers, as the provider lists.
	var got []string
	count := 0
	for p := e.groups.NewListPager(nil); p.More(); count++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.Value {
			got = append(got, *g.Name)
		}
	}
	if diff := cmp.Diff([]string{"rg-a", "rg-b", "rg-c"}, got); diff != "" || count != 2 {
		t.Errorf("resource groups in %d pages (want 2): -want, +got:\n%s", count, diff)
	}
	got = nil
	for p := e.accts.NewListByResourceGroupPager("rg-a", nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Value {
			got = append(got, *a.Name)
		}
	}
	if diff := cmp.Diff([]string{"acctone", "acctthree", "accttwo"}, got); diff != "" {
		t.Errorf("accounts: -want, +got:\n%s", diff)
	}
	got = nil
	for p := e.dbs.NewListByServerPager("rg-a", "sql-one", nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Value {
			got = append(got, *d.Name)
		}
	}
	if diff := cmp.Diff([]string{"db-one", "db-three", "db-two"}, got); diff != "" {
		t.Errorf("SQL databases: -want, +got:\n%s", diff)
	}

	// Every list, page by page over plain HTTP: the page shape, nextLink,
	// and each item as its GET shows it.
	base := "/subscriptions/" + sub
	rg := base + "/resourceGroups/rg-a"
	lists := map[string]struct {
		path, version string
		want          []string
	}{
		"ResourceGroups": {base + "/resourcegroups", "2021-04-01", []string{"rg-a", "rg-b", "rg-c"}},
		"Accounts":       {rg + "/providers/Microsoft.Storage/storageAccounts", "2023-05-01", []string{"acctone", "acctthree", "accttwo"}},
		"Containers":     {rg + "/providers/Microsoft.Storage/storageAccounts/acctone/blobServices/default/containers", "2023-05-01", []string{"c-one", "c-three", "c-two"}},
		"SQLServers":     {rg + "/providers/Microsoft.Sql/servers", "2021-11-01", []string{"sql-one", "sql-three", "sql-two"}},
		"SQLDatabases":   {rg + "/providers/Microsoft.Sql/servers/sql-one/databases", "2021-11-01", []string{"db-one", "db-three", "db-two"}},
		"PGServers":      {rg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers", "2021-06-01", []string{"pg-one", "pg-three", "pg-two"}},
		"PGDatabases":    {rg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-one/databases", "2021-06-01", []string{"azure_maintenance", "azure_sys", "db-one", "db-three", "db-two", "postgres"}},
		"MySQLServers":   {rg + "/providers/Microsoft.DBforMySQL/flexibleServers", "2021-05-01", []string{"my-one", "my-three", "my-two"}},
		"MySQLDatabases": {rg + "/providers/Microsoft.DBforMySQL/flexibleServers/my-one/databases", "2021-05-01", []string{"db-one", "db-three", "db-two", "information_schema", "mysql", "performance_schema", "sys"}},
	}
	for name, l := range lists {
		t.Run(name, func(t *testing.T) {
			var got []string
			pages := 0
			next := e.url + l.path + "?api-version=" + l.version
			for next != "" {
				pages++
				st, _, body := raw(t, http.MethodGet, next, "")
				if st != http.StatusOK {
					t.Fatalf("page %d: %d %v", pages, st, body)
				}
				next, _ = body["nextLink"].(string)
				if next != "" && !strings.HasPrefix(next, e.url+l.path+"?") {
					t.Errorf("nextLink %q: want an absolute URL of the same list", next)
				}
				for _, v := range body["value"].([]any) {
					item := v.(map[string]any)
					got = append(got, item["name"].(string))
					_, _, one := raw(t, http.MethodGet, e.url+item["id"].(string)+"?api-version="+l.version, "")
					if name == "Containers" {
						props := one["properties"].(map[string]any)
						if props["metadata"] == nil {
							t.Errorf("container %s: GET shows no metadata", item["name"])
						}
						delete(props, "metadata")
					}
					if diff := cmp.Diff(one, item); diff != "" {
						t.Errorf("listed %s differs from its GET: -get, +list:\n%s", item["name"], diff)
					}
				}
			}
			sort.Strings(got)
			if diff := cmp.Diff(l.want, got); diff != "" || pages != (len(l.want)+1)/2 {
				t.Errorf("listed in %d pages (want %d): -want, +got:\n%s", pages, (len(l.want)+1)/2, diff)
			}
		})
	}

	// A bad token is refused as ARM refuses one.
	st, _, body := raw(t, http.MethodGet, e.url+base+"/resourcegroups?api-version=2021-04-01&%24skiptoken=x", "")
	if st != http.StatusBadRequest || fmt.Sprint(body["error"].(map[string]any)["code"]) != "InvalidSkipToken" {
		t.Errorf("bad skip token: %d %v", st, body)
	}
}
