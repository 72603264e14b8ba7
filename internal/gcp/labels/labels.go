// Package labels turns tags into Google Cloud labels. Google allows only
// lowercase letters, digits, '_' and '-' in label keys and values, at most 63
// characters, and keys must start with a letter; Stowage's owner tags carry
// Kubernetes names, which may hold dots and run to 253 characters. Every
// Google managed kind writes its owner tags through here and checks
// ownership against the labels it reads back the same way, so the round
// trip compares equal.
package labels

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"

	"github.com/stowage-dev/stowage/internal/ownership"
)

// MaxLength of a label key or value.
const MaxLength = 63

// hashLength is how many hex digits of a SHA-256 end a value that had to
// be cut or changed beyond dots.
const hashLength = 8

// Value is v as a valid label value: v itself when valid; v with its dots
// as '_' when that is all that makes it invalid and it fits (Kubernetes
// names never hold '_', so owner values stay distinct and readable);
// otherwise v lowercased, with every other rune outside [a-z0-9_-] as '_',
// cut to leave room for '_' and the first 8 hex digits of v's SHA-256, so
// different long or mixed-case values stay different.
func Value(v string) string {
	s, onlyDots := sanitise(v)
	if onlyDots && len(s) <= MaxLength {
		return s
	}
	sum := sha256.Sum256([]byte(v))
	keep := MaxLength - 1 - hashLength
	if len(s) < keep {
		keep = len(s)
	}
	return s[:keep] + "_" + hex.EncodeToString(sum[:])[:hashLength]
}

// Key is k as a valid label key: Value(k), starting with "k" when it would
// not start with a letter.
func Key(k string) string {
	v := Value(k)
	if v == "" || v[0] < 'a' || v[0] > 'z' {
		return Value("k" + k)
	}
	return v
}

// sanitise lowercases s and replaces every rune outside [a-z0-9_-] with
// '_'. onlyDots says whether dots were all it changed.
func sanitise(s string) (out string, onlyDots bool) {
	var b strings.Builder
	onlyDots = true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == '.':
			b.WriteByte('_')
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
			onlyDots = false
		default:
			b.WriteByte('_')
			onlyDots = false
		}
	}
	return b.String(), onlyDots
}

// FromTags is tags as labels, each key and value through Key and Value; nil
// for nil tags.
func FromTags(tags map[string]string) map[string]string {
	if tags == nil {
		return nil
	}
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[Key(k)] = Value(v)
	}
	return out
}

// Owner is o as its owner labels name it: every field through Value. Pass
// it wherever the ownership package compares an owner with the tags a
// cloud object carries (Check, TagsToFix, Merge), so a name with dots or
// longer than 63 characters compares equal to what Google kept.
func Owner(o ownership.Owner) ownership.Owner {
	return ownership.Owner{Cluster: Value(o.Cluster), Kind: Value(o.Kind), Namespace: Value(o.Namespace), Name: Value(o.Name), UID: Value(o.UID)}
}

// A Checker is ownership.Checker for cloud objects that carry labels.
type Checker struct{ ownership.Checker }

// Owner is mg as the owner labels of its cloud object name it.
func (c Checker) Owner(ctx context.Context, mg ownership.Managed) (ownership.Owner, error) {
	o, err := c.Checker.Owner(ctx, mg)
	if err != nil {
		return ownership.Owner{}, err
	}
	return Owner(o), nil
}

// Check is ownership.Checker.Check against the labels of a cloud object.
func (c Checker) Check(ctx context.Context, mg ownership.Managed, labels map[string]string) error {
	self, err := c.Checker.Owner(ctx, mg)
	if err != nil && !meta.WasDeleted(mg) {
		return err
	}
	return ownership.Check(mg, Owner(self), labels)
}
