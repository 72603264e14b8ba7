package claims

import (
	"regexp"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mysqlv1 "github.com/stowage-dev/stowage/apis/azure/dbformysql/v1alpha1"
	pgv1 "github.com/stowage-dev/stowage/apis/azure/dbforpostgresql/v1alpha1"
	flexv1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	azsqlv1 "github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/sql/server"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// validFlexibleName is Azure's rule for flexible server names: 3-63
// lower-case letters, digits and hyphens, not starting or ending with a
// hyphen.
var validFlexibleName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

func azDBClass(mutate func(*dbv1.AzureDatabaseTemplate)) *dbv1.DatabaseClass {
	cl := &dbv1.DatabaseClass{
		ObjectMeta: metav1.ObjectMeta{Name: "azure-standard"},
		Spec: dbv1.DatabaseClassSpec{
			ProviderConfigRef: dbv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"},
			Azure: &dbv1.AzureDatabaseTemplate{
				ResourceGroupName: "platform",
				Location:          ptr.To("westeurope"),
				Sizes: map[string]dbv1.AzureDatabaseSize{
					"small": {
						FlexibleServer: &flexv1.SKU{Tier: "Burstable", Name: "Standard_B1ms"},
						SQLDatabase:    &dbv1.AzureSQLDatabaseSize{Name: "S0"},
					},
					"large": {
						FlexibleServer: &flexv1.SKU{Tier: "GeneralPurpose", Name: "Standard_D4ds_v4"},
						SQLDatabase:    &dbv1.AzureSQLDatabaseSize{Name: "GP_Gen5", Capacity: ptr.To[int32](4)},
					},
					"sql-only": {SQLDatabase: &dbv1.AzureSQLDatabaseSize{Name: "S1"}},
				},
				DeletionProtection: ptr.To(true),
				Tags:               map[string]string{"team": "platform"},
			},
		},
	}
	if mutate != nil {
		mutate(cl.Spec.Azure)
	}
	return cl
}

func azDBClaim(engine dbv1.Engine, version string, mutate ...func(*dbv1.DatabaseClaim)) *dbv1.DatabaseClaim {
	c := &dbv1.DatabaseClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders", UID: types.UID("5e2b9c1d-7a3f-4d8e-9b0a-1c2d3e4f5a6b")},
		Spec: dbv1.DatabaseClaimSpec{Engine: engine, Version: version, Size: "small", StorageGB: 20,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "orders-db"}},
	}
	for _, m := range mutate {
		m(c)
	}
	return c
}

var (
	azName = translate.Name(azDBClaim(dbv1.EnginePostgres, "16"))
	pc     = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"}
)

// wantSettings are the server settings of azDBClaim(version) on azDBClass.
func wantSettings(version string, mutate func(*flexv1.ServerSettings)) flexv1.ServerSettings {
	s := flexv1.ServerSettings{
		Location:           ptr.To("westeurope"),
		Version:            ptr.To(version),
		SKU:                &flexv1.SKU{Tier: "Burstable", Name: "Standard_B1ms"},
		Storage:            &flexv1.Storage{SizeGB: ptr.To[int32](32)},
		HighAvailability:   &flexv1.HighAvailability{Mode: "Disabled"},
		Backup:             &flexv1.Backup{RetentionDays: ptr.To[int32](7)},
		AdministratorLogin: ptr.To("stowage"),
		Tags:               map[string]string{"team": "platform"},
		DeletionProtection: ptr.To(true),
	}
	if mutate != nil {
		mutate(&s)
	}
	return s
}

func wantPGServer(mutate func(*flexv1.ServerSettings)) *pgv1.FlexibleServer {
	s := &pgv1.FlexibleServer{
		TypeMeta:   metav1.TypeMeta{APIVersion: "dbforpostgresql.azure.stowage.dev/v1alpha1", Kind: "FlexibleServer"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName, Annotations: ownership.GeneratedName(azName)},
		Spec: pgv1.FlexibleServerSpec{ForProvider: pgv1.FlexibleServerParameters{
			ResourceGroupName: ptr.To("platform"), ServerSettings: wantSettings("16", mutate),
		}},
	}
	s.Spec.ProviderConfigReference = pc
	s.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: azName + "-connection"}
	return s
}

func wantPGDatabase() *pgv1.Database {
	d := &pgv1.Database{
		TypeMeta:   metav1.TypeMeta{APIVersion: "dbforpostgresql.azure.stowage.dev/v1alpha1", Kind: "Database"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName, Annotations: ownership.GeneratedName("orders")},
		Spec:       pgv1.DatabaseSpec{ForProvider: pgv1.DatabaseParameters{ServerNameRef: &xpv2.NamespacedReference{Name: azName}}},
	}
	d.Spec.ProviderConfigReference = pc
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: azName + "-database-connection"}
	return d
}

func wantSQLServer() *azsqlv1.Server {
	s := &azsqlv1.Server{
		TypeMeta:   metav1.TypeMeta{APIVersion: "sql.azure.stowage.dev/v1alpha1", Kind: "Server"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName, Annotations: ownership.GeneratedName(azName)},
		Spec: azsqlv1.ServerSpec{ForProvider: azsqlv1.ServerParameters{
			ResourceGroupName: ptr.To("platform"), Location: ptr.To("westeurope"), AdministratorLogin: ptr.To("stowage"),
			Tags: map[string]string{"team": "platform"},
		}},
	}
	s.Spec.ProviderConfigReference = pc
	s.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: azName + "-connection"}
	return s
}

func wantSQLDatabase(mutate func(*azsqlv1.DatabaseParameters)) *azsqlv1.Database {
	d := &azsqlv1.Database{
		TypeMeta:   metav1.TypeMeta{APIVersion: "sql.azure.stowage.dev/v1alpha1", Kind: "Database"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName, Annotations: ownership.GeneratedName("orders")},
		Spec: azsqlv1.DatabaseSpec{ForProvider: azsqlv1.DatabaseParameters{
			ServerNameRef: &xpv2.NamespacedReference{Name: azName},
			SKU:           &azsqlv1.SKU{Name: "S0"}, MaxSizeBytes: ptr.To(int64(20) << 30), ZoneRedundant: ptr.To(false),
			DeletionProtection: ptr.To(true), Tags: map[string]string{"team": "platform"},
		}},
	}
	d.Spec.ProviderConfigReference = pc
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: azName + "-database-connection"}
	if mutate != nil {
		mutate(&d.Spec.ForProvider)
	}
	return d
}

func readyAs[T interface {
	client.Object
	SetConditions(...xpv2.Condition)
}](o T) T {
	o.SetNamespace("shop")
	o.SetName(azName)
	o.SetConditions(xpv2.Available())
	return o
}

func TestDatabaseRegistered(t *testing.T) {
	d, ok := translate.Default.Database("azure")
	if !ok {
		t.Fatal("no azure database translation registered")
	}
	if _, ok := d.(Database); !ok {
		t.Errorf("azure database translation is %T", d)
	}
	if cl := azDBClass(nil); cl.Cloud() != "azure" {
		t.Errorf("a class with an azure template says cloud %q", cl.Cloud())
	}
	for _, o := range []client.Object{&pgv1.FlexibleServer{}, &mysqlv1.Database{}, &azsqlv1.Server{}, &azsqlv1.Database{}} {
		if d, ok := translate.Default.DatabaseFor(o); !ok || d != (Database{}) {
			t.Errorf("the translation of a %T is %v", o, d)
		}
	}
}

func TestServerVersion(t *testing.T) {
	cases := map[string]struct {
		reason  string
		engine  dbv1.Engine
		version string
		want    string
		wantOK  bool
	}{
		"Postgres":          {reason: "A PostgreSQL major version is the flexible server's.", engine: dbv1.EnginePostgres, version: "16", want: "16", wantOK: true},
		"PostgresMinor":     {reason: "Azure runs the latest minor of a major version.", engine: dbv1.EnginePostgres, version: "15.6", want: "15", wantOK: true},
		"PostgresTooNew":    {reason: "A major version the API Stowage uses does not offer.", engine: dbv1.EnginePostgres, version: "17"},
		"MySQL80":           {reason: "MySQL 8.0 is what the API calls 8.0.21.", engine: dbv1.EngineMySQL, version: "8.0", want: "8.0.21", wantOK: true},
		"MySQL8":            {reason: "MySQL 8 alone is 8.0.", engine: dbv1.EngineMySQL, version: "8", want: "8.0.21", wantOK: true},
		"MySQL57Patch":      {reason: "A MySQL 5.7 patch version is 5.7.", engine: dbv1.EngineMySQL, version: "5.7.44", want: "5.7", wantOK: true},
		"MySQL84":           {reason: "MySQL 8.4 is not offered by the API Stowage uses.", engine: dbv1.EngineMySQL, version: "8.4"},
		"SQLServer2022":     {reason: "Azure SQL runs the newest engine: SQL Server 2022 is served by server version 12.0.", engine: dbv1.EngineSQLServer, version: "2022", want: "12.0", wantOK: true},
		"SQLServerMajor":    {reason: "SQL Server's own major version 16 is 2022.", engine: dbv1.EngineSQLServer, version: "16.0", want: "12.0", wantOK: true},
		"SQLServerOld":      {reason: "An older SQL Server is not what Azure SQL runs.", engine: dbv1.EngineSQLServer, version: "2019"},
		"NotNumeric":        {reason: "A version that is not numeric maps to nothing.", engine: dbv1.EnginePostgres, version: "latest"},
		"UnknownEngineNone": {reason: "An engine this translation does not know maps to nothing.", engine: dbv1.Engine("oracle"), version: "19"},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got, _, ok := ServerVersion(tc.engine, tc.version)
			if diff := cmp.Diff(tc.want, got); diff != "" || ok != tc.wantOK {
				t.Errorf("%s\nServerVersion(%s, %s) = %q, %t; want %q, %t", tc.reason, tc.engine, tc.version, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestStorageGB(t *testing.T) {
	cases := map[string]struct {
		reason string
		engine dbv1.Engine
		gb     int32
		want   int32
		wantOK bool
	}{
		"PostgresRoundsUp":  {reason: "PostgreSQL offers 32 GiB as its smallest storage.", engine: dbv1.EnginePostgres, gb: 20, want: 32, wantOK: true},
		"PostgresExact":     {reason: "An offered size is kept.", engine: dbv1.EnginePostgres, gb: 128, want: 128, wantOK: true},
		"PostgresBetween":   {reason: "Between two sizes is the larger.", engine: dbv1.EnginePostgres, gb: 300, want: 512, wantOK: true},
		"PostgresTooLarge":  {reason: "Past 16 TiB is not offered.", engine: dbv1.EnginePostgres, gb: 20000},
		"MySQLAnySize":      {reason: "MySQL takes any size from 20 GiB.", engine: dbv1.EngineMySQL, gb: 21, want: 21, wantOK: true},
		"MySQLTooLarge":     {reason: "Past 16 TiB is not offered.", engine: dbv1.EngineMySQL, gb: 16385},
		"PostgresLargest":   {reason: "The largest size is offered.", engine: dbv1.EnginePostgres, gb: 16384, want: 16384, wantOK: true},
		"MySQLLargestFits":  {reason: "The largest size is offered.", engine: dbv1.EngineMySQL, gb: 16384, want: 16384, wantOK: true},
		"PostgresSmallSize": {reason: "Rounded up from just past a size.", engine: dbv1.EnginePostgres, gb: 33, want: 64, wantOK: true},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got, ok := StorageGB(tc.engine, tc.gb)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("%s\nStorageGB(%s, %d) = %d, %t; want %d, %t", tc.reason, tc.engine, tc.gb, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestDatabaseName(t *testing.T) {
	cases := map[string]struct {
		reason string
		claim  string
		want   string
	}{
		"Plain":    {reason: "A claim's database is named after it.", claim: "orders", want: "orders"},
		"Hyphen":   {reason: "Hyphens become underscores, as every engine allows unquoted.", claim: "orders-azure", want: "orders_azure"},
		"Reserved": {reason: "A name the engine keeps for itself gets db_ in front.", claim: "postgres", want: "db_postgres"},
		"Master":   {reason: "SQL Server's system databases too.", claim: "master", want: "db_master"},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, DatabaseName(tc.claim)); diff != "" {
				t.Errorf("%s\nDatabaseName(%s): -want +got:\n%s", tc.reason, tc.claim, diff)
			}
		})
	}
}

// TestServerNames checks a claim's server name is valid for every kind of
// server, unique per claim and marked as generated.
func TestServerNames(t *testing.T) {
	cases := map[string]struct {
		reason string
		claim  *dbv1.DatabaseClaim
	}{
		"Plain":    {reason: "A plain claim name.", claim: azDBClaim(dbv1.EnginePostgres, "16")},
		"SameName": {reason: "A claim of the same name elsewhere gets another server.", claim: azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) { c.UID = "0a1b2c3d-0000-4000-8000-000000000002" })},
		"Long": {reason: "A long dotted name is cut to a valid server name.", claim: azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) {
			c.Name, c.UID = "a.very.long.claim.name.that.goes.on.and.on.past.sixty.three.characters", "0a1b2c3d-0000-4000-8000-000000000003"
		})},
		"Digits": {reason: "A name starting with a digit.", claim: azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) { c.Name, c.UID = "42", "0a1b2c3d-0000-4000-8000-000000000004" })},
	}
	seen := map[string]string{}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			for _, e := range []dbv1.Engine{dbv1.EnginePostgres, dbv1.EngineSQLServer} {
				c := tc.claim.DeepCopy()
				c.Spec.Engine, c.Spec.Version = e, map[dbv1.Engine]string{dbv1.EnginePostgres: "16", dbv1.EngineSQLServer: "2022"}[e]
				p, err := Database{}.Plan(c, azDBClass(nil), nil)
				if err != nil {
					t.Fatal(err)
				}
				s := p.Resources[0]
				got := meta.GetExternalName(s)
				if !validFlexibleName.MatchString(got) || !server.ValidName.MatchString(got) {
					t.Errorf("%s\n%s server name %q is not a valid server name", tc.reason, e, got)
				}
				if s.GetAnnotations()[ownership.AnnotationGeneratedExternalName] != got {
					t.Errorf("%s\n%s server name %q is not marked as generated", tc.reason, e, got)
				}
			}
			got := translate.Name(tc.claim)
			if prev, ok := seen[got]; ok {
				t.Errorf("%s\nserver name %q is the same as case %s's", tc.reason, got, prev)
			}
			seen[got] = n
		})
	}
}

func TestDatabasePlan(t *testing.T) {
	pgWaiting := "Database waits for FlexibleServer " + azName + " to be ready"
	cases := map[string]struct {
		reason         string
		claim          *dbv1.DatabaseClaim
		class          *dbv1.DatabaseClass
		existing       []client.Object
		want           []client.Object
		wantWaiting    string
		wantNotApplied []string
		wantErr        string
	}{
		"NewPostgres": {
			reason:      "A new postgres claim gets a PostgreSQL flexible server only, protected, storage rounded up to 32 GiB, a week of backups; its database waits.",
			claim:       azDBClaim(dbv1.EnginePostgres, "16"),
			want:        []client.Object{wantPGServer(nil)},
			wantWaiting: pgWaiting,
		},
		"ServerNotReady": {
			reason:      "A server still being made keeps the database waiting.",
			claim:       azDBClaim(dbv1.EnginePostgres, "16"),
			existing:    []client.Object{&pgv1.FlexibleServer{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName}}},
			want:        []client.Object{wantPGServer(nil)},
			wantWaiting: pgWaiting,
		},
		"ServerReady": {
			reason:   "A ready server gets its database, named after the claim, by reference: the plan is complete.",
			claim:    azDBClaim(dbv1.EnginePostgres, "16"),
			existing: []client.Object{readyAs(&pgv1.FlexibleServer{})},
			want:     []client.Object{wantPGServer(nil), wantPGDatabase()},
		},
		"DatabaseMadeEarlier": {
			reason:   "A database made earlier stays planned while its server restarts.",
			claim:    azDBClaim(dbv1.EnginePostgres, "16"),
			existing: []client.Object{&pgv1.FlexibleServer{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName}}, &pgv1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName}}},
			want:     []client.Object{wantPGServer(nil), wantPGDatabase()},
		},
		"OtherKindReady": {
			reason:      "A ready server of another kind is not this claim's server.",
			claim:       azDBClaim(dbv1.EnginePostgres, "16"),
			existing:    []client.Object{readyAs(&mysqlv1.FlexibleServer{}), readyAs(&azsqlv1.Server{})},
			want:        []client.Object{wantPGServer(nil)},
			wantWaiting: pgWaiting,
		},
		"PostgresLargeHighAvailability": {
			reason: "The size's compute, a zone-redundant standby for a claim asking for high availability, the claim's backup retention.",
			claim: azDBClaim(dbv1.EnginePostgres, "16.2", func(c *dbv1.DatabaseClaim) {
				c.Spec.Size, c.Spec.HighAvailability, c.Spec.BackupRetentionDays, c.Spec.StorageGB = "large", ptr.To(true), ptr.To[int32](14), 100
			}),
			want: []client.Object{wantPGServer(func(s *flexv1.ServerSettings) {
				s.SKU = &flexv1.SKU{Tier: "GeneralPurpose", Name: "Standard_D4ds_v4"}
				s.HighAvailability.Mode, s.Backup.RetentionDays, s.Storage.SizeGB = "ZoneRedundant", ptr.To[int32](14), ptr.To[int32](128)
			})},
			wantWaiting: pgWaiting,
		},
		"PostgresRetentionTooShort": {
			reason: "PostgreSQL keeps at least 7 days of backups: a claim asking for fewer gets 7 and is told.",
			claim:  azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) { c.Spec.BackupRetentionDays = ptr.To[int32](0) }),
			want:   []client.Object{wantPGServer(nil)},
			wantNotApplied: []string{
				"backupRetentionDays 0: Azure Database for PostgreSQL keeps point-in-time backups for at least 7 days, and keeps them that long",
			},
			wantWaiting: pgWaiting,
		},
		"PrivateFlexibleServer": {
			reason: "A class asking for no public network access is told a flexible server cannot be made private without virtual network integration.",
			claim:  azDBClaim(dbv1.EnginePostgres, "16"),
			class:  azDBClass(func(t *dbv1.AzureDatabaseTemplate) { t.PublicNetworkAccess = ptr.To("Disabled") }),
			want:   []client.Object{wantPGServer(nil)},
			wantNotApplied: []string{
				"publicNetworkAccess Disabled: a flexible server is private only through virtual network integration, which Stowage does not set up; the server has a public endpoint with no firewall rules, which admits no one until rules are added",
			},
			wantWaiting: pgWaiting,
		},
		"ClassDefaults": {
			reason: "The class's high availability, retention and unprotected servers apply when the claim does not say.",
			claim:  azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) { c.Spec.Size = "large" }),
			class: azDBClass(func(t *dbv1.AzureDatabaseTemplate) {
				t.HighAvailability, t.BackupRetentionDays, t.DeletionProtection, t.Tags, t.Location = ptr.To(true), ptr.To[int32](35), ptr.To(false), nil, nil
			}),
			want: []client.Object{wantPGServer(func(s *flexv1.ServerSettings) {
				s.SKU = &flexv1.SKU{Tier: "GeneralPurpose", Name: "Standard_D4ds_v4"}
				s.HighAvailability.Mode, s.Backup.RetentionDays, s.DeletionProtection, s.Tags, s.Location = "ZoneRedundant", ptr.To[int32](35), ptr.To(false), map[string]string{}, nil
			})},
			wantWaiting: pgWaiting,
		},
		"MySQL": {
			reason:   "A mysql claim gets a MySQL flexible server, with the storage asked for (MySQL takes any size), then its database.",
			claim:    azDBClaim(dbv1.EngineMySQL, "8.0", func(c *dbv1.DatabaseClaim) { c.Spec.BackupRetentionDays = ptr.To[int32](1) }),
			existing: []client.Object{readyAs(&mysqlv1.FlexibleServer{})},
			want: func() []client.Object {
				s := &mysqlv1.FlexibleServer{
					TypeMeta:   metav1.TypeMeta{APIVersion: "dbformysql.azure.stowage.dev/v1alpha1", Kind: "FlexibleServer"},
					ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName, Annotations: ownership.GeneratedName(azName)},
					Spec: mysqlv1.FlexibleServerSpec{ForProvider: mysqlv1.FlexibleServerParameters{ResourceGroupName: ptr.To("platform"), ServerSettings: wantSettings("8.0.21", func(s *flexv1.ServerSettings) {
						s.Storage.SizeGB, s.Backup.RetentionDays = ptr.To[int32](20), ptr.To[int32](1)
					})}},
				}
				s.Spec.ProviderConfigReference = pc
				s.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: azName + "-connection"}
				d := &mysqlv1.Database{
					TypeMeta:   metav1.TypeMeta{APIVersion: "dbformysql.azure.stowage.dev/v1alpha1", Kind: "Database"},
					ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: azName, Annotations: ownership.GeneratedName("orders")},
					Spec:       mysqlv1.DatabaseSpec{ForProvider: mysqlv1.DatabaseParameters{ServerNameRef: &xpv2.NamespacedReference{Name: azName}}},
				}
				d.Spec.ProviderConfigReference = pc
				d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: azName + "-database-connection"}
				return []client.Object{s, d}
			}(),
		},
		"NewSQLServer": {
			reason:      "A new sqlserver claim gets an Azure SQL Server only; its Database waits.",
			claim:       azDBClaim(dbv1.EngineSQLServer, "2022"),
			want:        []client.Object{wantSQLServer()},
			wantWaiting: "Database waits for Server " + azName + " to be ready",
		},
		"SQLServerReady": {
			reason: "A ready Server gets its Database: the size's service objective, the claim's storage as its maximum size, zone redundancy off, protected.",
			claim: azDBClaim(dbv1.EngineSQLServer, "2022", func(c *dbv1.DatabaseClaim) {
				c.Spec.Size, c.Spec.HighAvailability, c.Spec.StorageGB = "large", ptr.To(true), 64
			}),
			class:    azDBClass(func(t *dbv1.AzureDatabaseTemplate) { t.PublicNetworkAccess = ptr.To("Disabled") }),
			existing: []client.Object{readyAs(&azsqlv1.Server{})},
			want: func() []client.Object {
				s := wantSQLServer()
				s.Spec.ForProvider.PublicNetworkAccess = ptr.To("Disabled")
				return []client.Object{s, wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) {
					p.SKU, p.MaxSizeBytes, p.ZoneRedundant = &azsqlv1.SKU{Name: "GP_Gen5", Capacity: ptr.To[int32](4)}, ptr.To(int64(64)<<30), ptr.To(true)
				})}
			}(),
		},
		"SQLServerRetention": {
			reason:         "Azure SQL's backup retention is not managed: a claim asking for another is told.",
			claim:          azDBClaim(dbv1.EngineSQLServer, "2022", func(c *dbv1.DatabaseClaim) { c.Spec.BackupRetentionDays = ptr.To[int32](14) }),
			want:           []client.Object{wantSQLServer()},
			wantWaiting:    "Database waits for Server " + azName + " to be ready",
			wantNotApplied: []string{"backupRetentionDays 14: Azure SQL keeps 7 days of point-in-time backups; Stowage does not manage a database's retention yet"},
		},
		"UnknownSize": {
			reason:  "A size the class does not define is not offered.",
			claim:   azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) { c.Spec.Size = "huge" }),
			wantErr: `size "huge" is not offered by class azure-standard (offered: large, small, sql-only)`,
		},
		"SizeWithoutFlexibleCompute": {
			reason:  "A size with only an Azure SQL service objective is not offered for postgres.",
			claim:   azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) { c.Spec.Size = "sql-only" }),
			wantErr: `size "sql-only" is not offered by class azure-standard for postgres (it has no flexibleServer compute) (offered: large, small)`,
		},
		"SizeWithoutServiceObjective": {
			reason: "A size with only flexible server compute is not offered for sqlserver.",
			claim:  azDBClaim(dbv1.EngineSQLServer, "2022"),
			class: azDBClass(func(t *dbv1.AzureDatabaseTemplate) {
				t.Sizes = map[string]dbv1.AzureDatabaseSize{"small": {FlexibleServer: &flexv1.SKU{Tier: "Burstable", Name: "Standard_B1ms"}}}
			}),
			wantErr: `size "small" is not offered by class azure-standard for sqlserver (it has no sqlDatabase service objective) (offered: )`,
		},
		"UnknownVersion": {
			reason:  "A version the engine's API does not offer is not offered, naming those that are.",
			claim:   azDBClaim(dbv1.EnginePostgres, "17"),
			wantErr: `version "17" is not offered by class azure-standard for postgres on Azure (offered: 11, 12, 13, 14, 15, 16)`,
		},
		"BurstableHighAvailability": {
			reason:  "Burstable servers have no standby: high availability on one is not offered.",
			claim:   azDBClaim(dbv1.EnginePostgres, "16", func(c *dbv1.DatabaseClaim) { c.Spec.HighAvailability = ptr.To(true) }),
			wantErr: `highAvailability "true" is not offered by class azure-standard for size small (Burstable servers have no standby) (offered: large)`,
		},
		"StorageTooLarge": {
			reason:  "Flexible servers stop at 16 TiB.",
			claim:   azDBClaim(dbv1.EngineMySQL, "8.0", func(c *dbv1.DatabaseClaim) { c.Spec.StorageGB = 20000 }),
			wantErr: `storageGB "20000" is not offered by class azure-standard for mysql on Azure (offered: at most 16384)`,
		},
		"NoTemplate": {
			reason:  "A class without an azure template cannot plan.",
			claim:   azDBClaim(dbv1.EnginePostgres, "16"),
			class:   &dbv1.DatabaseClass{ObjectMeta: metav1.ObjectMeta{Name: "gcp-only"}},
			wantErr: "class gcp-only has no azure template",
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			cl := tc.class
			if cl == nil {
				cl = azDBClass(nil)
			}
			got, err := Database{}.Plan(tc.claim, cl, tc.existing)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("%s\nPlan error: got %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nPlan: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got.Resources); diff != "" {
				t.Errorf("%s\nPlan resources: -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantWaiting, got.Waiting); diff != "" {
				t.Errorf("%s\nPlan waiting: -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantNotApplied, got.NotApplied); diff != "" {
				t.Errorf("%s\nPlan notApplied: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDatabaseUpdate(t *testing.T) {
	pgServer := func(mutate func(*flexv1.ServerSettings)) client.Object { return wantPGServer(mutate) }
	cases := map[string]struct {
		reason         string
		existing       client.Object
		desired        client.Object
		want           client.Object
		wantChanged    bool
		wantNotApplied []string
	}{
		"InSync": {
			reason: "What the server's controller late-initialised is no difference.",
			existing: pgServer(func(s *flexv1.ServerSettings) {
				s.Backup.GeoRedundantBackup, s.PublicNetworkAccess = ptr.To(false), ptr.To("Enabled")
			}),
			desired: pgServer(nil),
			want: pgServer(func(s *flexv1.ServerSettings) {
				s.Backup.GeoRedundantBackup, s.PublicNetworkAccess = ptr.To(false), ptr.To("Enabled")
			}),
		},
		"ResizeFlexible": {
			reason:   "A new size's compute, more storage, high availability, retention and tags are applied.",
			existing: pgServer(nil),
			desired: pgServer(func(s *flexv1.ServerSettings) {
				s.SKU.Tier, s.SKU.Name = "GeneralPurpose", "Standard_D2ds_v4"
				s.Storage.SizeGB = ptr.To[int32](64)
				s.HighAvailability.Mode = "ZoneRedundant"
				s.Backup.RetentionDays = ptr.To[int32](21)
				s.Tags = map[string]string{"team": "web"}
			}),
			want: pgServer(func(s *flexv1.ServerSettings) {
				s.SKU.Tier, s.SKU.Name = "GeneralPurpose", "Standard_D2ds_v4"
				s.Storage.SizeGB = ptr.To[int32](64)
				s.HighAvailability.Mode = "ZoneRedundant"
				s.Backup.RetentionDays = ptr.To[int32](21)
				s.Tags = map[string]string{"team": "web"}
			}),
			wantChanged: true,
		},
		"StorageNeverShrinks": {
			reason:         "Storage grown on the server is not shrunk back.",
			existing:       pgServer(func(s *flexv1.ServerSettings) { s.Storage.SizeGB = ptr.To[int32](128) }),
			desired:        pgServer(nil),
			want:           pgServer(func(s *flexv1.ServerSettings) { s.Storage.SizeGB = ptr.To[int32](128) }),
			wantNotApplied: []string{"storage 32GB is smaller than the server's 128GB; storage cannot shrink"},
		},
		"MovesReported": {
			reason:   "Another location, resource group, provider config or version is reported, not applied.",
			existing: pgServer(nil),
			desired: func() client.Object {
				s := wantPGServer(func(s *flexv1.ServerSettings) { s.Location, s.Version = ptr.To("northeurope"), ptr.To("17") })
				s.Spec.ForProvider.ResourceGroupName = ptr.To("other")
				s.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "other"}
				return s
			}(),
			want: pgServer(nil),
			wantNotApplied: []string{
				"location northeurope (the server is in westeurope): a server cannot move",
				"version 17 (the server runs 16): the API versions Stowage uses cannot change a flexible server's version in place",
				"resourceGroupName other (the server is in platform): a server cannot move between resource groups",
				"providerConfigRef ClusterProviderConfig/other (in use: ClusterProviderConfig/prod) would move the database to other credentials, possibly another subscription",
			},
		},
		"SameLocationSpelledOtherwise": {
			reason:   "West Europe is westeurope.",
			existing: pgServer(func(s *flexv1.ServerSettings) { s.Location = ptr.To("West Europe") }),
			desired:  pgServer(nil),
			want:     pgServer(func(s *flexv1.ServerSettings) { s.Location = ptr.To("West Europe") }),
		},
		"ProtectionTurnsOn": {
			reason:      "A class that protects its servers protects bound ones.",
			existing:    pgServer(func(s *flexv1.ServerSettings) { s.DeletionProtection = ptr.To(false) }),
			desired:     pgServer(nil),
			want:        pgServer(nil),
			wantChanged: true,
		},
		"ProtectionNeverTurnsOff": {
			reason:         "A class edit never removes a bound server's protection.",
			existing:       pgServer(nil),
			desired:        pgServer(func(s *flexv1.ServerSettings) { s.DeletionProtection = ptr.To(false) }),
			want:           pgServer(nil),
			wantNotApplied: []string{"deletionProtection false: a class edit never removes a bound database's protection; turn it off on the FlexibleServer"},
		},
		"SQLServer": {
			reason:   "An Azure SQL server's public network access and tags are applied.",
			existing: wantSQLServer(),
			desired: func() client.Object {
				s := wantSQLServer()
				s.Spec.ForProvider.PublicNetworkAccess, s.Spec.ForProvider.Tags = ptr.To("Disabled"), map[string]string{"team": "web"}
				return s
			}(),
			want: func() client.Object {
				s := wantSQLServer()
				s.Spec.ForProvider.PublicNetworkAccess, s.Spec.ForProvider.Tags = ptr.To("Disabled"), map[string]string{"team": "web"}
				return s
			}(),
			wantChanged: true,
		},
		"SQLDatabaseResize": {
			reason:   "A new service objective, a larger maximum size and zone redundancy are applied.",
			existing: wantSQLDatabase(nil),
			desired: wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) {
				p.SKU, p.MaxSizeBytes, p.ZoneRedundant = &azsqlv1.SKU{Name: "S1"}, ptr.To(int64(30)<<30), ptr.To(true)
			}),
			want: wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) {
				p.SKU, p.MaxSizeBytes, p.ZoneRedundant = &azsqlv1.SKU{Name: "S1"}, ptr.To(int64(30)<<30), ptr.To(true)
			}),
			wantChanged: true,
		},
		"SQLDatabaseLateInitialised": {
			reason: "A tier Azure reported and a collation are no difference.",
			existing: wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) {
				p.SKU.Tier, p.Collation = ptr.To("Standard"), ptr.To("SQL_Latin1_General_CP1_CI_AS")
			}),
			desired: wantSQLDatabase(nil),
			want: wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) {
				p.SKU.Tier, p.Collation = ptr.To("Standard"), ptr.To("SQL_Latin1_General_CP1_CI_AS")
			}),
		},
		"SQLDatabaseProtection": {
			reason:         "A class edit never removes a bound database's protection, and never shrinks it.",
			existing:       wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) { p.MaxSizeBytes = ptr.To(int64(50) << 30) }),
			desired:        wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) { p.DeletionProtection = ptr.To(false) }),
			want:           wantSQLDatabase(func(p *azsqlv1.DatabaseParameters) { p.MaxSizeBytes = ptr.To(int64(50) << 30) }),
			wantNotApplied: []string{"storage 20GB is smaller than the database's 50GB maximum size; Stowage never shrinks a database", "deletionProtection false: a class edit never removes a bound database's protection; turn it off on the Database"},
		},
		"FlexibleDatabase": {
			reason:   "A flexible server's database has nothing a class or claim changes.",
			existing: wantPGDatabase(),
			desired:  wantPGDatabase(),
			want:     wantPGDatabase(),
		},
		"OtherKinds": {
			reason:   "Objects of different kinds are left alone.",
			existing: wantPGServer(nil),
			desired:  wantSQLServer(),
			want:     wantPGServer(nil),
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			changed, notApplied := Database{}.Update(tc.existing, tc.desired)
			if diff := cmp.Diff(tc.want, tc.existing); diff != "" {
				t.Errorf("%s\nUpdate: -want +got:\n%s", tc.reason, diff)
			}
			if changed != tc.wantChanged {
				t.Errorf("%s\nUpdate changed = %t, want %t", tc.reason, changed, tc.wantChanged)
			}
			if diff := cmp.Diff(tc.wantNotApplied, notApplied); diff != "" {
				t.Errorf("%s\nUpdate notApplied: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDatabaseStatus(t *testing.T) {
	pg := wantPGServer(nil)
	pg.Status.AtProvider = flexv1.ServerObservation{FullyQualifiedDomainName: azName + ".postgres.database.azure.com", Version: "16", MinorVersion: "3"}
	my := &mysqlv1.FlexibleServer{}
	my.Status.AtProvider = flexv1.ServerObservation{FullyQualifiedDomainName: azName + ".mysql.database.azure.com", Version: "8.0.21", MinorVersion: "8.0.37"}
	sql := wantSQLServer()
	sql.Spec.ForProvider.Version = ptr.To("12.0")
	sql.Status.AtProvider.FullyQualifiedDomainName = azName + ".database.windows.net"
	cases := map[string]struct {
		reason   string
		observed []client.Object
		want     translate.DatabaseStatus
	}{
		"Postgres": {
			reason:   "The server's host name, PostgreSQL's port and the major and minor version.",
			observed: []client.Object{pg, wantPGDatabase()},
			want:     translate.DatabaseStatus{Endpoint: azName + ".postgres.database.azure.com", Port: 5432, EngineVersion: "16.3"},
		},
		"MySQL": {
			reason:   "MySQL reports its full minor version.",
			observed: []client.Object{my},
			want:     translate.DatabaseStatus{Endpoint: azName + ".mysql.database.azure.com", Port: 3306, EngineVersion: "8.0.37"},
		},
		"SQLServer": {
			reason:   "An Azure SQL server's host name, port 1433 and server version.",
			observed: []client.Object{sql, wantSQLDatabase(nil)},
			want:     translate.DatabaseStatus{Endpoint: azName + ".database.windows.net", Port: 1433, EngineVersion: "12.0"},
		},
		"Nothing": {
			reason: "Nothing observed yet.",
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got := Database{}.Status(azDBClaim(dbv1.EnginePostgres, "16"), tc.observed)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nStatus: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
