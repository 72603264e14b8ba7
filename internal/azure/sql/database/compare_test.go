package database

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

func TestObjective(t *testing.T) {
	cases := map[string]struct {
		reason string
		sku    v1alpha1.SKU
		want   string
	}{
		"DTU":          {reason: "A DTU service objective is its name.", sku: v1alpha1.SKU{Name: "S0"}, want: "S0"},
		"VCoreFamily":  {reason: "A vCore family with a capacity is the family and the capacity.", sku: v1alpha1.SKU{Name: "GP_Gen5", Capacity: ptr.To[int32](2)}, want: "GP_Gen5_2"},
		"VCoreName":    {reason: "A full vCore objective is its name.", sku: v1alpha1.SKU{Name: "BC_Gen5_4"}, want: "BC_Gen5_4"},
		"VCoreNameCap": {reason: "A full vCore objective with its capacity repeated is still its name.", sku: v1alpha1.SKU{Name: "GP_Gen5_2", Capacity: ptr.To[int32](2)}, want: "GP_Gen5_2"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Objective(tc.sku)); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	owner := ownership.Owner{Cluster: "c", Kind: "sqldatabase", Namespace: "ns", Name: "n", UID: "u"}
	tagged := ownership.Merge(map[string]string{"team": "a"}, owner)
	// S0 as Azure reports it: sku.name is the edition, the objective is S0.
	s0 := observed{Status: "Online", CurrentObjective: "S0", RequestedObjective: "S0", Tier: "Standard", MaxSizeBytes: ptr.To[int64](250 << 30),
		ZoneRedundant: ptr.To(false), Collation: ptr.To("SQL_Latin1_General_CP1_CI_AS"), RequestedBackup: ptr.To("Geo"), Tags: tagged}
	vcore := observed{Status: "Online", CurrentObjective: "GP_Gen5_2", RequestedObjective: "GP_Gen5_2", Tier: "GeneralPurpose", Tags: tagged}
	scaling := s0
	scaling.Status, scaling.RequestedObjective = "Scaling", "S1"
	cases := map[string]struct {
		reason    string
		spec      v1alpha1.DatabaseParameters
		obs       observed
		wantDiffs []string
		wantPatch string
	}{
		"InSync": {
			reason:    "The S0 objective matches Azure's Standard/10 DTU; unset fields never differ.",
			spec:      v1alpha1.DatabaseParameters{SKU: &v1alpha1.SKU{Name: "S0", Tier: ptr.To("Standard")}, MaxSizeBytes: ptr.To[int64](250 << 30), RequestedBackupStorageRedundancy: ptr.To("Geo"), Tags: map[string]string{"team": "a"}},
			obs:       s0,
			wantPatch: `{}`,
		},
		"VCoreInSync": {
			reason:    "A vCore family and capacity match the objective Azure reports.",
			spec:      v1alpha1.DatabaseParameters{SKU: &v1alpha1.SKU{Name: "GP_Gen5", Capacity: ptr.To[int32](2)}},
			obs:       vcore,
			wantPatch: `{}`,
		},
		"Scale": {
			reason:    "A new objective is one PATCH of the SKU as the spec says it.",
			spec:      v1alpha1.DatabaseParameters{SKU: &v1alpha1.SKU{Name: "S1", Tier: ptr.To("Standard")}},
			obs:       s0,
			wantDiffs: []string{"spec.forProvider.sku: want S1 (Standard), Azure has S0 (Standard)"},
			wantPatch: `{"sku":{"name":"S1","tier":"Standard"}}`,
		},
		"ScalingCounts": {
			reason:    "While Azure scales to the objective the spec asks for, there is nothing to send.",
			spec:      v1alpha1.DatabaseParameters{SKU: &v1alpha1.SKU{Name: "S1"}},
			obs:       scaling,
			wantPatch: `{}`,
		},
		"SizeAndBackups": {
			reason:    "Only the differing properties are in the PATCH.",
			spec:      v1alpha1.DatabaseParameters{MaxSizeBytes: ptr.To[int64](100 << 30), RequestedBackupStorageRedundancy: ptr.To("Local"), ZoneRedundant: ptr.To(false)},
			obs:       s0,
			wantDiffs: []string{"spec.forProvider.maxSizeBytes: want 107374182400, Azure has 268435456000", "spec.forProvider.requestedBackupStorageRedundancy: want Local, Azure has Geo"},
			wantPatch: `{"properties":{"maxSizeBytes":107374182400,"requestedBackupStorageRedundancy":"Local"}}`,
		},
		"Tags": {
			reason:    "A tag change sends the full tag set, owner tags included.",
			spec:      v1alpha1.DatabaseParameters{Tags: map[string]string{"team": "b"}},
			obs:       s0,
			wantDiffs: []string{"spec.forProvider.tags: want {team=b}, Azure has {team=a}"},
			wantPatch: `{"tags":{"stowage-cluster":"c","stowage-kind":"sqldatabase","stowage-name":"n","stowage-namespace":"ns","stowage-uid":"u","team":"b"}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ds, patch := diff(tc.spec, tc.obs, &owner)
			var got []string
			for _, d := range ds {
				got = append(got, fmt.Sprint(d))
			}
			if diff := cmp.Diff(tc.wantDiffs, got); diff != "" {
				t.Errorf("%s\ndifferences: -want, +got:\n%s", tc.reason, diff)
			}
			b, err := json.Marshal(patch)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPatch, string(b)); diff != "" {
				t.Errorf("%s\nPATCH: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   v1alpha1.DatabaseParameters
		obs    observed
		want   v1alpha1.DatabaseParameters
	}{
		"FromAzure": {
			reason: "An unset SKU takes the objective's name (S0), never the edition Azure reports as sku.name, which it refuses as input.",
			obs: observed{CurrentObjective: "S0", Tier: "Standard", MaxSizeBytes: ptr.To[int64](1), ZoneRedundant: ptr.To(false), Collation: ptr.To("c"),
				RequestedBackup: ptr.To("Geo"), Tags: map[string]string{"team": "a", "stowage-uid": "u"}},
			want: v1alpha1.DatabaseParameters{SKU: &v1alpha1.SKU{Name: "S0", Tier: ptr.To("Standard")}, MaxSizeBytes: ptr.To[int64](1), ZoneRedundant: ptr.To(false),
				Collation: ptr.To("c"), RequestedBackupStorageRedundancy: ptr.To("Geo"), Tags: map[string]string{"team": "a"}},
		},
		"SpecWins": {
			reason: "What the spec says is kept.",
			spec:   v1alpha1.DatabaseParameters{SKU: &v1alpha1.SKU{Name: "GP_Gen5", Capacity: ptr.To[int32](2)}},
			obs:    observed{CurrentObjective: "GP_Gen5_2", Tier: "GeneralPurpose"},
			want:   v1alpha1.DatabaseParameters{SKU: &v1alpha1.SKU{Name: "GP_Gen5", Capacity: ptr.To[int32](2)}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := tc.spec
			lateInitialize(&p, tc.obs)
			if diff := cmp.Diff(tc.want, p); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
