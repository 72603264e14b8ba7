package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

func TestNameFor(t *testing.T) {
	cases := map[string]struct {
		reason    string
		namespace string
		name      string
		want      string // without the hash, when wantHash
		wantHash  bool
	}{
		"Valid":     {reason: "A valid server name is used as it is.", namespace: "shop", name: "orders-3f9a1c2b7d4e", want: "orders-3f9a1c2b7d4e"},
		"Dots":      {reason: "Dots are not allowed: they become hyphens and a hash keeps the name unique.", namespace: "shop", name: "orders.db", want: "orders-db-", wantHash: true},
		"Long":      {reason: "A long name keeps 52 characters and gains a hash.", namespace: "shop", name: strings.Repeat("a", 70), want: strings.Repeat("a", 52) + "-", wantHash: true},
		"Uppercase": {reason: "Upper case is lowered.", namespace: "shop", name: "Orders", want: "orders-", wantHash: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := NameFor(tc.namespace, tc.name)
			if !ValidName.MatchString(got) {
				t.Errorf("%s\nNameFor = %q is not a valid server name", tc.reason, got)
			}
			if tc.wantHash {
				if !strings.HasPrefix(got, tc.want) || len(got) != len(tc.want)+10 || NameFor(tc.namespace, tc.name) != got || NameFor("other", tc.name) == got {
					t.Errorf("%s\nNameFor = %q: want prefix %q and 10 hash digits, stable, different in another namespace", tc.reason, got, tc.want)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestComplex(t *testing.T) {
	cases := map[string]struct {
		reason string
		pw     string
		want   bool
	}{
		"ThreeClasses": {reason: "Upper, lower and digits are enough.", pw: "Abcdefg1", want: true},
		"TwoClasses":   {reason: "Lower case and digits only are refused.", pw: "abcdefg1", want: false},
		"Short":        {reason: "Fewer than 8 characters are refused.", pw: "Ab1!", want: false},
		"Symbols":      {reason: "Other characters count as a class.", pw: "abcdefg!1", want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Complex(tc.pw); got != tc.want {
				t.Errorf("%s\nComplex(%q) = %v, want %v", tc.reason, tc.pw, got, tc.want)
			}
		})
	}
	for range 200 {
		pw, err := GeneratePassword()
		if err != nil || !Complex(pw) || len(pw) != 32 {
			t.Fatalf("generated password of length %d is not complex enough: %v", len(pw), err)
		}
	}
}

func TestDiff(t *testing.T) {
	owner := ownership.Owner{Cluster: "c", Kind: "sqlserver", Namespace: "ns", Name: "n", UID: "u"}
	tagged := ownership.Merge(map[string]string{"team": "a"}, owner)
	base := observed{Location: "westeurope", AdministratorLogin: ptr.To("stowage"), Version: ptr.To("12.0"), MinimalTLSVersion: ptr.To("1.2"),
		PublicNetworkAccess: ptr.To("Enabled"), Tags: tagged, State: "Ready"}
	cases := map[string]struct {
		reason    string
		spec      v1alpha1.ServerParameters
		obs       observed
		password  string
		wantDiffs []string
		wantPatch string
	}{
		"InSync": {
			reason:    "Unset fields never differ; set ones that match do not either.",
			spec:      v1alpha1.ServerParameters{MinimalTLSVersion: ptr.To("1.2"), Version: ptr.To("12.0"), Tags: map[string]string{"team": "a"}},
			obs:       base,
			wantPatch: `{}`,
		},
		"PublicAccess": {
			reason:    "Only the differing property is in the PATCH.",
			spec:      v1alpha1.ServerParameters{PublicNetworkAccess: ptr.To("Disabled"), MinimalTLSVersion: ptr.To("1.2")},
			obs:       base,
			wantDiffs: []string{"spec.forProvider.publicNetworkAccess: want Disabled, Azure has Enabled"},
			wantPatch: `{"properties":{"publicNetworkAccess":"Disabled"}}`,
		},
		"UnsetPublicAccessIsEnabled": {
			reason:    "Azure's default for publicNetworkAccess is Enabled: a server that does not say matches Enabled.",
			spec:      v1alpha1.ServerParameters{PublicNetworkAccess: ptr.To("Enabled")},
			obs:       observed{Tags: tagged},
			wantPatch: `{}`,
		},
		"TLSAndTags": {
			reason:    "A TLS and a tag change go in one PATCH with the full tag set, owner tags included.",
			spec:      v1alpha1.ServerParameters{MinimalTLSVersion: ptr.To("1.3"), Tags: map[string]string{"team": "b"}},
			obs:       base,
			wantDiffs: []string{"spec.forProvider.minimalTlsVersion: want 1.3, Azure has 1.2", "spec.forProvider.tags: want {team=b}, Azure has {team=a}"},
			wantPatch: `{"properties":{"minimalTlsVersion":"1.3"},"tags":{"stowage-cluster":"c","stowage-kind":"sqlserver","stowage-name":"n","stowage-namespace":"ns","stowage-uid":"u","team":"b"}}`,
		},
		"Password": {
			reason:    "A new password goes in the PATCH and never in the differences.",
			spec:      v1alpha1.ServerParameters{},
			obs:       base,
			password:  "N3w-password",
			wantDiffs: []string{"spec.forProvider.passwordSecretRef: want the password in the Secret, Azure has an older password"},
			wantPatch: `{"properties":{"administratorLoginPassword":"N3w-password"}}`,
		},
		"OwnerTagsMissing": {
			reason:    "A server without its owner tags gets them, keeping its user tags.",
			spec:      v1alpha1.ServerParameters{},
			obs:       observed{Tags: map[string]string{"team": "a"}},
			wantDiffs: []string{"owner tags: want {stowage-cluster=c, stowage-kind=sqlserver, stowage-name=n, stowage-namespace=ns, stowage-uid=u}, Azure has no tags"},
			wantPatch: `{"tags":{"stowage-cluster":"c","stowage-kind":"sqlserver","stowage-name":"n","stowage-namespace":"ns","stowage-uid":"u","team":"a"}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ds, patch := diff(tc.spec, tc.obs, &owner, tc.password)
			got := make([]string, len(ds))
			for i, d := range ds {
				got[i] = fmt.Sprint(d)
			}
			if diff := cmp.Diff(tc.wantDiffs, got, cmpEmpty); diff != "" {
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

// cmpEmpty makes a nil and an empty list of differences equal.
var cmpEmpty = cmp.Transformer("empty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

func TestLateInitialize(t *testing.T) {
	o := observed{Location: "westeurope", AdministratorLogin: ptr.To("stowage"), Version: ptr.To("12.0"), MinimalTLSVersion: ptr.To("1.2"),
		PublicNetworkAccess: ptr.To("Enabled"), Tags: map[string]string{"team": "a", "stowage-uid": "u"}}
	p := v1alpha1.ServerParameters{MinimalTLSVersion: ptr.To("1.3")}
	if !lateInitialize(&p, o) {
		t.Fatal("nothing late-initialised")
	}
	want := v1alpha1.ServerParameters{Location: ptr.To("westeurope"), AdministratorLogin: ptr.To("stowage"), Version: ptr.To("12.0"), MinimalTLSVersion: ptr.To("1.3"),
		PublicNetworkAccess: ptr.To("Enabled"), Tags: map[string]string{"team": "a"}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("what the spec leaves unset comes from Azure, never the owner tags or over the spec: -want, +got:\n%s", diff)
	}
}
