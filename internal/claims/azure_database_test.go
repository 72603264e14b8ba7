package claims_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"slices"
	"testing"

	pg "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/postgresql/armpostgresqlflexibleservers"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	pgv1 "github.com/stowage-dev/stowage/apis/azure/dbforpostgresql/v1alpha1"
	azsqlv1 "github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/azure/flexible"
	azsqlserver "github.com/stowage-dev/stowage/internal/azure/sql/server"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// azureDatabaseClass is the example Azure database class, as the sandbox
// applies it, named name and making its servers in the resource group rg,
// which it makes behind the provider's back like a platform team would.
func azureDatabaseClass(ctx context.Context, t *testing.T, name, rg string) *dbv1.DatabaseClass {
	t.Helper()
	if err := testenv.AzureClusterProviderConfig(ctx, env.Client, "default", azureCloud.Counter.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := azure.ResourceGroups().CreateOrUpdate(ctx, rg, armresources.ResourceGroup{Location: ptr.To("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(root + "/examples/classes/azure-standard-database.yaml")
	if err != nil {
		t.Fatal(err)
	}
	class := &dbv1.DatabaseClass{}
	if err := yaml.Unmarshal(data, class); err != nil {
		t.Fatal(err)
	}
	class.Name = name
	class.Spec.Azure.ResourceGroupName = rg
	return class
}

// contractSecret reads a claim's connection secret and checks it has
// exactly the contract's database keys, every one but caCert filled in
// (Azure hands out no CA bundle: its certificates chain to public roots),
// with engine, host, port, database and username as wanted and a uri that
// parses and carries the password key's password. It returns the secret.
func contractSecret(ctx context.Context, t *testing.T, ns, name string, want map[string]string) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(contract.DatabaseKeys)), keys(s.Data)); diff != "" {
		t.Errorf("connection secret keys: -want +got:\n%s", diff)
	}
	for _, k := range contract.DatabaseKeys {
		if len(s.Data[k]) == 0 && k != contract.KeyCACert {
			t.Errorf("connection secret key %q is empty", k)
		}
	}
	for k, v := range want {
		if got := string(s.Data[k]); got != v {
			t.Errorf("connection secret %s = %q, want %q", k, got, v)
		}
	}
	u, err := url.Parse(string(s.Data[contract.KeyURI]))
	if err != nil {
		t.Fatalf("uri does not parse: %v", err)
	}
	pw, _ := u.User.Password()
	if u.User.Username() != want[contract.KeyUsername] || pw != string(s.Data[contract.KeyPassword]) || u.Hostname() != want[contract.KeyHost] || u.Port() != want[contract.KeyPort] {
		t.Errorf("uri: user %q host %q port %q, password matches the password key: %t", u.User.Username(), u.Hostname(), u.Port(), pw == string(s.Data[contract.KeyPassword]))
	}
	return s
}

func TestDatabaseClaimOnAzurePostgres(t *testing.T) {
	ctx, ns := setup(t, nil)
	rg := "platform-" + ns
	class := azureDatabaseClass(ctx, t, "azure-postgres", rg)
	// This test deletes what it makes.
	class.Spec.ReclaimPolicy, class.Spec.Azure.DeletionProtection = dbv1.ReclaimDelete, ptr.To(false)
	claim := dbClaim(ns, "orders-azure", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)

	noUpdates(ctx, t, claim)
	name := translate.Name(claim)
	host := name + ".postgres.database.azure.com"
	if claim.Status.Endpoint != host || claim.Status.Port != 5432 || claim.Status.EngineVersion != "16.3" || len(claim.Status.ResourceRefs) != 2 {
		t.Errorf("claim status: endpoint %q port %d version %q refs %v", claim.Status.Endpoint, claim.Status.Port, claim.Status.EngineVersion, claim.Status.ResourceRefs)
	}

	// The server came first, its database once it was Ready.
	srv, db := &pgv1.FlexibleServer{}, &pgv1.Database{}
	for _, o := range []client.Object{srv, db} {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, o); err != nil {
			t.Fatal(err)
		}
		if !metav1.IsControlledBy(o, claim) {
			t.Errorf("%T %s is not controlled by the claim", o, name)
		}
	}
	if ready := srv.GetCondition(xpv2.TypeReady).LastTransitionTime; db.CreationTimestamp.Before(&ready) {
		t.Errorf("Database made at %s, before its server was ready at %s", db.CreationTimestamp, ready)
	}
	if p := srv.Spec.ForProvider; meta.GetExternalName(srv) != name || ptr.Deref(p.Version, "") != "16" || ptr.Deref(p.Storage.SizeGB, 0) != 32 || p.SKU.Name != "Standard_B1ms" {
		t.Errorf("FlexibleServer %s: version %v storage %v sku %v", meta.GetExternalName(srv), p.Version, p.Storage.SizeGB, p.SKU)
	}

	// Exactly the contract's keys, the database the claim's own and the
	// password the one Azure was given.
	s := contractSecret(ctx, t, ns, "orders-azure-db", map[string]string{
		contract.KeyEngine: "postgres", contract.KeyHost: host, contract.KeyPort: "5432",
		contract.KeyDatabase: "orders_azure", contract.KeyUsername: "stowage",
	})
	inAzure, _ := azure.Server.FlexibleAdministratorPassword(arm.Postgres, testenv.AzureSubscription, rg, name)
	own := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: flexible.PasswordSecret(name)}, own); err != nil {
		t.Fatal(err)
	}
	if pw := string(s.Data[contract.KeyPassword]); pw == "" || pw != inAzure || pw != string(own.Data["password"]) {
		t.Error("the claim's password is not the server's administrator password")
	}
	if u, _ := url.Parse(string(s.Data[contract.KeyURI])); u.Scheme != "postgresql" || u.Path != "/orders_azure" || u.Query().Get("sslmode") != "require" {
		t.Errorf("uri: scheme %s path %s query %s, want postgresql:///orders_azure?sslmode=require", u.Scheme, u.Path, u.RawQuery)
	}
	if got := string(s.Data[contract.KeyJDBCURL]); got != "jdbc:postgresql://"+host+":5432/orders_azure?sslmode=require" {
		t.Errorf("jdbcUrl = %q", got)
	}

	// Azure has the server, tagged with its owner, in the platform team's
	// group, and the claim's database in it.
	servers, err := pg.NewServersClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(azure.URL))
	if err != nil {
		t.Fatal(err)
	}
	dbs, err := pg.NewDatabasesClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(azure.URL))
	if err != nil {
		t.Fatal(err)
	}
	got, err := servers.Get(ctx, rg, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for k, v := range got.Tags {
		tags[k] = ptr.Deref(v, "")
	}
	if err := testenv.CheckOwnerTags(tags, "postgresflexibleserver", srv, map[string]string{"managed-by": "stowage"}); err != nil {
		t.Error(err)
	}
	if _, err := dbs.Get(ctx, rg, name, "orders_azure", nil); err != nil {
		t.Errorf("database orders_azure: %v", err)
	}

	// The class's reclaim policy is Delete and it does not protect its
	// servers: the server goes with the claim, the group stays.
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(srv), srv); !kerrors.IsNotFound(err) {
		t.Errorf("FlexibleServer after claim deletion with reclaim policy Delete: %v", err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if _, err := servers.Get(ctx, rg, name, nil); !azerr.NotFound(err) {
			return errors.New("flexible server still exists")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if _, err := azure.ResourceGroups().Get(ctx, rg, nil); err != nil {
		t.Errorf("resource group %s after the claim was deleted: %v", rg, err)
	}
}

func TestDatabaseClaimOnAzureSQL(t *testing.T) {
	ctx, ns := setup(t, nil)
	rg := "platform-" + ns
	class := azureDatabaseClass(ctx, t, "azure-sqlserver", rg)
	claim := dbClaim(ns, "ledger", class.Name, dbv1.EngineSQLServer, "2022")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)

	noUpdates(ctx, t, claim)
	name := translate.Name(claim)
	host := name + ".database.windows.net"
	if claim.Status.Endpoint != host || claim.Status.Port != 1433 || len(claim.Status.ResourceRefs) != 2 {
		t.Errorf("claim status: endpoint %q port %d refs %v", claim.Status.Endpoint, claim.Status.Port, claim.Status.ResourceRefs)
	}
	srv, db := &azsqlv1.Server{}, &azsqlv1.Database{}
	for _, o := range []client.Object{srv, db} {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, o); err != nil {
			t.Fatal(err)
		}
	}
	if ready := srv.GetCondition(xpv2.TypeReady).LastTransitionTime; db.CreationTimestamp.Before(&ready) {
		t.Errorf("Database made at %s, before its Server was ready at %s", db.CreationTimestamp, ready)
	}
	// The class protects its databases: the Database says so.
	if !ptr.Deref(db.Spec.ForProvider.DeletionProtection, false) {
		t.Error("the claim's Database is not deletion protected")
	}

	s := contractSecret(ctx, t, ns, "ledger-db", map[string]string{
		contract.KeyEngine: "sqlserver", contract.KeyHost: host, contract.KeyPort: "1433",
		contract.KeyDatabase: "ledger", contract.KeyUsername: "stowage",
	})
	own := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: azsqlserver.GeneratedPasswordSecret(name)}, own); err != nil {
		t.Fatal(err)
	}
	if pw := string(s.Data[contract.KeyPassword]); pw == "" || pw != string(own.Data["password"]) {
		t.Error("the claim's password is not the server's administrator password")
	}
	if u, _ := url.Parse(string(s.Data[contract.KeyURI])); u.Scheme != "sqlserver" || u.Query().Get("database") != "ledger" || u.Query().Get("encrypt") != "true" {
		t.Errorf("uri: scheme %s query %s, want sqlserver://…?database=ledger&encrypt=true", u.Scheme, u.RawQuery)
	}

	// Azure has the database on the claim's server, at the size's service
	// objective.
	dbs, err := armsql.NewDatabasesClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(azure.URL))
	if err != nil {
		t.Fatal(err)
	}
	got, err := dbs.Get(ctx, rg, name, "ledger", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := ptr.Deref(got.Properties.CurrentServiceObjectiveName, ""); o != "S0" {
		t.Errorf("database ledger runs at %q, want S0", o)
	}
}
