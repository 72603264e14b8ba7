package instance

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	sqladmin "google.golang.org/api/sqladmin/v1"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

var owner = ownership.Owner{Cluster: "c", Kind: "sqlinstance", Namespace: "ns", Name: "n", UID: "u"}

// cloud is a RUNNABLE instance as Cloud SQL returns one for spec().
func cloud() *sqladmin.DatabaseInstance {
	return &sqladmin.DatabaseInstance{
		DatabaseVersion: "POSTGRES_16", State: "RUNNABLE", Region: "europe-west1",
		Settings: &sqladmin.Settings{
			Tier: "db-custom-1-3840", Edition: "ENTERPRISE", DataDiskSizeGb: 10, DataDiskType: "PD_SSD", StorageAutoResize: ptr.To(true),
			AvailabilityType: "ZONAL", SettingsVersion: 4, DeletionProtectionEnabled: true,
			FinalBackupConfig: &sqladmin.FinalBackupConfig{Enabled: true, RetentionDays: 30},
			UserLabels:        ownership.Merge(map[string]string{"team": "shop"}, owner),
			DatabaseFlags:     []*sqladmin.DatabaseFlags{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}},
			IpConfiguration:   &sqladmin.IpConfiguration{Ipv4Enabled: true, SslMode: "ENCRYPTED_ONLY", AuthorizedNetworks: []*sqladmin.AclEntry{{Value: "203.0.113.0/24"}, {Name: "office", Value: "198.51.100.7/32"}}},
			BackupConfiguration: &sqladmin.BackupConfiguration{Enabled: true, StartTime: "02:00", PointInTimeRecoveryEnabled: true,
				BackupRetentionSettings: &sqladmin.BackupRetentionSettings{RetainedBackups: 7}, TransactionLogRetentionDays: 7},
		},
	}
}

func spec() v1alpha1.InstanceParameters {
	return v1alpha1.InstanceParameters{
		DatabaseVersion: "POSTGRES_16", Tier: "DB-CUSTOM-1-3840", Edition: ptr.To(v1alpha1.EditionEnterprise), DiskSizeGB: ptr.To[int64](10),
		UserLabels:    map[string]string{"team": "shop"},
		DatabaseFlags: []v1alpha1.DatabaseFlag{{Name: "b", Value: "2"}, {Name: "a", Value: "1"}},
		IPConfiguration: &v1alpha1.IPConfiguration{SSLMode: ptr.To[v1alpha1.SSLMode]("ENCRYPTED_ONLY"),
			AuthorizedNetworks: []v1alpha1.AuthorizedNetwork{{Name: ptr.To("office"), Value: "198.51.100.7/32"}, {Value: "203.0.113.0/24"}}},
		Backup: &v1alpha1.BackupConfiguration{Enabled: ptr.To(true), PointInTimeRecovery: ptr.To(true)},
	}
}

func TestDiffAndPatch(t *testing.T) {
	type want struct {
		fields  []string
		refused []string
		patch   string // the PATCH body as JSON; "" for none
	}
	cases := map[string]struct {
		reason string
		spec   func(*v1alpha1.InstanceParameters)
		cloud  func(*sqladmin.DatabaseInstance)
		want   want
	}{
		"InSync": {
			reason: "tier case, flag order and network order are no differences",
		},
		"Tier": {
			reason: "a tier change patches only the tier, with the settingsVersion",
			spec:   func(p *v1alpha1.InstanceParameters) { p.Tier = "db-custom-2-7680" },
			want:   want{fields: []string{fieldTier}, patch: `{"settings":{"settingsVersion":"4","tier":"db-custom-2-7680"}}`},
		},
		"DeletionProtectionOff": {
			reason: "turning deletion protection off sends an explicit false",
			spec:   func(p *v1alpha1.InstanceParameters) { p.DeletionProtection = ptr.To(false) },
			want:   want{fields: []string{fieldDeletionProtection}, patch: `{"settings":{"deletionProtectionEnabled":false,"settingsVersion":"4"}}`},
		},
		"BackupsOff": {
			reason: "backup fields are sent inside backupConfiguration only",
			spec: func(p *v1alpha1.InstanceParameters) {
				p.Backup = &v1alpha1.BackupConfiguration{Enabled: ptr.To(false), PointInTimeRecovery: ptr.To(false)}
			},
			want: want{fields: []string{fieldBackupEnabled, fieldBackupPITR}, patch: `{"settings":{"backupConfiguration":{"enabled":false,"pointInTimeRecoveryEnabled":false},"settingsVersion":"4"}}`},
		},
		"GrownDisk": {
			reason: "a disk Cloud SQL grew by autoresize is no difference",
			cloud:  func(db *sqladmin.DatabaseInstance) { db.Settings.DataDiskSizeGb = 25 },
		},
		"ShrinkRefused": {
			reason: "a smaller disk without autoresize is refused, never sent",
			cloud: func(db *sqladmin.DatabaseInstance) {
				db.Settings.DataDiskSizeGb = 25
				db.Settings.StorageAutoResize = ptr.To(false)
			},
			want: want{fields: []string{fieldDiskSize}, refused: []string{fieldDiskSize}},
		},
		"Downgrade": {
			reason: "an older database version is refused",
			spec:   func(p *v1alpha1.InstanceParameters) { p.DatabaseVersion = "POSTGRES_15" },
			want:   want{fields: []string{fieldDatabaseVersion}, refused: []string{fieldDatabaseVersion}},
		},
		"Upgrade": {
			reason: "a major version upgrade is a top-level field, no settings",
			spec:   func(p *v1alpha1.InstanceParameters) { p.DatabaseVersion = "POSTGRES_17" },
			want:   want{fields: []string{fieldDatabaseVersion}, patch: `{"databaseVersion":"POSTGRES_17"}`},
		},
		"LabelsAndFinalBackup": {
			reason: "labels go whole, with the owner labels; skipping the final backup turns its config off",
			spec: func(p *v1alpha1.InstanceParameters) {
				p.UserLabels = map[string]string{"team": "web"}
				p.SkipFinalBackup = ptr.To(true)
			},
			want: want{fields: []string{fieldFinalBackup, fieldLabels},
				patch: `{"settings":{"finalBackupConfig":{"enabled":false},"settingsVersion":"4","userLabels":{"stowage-cluster":"c","stowage-kind":"sqlinstance","stowage-name":"n","stowage-namespace":"ns","stowage-uid":"u","team":"web"}}}`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, db := spec(), cloud()
			if tc.spec != nil {
				tc.spec(&p)
			}
			if tc.cloud != nil {
				tc.cloud(db)
			}
			ds := diff(p, db, &owner)
			var got want
			for _, d := range ds {
				got.fields = append(got.fields, d.Field)
			}
			fixable, refused := splitRefused(ds)
			for _, d := range refused {
				got.refused = append(got.refused, d.Field)
			}
			if in := patch(p, db, owner, fixable); in != nil {
				b, err := json.Marshal(in)
				if err != nil {
					t.Fatal(err)
				}
				got.patch = string(b)
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   v1alpha1.InstanceParameters
		want   bool
		check  func(v1alpha1.InstanceParameters) string
	}{
		"Defaults": {
			reason: "what Cloud SQL chose is written into an empty spec",
			spec:   v1alpha1.InstanceParameters{DatabaseVersion: "POSTGRES_16", Tier: "db-custom-1-3840"},
			want:   true,
			check: func(p v1alpha1.InstanceParameters) string {
				return cmp.Diff([]any{"europe-west1", v1alpha1.EditionEnterprise, int64(10), true, int64(7), "02:00", "ENCRYPTED_ONLY", 2, map[string]string{"team": "shop"}},
					[]any{*p.Region, *p.Edition, *p.DiskSizeGB, *p.Backup.PointInTimeRecovery, *p.Backup.RetainedBackups, *p.Backup.StartTime, string(*p.IPConfiguration.SSLMode), len(p.DatabaseFlags), p.UserLabels})
			},
		},
		"Kept": {
			reason: "what the spec says stays",
			spec:   func() v1alpha1.InstanceParameters { p := spec(); p.DiskSizeGB = ptr.To[int64](50); return p }(),
			want:   true,
			check: func(p v1alpha1.InstanceParameters) string {
				return cmp.Diff([]any{int64(50), "DB-CUSTOM-1-3840"}, []any{*p.DiskSizeGB, p.Tier})
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tc.spec
			got := lateInitialize(&p, cloud())
			if got != tc.want {
				t.Errorf("%s: lateInitialize = %v, want %v", tc.reason, got, tc.want)
			}
			if d := tc.check(p); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
			// A second pass changes nothing.
			if lateInitialize(&p, cloud()) {
				t.Errorf("%s: a second late initialisation changed the spec again", tc.reason)
			}
		})
	}
}
