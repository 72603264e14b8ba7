package translate

import (
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// An RDS identifier and an S3 bucket name: letter first, lowercase letters,
// digits and single hyphens, no trailing hyphen, at most 63 characters.
var valid = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)

func claim(ns, name, uid string) *metav1.ObjectMeta {
	return &metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid)}
}

func TestName(t *testing.T) {
	cases := map[string]struct {
		reason string
		claim  *metav1.ObjectMeta
		prefix string
	}{
		"Plain":       {reason: "a plain name is kept", claim: claim("shop", "orders", "u1"), prefix: "orders-"},
		"Dots":        {reason: "dots and underscores become single hyphens", claim: claim("shop", "a.b__c", "u1"), prefix: "a-b-c-"},
		"DigitFirst":  {reason: "a name starting with a digit gets a letter", claim: claim("shop", "1db", "u1"), prefix: "c1db-"},
		"VeryLong":    {reason: "a long name is cut so the whole fits 63", claim: claim("shop", strings.Repeat("a", 80), "u1"), prefix: strings.Repeat("a", 50) + "-"},
		"LongHyphens": {reason: "a cut never leaves a double hyphen", claim: claim("shop", strings.Repeat("a", 49)+"--b", "u1"), prefix: strings.Repeat("a", 49) + "-"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Name(tc.claim)
			if !strings.HasPrefix(got, tc.prefix) || len(got) > 63 || !valid.MatchString(got) {
				t.Errorf("%s\nName() = %q: want prefix %q, at most 63 characters, a valid RDS and S3 name", tc.reason, got, tc.prefix)
			}
			if again := Name(tc.claim); again != got {
				t.Errorf("Name is not stable: %q then %q", got, again)
			}
		})
	}
}

func TestNameIsUniquePerClaim(t *testing.T) {
	a := Name(claim("shop", "assets", "0b6f3a52-1111-4c1e-9d55-5f0f1a2b3c4d"))
	sameNameOtherNamespace := Name(claim("blog", "assets", "7c1d2e3f-2222-4c1e-9d55-5f0f1a2b3c4d"))
	recreated := Name(claim("shop", "assets", "9a8b7c6d-3333-4c1e-9d55-5f0f1a2b3c4d"))
	if a == sameNameOtherNamespace || a == recreated || sameNameOtherNamespace == recreated {
		t.Errorf("claims with different UIDs share a name: %q, %q, %q", a, sameNameOtherNamespace, recreated)
	}
}

func TestDatabaseName(t *testing.T) {
	cases := map[string]struct {
		reason      string
		claim, want string
	}{
		"Plain":      {reason: "a plain name is kept", claim: "orders", want: "orders"},
		"Hyphens":    {reason: "hyphens and dots become underscores", claim: "order-history.v2", want: "order_history_v2"},
		"DigitFirst": {reason: "a name starting with a digit gets a prefix", claim: "1st", want: "db_1st"},
		"Long":       {reason: "a long name is cut to 63", claim: strings.Repeat("a", 70), want: strings.Repeat("a", 63)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := DatabaseName(tc.claim); got != tc.want {
				t.Errorf("%s\nDatabaseName(%q) = %q, want %q", tc.reason, tc.claim, got, tc.want)
			}
		})
	}
}
