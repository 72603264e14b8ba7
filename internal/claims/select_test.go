package claims

import (
	"errors"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"

	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
)

func TestSelectDefault(t *testing.T) {
	serveAll := func(classView) bool { return true }
	servePG := func(c classView) bool { return c.Cloud == "pg" }
	cases := map[string]struct {
		reason  string
		classes []classView
		serves  func(classView) bool
		want    string
		cond    xpv2.ConditionReason
		msg     string
	}{
		"SingleDefault": {
			reason:  "the one default class is chosen",
			classes: []classView{{Name: "a"}, {Name: "b", Default: true}},
			serves:  serveAll,
			want:    "b",
		},
		"DefaultForOtherEngineIgnored": {
			reason:  "a default that does not serve the claim does not count",
			classes: []classView{{Name: "mysql", Default: true, Cloud: "my"}, {Name: "pg", Default: true, Cloud: "pg"}},
			serves:  servePG,
			want:    "pg",
		},
		"NoDefault": {
			reason:  "without a default the claim waits for a className",
			classes: []classView{{Name: "a"}},
			serves:  serveAll,
			cond:    ReasonNoDefaultClass,
			msg:     "no className given and no default DatabaseClass serves this claim; set spec.className",
		},
		"SeveralDefaults": {
			reason:  "two defaults are ambiguous and named in order",
			classes: []classView{{Name: "z", Default: true}, {Name: "a", Default: true}},
			serves:  serveAll,
			cond:    ReasonAmbiguousDefault,
			msg:     "no className given and several default DatabaseClasses serve this claim (a, z); set spec.className",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := selectDefault("DatabaseClass", tc.classes, tc.serves)
			if tc.cond == "" {
				if err != nil {
					t.Fatalf("%s: selectDefault: %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.want, got.Name); diff != "" {
					t.Errorf("%s: class (-want +got):\n%s", tc.reason, diff)
				}
				return
			}
			var b *blocked
			if !errors.As(err, &b) {
				t.Fatalf("%s: selectDefault: got %v, want a blocked error", tc.reason, err)
			}
			if diff := cmp.Diff(tc.cond, b.reason); diff != "" {
				t.Errorf("%s: reason (-want +got):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.msg, b.msg); diff != "" {
				t.Errorf("%s: message (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestReclaimPolicy(t *testing.T) {
	cases := map[string]struct {
		reason string
		class  classView
		claim  string
		bound  string
		want   string
		notes  int
	}{
		"ClassPolicyAtBinding":  {reason: "a new binding takes the class's policy", class: classView{Reclaim: Delete}, want: Delete},
		"UnsetMeansRetain":      {reason: "no policy anywhere keeps the data", class: classView{}, want: Retain},
		"OverrideNotAllowed":    {reason: "an override the class forbids is reported, not applied", class: classView{Name: "c", Reclaim: Retain}, claim: Delete, want: Retain, notes: 1},
		"OverrideAllowed":       {reason: "an allowed override wins", class: classView{Reclaim: Retain, AllowOverride: true}, claim: Delete, want: Delete},
		"OverrideRetainAllowed": {reason: "an allowed Retain override wins over a Delete class", class: classView{Reclaim: Delete, AllowOverride: true}, claim: Retain, bound: Delete, want: Retain},
		"ClassTurnedRetain":     {reason: "a class switched to Retain retains its bound claims", class: classView{Reclaim: Retain}, bound: Delete, want: Retain},
		"ClassTurnedDelete":     {reason: "a class switched to Delete leaves a Retain claim retained", class: classView{Reclaim: Delete}, bound: Retain, want: Retain},
		"OverrideRemoved":       {reason: "dropping a Retain override does not delete anything implicitly", class: classView{Reclaim: Delete, AllowOverride: true}, bound: Retain, want: Retain},
		"BoundDeleteStays":      {reason: "a Delete claim of a Delete class stays Delete", class: classView{Reclaim: Delete}, bound: Delete, want: Delete},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, notes := reclaimPolicy(tc.class, tc.claim, tc.bound)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: (-want +got):\n%s", tc.reason, diff)
			}
			if len(notes) != tc.notes {
				t.Errorf("%s: notes %q, want %d", tc.reason, notes, tc.notes)
			}
		})
	}
}

func TestBoundPolicy(t *testing.T) {
	mr := func(p ...xpv2.ManagementAction) resource.Managed {
		b := &s3v1.Bucket{}
		b.SetManagementPolicies(p)
		return b
	}
	cases := map[string]struct {
		reason   string
		recorded string
		owned    []resource.Managed
		want     string
	}{
		"Recorded":      {reason: "the status records it", recorded: Delete, owned: []resource.Managed{mr(RetainPolicies...)}, want: Delete},
		"Unbound":       {reason: "no status and no resources: a new binding", want: ""},
		"FromRetain":    {reason: "lost status: a resource that cannot delete means Retain", owned: []resource.Managed{mr(xpv2.ManagementActionAll), mr(RetainPolicies...)}, want: Retain},
		"FromDelete":    {reason: "lost status: resources that delete mean Delete", owned: []resource.Managed{mr(xpv2.ManagementActionAll)}, want: Delete},
		"DefaultPolicy": {reason: "no management policies is the default, which deletes", owned: []resource.Managed{mr()}, want: Delete},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, boundPolicy(tc.recorded, tc.owned)); diff != "" {
				t.Errorf("%s: (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestCheckDatabaseOffered(t *testing.T) {
	class := &dbv1.DatabaseClass{Spec: dbv1.DatabaseClassSpec{Engines: []dbv1.EngineOffer{{Engine: dbv1.EnginePostgres, Versions: []string{"15", "16"}}}}}
	class.Name = "std"
	cases := map[string]struct {
		engine  dbv1.Engine
		version string
		want    string
	}{
		"Offered":       {engine: dbv1.EnginePostgres, version: "16"},
		"EngineMissing": {engine: dbv1.EngineMySQL, version: "8.0", want: `engine "mysql" is not offered by class std (offered: postgres)`},
		"VersionMissing": {engine: dbv1.EnginePostgres, version: "14",
			want: `version "14" is not offered by class std for postgres (offered: 15, 16)`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			claim := &dbv1.DatabaseClaim{Spec: dbv1.DatabaseClaimSpec{Engine: tc.engine, Version: tc.version}}
			got := ""
			if err := checkDatabaseOffered(claim, class); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
