package claims

import (
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/ownership"
)

func dbClass() *dbv1.DatabaseClass {
	return &dbv1.DatabaseClass{
		ObjectMeta: metav1.ObjectMeta{Name: "std"},
		Spec: dbv1.DatabaseClassSpec{
			ProviderConfigRef: dbv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"},
			AWS: &dbv1.AWSDatabaseTemplate{
				Region:              ptr.To("eu-west-1"),
				Sizes:               map[string]dbv1.AWSDatabaseSize{"small": {InstanceClass: "db.t3.micro", MaxAllocatedStorageGB: ptr.To[int32](100)}, "large": {InstanceClass: "db.r6g.large"}},
				StorageType:         ptr.To("gp3"),
				StorageEncrypted:    ptr.To(true),
				BackupRetentionDays: ptr.To[int32](7),
				DBSubnetGroupName:   ptr.To("private"),
				Tags:                map[string]string{"team": "platform"},
			},
		},
	}
}

func dbClaim(engine dbv1.Engine) *dbv1.DatabaseClaim {
	return &dbv1.DatabaseClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders", UID: "9f3c7a0e-5b1d-4c2a-8e6f-0a1b2c3d4e5f"},
		Spec: dbv1.DatabaseClaimSpec{Engine: engine, Version: "16", Size: "small", StorageGB: 20,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "orders-db"}},
	}
}

func TestDatabasePlan(t *testing.T) {
	name := translate.Name(dbClaim(dbv1.EnginePostgres))
	base := func(mutate func(*rdsv1.DBInstanceParameters)) []client.Object {
		mr := &rdsv1.DBInstance{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rds.aws.stowage.dev/v1alpha1", Kind: "DBInstance"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Annotations: ownership.GeneratedName(name)},
			Spec: rdsv1.DBInstanceSpec{ForProvider: rdsv1.DBInstanceParameters{
				Region: ptr.To("eu-west-1"), Engine: rdsv1.EnginePostgres, EngineVersion: ptr.To("16"),
				DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MaxAllocatedStorage: ptr.To[int32](100),
				StorageType: ptr.To(rdsv1.StorageTypeGP3), MultiAZ: ptr.To(false), MasterUsername: ptr.To("stowage"), DBName: ptr.To("orders"),
				DBSubnetGroupName: ptr.To("private"), BackupRetentionPeriod: ptr.To[int32](7), StorageEncrypted: ptr.To(true),
				Tags: map[string]string{"team": "platform"}, ApplyImmediately: ptr.To(false), SkipFinalSnapshot: ptr.To(false),
			}},
		}
		mr.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"}
		mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-connection"}
		if mutate != nil {
			mutate(&mr.Spec.ForProvider)
		}
		return []client.Object{mr}
	}
	cases := map[string]struct {
		claim   func() *dbv1.DatabaseClaim
		class   func() *dbv1.DatabaseClass
		want    []client.Object
		wantErr string
	}{
		"Postgres": {
			claim: func() *dbv1.DatabaseClaim { return dbClaim(dbv1.EnginePostgres) },
			want:  base(nil),
		},
		"HighAvailabilityAndClaimBackups": {
			claim: func() *dbv1.DatabaseClaim {
				c := dbClaim(dbv1.EnginePostgres)
				c.Spec.HighAvailability = ptr.To(true)
				c.Spec.BackupRetentionDays = ptr.To[int32](14)
				return c
			},
			want: base(func(p *rdsv1.DBInstanceParameters) {
				p.MultiAZ = ptr.To(true)
				p.BackupRetentionPeriod = ptr.To[int32](14)
			}),
		},
		"SQLServerEditionFromClass": {
			claim: func() *dbv1.DatabaseClaim { return dbClaim(dbv1.EngineSQLServer) },
			class: func() *dbv1.DatabaseClass {
				c := dbClass()
				c.Spec.AWS.SQLServerEdition = ptr.To(dbv1.SQLServerEdition("web"))
				return c
			},
			want: base(func(p *rdsv1.DBInstanceParameters) { p.Engine = rdsv1.EngineSQLServerWeb; p.DBName = nil }),
		},
		"MySQL": {
			claim: func() *dbv1.DatabaseClaim { return dbClaim(dbv1.EngineMySQL) },
			want:  base(func(p *rdsv1.DBInstanceParameters) { p.Engine = rdsv1.EngineMySQL }),
		},
		"StoragePastAutoscalingCeiling": {
			claim: func() *dbv1.DatabaseClaim {
				c := dbClaim(dbv1.EnginePostgres)
				c.Spec.StorageGB = 150
				return c
			},
			want: base(func(p *rdsv1.DBInstanceParameters) {
				p.AllocatedStorage = 150
				p.MaxAllocatedStorage = ptr.To[int32](150)
			}),
		},
		"ClassAppliesImmediately": {
			claim: func() *dbv1.DatabaseClaim { return dbClaim(dbv1.EnginePostgres) },
			class: func() *dbv1.DatabaseClass {
				c := dbClass()
				c.Spec.AWS.ApplyImmediately = ptr.To(true)
				return c
			},
			want: base(func(p *rdsv1.DBInstanceParameters) { p.ApplyImmediately = ptr.To(true) }),
		},
		"SizeNotOffered": {
			claim: func() *dbv1.DatabaseClaim {
				c := dbClaim(dbv1.EnginePostgres)
				c.Spec.Size = "huge"
				return c
			},
			wantErr: `size "huge" is not offered by class std (offered: large, small)`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			class := dbClass()
			if tc.class != nil {
				class = tc.class()
			}
			plan, err := Database{}.Plan(tc.claim(), class, nil)
			got := plan.Resources
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
			if plan.Waiting != "" {
				t.Errorf("a one-resource plan waits: %s", plan.Waiting)
			}
		})
	}
}

func TestDatabaseUpdate(t *testing.T) {
	existing := func(mutate func(*rdsv1.DBInstanceParameters)) *rdsv1.DBInstance {
		mr := &rdsv1.DBInstance{Spec: rdsv1.DBInstanceSpec{ForProvider: rdsv1.DBInstanceParameters{
			Engine: rdsv1.EnginePostgres, EngineVersion: ptr.To("16.3"), DBInstanceClass: "db.t3.micro",
			AllocatedStorage: 30, MultiAZ: ptr.To(false), BackupRetentionPeriod: ptr.To[int32](7), ApplyImmediately: ptr.To(true),
			Tags: map[string]string{"late": "initialised"},
		}}}
		if mutate != nil {
			mutate(&mr.Spec.ForProvider)
		}
		return mr
	}
	desired := func(mutate func(*rdsv1.DBInstanceParameters)) *rdsv1.DBInstance {
		return existing(func(p *rdsv1.DBInstanceParameters) {
			p.EngineVersion = ptr.To("16")
			p.Tags = nil
			if mutate != nil {
				mutate(p)
			}
		})
	}
	cases := map[string]struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		"InSync": {
			existing: existing(nil), desired: desired(nil), want: existing(nil),
		},
		"Resize": {
			existing: existing(nil),
			desired:  desired(func(p *rdsv1.DBInstanceParameters) { p.DBInstanceClass = "db.t3.medium"; p.AllocatedStorage = 50 }),
			want:     existing(func(p *rdsv1.DBInstanceParameters) { p.DBInstanceClass = "db.t3.medium"; p.AllocatedStorage = 50 }),
			changed:  true,
		},
		"VersionUpgrade": {
			existing: existing(nil),
			desired:  desired(func(p *rdsv1.DBInstanceParameters) { p.EngineVersion = ptr.To("17") }),
			want:     existing(func(p *rdsv1.DBInstanceParameters) { p.EngineVersion = ptr.To("17") }),
			changed:  true,
		},
		"NoShrinkNoEngineChange": {
			existing:   existing(nil),
			desired:    desired(func(p *rdsv1.DBInstanceParameters) { p.AllocatedStorage = 20; p.Engine = rdsv1.EngineMySQL }),
			want:       existing(nil),
			notApplied: []string{"engine mysql (running postgres) would replace the database", "storage 20GB is smaller than the allocated 30GB; storage cannot shrink"},
		},
	}
	cases["ClassMovedRegion"] = struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		existing: existing(func(p *rdsv1.DBInstanceParameters) {
			p.Region = ptr.To("us-east-1")
			p.StorageEncrypted = ptr.To(false)
		}),
		desired: desired(func(p *rdsv1.DBInstanceParameters) { p.Region = ptr.To("eu-west-1"); p.StorageEncrypted = ptr.To(true) }),
		want: existing(func(p *rdsv1.DBInstanceParameters) {
			p.Region = ptr.To("us-east-1")
			p.StorageEncrypted = ptr.To(false)
		}),
		notApplied: []string{"region eu-west-1 (running in us-east-1) would replace the database", "storageEncrypted true is fixed at creation"},
	}
	cases["ClassNamesARegionLater"] = struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		existing:   existing(nil),
		desired:    desired(func(p *rdsv1.DBInstanceParameters) { p.Region = ptr.To("eu-west-1") }),
		want:       existing(nil),
		notApplied: []string{"region eu-west-1: the database was made in its provider config's region and cannot move"},
	}
	cases["ClassEditsFlow"] = struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		existing: existing(func(p *rdsv1.DBInstanceParameters) { p.VPCSecurityGroupIDs = []string{"sg-2", "sg-1"} }),
		desired: desired(func(p *rdsv1.DBInstanceParameters) {
			p.Tags = map[string]string{"cost-centre": "42"}
			p.DeletionProtection = ptr.To(true)
			p.VPCSecurityGroupIDs = []string{"sg-1", "sg-2", "sg-3"}
			p.StorageType = ptr.To(rdsv1.StorageTypeGP3)
		}),
		want: existing(func(p *rdsv1.DBInstanceParameters) {
			p.Tags = map[string]string{"cost-centre": "42"}
			p.DeletionProtection = ptr.To(true)
			p.VPCSecurityGroupIDs = []string{"sg-1", "sg-2", "sg-3"}
			p.StorageType = ptr.To(rdsv1.StorageTypeGP3)
		}),
		changed: true,
	}
	cases["ClassLoosensGuards"] = struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		existing: existing(func(p *rdsv1.DBInstanceParameters) {
			p.DeletionProtection = ptr.To(true)
			p.SkipFinalSnapshot = ptr.To(false)
		}),
		desired: desired(func(p *rdsv1.DBInstanceParameters) {
			p.Tags = map[string]string{"late": "initialised"}
			p.DeletionProtection = ptr.To(false)
			p.SkipFinalSnapshot = ptr.To(true)
		}),
		want: existing(func(p *rdsv1.DBInstanceParameters) {
			p.DeletionProtection = ptr.To(true)
			p.SkipFinalSnapshot = ptr.To(false)
		}),
		notApplied: []string{
			"deletionProtection false: a class edit never removes a bound database's protection; turn it off on the DBInstance",
			"skipFinalSnapshot true: a class edit never drops a bound database's final snapshot; set it on the DBInstance",
		},
	}
	cases["ClassTightensGuards"] = struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		existing: existing(func(p *rdsv1.DBInstanceParameters) { p.SkipFinalSnapshot = ptr.To(true) }),
		desired: desired(func(p *rdsv1.DBInstanceParameters) {
			p.Tags = map[string]string{"late": "initialised"}
			p.DeletionProtection = ptr.To(true)
			p.SkipFinalSnapshot = ptr.To(false)
		}),
		want: existing(func(p *rdsv1.DBInstanceParameters) {
			p.DeletionProtection = ptr.To(true)
			p.SkipFinalSnapshot = ptr.To(false)
		}),
		changed: true,
	}
	cases["SecurityGroupOrder"] = struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		existing: existing(func(p *rdsv1.DBInstanceParameters) { p.VPCSecurityGroupIDs = []string{"sg-2", "sg-1"} }),
		desired: desired(func(p *rdsv1.DBInstanceParameters) {
			p.Tags = map[string]string{"late": "initialised"}
			p.VPCSecurityGroupIDs = []string{"sg-1", "sg-2"}
		}),
		want: existing(func(p *rdsv1.DBInstanceParameters) { p.VPCSecurityGroupIDs = []string{"sg-2", "sg-1"} }),
	}
	cases["ClassMovedNetworkAndKey"] = struct {
		existing, desired, want *rdsv1.DBInstance
		changed                 bool
		notApplied              []string
	}{
		existing: existing(func(p *rdsv1.DBInstanceParameters) { p.DBSubnetGroupName = ptr.To("a"); p.KMSKeyID = ptr.To("k1") }),
		desired: desired(func(p *rdsv1.DBInstanceParameters) {
			p.Tags = map[string]string{"late": "initialised"}
			p.DBSubnetGroupName = ptr.To("b")
			p.KMSKeyID = ptr.To("k2")
		}),
		want:       existing(func(p *rdsv1.DBInstanceParameters) { p.DBSubnetGroupName = ptr.To("a"); p.KMSKeyID = ptr.To("k1") }),
		notApplied: []string{"kmsKeyID k2 is fixed at creation (encrypted with k1)", "dbSubnetGroupName b (in a) would move the database to another network"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			changed, na := Database{}.Update(tc.existing, tc.desired)
			if changed != tc.changed {
				t.Errorf("changed = %v, want %v", changed, tc.changed)
			}
			if diff := cmp.Diff(tc.notApplied, na); diff != "" {
				t.Errorf("notApplied (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, tc.existing); diff != "" {
				t.Errorf("existing after Update (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBucketDesiredAndUpdate(t *testing.T) {
	class := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: "std"},
		Spec: storagev1.BucketClassSpec{
			ProviderConfigRef: storagev1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"},
			AWS: &storagev1.AWSBucketTemplate{
				Region:     ptr.To("us-west-2"),
				Encryption: &storagev1.AWSBucketEncryption{Algorithm: "aws:kms", KMSMasterKeyID: ptr.To("key")},
				Tags:       map[string]string{"team": "platform"},
			},
		},
	}
	claim := &storagev1.BucketClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "assets", UID: "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"}, Spec: storagev1.BucketClaimSpec{Versioning: true}}
	plan, err := Bucket{}.Plan(claim, class, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := plan.Resources
	name := translate.Name(claim)
	want := &s3v1.Bucket{
		TypeMeta:   metav1.TypeMeta{APIVersion: "s3.aws.stowage.dev/v1alpha1", Kind: "Bucket"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Annotations: ownership.GeneratedName(name)},
		Spec: s3v1.BucketSpec{ForProvider: s3v1.BucketParameters{
			Region:               ptr.To("us-west-2"),
			Versioning:           ptr.To(s3v1.VersioningEnabled),
			ServerSideEncryption: &s3v1.ServerSideEncryption{Algorithm: s3v1.SSEAlgorithmKMS, KMSMasterKeyID: ptr.To("key")},
			PublicAccessBlock:    &s3v1.PublicAccessBlock{BlockPublicACLs: ptr.To(true), IgnorePublicACLs: ptr.To(true), BlockPublicPolicy: ptr.To(true), RestrictPublicBuckets: ptr.To(true)},
			Tags:                 map[string]string{"team": "platform"},
		}},
	}
	want.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}
	want.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-connection"}
	if diff := cmp.Diff([]client.Object{want}, got); diff != "" {
		t.Errorf("Plan (-want +got):\n%s", diff)
	}

	// Turning versioning off suspends it and public access opens the blocks.
	claim.Spec.Versioning = false
	claim.Spec.PublicAccess = true
	p2, _ := Bucket{}.Plan(claim, class, nil)
	d := p2.Resources
	existing := want.DeepCopy()
	changed, _ := Bucket{}.Update(existing, d[0])
	if !changed {
		t.Error("Update reported no change")
	}
	if diff := cmp.Diff(ptr.To(s3v1.VersioningSuspended), existing.Spec.ForProvider.Versioning); diff != "" {
		t.Errorf("versioning (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ptr.To(false), existing.Spec.ForProvider.PublicAccessBlock.BlockPublicPolicy); diff != "" {
		t.Errorf("blockPublicPolicy (-want +got):\n%s", diff)
	}
	if changed, _ := (Bucket{}).Update(existing, d[0]); changed {
		t.Error("second Update reported a change")
	}
}

func TestDatabaseUpdateProviderConfigMoved(t *testing.T) {
	e := &rdsv1.DBInstance{}
	e.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "prod"}
	d := e.DeepCopy()
	d.Spec.ProviderConfigReference.Name = "other-account"
	_, na := Database{}.Update(e, d)
	want := []string{"providerConfigRef ClusterProviderConfig/other-account (in use: ClusterProviderConfig/prod) would move the resource to other credentials, possibly another account"}
	if diff := cmp.Diff(want, na); diff != "" {
		t.Errorf("notApplied (-want +got):\n%s", diff)
	}
	if e.Spec.ProviderConfigReference.Name != "prod" {
		t.Error("Update moved the provider config")
	}
}
