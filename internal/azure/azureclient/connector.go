package azureclient

import (
	"context"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/azure/v1alpha1"
	"github.com/stowage-dev/stowage/internal/mrsetup"
)

// A Connector turns a managed resource into an SDK client of type API the
// same way for every Azure kind: its provider config usage tracked, its
// provider config resolved under the tenant rules, and one cached Session
// per provider config version.
type Connector[API any] struct {
	kube     client.Client
	usage    resource.ModernTracker
	features *feature.Flags
	newAPI   func(Session) (API, error)
}

// NewConnector returns a Connector that makes clients with newAPI.
func NewConnector[API any](mgr ctrl.Manager, o controller.Options, newAPI func(Session) (API, error)) *Connector[API] {
	return &Connector[API]{
		kube:     mgr.GetClient(),
		usage:    resource.NewProviderConfigUsageTracker(mgr.GetClient(), &v1alpha1.ProviderConfigUsage{}),
		features: o.Features,
		newAPI:   newAPI,
	}
}

// Connect returns a client for mg and the Session it was made from.
func (c *Connector[API]) Connect(ctx context.Context, mg resource.ModernManaged) (API, Session, error) {
	var none API
	if err := mrsetup.TrackUsage(ctx, c.usage, mg); err != nil {
		return none, Session{}, err
	}
	s, err := Connect(ctx, c.kube, mg, c.features)
	if err != nil {
		return none, Session{}, err
	}
	api, err := c.newAPI(s)
	if err != nil {
		return none, Session{}, err
	}
	return api, s, nil
}

// Kube is the client the Connector reads provider configs with.
func (c *Connector[API]) Kube() client.Client { return c.kube }
