// Package compare holds the small comparison, late-initialisation and
// description helpers every managed kind uses to tell its spec from the
// cloud and say how they differ.
package compare

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/utils/ptr"
)

// LateInit sets *dst to a copy of src when the spec left *dst unset and the
// cloud reports src, and says whether it did.
func LateInit[T any](dst **T, src *T) bool {
	if *dst != nil || src == nil {
		return false
	}
	*dst = ptr.To(*src)
	return true
}

// Overlay sets *dst to a copy of src when src is set: a pending change the
// cloud reports counts as its value.
func Overlay[T any](dst **T, src *T) {
	if src != nil {
		*dst = ptr.To(*src)
	}
}

// NonEmpty is s, or nil when s is nil or "": the cloud's "unset".
func NonEmpty(s *string) *string {
	if ptr.Deref(s, "") == "" {
		return nil
	}
	return ptr.To(*s)
}

// NonZero is i, or nil when i is nil or 0.
func NonZero(i *int32) *int32 {
	if ptr.Deref(i, 0) == 0 {
		return nil
	}
	return ptr.To(*i)
}

// SameSet reports whether a and b hold the same strings, in any order and
// with any repeats.
func SameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// OrNone is s, or "none" when s is empty, for messages.
func OrNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Tags describes tags for messages, in key order.
func Tags(t map[string]string) string {
	if len(t) == 0 {
		return "no tags"
	}
	keys := slices.Sorted(maps.Keys(t))
	kv := make([]string, len(keys))
	for i, k := range keys {
		kv[i] = k + "=" + t[k]
	}
	return "{" + strings.Join(kv, ", ") + "}"
}

// Describe joins differences for a condition message or an event.
func Describe[D fmt.Stringer](ds []D) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, "; ")
}
