package compare

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"
)

func TestLateInit(t *testing.T) {
	cases := map[string]struct {
		reason  string
		dst     *string
		src     *string
		want    *string
		changed bool
	}{
		"Fills":      {reason: "an unset field takes the cloud's value", src: ptr.To("b"), want: ptr.To("b"), changed: true},
		"KeepsSpec":  {reason: "a set field is the user's", dst: ptr.To("a"), src: ptr.To("b"), want: ptr.To("a")},
		"NoValue":    {reason: "nothing to copy", want: nil},
		"CopyNotRef": {reason: "a copy, so the spec never aliases the observation", src: ptr.To("c"), want: ptr.To("c"), changed: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dst := tc.dst
			changed := LateInit(&dst, tc.src)
			if changed != tc.changed {
				t.Errorf("%s: changed %v", tc.reason, changed)
			}
			if diff := cmp.Diff(tc.want, dst); diff != "" {
				t.Errorf("%s: (-want +got):\n%s", tc.reason, diff)
			}
			if tc.src != nil && dst == tc.src {
				t.Errorf("%s: dst aliases src", tc.reason)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	if !SameSet([]string{"b", "a", "a"}, []string{"a", "b"}) || SameSet([]string{"a"}, []string{"a", "b"}) {
		t.Error("SameSet")
	}
	if NonEmpty(ptr.To("")) != nil || *NonEmpty(ptr.To("x")) != "x" || NonZero(ptr.To[int32](0)) != nil {
		t.Error("NonEmpty/NonZero")
	}
	if got := Tags(map[string]string{"b": "2", "a": "1"}); got != "{a=1, b=2}" {
		t.Errorf("Tags = %q", got)
	}
	if got := Tags(nil); got != "no tags" {
		t.Errorf("Tags(nil) = %q", got)
	}
	if OrNone("") != "none" || OrNone("x") != "x" {
		t.Error("OrNone")
	}
}
