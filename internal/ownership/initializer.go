package ownership

import (
	"context"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// A GeneratedExternalName initializer replaces crossplane-runtime's
// NameAsExternalName: a managed resource without an external name gets
// metadata.name, and the annotation AnnotationGeneratedExternalName records
// that Stowage chose it, so Check can tell it from an import on purpose.
type GeneratedExternalName struct{ client client.Client }

// NewGeneratedExternalName returns an initializer that writes through c.
func NewGeneratedExternalName(c client.Client) *GeneratedExternalName {
	return &GeneratedExternalName{client: c}
}

// Initialize sets mg's external name when it has none.
func (g *GeneratedExternalName) Initialize(ctx context.Context, mg resource.Managed) error {
	if meta.GetExternalName(mg) != "" {
		return nil
	}
	meta.SetExternalName(mg, mg.GetName())
	meta.AddAnnotations(mg, map[string]string{AnnotationGeneratedExternalName: mg.GetName()})
	return errors.Wrap(g.client.Update(ctx, mg), "cannot record the generated external name")
}
