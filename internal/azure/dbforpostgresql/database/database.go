// Package database is the controller for databases in Azure Database for
// PostgreSQL flexible servers. The logic is internal/azure/flexible's,
// shared with MySQL; this package only names the engine and the kinds.
package database

import (
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/azure/dbforpostgresql/v1alpha1"
	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/dbforpostgresql/flexibleserver"
	"github.com/stowage-dev/stowage/internal/azure/flexible"
)

// Kind is the PostgreSQL Database kind as the shared controller sees it.
var Kind = flexible.DatabaseKind[*v1alpha1.Database, *v1alpha1.FlexibleServer]{
	Engine:        flexible.Postgres,
	GVK:           v1alpha1.DatabaseGroupVersionKind,
	New:           func() *v1alpha1.Database { return &v1alpha1.Database{} },
	Server:        flexibleserver.Kind,
	ServerName:    func(cr *v1alpha1.Database) *string { return cr.Spec.ForProvider.ServerName },
	ServerRef:     func(cr *v1alpha1.Database) *xpv2.NamespacedReference { return cr.Spec.ForProvider.ServerNameRef },
	ResourceGroup: func(cr *v1alpha1.Database) *string { return cr.Spec.ForProvider.ResourceGroupName },
	Settings: func(cr *v1alpha1.Database) *flexv1alpha1.DatabaseSettings {
		return &cr.Spec.ForProvider.DatabaseSettings
	},
	Observation: func(cr *v1alpha1.Database) *flexv1alpha1.DatabaseObservation { return &cr.Status.AtProvider },
}

// Setup adds a controller that reconciles PostgreSQL Databases.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	return flexible.SetupDatabase(mgr, o, Kind)
}
