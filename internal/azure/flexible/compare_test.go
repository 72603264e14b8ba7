package flexible

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

func observed() Server {
	return Server{
		Location: "westeurope", Version: "16", SKUName: "Standard_B1ms", SKUTier: "Burstable", AdministratorLogin: "stowage",
		StorageGB: ptr.To[int32](32), HAMode: "Disabled", RetentionDays: ptr.To[int32](7), GeoRedundantBackup: ptr.To(false),
		PublicNetworkAccess: "Enabled", State: StateReady, Tags: map[string]string{"team": "shop"},
	}
}

func TestDiff(t *testing.T) {
	owner := ownership.Owner{Cluster: "c", Kind: "postgresflexibleserver", Namespace: "ns", Name: "db", UID: "u"}
	tagged := observed()
	tagged.Tags = ownership.Merge(map[string]string{"team": "shop"}, owner)
	cases := map[string]struct {
		reason      string
		engine      Engine
		spec        flexv1alpha1.ServerSettings
		cloud       Server
		owner       *ownership.Owner
		wantFields  []string
		wantRefused []string
		wantPatch   Patch
	}{
		"InSync": {
			reason: "A spec that matches Azure (or leaves fields unset) differs in nothing and sends nothing.",
			engine: Postgres,
			spec:   flexv1alpha1.ServerSettings{Version: ptr.To("16"), Tags: map[string]string{"team": "shop"}, HighAvailability: &flexv1alpha1.HighAvailability{Mode: "Disabled"}},
			cloud:  observed(),
		},
		"MinorVersionIsTheSame": {
			reason: "MySQL 8.0 in the spec is the 8.0.21 Azure reports.",
			engine: MySQL,
			spec:   flexv1alpha1.ServerSettings{Version: ptr.To("8.0")},
			cloud:  func() Server { s := observed(); s.Version = "8.0.21"; return s }(),
		},
		"RetentionAndStorage": {
			reason:     "Only the differing fields are in the PATCH.",
			engine:     Postgres,
			spec:       flexv1alpha1.ServerSettings{Backup: &flexv1alpha1.Backup{RetentionDays: ptr.To[int32](14)}, Storage: &flexv1alpha1.Storage{SizeGB: ptr.To[int32](64)}},
			cloud:      observed(),
			wantFields: []string{"storage.sizeGB", "backup.retentionDays"},
			wantPatch:  Patch{StorageGB: ptr.To[int32](64), RetentionDays: ptr.To[int32](14)},
		},
		"SKU": {
			reason:     "A different size sends the SKU's name and tier together.",
			engine:     Postgres,
			spec:       flexv1alpha1.ServerSettings{SKU: &flexv1alpha1.SKU{Tier: "GeneralPurpose", Name: "Standard_D2s_v3"}},
			cloud:      observed(),
			wantFields: []string{"sku"},
			wantPatch:  Patch{SKUName: ptr.To("Standard_D2s_v3"), SKUTier: ptr.To("GeneralPurpose")},
		},
		"HighAvailability": {
			reason:     "High availability is turned on with a PATCH.",
			engine:     MySQL,
			spec:       flexv1alpha1.ServerSettings{HighAvailability: &flexv1alpha1.HighAvailability{Mode: "SameZone"}},
			cloud:      observed(),
			wantFields: []string{"highAvailability.mode"},
			wantPatch:  Patch{HAMode: ptr.To("SameZone")},
		},
		"AutoGrowMySQL": {
			reason:     "MySQL's storage autogrow is updatable.",
			engine:     MySQL,
			spec:       flexv1alpha1.ServerSettings{Storage: &flexv1alpha1.Storage{AutoGrow: ptr.To(false)}},
			cloud:      func() Server { s := observed(); s.AutoGrow = ptr.To(true); return s }(),
			wantFields: []string{"storage.autoGrow"},
			wantPatch:  Patch{AutoGrow: ptr.To(false)},
		},
		"AutoGrowPostgres": {
			reason:      "PostgreSQL's API version has no autogrow: refused, never sent.",
			engine:      Postgres,
			spec:        flexv1alpha1.ServerSettings{Storage: &flexv1alpha1.Storage{AutoGrow: ptr.To(true)}},
			cloud:       observed(),
			wantRefused: []string{"storage.autoGrow"},
		},
		"Downgrade": {
			reason:      "Azure cannot downgrade a server.",
			engine:      Postgres,
			spec:        flexv1alpha1.ServerSettings{Version: ptr.To("15")},
			cloud:       observed(),
			wantRefused: []string{"version"},
		},
		"Upgrade": {
			reason:      "The API versions Stowage uses cannot upgrade in place: refused, never sent.",
			engine:      Postgres,
			spec:        flexv1alpha1.ServerSettings{Version: ptr.To("17")},
			cloud:       observed(),
			wantRefused: []string{"version"},
		},
		"ShrinkStorage": {
			reason:      "Storage never shrinks.",
			engine:      Postgres,
			spec:        flexv1alpha1.ServerSettings{Storage: &flexv1alpha1.Storage{SizeGB: ptr.To[int32](32)}},
			cloud:       func() Server { s := observed(); s.StorageGB = ptr.To[int32](64); return s }(),
			wantRefused: []string{"storage.sizeGB"},
		},
		"CreateOnly": {
			reason:      "Geo-redundant backup, the administrator login and public network access cannot change.",
			engine:      MySQL,
			spec:        flexv1alpha1.ServerSettings{Backup: &flexv1alpha1.Backup{GeoRedundantBackup: ptr.To(true)}, AdministratorLogin: ptr.To("other"), PublicNetworkAccess: ptr.To("Disabled")},
			cloud:       observed(),
			wantRefused: []string{"backup.geoRedundantBackup", "administratorLogin", "publicNetworkAccess"},
		},
		"Tags": {
			reason:     "Tags are sent whole, with the owner tags.",
			engine:     Postgres,
			spec:       flexv1alpha1.ServerSettings{Tags: map[string]string{"team": "web"}},
			cloud:      tagged,
			owner:      &owner,
			wantFields: []string{"tags"},
			wantPatch:  Patch{Tags: ownership.Merge(map[string]string{"team": "web"}, owner)},
		},
		"OwnerTags": {
			reason:     "An untagged server gets its owner tags, keeping its user tags.",
			engine:     Postgres,
			spec:       flexv1alpha1.ServerSettings{},
			cloud:      observed(),
			owner:      &owner,
			wantFields: []string{"tags (owner tags)"},
			wantPatch:  Patch{Tags: ownership.Merge(map[string]string{"team": "shop"}, owner)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ds, p := diff(tc.engine, tc.spec, tc.cloud, tc.owner)
			fix, ref := splitRefused(ds)
			var gotFields, gotRefused []string
			for _, d := range fix {
				gotFields = append(gotFields, d.Field)
			}
			for _, d := range ref {
				gotRefused = append(gotRefused, d.Field)
			}
			if diff := cmp.Diff(tc.wantFields, gotFields); diff != "" {
				t.Errorf("%s\nfixable differences: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantRefused, gotRefused); diff != "" {
				t.Errorf("%s\nrefused differences: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantPatch, p); diff != "" {
				t.Errorf("%s\npatch: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	cases := map[string]struct {
		reason  string
		spec    flexv1alpha1.ServerSettings
		cloud   Server
		want    flexv1alpha1.ServerSettings
		changed bool
	}{
		"Empty": {
			reason:  "An empty spec takes everything Azure chose, never the owner tags.",
			cloud:   func() Server { s := observed(); s.Tags["stowage-uid"] = "u"; s.AutoGrow = ptr.To(true); return s }(),
			changed: true,
			want: flexv1alpha1.ServerSettings{
				Location: ptr.To("westeurope"), Version: ptr.To("16"), SKU: &flexv1alpha1.SKU{Name: "Standard_B1ms", Tier: "Burstable"},
				Storage: &flexv1alpha1.Storage{SizeGB: ptr.To[int32](32), AutoGrow: ptr.To(true)}, HighAvailability: &flexv1alpha1.HighAvailability{Mode: "Disabled"},
				Backup:             &flexv1alpha1.Backup{RetentionDays: ptr.To[int32](7), GeoRedundantBackup: ptr.To(false)},
				AdministratorLogin: ptr.To("stowage"), PublicNetworkAccess: ptr.To("Enabled"), Tags: map[string]string{"team": "shop"},
			},
		},
		"Set": {
			reason: "What the spec sets is kept.",
			spec: flexv1alpha1.ServerSettings{
				Location: ptr.To("westeurope"), Version: ptr.To("15"), SKU: &flexv1alpha1.SKU{Name: "Standard_D2s_v3", Tier: "GeneralPurpose"},
				Storage: &flexv1alpha1.Storage{SizeGB: ptr.To[int32](64)}, HighAvailability: &flexv1alpha1.HighAvailability{Mode: "ZoneRedundant"},
				Backup:             &flexv1alpha1.Backup{RetentionDays: ptr.To[int32](30), GeoRedundantBackup: ptr.To(true)},
				AdministratorLogin: ptr.To("admin2"), PublicNetworkAccess: ptr.To("Enabled"), Tags: map[string]string{},
			},
			cloud: observed(),
			want: flexv1alpha1.ServerSettings{
				Location: ptr.To("westeurope"), Version: ptr.To("15"), SKU: &flexv1alpha1.SKU{Name: "Standard_D2s_v3", Tier: "GeneralPurpose"},
				Storage: &flexv1alpha1.Storage{SizeGB: ptr.To[int32](64)}, HighAvailability: &flexv1alpha1.HighAvailability{Mode: "ZoneRedundant"},
				Backup:             &flexv1alpha1.Backup{RetentionDays: ptr.To[int32](30), GeoRedundantBackup: ptr.To(true)},
				AdministratorLogin: ptr.To("admin2"), PublicNetworkAccess: ptr.To("Enabled"), Tags: map[string]string{},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.spec
			changed := lateInitialize(&got, tc.cloud)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
			if changed != tc.changed {
				t.Errorf("%s\nchanged: got %v, want %v", tc.reason, changed, tc.changed)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	cases := map[string]struct {
		reason      string
		spec, cloud string
		want        int
	}{
		"Same":        {reason: "Equal versions.", spec: "16", cloud: "16", want: 0},
		"FewerParts":  {reason: "MySQL 8.0 is 8.0.21.", spec: "8.0", cloud: "8.0.21", want: 0},
		"Older":       {reason: "Numbers compare as numbers, not text.", spec: "9", cloud: "10", want: -1},
		"Newer":       {reason: "A newer major version.", spec: "16", cloud: "14", want: 1},
		"OlderMinor":  {reason: "5.7 is older than 8.0.21.", spec: "5.7", cloud: "8.0.21", want: -1},
		"MorePartsUp": {reason: "A spec more precise than Azure, and newer.", spec: "8.0.21", cloud: "8.0", want: 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := CompareVersions(tc.spec, tc.cloud); got != tc.want {
				t.Errorf("%s\nCompareVersions(%q, %q) = %d, want %d", tc.reason, tc.spec, tc.cloud, got, tc.want)
			}
		})
	}
}

func TestCondition(t *testing.T) {
	cases := map[string]struct {
		reason string
		state  string
		want   string
	}{
		"Ready":        {reason: "A Ready server is available.", state: "Ready", want: "Available"},
		"Provisioning": {reason: "A new server is being created.", state: "Provisioning", want: "Creating"},
		"Updating":     {reason: "An updating server stays usable.", state: "Updating", want: "Available"},
		"Dropping":     {reason: "A server being deleted.", state: "Dropping", want: "Deleting"},
		"Stopped":      {reason: "A stopped server is unavailable.", state: "Stopped", want: "Unavailable"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := string(condition(tc.state).Reason); got != tc.want {
				t.Errorf("%s\ncondition(%q) reason %q, want %q", tc.reason, tc.state, got, tc.want)
			}
		})
	}
}

func TestGroupOf(t *testing.T) {
	cases := map[string]struct {
		reason string
		id     string
		want   string
	}{
		"Database": {reason: "A database's ID names its resource group.", id: "/subscriptions/s/resourceGroups/rg-1/providers/Microsoft.DBforMySQL/flexibleServers/a/databases/b", want: "rg-1"},
		"Empty":    {reason: "No ID, no group.", id: "", want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := groupOf(tc.id); got != tc.want {
				t.Errorf("%s\ngroupOf(%q) = %q, want %q", tc.reason, tc.id, got, tc.want)
			}
		})
	}
}

func TestDatabaseDiff(t *testing.T) {
	cases := map[string]struct {
		reason  string
		spec    flexv1alpha1.DatabaseSettings
		cloud   Database
		refused []string
	}{
		"InSync":     {reason: "Charsets and collations compare without case.", spec: flexv1alpha1.DatabaseSettings{Charset: ptr.To("utf8"), Collation: ptr.To("EN_us.UTF8")}, cloud: Database{Charset: "UTF8", Collation: "en_US.utf8"}},
		"Unset":      {reason: "Unset fields never differ.", cloud: Database{Charset: "UTF8"}},
		"CreateOnly": {reason: "A different charset or collation is refused: Azure sets them at create time.", spec: flexv1alpha1.DatabaseSettings{Charset: ptr.To("utf8mb4"), Collation: ptr.To("utf8mb4_bin")}, cloud: Database{Charset: "utf8", Collation: "utf8_general_ci"}, refused: []string{"charset", "collation"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fix, ref := splitRefused(databaseDiff(tc.spec, tc.cloud))
			var got []string
			for _, d := range ref {
				got = append(got, d.Field)
			}
			if diff := cmp.Diff(tc.refused, got); diff != "" || len(fix) != 0 {
				t.Errorf("%s\nrefused: -want, +got:\n%s (fixable %v)", tc.reason, diff, fix)
			}
		})
	}
}
