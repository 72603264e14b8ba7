package translate

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Name derives a managed resource name from a claim, the same on every
// reconcile: the claim's name, then 8 hex digits of a hash of
// namespace/name so claims of the same name in different namespaces never
// collide in a cloud-global namespace. The result starts with a letter, has
// only lowercase letters, digits and single hyphens, and is at most 63
// characters: valid as an S3 bucket name and as an RDS identifier.
func Name(namespace, name string) string {
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	suffix := hex.EncodeToString(sum[:])[:8]
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if s := b.String(); len(s) > 0 && !strings.HasSuffix(s, "-") {
				b.WriteRune('-')
			}
		}
	}
	base := b.String()
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "c" + base
	}
	if len(base) > 63-9 {
		base = base[:63-9]
	}
	base = strings.TrimRight(base, "-")
	return base + "-" + suffix
}
