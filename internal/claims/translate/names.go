package translate

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// suffixLen is how many hex digits of the claim's UID hash end a generated
// name: 48 bits, so even a million claims of the same name anywhere are
// unlikely to share one.
const suffixLen = 12

// Name derives the name of a claim's managed resources, and so of their cloud
// objects, the same on every reconcile: the claim's name, then a hash of the
// claim's UID. UIDs are unique across namespaces, clusters and time, so two
// claims never share a cloud object even where cloud names are global (S3 and
// GCS buckets, storage accounts, SQL servers), and a claim deleted with Retain
// and applied again gets a new object instead of the retained one. The result
// starts with a letter, has only lowercase letters, digits and single hyphens,
// and is at most 63 characters: valid as an S3 bucket name and an RDS
// identifier.
func Name(claim metav1.Object) string {
	sum := sha256.Sum256([]byte(claim.GetUID()))
	suffix := hex.EncodeToString(sum[:])[:suffixLen]
	var b strings.Builder
	for _, r := range strings.ToLower(claim.GetName()) {
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
	if max := 63 - 1 - suffixLen; len(base) > max {
		base = base[:max]
	}
	base = strings.TrimRight(base, "-")
	return base + "-" + suffix
}

// DatabaseName is the database a claim gets inside its database server: the
// claim's name as every engine allows it unquoted (a letter, then lowercase
// letters, digits and underscores, at most 63). Unlike Name it carries no
// hash: the server is the claim's own, so the name only has to be valid.
func DatabaseName(claim string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(claim) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	name := b.String()
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "db_" + name
	}
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}
