// Package controller registers every Stowage controller with a manager.
package controller

import (
	"errors"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/gate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/customresourcesgate"
	"github.com/prometheus/client_golang/prometheus"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	// The AWS claim translations register themselves with translate.Default.
	_ "github.com/stowage-dev/stowage/internal/aws/claims"
	"github.com/stowage-dev/stowage/internal/aws/rds/dbinstance"
	"github.com/stowage-dev/stowage/internal/aws/s3/bucket"
	// The Azure claim translations register themselves with translate.Default.
	_ "github.com/stowage-dev/stowage/internal/azure/claims"
	mysqldatabase "github.com/stowage-dev/stowage/internal/azure/dbformysql/database"
	mysqlflexibleserver "github.com/stowage-dev/stowage/internal/azure/dbformysql/flexibleserver"
	postgresdatabase "github.com/stowage-dev/stowage/internal/azure/dbforpostgresql/database"
	postgresflexibleserver "github.com/stowage-dev/stowage/internal/azure/dbforpostgresql/flexibleserver"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
	azuresqldatabase "github.com/stowage-dev/stowage/internal/azure/sql/database"
	azuresqlserver "github.com/stowage-dev/stowage/internal/azure/sql/server"
	"github.com/stowage-dev/stowage/internal/azure/storage/account"
	"github.com/stowage-dev/stowage/internal/azure/storage/container"
	"github.com/stowage-dev/stowage/internal/claims"
	// The Google claim translations register themselves with translate.Default.
	_ "github.com/stowage-dev/stowage/internal/gcp/claims"
	sqldatabase "github.com/stowage-dev/stowage/internal/gcp/sql/database"
	sqlinstance "github.com/stowage-dev/stowage/internal/gcp/sql/instance"
	sqluser "github.com/stowage-dev/stowage/internal/gcp/sql/user"
	gcsbucket "github.com/stowage-dev/stowage/internal/gcp/storage/bucket"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
)

// Setup adds every controller to mgr. Each managed resource and claim
// controller starts once the CRDs it needs are established, so the provider
// runs under Crossplane's safe-start, where a managed resource's CRD exists
// only once a ManagedResourceActivationPolicy activates it, as well as with
// every CRD installed (Helm, plain manifests), where they start at once.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	if err := apiextensionsv1.AddToScheme(mgr.GetScheme()); err != nil {
		return err
	}
	if o.Gate == nil {
		o.Gate = new(gate.Gate[schema.GroupVersionKind])
	}
	if err := customresourcesgate.Setup(mgr, o); err != nil {
		return err
	}
	for _, setup := range []func(ctrl.Manager, controller.Options) error{
		usage.Setup,
		bucket.Setup,
		dbinstance.Setup,
		resourcegroup.Setup,
		account.Setup,
		container.Setup,
		azuresqlserver.Setup,
		azuresqldatabase.Setup,
		postgresflexibleserver.Setup,
		postgresdatabase.Setup,
		mysqlflexibleserver.Setup,
		mysqldatabase.Setup,
		gcsbucket.Setup,
		sqlinstance.Setup,
		sqldatabase.Setup,
		sqluser.Setup,
		claims.SetupDatabase,
		claims.SetupBucket,
	} {
		if err := setup(mgr, o); err != nil {
			return err
		}
	}
	// stowage_claims: claims counted on scrape from the claim controllers'
	// informer cache.
	err := metrics.Registry.Register(claims.NewCollector(mgr.GetClient()))
	if errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		// Only a second manager in one process (tests) gets here; the
		// first manager's collector keeps counting.
		return nil
	}
	return err
}
