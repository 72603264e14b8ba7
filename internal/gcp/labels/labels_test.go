package labels

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	s3v1alpha1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

var (
	validKey   = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	validValue = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
)

func TestValue(t *testing.T) {
	long := strings.Repeat("a", 70)
	cases := map[string]struct {
		reason string
		in     string
		want   string
	}{
		"Valid":     {reason: "A valid value is kept.", in: "shop-1_x", want: "shop-1_x"},
		"Empty":     {reason: "An empty value is valid.", in: "", want: ""},
		"UID":       {reason: "UIDs are valid.", in: "0b5e55ed-0000-4000-8000-000000000001", want: "0b5e55ed-0000-4000-8000-000000000001"},
		"Dots":      {reason: "Dots (in Kubernetes names) become '_', which no Kubernetes name holds.", in: "assets.v2", want: "assets_v2"},
		"Upper":     {reason: "Uppercase is folded and marked with a hash, so it never equals the lowercase value.", in: "Shop", want: "shop_" + hash("Shop")},
		"Invalid":   {reason: "Other runes become '_' with a hash.", in: "a/b c", want: "a_b_c_" + hash("a/b c")},
		"Long":      {reason: "Long values are cut and end in a hash.", in: long, want: long[:54] + "_" + hash(long)},
		"Exactly63": {reason: "63 characters fit.", in: long[:63], want: long[:63]},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Value(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nValue(%q): -want +got:\n%s", tc.reason, tc.in, diff)
			}
			if !validValue.MatchString(got) {
				t.Errorf("%s\nValue(%q) = %q is not a valid label value", tc.reason, tc.in, got)
			}
		})
	}
}

// hash is the first 8 hex digits of s's SHA-256, worked out here apart
// from the code under test.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

func TestKey(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     string
		want   string
	}{
		"OwnerTag": {reason: "Owner tag keys are valid labels.", in: ownership.TagNamespace, want: "stowage-namespace"},
		"Digit":    {reason: "A key starts with a letter.", in: "1st", want: "k1st"},
		"Empty":    {reason: "An empty key gets a letter.", in: "", want: "k"},
		"Upper":    {reason: "Keys are lowercase.", in: "Team", want: "team_" + hash("Team")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Key(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nKey(%q): -want +got:\n%s", tc.reason, tc.in, diff)
			}
			if !validKey.MatchString(got) {
				t.Errorf("%s\nKey(%q) = %q is not a valid label key", tc.reason, tc.in, got)
			}
		})
	}
}

func TestValueDistinct(t *testing.T) {
	// Names that differ only past the cut, or only in case, stay different.
	base := strings.Repeat("n", 60)
	ins := []string{base + "-a", base + "-b", "Shop", "shop", "SHOP", "a.b", "a-b"}
	seen := map[string]string{}
	for _, in := range ins {
		v := Value(in)
		if prev, ok := seen[v]; ok {
			t.Errorf("Value(%q) = Value(%q) = %q", in, prev, v)
		}
		seen[v] = in
	}
}

// TestOwnerRoundTrip is the reason this package exists: owner tags written
// as labels are read back by ownership.Check as naming the same owner.
func TestOwnerRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 80) + ".example"
	mr := func(name, uid string, generated bool) *s3v1alpha1.Bucket {
		b := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: types.UID("uid-" + uid)}}
		meta.SetExternalName(b, name)
		if generated {
			meta.AddAnnotations(b, map[string]string{ownership.AnnotationGeneratedExternalName: name})
		}
		return b
	}
	cluster := ownership.ClusterIDFn(func(context.Context) (string, error) { return "c1a55e5-0000", nil })
	c := Checker{ownership.Checker{Cluster: cluster, Kind: "bucket"}}
	owned := func(name, uid string) map[string]string {
		o, err := c.Owner(context.Background(), mr(name, uid, true))
		if err != nil {
			t.Fatal(err)
		}
		return ownership.Merge(map[string]string{"team": "shop"}, o)
	}
	cases := map[string]struct {
		reason string
		mg     *s3v1alpha1.Bucket
		labels map[string]string
		refuse bool
	}{
		"Self": {
			reason: "A bucket labelled for this resource is ours.",
			mg:     mr("assets.v2", "1", true), labels: owned("assets.v2", "1"),
		},
		"LongName": {
			reason: "A name longer than a label is ours after the round trip.",
			mg:     mr(long, "1", true), labels: owned(long, "1"),
		},
		"Predecessor": {
			reason: "An earlier resource of the same (dotted) name is a predecessor.",
			mg:     mr("assets.v2", "2", true), labels: owned("assets.v2", "1"),
		},
		"OtherName": {
			reason: "A resource whose name differs only in a dot is someone else.",
			mg:     mr("assets-v2", "2", true), labels: owned("assets.v2", "1"),
			refuse: true,
		},
		"Untagged": {
			reason: "An unlabelled bucket under a generated name is refused.",
			mg:     mr("assets", "1", true), labels: map[string]string{"team": "x"},
			refuse: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for k, v := range tc.labels {
				if !validKey.MatchString(k) || !validValue.MatchString(v) {
					t.Fatalf("owner label %s=%s is not a valid Google label", k, v)
				}
			}
			err := c.Check(context.Background(), tc.mg, tc.labels)
			if got := ownership.IsRefused(err); got != tc.refuse || (err != nil && !got) {
				t.Errorf("%s\nCheck: %v, want refused %t", tc.reason, err, tc.refuse)
			}
			if !tc.refuse {
				o, _ := c.Owner(context.Background(), tc.mg)
				if want, got := ownership.TagsToFix(tc.labels, o); len(want) > 0 && tc.mg.UID == "uid-1" {
					t.Errorf("%s\nTagsToFix: want %v, got %v: the owner labels read back differ from what was written", tc.reason, want, got)
				}
			}
		})
	}
}
