package claims

import (
	"errors"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
)

func TestSelectClass(t *testing.T) {
	serveAll := func(classView) bool { return true }
	servePG := func(c classView) bool { return c.Cloud == "pg" }
	cases := map[string]struct {
		requested string
		classes   []classView
		serves    func(classView) bool
		want      string
		reason    xpv2.ConditionReason
		msg       string
	}{
		"Named": {
			requested: "b",
			classes:   []classView{{Name: "a", Default: true}, {Name: "b"}},
			serves:    serveAll,
			want:      "b",
		},
		"NamedMissing": {
			requested: "c",
			classes:   []classView{{Name: "a", Default: true}},
			serves:    serveAll,
			reason:    ReasonClassNotFound,
			msg:       `DatabaseClass "c" does not exist; waiting for it`,
		},
		"SingleDefault": {
			classes: []classView{{Name: "a"}, {Name: "b", Default: true}},
			serves:  serveAll,
			want:    "b",
		},
		"DefaultForOtherEngineIgnored": {
			classes: []classView{{Name: "mysql", Default: true, Cloud: "my"}, {Name: "pg", Default: true, Cloud: "pg"}},
			serves:  servePG,
			want:    "pg",
		},
		"NoDefault": {
			classes: []classView{{Name: "a"}},
			serves:  serveAll,
			reason:  ReasonNoDefaultClass,
			msg:     "no className given and no default DatabaseClass serves this claim; set spec.className",
		},
		"SeveralDefaults": {
			classes: []classView{{Name: "z", Default: true}, {Name: "a", Default: true}},
			serves:  serveAll,
			reason:  ReasonAmbiguousDefault,
			msg:     "no className given and several default DatabaseClasses serve this claim (a, z); set spec.className",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := selectClass("DatabaseClass", tc.requested, tc.classes, tc.serves)
			var be *bindError
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("selectClass: %v", err)
				}
				if diff := cmp.Diff(tc.want, got.Name); diff != "" {
					t.Errorf("class (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.As(err, &be) {
				t.Fatalf("selectClass: got %v, want a bindError", err)
			}
			if diff := cmp.Diff(tc.reason, be.reason); diff != "" {
				t.Errorf("reason (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.msg, be.msg); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReclaimPolicy(t *testing.T) {
	cases := map[string]struct {
		class classView
		claim string
		want  string
	}{
		"ClassPolicy":          {class: classView{Reclaim: "Delete"}, want: "Delete"},
		"OverrideNotAllowed":   {class: classView{Reclaim: "Retain"}, claim: "Delete", want: "Retain"},
		"OverrideAllowed":      {class: classView{Reclaim: "Retain", AllowOverride: true}, claim: "Delete", want: "Delete"},
		"AllowedButUnset":      {class: classView{Reclaim: "Delete", AllowOverride: true}, want: "Delete"},
		"UnsetMeansRetainSafe": {class: classView{}, want: "Retain"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, reclaimPolicy(tc.class, tc.claim)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
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
