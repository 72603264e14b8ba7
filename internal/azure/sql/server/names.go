package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/internal/ownership"
)

// ValidName is Azure's rule for SQL server names: 1-63 lower-case letters,
// digits and hyphens, not starting or ending with a hyphen. The name is a
// DNS label under database.windows.net, unique across Azure.
var ValidName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// NameFor is the server name Stowage uses for a managed resource named name
// in namespace when no external name is set: name itself when it is a valid
// server name (a claim's "orders-3f9a1c2b7d4e" is), else its lower-case
// letters, digits and single hyphens, cut to 52 characters, followed by a
// hyphen and 10 hex digits of a hash of namespace and name. The same
// resource made again gets the same name.
func NameFor(namespace, name string) string {
	if ValidName.MatchString(name) {
		return name
	}
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteRune('-')
		}
	}
	prefix := strings.Trim(b.String(), "-")
	if len(prefix) > 52 {
		prefix = strings.Trim(prefix[:52], "-")
	}
	h := sha256.Sum256([]byte(namespace + "/" + name))
	if prefix == "" {
		return "sql-" + hex.EncodeToString(h[:])[:10]
	}
	return prefix + "-" + hex.EncodeToString(h[:])[:10]
}

// generatedName is ownership.GeneratedExternalName for SQL servers: the
// generated external name is NameFor the resource, recorded in the
// stowage.dev/generated-external-name annotation like every generated name.
type generatedName struct{ client client.Client }

func (g generatedName) Initialize(ctx context.Context, mg resource.Managed) error {
	if meta.GetExternalName(mg) != "" {
		return nil
	}
	n := NameFor(mg.GetNamespace(), mg.GetName())
	meta.SetExternalName(mg, n)
	meta.AddAnnotations(mg, map[string]string{ownership.AnnotationGeneratedExternalName: n})
	return errors.Wrap(g.client.Update(ctx, mg), "cannot record the generated external name")
}
