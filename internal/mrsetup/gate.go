package mrsetup

import (
	"fmt"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Gated calls start now, or, when o has a Gate (the provider runs with
// Crossplane's safe-start: a managed resource's CRD exists only once a
// ManagedResourceActivationPolicy activates it), once the CRDs of every kind
// in needs are established. A controller started before its CRD exists
// would fail to watch it.
func Gated(o controller.Options, name string, start func() error, needs ...schema.GroupVersionKind) error {
	if o.Gate == nil {
		return start()
	}
	o.Gate.Register(func() {
		if err := start(); err != nil {
			// The manager is running and cannot return this error to
			// anyone; a controller that cannot be built is a programming
			// error, as it would be at startup.
			panic(fmt.Sprintf("cannot start controller %s: %v", name, err))
		}
		o.Logger.Info("Started controller, its CRDs being established", "controller", name)
	}, needs...)
	return nil
}
