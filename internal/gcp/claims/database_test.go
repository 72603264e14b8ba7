package claims

import (
	"regexp"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	sqlv1 "github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// validInstanceName is Cloud SQL's rule for an instance name.
var validInstanceName = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

func gcpDBClass() *dbv1.DatabaseClass {
	return &dbv1.DatabaseClass{
		ObjectMeta: metav1.ObjectMeta{Name: "gcp-standard"},
		Spec: dbv1.DatabaseClassSpec{
			ProviderConfigRef: dbv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"},
			GCP: &dbv1.GCPDatabaseTemplate{
				Region: ptr.To("europe-west1"),
				Sizes: map[string]dbv1.GCPDatabaseSize{
					"small": {Tier: "db-custom-1-3840", MaxDiskSizeGB: ptr.To[int64](100)},
					"large": {Tier: "db-custom-4-15360", DiskType: ptr.To(sqlv1.DiskType("PD_HDD"))},
				},
				DiskType: ptr.To(sqlv1.DiskType("PD_SSD")),
				Labels:   map[string]string{"team": "platform"},
			},
		},
	}
}

func gcpDBClaim(engine dbv1.Engine, version string) *dbv1.DatabaseClaim {
	return &dbv1.DatabaseClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders", UID: "9f3c7a0e-5b1d-4c2a-8e6f-0a1b2c3d4e5f"},
		Spec: dbv1.DatabaseClaimSpec{Engine: engine, Version: version, Size: "small", StorageGB: 20,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "orders-db"}},
	}
}

// wantInstance is the Instance of gcpDBClaim(postgres 16) on gcpDBClass.
func wantInstance(mutate func(*sqlv1.InstanceParameters)) *sqlv1.Instance {
	name := translate.Name(gcpDBClaim(dbv1.EnginePostgres, "16"))
	mr := &sqlv1.Instance{
		TypeMeta:   metav1.TypeMeta{APIVersion: "sql.gcp.stowage.dev/v1alpha1", Kind: "Instance"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: sqlv1.InstanceSpec{ForProvider: sqlv1.InstanceParameters{
			Region: ptr.To("europe-west1"), DatabaseVersion: "POSTGRES_16", Tier: "db-custom-1-3840",
			DiskSizeGB: ptr.To[int64](20), DiskType: ptr.To(sqlv1.DiskType("PD_SSD")), DiskAutoresize: ptr.To(true), DiskAutoresizeLimitGB: ptr.To[int64](100),
			AvailabilityType: ptr.To(sqlv1.AvailabilityZonal),
			Backup: &sqlv1.BackupConfiguration{
				Enabled: ptr.To(true), PointInTimeRecovery: ptr.To(true), RetainedBackups: ptr.To[int64](7), TransactionLogRetentionDays: ptr.To[int64](7),
			},
			IPConfiguration:    &sqlv1.IPConfiguration{SSLMode: ptr.To(sqlv1.SSLMode("ENCRYPTED_ONLY"))},
			DeletionProtection: ptr.To(true),
			SkipFinalBackup:    ptr.To(false),
			UserLabels:         map[string]string{"team": "platform"},
		}},
	}
	mr.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"}
	mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-connection"}
	if mutate != nil {
		mutate(&mr.Spec.ForProvider)
	}
	return mr
}

func readyInstance(name string) *sqlv1.Instance {
	i := &sqlv1.Instance{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}
	i.SetConditions(xpv2.Available())
	return i
}

func readyDatabase(name string) *sqlv1.Database {
	d := &sqlv1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}
	d.SetConditions(xpv2.Available())
	return d
}

func TestDatabaseRegistered(t *testing.T) {
	d, ok := translate.Default.Database("gcp")
	if !ok {
		t.Fatal("no gcp database translation registered")
	}
	if _, ok := d.(Database); !ok {
		t.Errorf("gcp database translation is %T", d)
	}
	if cl := gcpDBClass(); cl.Cloud() != "gcp" {
		t.Errorf("a class with a gcp template says cloud %q", cl.Cloud())
	}
	if d, ok := translate.Default.DatabaseFor(&sqlv1.Instance{}); !ok || d != (Database{}) {
		t.Errorf("the translation of an Instance is %v", d)
	}
}

func TestDatabaseVersion(t *testing.T) {
	standard := &dbv1.GCPDatabaseTemplate{}
	web := &dbv1.GCPDatabaseTemplate{SQLServerEdition: ptr.To(dbv1.CloudSQLServerEdition("WEB"))}
	cases := map[string]struct {
		reason  string
		engine  dbv1.Engine
		version string
		tmpl    *dbv1.GCPDatabaseTemplate
		want    string
		wantOK  bool
	}{
		"Postgres":          {reason: "A PostgreSQL major version is Cloud SQL's.", engine: dbv1.EnginePostgres, version: "16", want: "POSTGRES_16", wantOK: true},
		"PostgresMinor":     {reason: "Cloud SQL runs the latest minor of a PostgreSQL major version.", engine: dbv1.EnginePostgres, version: "16.4", want: "POSTGRES_16", wantOK: true},
		"Postgres96":        {reason: "Before 10, PostgreSQL majors had two numbers.", engine: dbv1.EnginePostgres, version: "9.6", want: "POSTGRES_9_6", wantOK: true},
		"MySQL":             {reason: "MySQL 8.0 is MYSQL_8_0.", engine: dbv1.EngineMySQL, version: "8.0", want: "MYSQL_8_0", wantOK: true},
		"MySQLMajor":        {reason: "MySQL 8 alone is 8.0.", engine: dbv1.EngineMySQL, version: "8", want: "MYSQL_8_0", wantOK: true},
		"MySQLPatch":        {reason: "Cloud SQL offers MySQL patch versions.", engine: dbv1.EngineMySQL, version: "8.0.41", want: "MYSQL_8_0_41", wantOK: true},
		"SQLServerYear":     {reason: "SQL Server by year, standard edition by default.", engine: dbv1.EngineSQLServer, version: "2022", tmpl: standard, want: "SQLSERVER_2022_STANDARD", wantOK: true},
		"SQLServerMajor":    {reason: "SQL Server by its own major version: 15 is 2019.", engine: dbv1.EngineSQLServer, version: "15.00", tmpl: standard, want: "SQLSERVER_2019_STANDARD", wantOK: true},
		"SQLServerEdition":  {reason: "The class's SQL Server edition.", engine: dbv1.EngineSQLServer, version: "16", tmpl: web, want: "SQLSERVER_2022_WEB", wantOK: true},
		"SQLServerUnknown":  {reason: "A SQL Server version Cloud SQL does not offer.", engine: dbv1.EngineSQLServer, version: "2012", tmpl: standard},
		"NotNumeric":        {reason: "A version that is not numeric maps to nothing.", engine: dbv1.EnginePostgres, version: "latest"},
		"SQLServerNoTmpl":   {reason: "No template means the default edition.", engine: dbv1.EngineSQLServer, version: "2017", want: "SQLSERVER_2017_STANDARD", wantOK: true},
		"UnknownEngineNone": {reason: "An engine this translation does not know maps to nothing.", engine: dbv1.Engine("oracle"), version: "19"},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got, ok := DatabaseVersion(tc.engine, tc.version, tc.tmpl)
			if diff := cmp.Diff(tc.want, got); diff != "" || ok != tc.wantOK {
				t.Errorf("%s\nDatabaseVersion(%s, %s) = %q, %t; want %q, %t", tc.reason, tc.engine, tc.version, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestDatabasePlan(t *testing.T) {
	name := translate.Name(gcpDBClaim(dbv1.EnginePostgres, "16"))
	waiting := "Database and User wait for Instance " + name + " to be ready"
	userWaiting := "User waits for Database " + name + " to be ready"
	cases := map[string]struct {
		reason      string
		claim       func() *dbv1.DatabaseClaim
		class       func() *dbv1.DatabaseClass
		existing    []client.Object
		want        *sqlv1.Instance
		wantWaiting string
		wantLen     int
		wantErr     string
	}{
		"NewPostgres": {
			reason:      "A new claim gets an Instance only, with deletion protection on, TLS required, a week of backups with point-in-time recovery; the rest waits for it.",
			claim:       func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EnginePostgres, "16") },
			want:        wantInstance(nil),
			wantWaiting: waiting,
		},
		"InstanceNotReady": {
			reason:      "An Instance still being made keeps the Database and User waiting.",
			claim:       func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EnginePostgres, "16") },
			existing:    []client.Object{&sqlv1.Instance{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}},
			want:        wantInstance(nil),
			wantWaiting: waiting,
		},
		"InstanceReady": {
			reason:      "A ready Instance gets its Database; the User waits for it (Cloud SQL runs one operation at a time).",
			claim:       func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EnginePostgres, "16") },
			existing:    []client.Object{readyInstance(name)},
			want:        wantInstance(nil),
			wantWaiting: userWaiting,
			wantLen:     2,
		},
		"DatabaseReady": {
			reason:   "A ready Database gets its User: the plan is complete.",
			claim:    func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EnginePostgres, "16") },
			existing: []client.Object{readyInstance(name), readyDatabase(name)},
			want:     wantInstance(nil),
			wantLen:  3,
		},
		"OtherClaimsResources": {
			reason:      "Resources of another name are not this claim's.",
			claim:       func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EnginePostgres, "16") },
			existing:    []client.Object{readyInstance("other"), readyDatabase("other")},
			want:        wantInstance(nil),
			wantWaiting: waiting,
		},
		"ChildrenExist": {
			reason:   "A Database and User made earlier stay planned while their Instance restarts.",
			claim:    func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EnginePostgres, "16") },
			existing: []client.Object{&sqlv1.Instance{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}, &sqlv1.Database{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}, &sqlv1.User{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}},
			want:     wantInstance(nil),
			wantLen:  3,
		},
		"MySQLLargeHighAvailability": {
			reason: "The size's tier and disk type, a regional instance for a claim asking for high availability, no autoresize without a cap.",
			claim: func() *dbv1.DatabaseClaim {
				c := gcpDBClaim(dbv1.EngineMySQL, "8.0")
				c.Spec.Size, c.Spec.HighAvailability = "large", ptr.To(true)
				return c
			},
			want: wantInstance(func(p *sqlv1.InstanceParameters) {
				p.DatabaseVersion, p.Tier, p.DiskType = "MYSQL_8_0", "db-custom-4-15360", ptr.To(sqlv1.DiskType("PD_HDD"))
				p.DiskAutoresize, p.DiskAutoresizeLimitGB = ptr.To(false), nil
				p.AvailabilityType = ptr.To(sqlv1.AvailabilityRegional)
			}),
			wantWaiting: waiting,
		},
		"SQLServerClassSettings": {
			reason: "Every class setting reaches the Instance: edition, network, backups, maintenance window, protection off, final backup skipped.",
			claim: func() *dbv1.DatabaseClaim {
				c := gcpDBClaim(dbv1.EngineSQLServer, "2022")
				c.Spec.BackupRetentionDays = ptr.To[int32](14)
				return c
			},
			class: func() *dbv1.DatabaseClass {
				c := gcpDBClass()
				g := c.Spec.GCP
				g.Edition, g.SQLServerEdition = ptr.To(sqlv1.EditionEnterprise), ptr.To(dbv1.CloudSQLServerEdition("ENTERPRISE"))
				g.AvailabilityType = ptr.To(sqlv1.AvailabilityRegional)
				g.Network = &dbv1.GCPDatabaseNetwork{
					PrivateNetwork: ptr.To("projects/p/global/networks/default"), PublicIP: ptr.To(false),
					AuthorizedNetworks: []sqlv1.AuthorizedNetwork{{Value: "10.0.0.0/8"}}, SSLMode: ptr.To(sqlv1.SSLMode("TRUSTED_CLIENT_CERTIFICATE_REQUIRED")),
				}
				g.BackupRetentionDays, g.BackupStartTime, g.PointInTimeRecovery = ptr.To[int32](3), ptr.To("02:00"), ptr.To(false)
				g.MaintenanceWindow = &sqlv1.MaintenanceWindow{Day: 7, Hour: 3}
				g.DeletionProtection, g.SkipFinalBackup = ptr.To(false), ptr.To(true)
				return c
			},
			want: wantInstance(func(p *sqlv1.InstanceParameters) {
				p.DatabaseVersion, p.Edition = "SQLSERVER_2022_ENTERPRISE", ptr.To(sqlv1.EditionEnterprise)
				p.AvailabilityType = ptr.To(sqlv1.AvailabilityRegional)
				p.IPConfiguration = &sqlv1.IPConfiguration{
					PrivateNetwork: ptr.To("projects/p/global/networks/default"), IPv4Enabled: ptr.To(false),
					AuthorizedNetworks: []sqlv1.AuthorizedNetwork{{Value: "10.0.0.0/8"}}, SSLMode: ptr.To(sqlv1.SSLMode("TRUSTED_CLIENT_CERTIFICATE_REQUIRED")),
				}
				p.Backup = &sqlv1.BackupConfiguration{Enabled: ptr.To(true), StartTime: ptr.To("02:00"), PointInTimeRecovery: ptr.To(false), RetainedBackups: ptr.To[int64](14)}
				p.MaintenanceWindow = &sqlv1.MaintenanceWindow{Day: 7, Hour: 3}
				p.DeletionProtection, p.SkipFinalBackup = ptr.To(false), ptr.To(true)
			}),
			wantWaiting: waiting,
		},
		"NoBackups": {
			reason: "A claim asking for zero days of backups turns them off, point-in-time recovery with them.",
			claim: func() *dbv1.DatabaseClaim {
				c := gcpDBClaim(dbv1.EnginePostgres, "16")
				c.Spec.BackupRetentionDays = ptr.To[int32](0)
				return c
			},
			want: wantInstance(func(p *sqlv1.InstanceParameters) {
				p.Backup = &sqlv1.BackupConfiguration{Enabled: ptr.To(false), PointInTimeRecovery: ptr.To(false)}
			}),
			wantWaiting: waiting,
		},
		"StoragePastAutoresizeCap": {
			reason: "A claim larger than its size's autoresize cap raises the cap with it.",
			claim: func() *dbv1.DatabaseClaim {
				c := gcpDBClaim(dbv1.EnginePostgres, "16")
				c.Spec.StorageGB = 150
				return c
			},
			want: wantInstance(func(p *sqlv1.InstanceParameters) {
				p.DiskSizeGB, p.DiskAutoresizeLimitGB = ptr.To[int64](150), ptr.To[int64](150)
			}),
			wantWaiting: waiting,
		},
		"SizeNotOffered": {
			reason: "A size the class does not define is not offered, naming those it does.",
			claim: func() *dbv1.DatabaseClaim {
				c := gcpDBClaim(dbv1.EnginePostgres, "16")
				c.Spec.Size = "huge"
				return c
			},
			wantErr: `size "huge" is not offered by class gcp-standard (offered: large, small)`,
		},
		"VersionNotOffered": {
			reason:  "A SQL Server version Cloud SQL does not run is not offered.",
			claim:   func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EngineSQLServer, "2012") },
			wantErr: `version "2012" is not offered by class gcp-standard for sqlserver on Cloud SQL (offered: 2017 (or 14), 2019 (or 15), 2022 (or 16))`,
		},
		"NoTemplate": {
			reason: "A class without a gcp template plans nothing.",
			claim:  func() *dbv1.DatabaseClaim { return gcpDBClaim(dbv1.EnginePostgres, "16") },
			class: func() *dbv1.DatabaseClass {
				return &dbv1.DatabaseClass{ObjectMeta: metav1.ObjectMeta{Name: "aws-only"}}
			},
			wantErr: "class aws-only has no gcp template",
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			cl := gcpDBClass()
			if tc.class != nil {
				cl = tc.class()
			}
			plan, err := Database{}.Plan(tc.claim(), cl, tc.existing)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Fatalf("%s\nerror: -want +got:\n%s", tc.reason, diff)
			}
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(tc.wantWaiting, plan.Waiting); diff != "" {
				t.Errorf("%s\nWaiting: -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, plan.Resources[0]); diff != "" {
				t.Errorf("%s\nInstance: -want +got:\n%s", tc.reason, diff)
			}
			wantLen := tc.wantLen
			if wantLen == 0 {
				wantLen = 1
			}
			if len(plan.Resources) != wantLen {
				t.Fatalf("%s\n%d resources planned, want %d", tc.reason, len(plan.Resources), wantLen)
			}
		})
	}
}

func TestDatabaseChildren(t *testing.T) {
	c := gcpDBClaim(dbv1.EnginePostgres, "16")
	c.Name = "order-history"
	name := translate.Name(c)
	if !validInstanceName.MatchString(name) || len(name) > 84 {
		t.Errorf("instance name %q is not a valid Cloud SQL instance name", name)
	}
	plan, err := Database{}.Plan(c, gcpDBClass(), []client.Object{readyInstance(name), readyDatabase(name)})
	if err != nil {
		t.Fatal(err)
	}
	pc := &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"}
	db := &sqlv1.Database{
		TypeMeta: metav1.TypeMeta{APIVersion: "sql.gcp.stowage.dev/v1alpha1", Kind: "Database"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Annotations: map[string]string{
			meta.AnnotationKeyExternalName: "order_history", ownership.AnnotationGeneratedExternalName: "order_history",
		}},
		Spec: sqlv1.DatabaseSpec{ForProvider: sqlv1.DatabaseParameters{InstanceRef: &xpv2.NamespacedReference{Name: name}}},
	}
	db.Spec.ProviderConfigReference = pc
	db.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-database-connection"}
	user := &sqlv1.User{
		TypeMeta: metav1.TypeMeta{APIVersion: "sql.gcp.stowage.dev/v1alpha1", Kind: "User"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Annotations: map[string]string{
			meta.AnnotationKeyExternalName: "stowage", ownership.AnnotationGeneratedExternalName: "stowage",
		}},
		Spec: sqlv1.UserSpec{ForProvider: sqlv1.UserParameters{InstanceRef: &xpv2.NamespacedReference{Name: name}}},
	}
	user.Spec.ProviderConfigReference = pc
	user.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-user-connection"}
	if diff := cmp.Diff([]client.Object{db, user}, plan.Resources[1:]); diff != "" {
		t.Errorf("Database and User: -want +got:\n%s", diff)
	}
	// The three connection secrets differ, so none overwrites another.
	seen := map[string]bool{}
	for _, r := range plan.Resources {
		s := r.(interface {
			GetWriteConnectionSecretToReference() *xpv2.LocalSecretReference
		}).GetWriteConnectionSecretToReference().Name
		if seen[s] {
			t.Errorf("two resources write connection secret %s", s)
		}
		seen[s] = true
	}
}

func TestDatabaseUpdate(t *testing.T) {
	// existing is an Instance as the API server has it: made from the plan,
	// then late-initialised by its controller.
	existing := func(mutate func(*sqlv1.InstanceParameters)) *sqlv1.Instance {
		i := wantInstance(func(p *sqlv1.InstanceParameters) {
			p.Edition = ptr.To(sqlv1.EditionEnterprise)
			p.Backup.StartTime = ptr.To("23:00")
			p.IPConfiguration.IPv4Enabled = ptr.To(true)
			p.MaintenanceWindow = &sqlv1.MaintenanceWindow{Day: 1, Hour: 0}
			if mutate != nil {
				mutate(p)
			}
		})
		return i
	}
	cases := map[string]struct {
		reason         string
		existing       *sqlv1.Instance
		desired        *sqlv1.Instance
		want           *sqlv1.Instance
		wantChanged    bool
		wantNotApplied []string
	}{
		"InSync": {
			reason:   "What the controller late-initialised is no difference.",
			existing: existing(nil),
			desired:  wantInstance(nil),
			want:     existing(nil),
		},
		"Resize": {
			reason:   "A new size's tier, more storage and a new autoresize cap are applied.",
			existing: existing(nil),
			desired: wantInstance(func(p *sqlv1.InstanceParameters) {
				p.Tier, p.DiskSizeGB, p.DiskAutoresizeLimitGB = "db-custom-4-15360", ptr.To[int64](30), ptr.To[int64](200)
			}),
			want: existing(func(p *sqlv1.InstanceParameters) {
				p.Tier, p.DiskSizeGB, p.DiskAutoresizeLimitGB = "db-custom-4-15360", ptr.To[int64](30), ptr.To[int64](200)
			}),
			wantChanged: true,
		},
		"TierCase": {
			reason:   "Tiers compare without regard to case.",
			existing: existing(func(p *sqlv1.InstanceParameters) { p.Tier = "DB-CUSTOM-1-3840" }),
			desired:  wantInstance(nil),
			want:     existing(func(p *sqlv1.InstanceParameters) { p.Tier = "DB-CUSTOM-1-3840" }),
		},
		"ShrinkWithoutAutoresize": {
			reason:         "A disk cannot shrink.",
			existing:       existing(func(p *sqlv1.InstanceParameters) { p.DiskSizeGB, p.DiskAutoresize = ptr.To[int64](50), ptr.To(false) }),
			desired:        wantInstance(func(p *sqlv1.InstanceParameters) { p.DiskAutoresize, p.DiskAutoresizeLimitGB = ptr.To(false), nil }),
			want:           existing(func(p *sqlv1.InstanceParameters) { p.DiskSizeGB, p.DiskAutoresize = ptr.To[int64](50), ptr.To(false) }),
			wantNotApplied: []string{"storage 20GB is smaller than the instance's 50GB disk; a disk cannot shrink"},
		},
		"GrownByAutoresize": {
			reason:   "A disk Cloud SQL grew on its own is no difference.",
			existing: existing(func(p *sqlv1.InstanceParameters) { p.DiskSizeGB = ptr.To[int64](50) }),
			desired:  wantInstance(nil),
			want:     existing(func(p *sqlv1.InstanceParameters) { p.DiskSizeGB = ptr.To[int64](50) }),
		},
		"Upgrade": {
			reason:      "A newer major version is an in-place upgrade.",
			existing:    existing(nil),
			desired:     wantInstance(func(p *sqlv1.InstanceParameters) { p.DatabaseVersion = "POSTGRES_17" }),
			want:        existing(func(p *sqlv1.InstanceParameters) { p.DatabaseVersion = "POSTGRES_17" }),
			wantChanged: true,
		},
		"Downgrade": {
			reason:         "An older version is not applied.",
			existing:       existing(func(p *sqlv1.InstanceParameters) { p.DatabaseVersion = "POSTGRES_17" }),
			desired:        wantInstance(nil),
			want:           existing(func(p *sqlv1.InstanceParameters) { p.DatabaseVersion = "POSTGRES_17" }),
			wantNotApplied: []string{"databaseVersion POSTGRES_16 (running POSTGRES_17): Cloud SQL cannot change the engine or downgrade"},
		},
		"ClassEdits": {
			reason:   "Availability, backups, maintenance, network access and labels follow the class.",
			existing: existing(nil),
			desired: wantInstance(func(p *sqlv1.InstanceParameters) {
				p.AvailabilityType = ptr.To(sqlv1.AvailabilityRegional)
				p.Backup = &sqlv1.BackupConfiguration{Enabled: ptr.To(true), PointInTimeRecovery: ptr.To(false), RetainedBackups: ptr.To[int64](30)}
				p.MaintenanceWindow = &sqlv1.MaintenanceWindow{Day: 6, Hour: 2}
				p.IPConfiguration = &sqlv1.IPConfiguration{IPv4Enabled: ptr.To(false), PrivateNetwork: ptr.To("projects/p/global/networks/vpc"), AuthorizedNetworks: []sqlv1.AuthorizedNetwork{{Value: "10.0.0.0/8"}}, SSLMode: ptr.To(sqlv1.SSLMode("ENCRYPTED_ONLY"))}
				p.UserLabels = map[string]string{"team": "data"}
			}),
			want: existing(func(p *sqlv1.InstanceParameters) {
				p.AvailabilityType = ptr.To(sqlv1.AvailabilityRegional)
				p.Backup = &sqlv1.BackupConfiguration{Enabled: ptr.To(true), StartTime: ptr.To("23:00"), PointInTimeRecovery: ptr.To(false), RetainedBackups: ptr.To[int64](30), TransactionLogRetentionDays: ptr.To[int64](7)}
				p.MaintenanceWindow = &sqlv1.MaintenanceWindow{Day: 6, Hour: 2}
				p.IPConfiguration = &sqlv1.IPConfiguration{IPv4Enabled: ptr.To(false), PrivateNetwork: ptr.To("projects/p/global/networks/vpc"), AuthorizedNetworks: []sqlv1.AuthorizedNetwork{{Value: "10.0.0.0/8"}}, SSLMode: ptr.To(sqlv1.SSLMode("ENCRYPTED_ONLY"))}
				p.UserLabels = map[string]string{"team": "data"}
			}),
			wantChanged: true,
		},
		"Immovable": {
			reason: "Region, disk type, another private network and other credentials are reported, not applied.",
			existing: existing(func(p *sqlv1.InstanceParameters) {
				p.IPConfiguration.PrivateNetwork = ptr.To("projects/p/global/networks/a")
			}),
			desired: func() *sqlv1.Instance {
				i := wantInstance(func(p *sqlv1.InstanceParameters) {
					p.Region, p.DiskType = ptr.To("us-central1"), ptr.To(sqlv1.DiskType("PD_HDD"))
					p.IPConfiguration.PrivateNetwork = ptr.To("projects/p/global/networks/b")
				})
				i.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "other"}
				return i
			}(),
			want: existing(func(p *sqlv1.InstanceParameters) {
				p.IPConfiguration.PrivateNetwork = ptr.To("projects/p/global/networks/a")
			}),
			wantNotApplied: []string{
				"region us-central1 (running in europe-west1) would replace the database",
				"diskType PD_HDD (the instance has PD_SSD) is fixed when an instance is made",
				"providerConfigRef ClusterProviderConfig/other (in use: ClusterProviderConfig/prod) would move the database to other credentials, possibly another project",
				"privateNetwork projects/p/global/networks/b (the instance is in projects/p/global/networks/a) would move the database to another network",
			},
		},
		"LoosenProtection": {
			reason:   "A class edit never turns a bound database's deletion protection off or drops its final backup.",
			existing: existing(nil),
			desired: wantInstance(func(p *sqlv1.InstanceParameters) {
				p.DeletionProtection, p.SkipFinalBackup = ptr.To(false), ptr.To(true)
			}),
			want: existing(nil),
			wantNotApplied: []string{
				"deletionProtection false: a class edit never removes a bound database's protection; turn it off on the Instance",
				"skipFinalBackup true: a class edit never drops a bound database's final backup; set it on the Instance",
			},
		},
		"TightenProtection": {
			reason: "A class edit turns deletion protection and the final backup back on.",
			existing: existing(func(p *sqlv1.InstanceParameters) {
				p.DeletionProtection, p.SkipFinalBackup = ptr.To(false), ptr.To(true)
			}),
			desired:     wantInstance(nil),
			want:        existing(nil),
			wantChanged: true,
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			changed, notApplied := Database{}.Update(tc.existing, tc.desired)
			if changed != tc.wantChanged {
				t.Errorf("%s\nchanged = %t, want %t", tc.reason, changed, tc.wantChanged)
			}
			if diff := cmp.Diff(tc.wantNotApplied, notApplied); diff != "" {
				t.Errorf("%s\nnotApplied: -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, tc.existing); diff != "" {
				t.Errorf("%s\nInstance after Update: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
	// The Database and User have nothing a class changes.
	if changed, na := (Database{}).Update(&sqlv1.Database{}, &sqlv1.Database{Spec: sqlv1.DatabaseSpec{ForProvider: sqlv1.DatabaseParameters{InstanceRef: &xpv2.NamespacedReference{Name: "x"}}}}); changed || na != nil {
		t.Errorf("Update of a Database: changed %t, notApplied %v", changed, na)
	}
}

func TestDatabaseStatus(t *testing.T) {
	inst := func(version, public, private string, privateNetwork bool) *sqlv1.Instance {
		i := &sqlv1.Instance{Spec: sqlv1.InstanceSpec{ForProvider: sqlv1.InstanceParameters{DatabaseVersion: version}}}
		if privateNetwork {
			i.Spec.ForProvider.IPConfiguration = &sqlv1.IPConfiguration{PrivateNetwork: ptr.To("projects/p/global/networks/vpc")}
		}
		i.Status.AtProvider = sqlv1.InstanceObservation{PublicIP: public, PrivateIP: private, DatabaseInstalledVersion: strings.ReplaceAll(version, "_STANDARD", "_STANDARD_CU16") + map[bool]string{true: "_4", false: ""}[strings.HasPrefix(version, "POSTGRES")]}
		return i
	}
	cases := map[string]struct {
		reason string
		obs    []client.Object
		want   translate.DatabaseStatus
	}{
		"Public": {
			reason: "The public address, PostgreSQL's port and the running minor version.",
			obs:    []client.Object{inst("POSTGRES_16", "203.0.113.5", "", false), &sqlv1.User{}},
			want:   translate.DatabaseStatus{Endpoint: "203.0.113.5", Port: 5432, EngineVersion: "16.4"},
		},
		"Private": {
			reason: "The private address of an instance in a private network.",
			obs:    []client.Object{inst("MYSQL_8_0", "203.0.113.5", "10.0.0.3", true)},
			want:   translate.DatabaseStatus{Endpoint: "10.0.0.3", Port: 3306, EngineVersion: "8.0"},
		},
		"PrivateOnly": {
			reason: "The private address when there is no public one.",
			obs:    []client.Object{inst("SQLSERVER_2022_STANDARD", "", "10.0.0.3", false)},
			want:   translate.DatabaseStatus{Endpoint: "10.0.0.3", Port: 1433, EngineVersion: "2022"},
		},
		"NoInstance": {
			reason: "Nothing to show without an Instance.",
			obs:    []client.Object{&sqlv1.Database{}},
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got := Database{}.Status(gcpDBClaim(dbv1.EnginePostgres, "16"), tc.obs)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nStatus: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
