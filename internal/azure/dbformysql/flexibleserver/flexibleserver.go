// Package flexibleserver is the controller for Azure Database for
// MySQL flexible servers. The logic is internal/azure/flexible's,
// shared with PostgreSQL; this package only names the engine and the kind.
package flexibleserver

import (
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/azure/dbformysql/v1alpha1"
	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/flexible"
)

// Kind is the MySQL FlexibleServer kind as the shared controller sees it.
var Kind = flexible.ServerKind[*v1alpha1.FlexibleServer]{
	Engine:        flexible.MySQL,
	GVK:           v1alpha1.FlexibleServerGroupVersionKind,
	New:           func() *v1alpha1.FlexibleServer { return &v1alpha1.FlexibleServer{} },
	ResourceGroup: func(cr *v1alpha1.FlexibleServer) *string { return cr.Spec.ForProvider.ResourceGroupName },
	Settings: func(cr *v1alpha1.FlexibleServer) *flexv1alpha1.ServerSettings {
		return &cr.Spec.ForProvider.ServerSettings
	},
	Observation: func(cr *v1alpha1.FlexibleServer) *flexv1alpha1.ServerObservation { return &cr.Status.AtProvider },
}

// Setup adds a controller that reconciles MySQL FlexibleServers.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	return flexible.SetupServer(mgr, o, Kind)
}
