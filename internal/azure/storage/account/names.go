package account

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

// ValidName is Azure's rule for storage account names: 3-24 lower-case
// letters and digits, unique across Azure.
var ValidName = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// NameFor is the storage account name Stowage uses for a managed resource
// named name in namespace when no external name is set: name itself when it
// is a valid account name; else its lower-case letters and digits when
// those are (so a claim's "orders-3f9a1c2b7d4e" is "orders3f9a1c2b7d4e");
// else up to 14 of them followed by 10 hex digits of a hash of namespace
// and name. The same resource made again gets the same name.
func NameFor(namespace, name string) string {
	if ValidName.MatchString(name) {
		return name
	}
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	if s := b.String(); ValidName.MatchString(s) {
		return s
	}
	prefix := b.String()
	if len(prefix) > 14 {
		prefix = prefix[:14]
	}
	h := sha256.Sum256([]byte(namespace + "/" + name))
	return prefix + hex.EncodeToString(h[:])[:10]
}

// generatedName is ownership.GeneratedExternalName for storage accounts:
// the generated external name is NameFor the resource, recorded in the
// stowage.dev/generated-external-name annotation like every generated
// name.
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
