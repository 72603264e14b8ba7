package dbinstance

import (
	"testing"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
	"github.com/stowage-dev/stowage/internal/password"
)

func TestVersionSatisfied(t *testing.T) {
	cases := map[string]struct {
		reason    string
		engine    v1alpha1.Engine
		want, got string
		ok        bool
	}{
		"MajorPrefix":       {reason: "16 matches 16.4", want: "16", got: "16.4", ok: true},
		"Exact":             {reason: "16.4 matches 16.4", want: "16.4", got: "16.4", ok: true},
		"TwoComponent":      {reason: "8.0 matches 8.0.35", engine: v1alpha1.EngineMySQL, want: "8.0", got: "8.0.35", ok: true},
		"NotStringPrefix":   {reason: "1 is no dot prefix of 16.4, and 16.4 is a newer major: a downgrade, not satisfied", want: "1", got: "16.4", ok: false},
		"OlderMajorWanted":  {reason: "15 is not satisfied by 16.4: RDS cannot downgrade", want: "15", got: "16.4", ok: false},
		"OlderRunning":      {reason: "16 is not satisfied by 15.7", want: "16", got: "15.7", ok: false},
		"MinorBehind":       {reason: "16.4 is not satisfied by 16.3", want: "16.4", got: "16.3", ok: false},
		"AutoUpgraded":      {reason: "an automatic minor upgrade is not a diff", want: "16.3", got: "16.4", ok: true},
		"NumericCompare":    {reason: "components compare as numbers", engine: v1alpha1.EngineMySQL, want: "8.0.9", got: "8.0.10", ok: true},
		"MySQLNewerMajor":   {reason: "MySQL's major version has two components: 8.0 is not satisfied by 8.4.3", engine: v1alpha1.EngineMySQL, want: "8.0", got: "8.4.3", ok: false},
		"MySQLAutoUpgraded": {reason: "a MySQL minor upgrade is not a diff", engine: v1alpha1.EngineMySQL, want: "8.0.35", got: "8.0.36", ok: true},
		"NothingRunning":    {reason: "no version reported is not a match", want: "16", got: "", ok: false},
		"LongerWant":        {reason: "16.4.1 is not satisfied by 16.4", want: "16.4.1", got: "16.4", ok: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			engine := tc.engine
			if engine == "" {
				engine = v1alpha1.EnginePostgres
			}
			if got := versionSatisfied(engine, tc.want, tc.got); got != tc.ok {
				t.Errorf("%s\nversionSatisfied(%q, %q) = %v, want %v", tc.reason, tc.want, tc.got, got, tc.ok)
			}
		})
	}
}

func TestVersionDowngrade(t *testing.T) {
	cases := map[string]struct {
		reason    string
		engine    v1alpha1.Engine
		want, got string
		downgrade bool
		message   string
	}{
		"OlderMajor": {reason: "15 on a running 16.4 asks RDS to downgrade.", engine: v1alpha1.EnginePostgres, want: "15", got: "16.4", downgrade: true,
			message: "spec.forProvider.engineVersion: 15 is older than the running 16.4; RDS cannot downgrade: set 16 or later"},
		"OlderMajorMinor": {reason: "15.7 on a running 16.4 asks RDS to downgrade.", engine: v1alpha1.EnginePostgres, want: "15.7", got: "16.4", downgrade: true,
			message: "spec.forProvider.engineVersion: 15.7 is older than the running 16.4; RDS cannot downgrade: set 16 or later"},
		"MySQLOlderMajor": {reason: "MySQL 8.0 on a running 8.4.3 asks RDS to downgrade.", engine: v1alpha1.EngineMySQL, want: "8.0", got: "8.4.3", downgrade: true,
			message: "spec.forProvider.engineVersion: 8.0 is older than the running 8.4.3; RDS cannot downgrade: set 8.4 or later"},
		"OlderMinor": {reason: "An older minor of the running major is what RDS's own minor upgrades leave behind, not a downgrade.", engine: v1alpha1.EnginePostgres, want: "16.3", got: "16.4"},
		"Prefix":     {reason: "16 matches 16.4.", engine: v1alpha1.EnginePostgres, want: "16", got: "16.4"},
		"Upgrade":    {reason: "A newer version is an upgrade.", engine: v1alpha1.EnginePostgres, want: "17", got: "16.4"},
		"Unknown":    {reason: "No running version is no downgrade.", engine: v1alpha1.EnginePostgres, want: "15", got: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := versionDowngrade(tc.engine, tc.want, tc.got); got != tc.downgrade {
				t.Errorf("%s\nversionDowngrade(%q, %q) = %v, want %v", tc.reason, tc.want, tc.got, got, tc.downgrade)
			}
			if tc.message == "" {
				return
			}
			if got := olderVersionError(tc.engine, tc.want, tc.got).Error(); got != tc.message {
				t.Errorf("%s\nolderVersionError(...) = %q, want %q", tc.reason, got, tc.message)
			}
		})
	}
}

// TestMajorVersionRules is the version rules per engine in one table: what
// a running version satisfies, what is a downgrade, and which upgrades need
// AllowMajorVersionUpgrade.
func TestMajorVersionRules(t *testing.T) {
	type want struct{ satisfied, downgrade, major bool }
	cases := map[string]struct {
		reason    string
		engine    v1alpha1.Engine
		want, got string
		out       want
	}{
		"PostgresPrefix":    {reason: "16 is satisfied by 16.4.", engine: v1alpha1.EnginePostgres, want: "16", got: "16.4", out: want{satisfied: true}},
		"PostgresMinor":     {reason: "16.6 over 16.4 is a minor upgrade.", engine: v1alpha1.EnginePostgres, want: "16.6", got: "16.4"},
		"PostgresMajor":     {reason: "PostgreSQL's major version is the first component: 16 to 17 is major.", engine: v1alpha1.EnginePostgres, want: "17", got: "16.4", out: want{major: true}},
		"PostgresMajorFull": {reason: "16.4 to 17.2 is major.", engine: v1alpha1.EnginePostgres, want: "17.2", got: "16.4", out: want{major: true}},
		"PostgresOlder":     {reason: "15 on 16.4 is a downgrade.", engine: v1alpha1.EnginePostgres, want: "15", got: "16.4", out: want{downgrade: true, major: true}},
		"MySQLMinor":        {reason: "8.0.36 over 8.0.35 is minor.", engine: v1alpha1.EngineMySQL, want: "8.0.36", got: "8.0.35"},
		"MySQLPrefix":       {reason: "8 is satisfied by 8.0.35.", engine: v1alpha1.EngineMySQL, want: "8", got: "8.0.35", out: want{satisfied: true}},
		"MySQLMajor":        {reason: "MySQL's major version is the first two components: 8.0 to 8.4 is major.", engine: v1alpha1.EngineMySQL, want: "8.4", got: "8.0.35", out: want{major: true}},
		"MySQL57To80":       {reason: "5.7 to 8.0 is major.", engine: v1alpha1.EngineMySQL, want: "8.0.36", got: "5.7.44", out: want{major: true}},
		"MySQLOlder":        {reason: "8.0 on 8.4.3 is a downgrade.", engine: v1alpha1.EngineMySQL, want: "8.0", got: "8.4.3", out: want{downgrade: true, major: true}},
		"MariaDBMajor":      {reason: "MariaDB counts two components: 10.6 to 10.11 is major.", engine: v1alpha1.EngineMariaDB, want: "10.11", got: "10.6.14", out: want{major: true}},
		"MariaDBMinor":      {reason: "10.11.6 over 10.11.5 is minor.", engine: v1alpha1.EngineMariaDB, want: "10.11.6", got: "10.11.5"},
		"MariaDBPrefix":     {reason: "10.11 is satisfied by 10.11.6.", engine: v1alpha1.EngineMariaDB, want: "10.11", got: "10.11.6", out: want{satisfied: true}},
		"SQLServerMajor":    {reason: "SQL Server's major version is the first component: 15.00 to 16.00 is major.", engine: v1alpha1.EngineSQLServerEx, want: "16.00", got: "15.00.4312.2.v1", out: want{major: true}},
		"SQLServerMinor":    {reason: "A newer 15.00 build is minor.", engine: v1alpha1.EngineSQLServerSE, want: "15.00.4322.2.v1", got: "15.00.4312.2.v1"},
		"SQLServerPrefix":   {reason: "15.00 is satisfied by 15.00.4312.2.v1.", engine: v1alpha1.EngineSQLServerWeb, want: "15.00", got: "15.00.4312.2.v1", out: want{satisfied: true}},
		"SQLServerOlder":    {reason: "15.00 on 16.00 is a downgrade.", engine: v1alpha1.EngineSQLServerEE, want: "15.00", got: "16.00.4085.2.v1", out: want{downgrade: true, major: true}},
		"NothingRunning":    {reason: "Without a running version nothing is known.", engine: v1alpha1.EngineMySQL, want: "8.4", got: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := want{
				satisfied: versionSatisfied(tc.engine, tc.want, tc.got),
				downgrade: versionDowngrade(tc.engine, tc.want, tc.got),
				major:     majorUpgrade(tc.engine, tc.want, tc.got),
			}
			if d := cmp.Diff(tc.out, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("%s\n%s %q on running %q: -want, +got:\n%s", tc.reason, tc.engine, tc.want, tc.got, d)
			}
		})
	}
}

// testOwner is the owner tags of dbInstance's resource.
var testOwner = ownership.Owner{Cluster: "c-1", Kind: "dbinstance", Namespace: "ns", Name: "db", UID: "uid-1"}

func cloud() rdstypes.DBInstance {
	return rdstypes.DBInstance{
		DBInstanceIdentifier:       ptr.To("db"),
		DBInstanceStatus:           ptr.To("available"),
		Engine:                     ptr.To("postgres"),
		EngineVersion:              ptr.To("16.4"),
		DBInstanceClass:            ptr.To("db.t3.micro"),
		AllocatedStorage:           ptr.To[int32](20),
		StorageType:                ptr.To("gp2"),
		MultiAZ:                    ptr.To(false),
		DBName:                     ptr.To("app"),
		MasterUsername:             ptr.To("admin"),
		Endpoint:                   &rdstypes.Endpoint{Address: ptr.To("db.example.com"), Port: ptr.To[int32](5432)},
		PubliclyAccessible:         ptr.To(false),
		BackupRetentionPeriod:      ptr.To[int32](1),
		PreferredBackupWindow:      ptr.To("03:00-03:30"),
		PreferredMaintenanceWindow: ptr.To("sun:05:00-sun:05:30"),
		DBParameterGroups:          []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: ptr.To("default.postgres16")}},
		VpcSecurityGroups:          []rdstypes.VpcSecurityGroupMembership{{VpcSecurityGroupId: ptr.To("sg-2")}, {VpcSecurityGroupId: ptr.To("sg-1")}},
		StorageEncrypted:           ptr.To(false),
		DeletionProtection:         ptr.To(false),
		TagList:                    tagList(ownership.Merge(map[string]string{"b": "2", "a": "1"}, testOwner)),
		DBInstanceArn:              ptr.To("arn:aws:rds:us-east-1:123456789012:db:db"),
	}
}

func tagList(tags map[string]string) []rdstypes.Tag {
	var out []rdstypes.Tag
	for _, k := range sortedKeys(tags) {
		out = append(out, rdstypes.Tag{Key: ptr.To(k), Value: ptr.To(tags[k])})
	}
	return out
}

func minimal() v1alpha1.DBInstanceParameters {
	return v1alpha1.DBInstanceParameters{Engine: v1alpha1.EnginePostgres, DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MasterUsername: ptr.To("admin")}
}

func TestLateInitialize(t *testing.T) {
	cases := map[string]struct {
		reason  string
		spec    v1alpha1.DBInstanceParameters
		db      rdstypes.DBInstance
		want    v1alpha1.DBInstanceParameters
		changed bool
	}{
		"FillsCloudDefaults": {
			reason: "Fields left empty take what RDS chose.",
			spec:   minimal(),
			db:     cloud(),
			want: v1alpha1.DBInstanceParameters{
				Engine: v1alpha1.EnginePostgres, EngineVersion: ptr.To("16.4"), DBInstanceClass: "db.t3.micro", AllocatedStorage: 20,
				StorageType: ptr.To(v1alpha1.StorageTypeGP2), MultiAZ: ptr.To(false), DBName: ptr.To("app"), MasterUsername: ptr.To("admin"),
				Port: ptr.To[int32](5432), VPCSecurityGroupIDs: []string{"sg-2", "sg-1"}, PubliclyAccessible: ptr.To(false),
				BackupRetentionPeriod: ptr.To[int32](1), PreferredBackupWindow: ptr.To("03:00-03:30"), PreferredMaintenanceWindow: ptr.To("sun:05:00-sun:05:30"),
				StorageEncrypted: ptr.To(false), DeletionProtection: ptr.To(false),
				Tags: map[string]string{"a": "1", "b": "2"},
			},
			changed: true,
		},
		"KeepsSpec": {
			reason: "Fields the user set are never overwritten.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.EngineVersion = ptr.To("16")
				p.BackupRetentionPeriod = ptr.To[int32](7)
				p.Tags = map[string]string{}
				p.VPCSecurityGroupIDs = []string{}
				return p
			}(),
			db: rdstypes.DBInstance{EngineVersion: ptr.To("16.4"), BackupRetentionPeriod: ptr.To[int32](1), TagList: []rdstypes.Tag{{Key: ptr.To("x"), Value: ptr.To("y")}}},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.EngineVersion = ptr.To("16")
				p.BackupRetentionPeriod = ptr.To[int32](7)
				p.Tags = map[string]string{}
				p.VPCSecurityGroupIDs = []string{}
				return p
			}(),
		},
		"NoIOPSForGP2": {
			reason: "IOPS are not filled in for a storage type the schema does not allow them with.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.StorageType = ptr.To(v1alpha1.StorageTypeGP2)
				return p
			}(),
			db: rdstypes.DBInstance{Iops: ptr.To[int32](100)},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.StorageType = ptr.To(v1alpha1.StorageTypeGP2)
				return p
			}(),
		},
		"NoBaselineIOPSForGP3": {
			reason: "gp3 reports baseline IOPS that RDS raises as storage grows past 400 GiB: they are not pinned in the spec.",
			spec:   minimal(),
			db:     rdstypes.DBInstance{StorageType: ptr.To("gp3"), Iops: ptr.To[int32](3000)},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.StorageType = ptr.To(v1alpha1.StorageTypeGP3)
				return p
			}(),
			changed: true,
		},
		"KeepsUserGP3IOPS": {
			reason: "gp3 IOPS the user set are the user's.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.StorageType = ptr.To(v1alpha1.StorageTypeGP3)
				p.IOPS = ptr.To[int32](4000)
				return p
			}(),
			db: rdstypes.DBInstance{StorageType: ptr.To("gp3"), Iops: ptr.To[int32](12000)},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.StorageType = ptr.To(v1alpha1.StorageTypeGP3)
				p.IOPS = ptr.To[int32](4000)
				return p
			}(),
		},
		"ProvisionedIOPSForIO1": {
			reason: "io1 IOPS are provisioned, a setting RDS keeps: they are filled in.",
			spec:   func() v1alpha1.DBInstanceParameters { p := minimal(); p.AllocatedStorage = 100; return p }(),
			db:     rdstypes.DBInstance{StorageType: ptr.To("io1"), Iops: ptr.To[int32](1000)},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.AllocatedStorage = 100
				p.StorageType = ptr.To(v1alpha1.StorageTypeIO1)
				p.IOPS = ptr.To[int32](1000)
				return p
			}(),
			changed: true,
		},
		"NoDefaultParameterGroup": {
			reason: "An RDS default parameter group follows the engine version, so it is not filled in.",
			spec:   minimal(),
			db:     rdstypes.DBInstance{DBParameterGroups: []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: ptr.To("default.postgres16")}}},
			want:   minimal(),
		},
		"CustomParameterGroup": {
			reason: "A custom parameter group is the user's, and is filled in.",
			spec:   minimal(),
			db:     rdstypes.DBInstance{DBParameterGroups: []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: ptr.To("orders-pg16")}}},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.DBParameterGroupName = ptr.To("orders-pg16")
				return p
			}(),
			changed: true,
		},
		"UserWroteDefaultParameterGroup": {
			reason: "A default group the user wrote is the user's: it is kept, even when RDS moved on.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.DBParameterGroupName = ptr.To("default.postgres16")
				return p
			}(),
			db: rdstypes.DBInstance{DBParameterGroups: []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: ptr.To("default.postgres17")}}},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.DBParameterGroupName = ptr.To("default.postgres16")
				return p
			}(),
		},
		"MaxAllocatedStorage": {
			reason: "The autoscaling limit is a user setting RDS keeps: it is filled in.",
			spec:   minimal(),
			db:     rdstypes.DBInstance{AllocatedStorage: ptr.To[int32](35), MaxAllocatedStorage: ptr.To[int32](100)},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.MaxAllocatedStorage = ptr.To[int32](100)
				return p
			}(),
			changed: true,
		},
		"MaxAllocatedStorageBelowSpec": {
			reason: "An autoscaling limit below the spec's storage is not filled in: the schema would refuse that spec.",
			spec:   func() v1alpha1.DBInstanceParameters { p := minimal(); p.AllocatedStorage = 200; return p }(),
			db:     rdstypes.DBInstance{AllocatedStorage: ptr.To[int32](50), MaxAllocatedStorage: ptr.To[int32](100)},
			want:   func() v1alpha1.DBInstanceParameters { p := minimal(); p.AllocatedStorage = 200; return p }(),
		},
		"GrownStorageKept": {
			reason: "Storage autoscaling grew beyond the spec: the spec's storage stays what the user asked for.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.MaxAllocatedStorage = ptr.To[int32](100)
				return p
			}(),
			db: rdstypes.DBInstance{AllocatedStorage: ptr.To[int32](60), MaxAllocatedStorage: ptr.To[int32](100)},
			want: func() v1alpha1.DBInstanceParameters {
				p := minimal()
				p.MaxAllocatedStorage = ptr.To[int32](100)
				return p
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tc.spec
			changed := lateInitialize(&p, current(tc.db))
			if diff := cmp.Diff(tc.want, p); diff != "" {
				t.Errorf("%s\nlateInitialize(...): -want, +got:\n%s", tc.reason, diff)
			}
			if changed != tc.changed {
				t.Errorf("%s\nlateInitialize(...) changed = %v, want %v", tc.reason, changed, tc.changed)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	inSync := func() v1alpha1.DBInstanceParameters {
		p := minimal()
		lateInitialize(&p, current(cloud()))
		return p
	}
	cases := map[string]struct {
		reason string
		spec   func() v1alpha1.DBInstanceParameters
		db     func() rdstypes.DBInstance
		owner  *ownership.Owner
		want   []difference
	}{
		"InSync": {
			reason: "A late-initialised spec matches what it was filled from.",
			spec:   inSync,
			db:     cloud,
		},
		"VersionPrefix": {
			reason: "Engine version 16 matches 16.4.",
			spec:   func() v1alpha1.DBInstanceParameters { p := inSync(); p.EngineVersion = ptr.To("16"); return p },
			db:     cloud,
		},
		"TagsAndGroupsUnordered": {
			reason: "Tags compare as maps and security groups as sets.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.Tags = map[string]string{"b": "2", "a": "1"}
				p.VPCSecurityGroupIDs = []string{"sg-1", "sg-2"}
				return p
			},
			db: cloud,
		},
		"WindowCase": {
			reason: "Windows compare case-insensitively.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.PreferredMaintenanceWindow = ptr.To("Sun:05:00-Sun:05:30")
				return p
			},
			db: cloud,
		},
		"ClassAndStorage": {
			reason: "Changed class and storage are reported, nothing else.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.DBInstanceClass = "db.t3.small"
				p.AllocatedStorage = 30
				return p
			},
			db: cloud,
			want: []difference{
				{Field: fieldDBInstanceClass, Want: "db.t3.small", Got: "db.t3.micro"},
				{Field: fieldAllocatedStorage, Want: "30", Got: "20"},
			},
		},
		"PendingEqualsSpec": {
			reason: "A pending modification to the spec's value is in progress, not drift.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.DBInstanceClass = "db.t3.small"
				p.AllocatedStorage = 30
				return p
			},
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.PendingModifiedValues = &rdstypes.PendingModifiedValues{DBInstanceClass: ptr.To("db.t3.small"), AllocatedStorage: ptr.To[int32](30)}
				return db
			},
		},
		"PendingDiffersFromSpec": {
			reason: "A pending modification to another value is still a difference.",
			spec:   func() v1alpha1.DBInstanceParameters { p := inSync(); p.DBInstanceClass = "db.t3.large"; return p },
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.PendingModifiedValues = &rdstypes.PendingModifiedValues{DBInstanceClass: ptr.To("db.t3.small")}
				return db
			},
			want: []difference{{Field: fieldDBInstanceClass, Want: "db.t3.large", Got: "db.t3.small"}},
		},
		"TagValue": {
			reason: "A changed tag value is a difference.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.Tags = map[string]string{"a": "1", "b": "3"}
				return p
			},
			db:   cloud,
			want: []difference{{Field: fieldTags, Want: "{a=1, b=3}", Got: "{a=1, b=2}"}},
		},
		"Upgrade": {
			reason: "A newer engine version than running is a difference.",
			spec:   func() v1alpha1.DBInstanceParameters { p := inSync(); p.EngineVersion = ptr.To("17"); return p },
			db:     cloud,
			want:   []difference{{Field: fieldEngineVersion, Want: "17", Got: "16.4"}},
		},
		"Downgrade": {
			reason: "An older major version than running is reported as a downgrade, which no update sends.",
			spec:   func() v1alpha1.DBInstanceParameters { p := inSync(); p.EngineVersion = ptr.To("15"); return p },
			db:     cloud,
			want: []difference{{Field: fieldEngineVersion, Want: "15", Got: "16.4", Downgrade: true,
				Refused: "spec.forProvider.engineVersion: 15 is older than the running 16.4; RDS cannot downgrade: set 16 or later"}},
		},
		"DefaultParameterGroupMoved": {
			reason: "After a major upgrade RDS runs the new default group; a spec that never named one has no difference.",
			spec:   func() v1alpha1.DBInstanceParameters { p := inSync(); p.EngineVersion = ptr.To("17"); return p },
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.EngineVersion = ptr.To("17.2")
				db.DBParameterGroups = []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: ptr.To("default.postgres17")}}
				return db
			},
		},
		"AutoscaledStorage": {
			reason: "Storage RDS grew above the spec while autoscaling is on is no difference.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.MaxAllocatedStorage = ptr.To[int32](100)
				return p
			},
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.AllocatedStorage = ptr.To[int32](60)
				db.MaxAllocatedStorage = ptr.To[int32](100)
				return db
			},
		},
		"AutoscaledStorageLimitOnInstance": {
			reason: "An autoscaling limit set on the instance only counts too.",
			spec:   inSync,
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.AllocatedStorage = ptr.To[int32](60)
				db.MaxAllocatedStorage = ptr.To[int32](100)
				return db
			},
		},
		"LargerStorageWithoutAutoscaling": {
			reason: "Without autoscaling, storage grown by hand above the spec is a difference, but a shrink RDS refuses: it is reported, never sent.",
			spec:   inSync,
			db:     func() rdstypes.DBInstance { db := cloud(); db.AllocatedStorage = ptr.To[int32](60); return db },
			want: []difference{{Field: fieldAllocatedStorage, Want: "20", Got: "60",
				Refused: "spec.forProvider.allocatedStorage: 20 GiB is less than the 60 GiB RDS has, and RDS storage never shrinks: set spec.forProvider.allocatedStorage to 60 or more"}},
		},
		"GrowAboveAutoscaled": {
			reason: "A spec growing storage above what RDS has is still a difference.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.AllocatedStorage = 80
				p.MaxAllocatedStorage = ptr.To[int32](100)
				return p
			},
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.AllocatedStorage = ptr.To[int32](60)
				db.MaxAllocatedStorage = ptr.To[int32](100)
				return db
			},
			want: []difference{{Field: fieldAllocatedStorage, Want: "80", Got: "60"}},
		},
		"StorageAboveInstanceLimit": {
			reason: "Storage above the instance's autoscaling limit is refused, naming both fields.",
			spec:   func() v1alpha1.DBInstanceParameters { p := inSync(); p.AllocatedStorage = 200; return p },
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.AllocatedStorage = ptr.To[int32](60)
				db.MaxAllocatedStorage = ptr.To[int32](100)
				return db
			},
			want: []difference{{Field: fieldAllocatedStorage, Want: "200", Got: "60",
				Refused: "spec.forProvider.allocatedStorage: 200 GiB is above maxAllocatedStorage of the instance in RDS (spec.forProvider.maxAllocatedStorage is unset), 100 GiB, and RDS refuses storage above the autoscaling limit: raise spec.forProvider.maxAllocatedStorage or lower spec.forProvider.allocatedStorage"}},
		},
		"StorageAboveSpecLimit": {
			reason: "Storage above the spec's own autoscaling limit is refused, naming both fields.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.AllocatedStorage = 200
				p.MaxAllocatedStorage = ptr.To[int32](150)
				return p
			},
			db: func() rdstypes.DBInstance { db := cloud(); db.MaxAllocatedStorage = ptr.To[int32](100); return db },
			want: []difference{
				{Field: fieldAllocatedStorage, Want: "200", Got: "20",
					Refused: "spec.forProvider.allocatedStorage: 200 GiB is above spec.forProvider.maxAllocatedStorage, 150 GiB, and RDS refuses storage above the autoscaling limit: raise spec.forProvider.maxAllocatedStorage or lower spec.forProvider.allocatedStorage"},
				{Field: fieldMaxAllocatedStorage, Want: "150", Got: "100"},
			},
		},
		"LimitBelowGrownStorage": {
			reason: "An autoscaling limit below the storage RDS already grew to is refused.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.MaxAllocatedStorage = ptr.To[int32](50)
				return p
			},
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.AllocatedStorage = ptr.To[int32](60)
				db.MaxAllocatedStorage = ptr.To[int32](100)
				return db
			},
			want: []difference{{Field: fieldMaxAllocatedStorage, Want: "50", Got: "100",
				Refused: "spec.forProvider.maxAllocatedStorage: 50 GiB is below the 60 GiB spec.forProvider.allocatedStorage RDS already has (storage never shrinks): set spec.forProvider.maxAllocatedStorage to more than 60"}},
		},
		"OwnerTagsInSync": {
			reason: "The user's tags are compared without the owner tags, which match too.",
			spec:   inSync,
			db:     cloud,
			owner:  &testOwner,
		},
		"OwnerTagsMissing": {
			reason: "An untagged instance that is ours lacks its owner tags, reported apart from the user's tags.",
			spec:   inSync,
			db: func() rdstypes.DBInstance {
				db := cloud()
				db.TagList = tagList(map[string]string{"a": "1", "b": "2"})
				return db
			},
			owner: &testOwner,
			want:  []difference{{Field: fieldOwnerTags, Want: "{stowage-cluster=c-1, stowage-kind=dbinstance, stowage-name=db, stowage-namespace=ns, stowage-uid=uid-1}", Got: "no tags"}},
		},
		"ImmutableIgnored": {
			reason: "Fields RDS cannot change are not differences.",
			spec: func() v1alpha1.DBInstanceParameters {
				p := inSync()
				p.DBName = ptr.To("other")
				p.StorageEncrypted = ptr.To(true)
				return p
			},
			db: cloud,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := diff(tc.spec(), current(tc.db()), tc.owner)
			if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("%s\ndiff(...): -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}

func TestTagChanges(t *testing.T) {
	cases := map[string]struct {
		want, got map[string]string
		add       map[string]string
		remove    []string
	}{
		"Same":    {want: map[string]string{"a": "1"}, got: map[string]string{"a": "1"}, add: map[string]string{}},
		"Changed": {want: map[string]string{"a": "2", "c": "3"}, got: map[string]string{"a": "1", "b": "2"}, add: map[string]string{"a": "2", "c": "3"}, remove: []string{"b"}},
		"AllGone": {want: map[string]string{}, got: map[string]string{"b": "1", "a": "2"}, add: map[string]string{}, remove: []string{"a", "b"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			add, remove := tagChanges(tc.want, tc.got)
			if d := cmp.Diff(tc.add, add); d != "" {
				t.Errorf("add: -want, +got:\n%s", d)
			}
			if d := cmp.Diff(tc.remove, remove); d != "" {
				t.Errorf("remove: -want, +got:\n%s", d)
			}
		})
	}
}

// TestStates covers the whole status table: every status it names is here,
// with its Ready condition and whether RDS accepts a modification in it.
func TestStates(t *testing.T) {
	ready := func(s string) xpv2.Condition { return xpv2.Available().WithMessage("RDS status: " + s) }
	down := func(s string) xpv2.Condition { return xpv2.Unavailable().WithMessage("RDS status: " + s) }
	cases := map[string]struct {
		want   xpv2.Condition
		modify bool
	}{
		"available":                       {want: xpv2.Available(), modify: true},
		"backing-up":                      {want: ready("backing-up"), modify: true},
		"storage-optimization":            {want: ready("storage-optimization"), modify: true},
		"configuring-enhanced-monitoring": {want: ready("configuring-enhanced-monitoring")},
		"configuring-iam-database-auth":   {want: ready("configuring-iam-database-auth")},
		"configuring-log-exports":         {want: ready("configuring-log-exports")},
		"converting-to-vpc":               {want: ready("converting-to-vpc")},
		"maintenance":                     {want: ready("maintenance")},
		"modifying":                       {want: ready("modifying")},
		"moving-to-vpc":                   {want: ready("moving-to-vpc")},
		"rebooting":                       {want: ready("rebooting")},
		"renaming":                        {want: ready("renaming")},
		"resetting-master-credentials":    {want: ready("resetting-master-credentials")},
		"storage-config-upgrade":          {want: ready("storage-config-upgrade")},
		"storage-initialization":          {want: ready("storage-initialization")},
		"upgrading":                       {want: ready("upgrading")},

		"":         {want: xpv2.Creating().WithMessage("RDS status: none")},
		"creating": {want: xpv2.Creating().WithMessage("RDS status: creating")},

		"deleting":        {want: xpv2.Deleting().WithMessage("RDS status: deleting")},
		"delete-precheck": {want: xpv2.Deleting().WithMessage("RDS status: delete-precheck")},

		"storage-full":                        {want: down("storage-full"), modify: true},
		"incompatible-parameters":             {want: down("incompatible-parameters"), modify: true},
		"stopped":                             {want: down("stopped"), modify: true},
		"stopping":                            {want: down("stopping")},
		"starting":                            {want: down("starting")},
		"failed":                              {want: down("failed")},
		"inaccessible-encryption-credentials": {want: down("inaccessible-encryption-credentials")},
		"inaccessible-encryption-credentials-recoverable": {want: down("inaccessible-encryption-credentials-recoverable")},
		"incompatible-network":                            {want: down("incompatible-network")},
		"incompatible-option-group":                       {want: down("incompatible-option-group")},
		"incompatible-restore":                            {want: down("incompatible-restore")},
		"insufficient-capacity":                           {want: down("insufficient-capacity")},
		"restore-error":                                   {want: down("restore-error")},

		// Not in the table: unusable, and no modification is tried.
		"some-new-status": {want: down("some-new-status")},
	}
	for status := range states {
		if _, ok := cases[status]; !ok {
			t.Errorf("status %q is in the table but not in this test", status)
		}
	}
	for status, tc := range cases {
		t.Run(compare.OrNone(status), func(t *testing.T) {
			if d := cmp.Diff(tc.want, condition(status), cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); d != "" {
				t.Errorf("condition(%q): -want, +got:\n%s", status, d)
			}
			if got := modifiable(status); got != tc.modify {
				t.Errorf("modifiable(%q) = %v, want %v", status, got, tc.modify)
			}
		})
	}
}

func TestModifyInput(t *testing.T) {
	p := minimal()
	lateInitialize(&p, current(cloud()))
	p.DBInstanceClass = "db.t3.small"
	p.AllocatedStorage = 30
	p.EngineVersion = ptr.To("17")
	p.ApplyImmediately = ptr.To(true)
	c := current(cloud())
	in := modifyInput("db", p, c, diff(p, c, &testOwner), password.State{})
	type fields struct {
		ID, Class, Version   string
		Storage              int32
		Apply, Major         bool
		Password, Tags, Port bool
	}
	got := fields{ID: *in.DBInstanceIdentifier, Class: ptr.Deref(in.DBInstanceClass, ""), Version: ptr.Deref(in.EngineVersion, ""),
		Storage: ptr.Deref(in.AllocatedStorage, 0), Apply: ptr.Deref(in.ApplyImmediately, false), Major: ptr.Deref(in.AllowMajorVersionUpgrade, false),
		Password: in.MasterUserPassword != nil, Port: in.DBPortNumber != nil || in.BackupRetentionPeriod != nil || in.MultiAZ != nil}
	want := fields{ID: "db", Class: "db.t3.small", Version: "17", Storage: 30, Apply: true, Major: true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("modifyInput(...): -want, +got:\n%s", d)
	}
	tagsOnly := minimal()
	lateInitialize(&tagsOnly, c)
	tagsOnly.Tags = map[string]string{"new": "tag"}
	if in := modifyInput("db", tagsOnly, c, diff(tagsOnly, c, &testOwner), password.State{}); in != nil {
		t.Errorf("modifyInput(...) for a tag change = %+v, want nil: tags are not modified with ModifyDBInstance", in)
	}
}

func TestPending(t *testing.T) {
	got := pending(&rdstypes.PendingModifiedValues{DBInstanceClass: ptr.To("db.t3.small"), AllocatedStorage: ptr.To[int32](30), MasterUserPassword: ptr.To("****")})
	if want := "dbInstanceClass=db.t3.small, allocatedStorage=30, masterPassword"; got != want {
		t.Errorf("pending(...) = %q, want %q", got, want)
	}
}
