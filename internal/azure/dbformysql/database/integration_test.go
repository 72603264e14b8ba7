package database_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/azure/dbformysql/v1alpha1"
	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/dbformysql/database"
	"github.com/stowage-dev/stowage/internal/azure/dbformysql/flexibleserver"
	"github.com/stowage-dev/stowage/internal/azure/flexible/flextest"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

var suite flextest.DatabaseSuite[*v1alpha1.Database, *v1alpha1.FlexibleServer]

func TestMain(m *testing.M) {
	h, err := testenv.StartAzure(flextest.Poll, flextest.Delay, func(mgr ctrl.Manager, o controller.Options) error {
		for _, s := range []func(ctrl.Manager, controller.Options) error{usage.Setup, resourcegroup.Setup, flexibleserver.Setup, database.Setup} {
			if err := s(mgr, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	suite = flextest.DatabaseSuite[*v1alpha1.Database, *v1alpha1.FlexibleServer]{
		Servers: flextest.ServerSuite[*v1alpha1.FlexibleServer]{
			Harness: h, Kind: flexibleserver.Kind, Cloud: arm.MySQL, Direct: flextest.NewMySQL(h.Azure.URL),
			OwnerKind: "mysqlflexibleserver", Version: "8.0.21",
			SetGroup: func(cr *v1alpha1.FlexibleServer, rg string) { cr.Spec.ForProvider.ResourceGroupName = ptr.To(rg) },
			SetGroupRef: func(cr *v1alpha1.FlexibleServer, name string) {
				cr.Spec.ForProvider.ResourceGroupName = nil
				cr.Spec.ForProvider.ResourceGroupNameRef = &xpv2.NamespacedReference{Name: name}
			},
		},
		Kind: database.Kind,
		SetServerRef: func(cr *v1alpha1.Database, name string) {
			cr.Spec.ForProvider.ServerNameRef = &xpv2.NamespacedReference{Name: name}
		},
		SetServer: func(cr *v1alpha1.Database, server, rg string) {
			cr.Spec.ForProvider.ServerName, cr.Spec.ForProvider.ResourceGroupName = ptr.To(server), ptr.To(rg)
		},
		Charset: "utf8", Collation: "utf8_general_ci",
	}
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

func TestDatabaseLifecycle(t *testing.T) { suite.Lifecycle(t) }
func TestDatabaseImport(t *testing.T)    { suite.Import(t) }
func TestDatabasesListed(t *testing.T)   { suite.Listed(t) }

// TestDatabaseDeletedWhileAccepted deletes a database Azure has accepted and
// does not show yet.
func TestDatabaseDeletedWhileAccepted(t *testing.T) { suite.DeleteWhileAccepted(t) }

// TestThrottlingStorm throttles 30% of the provider's calls while resource
// groups, servers and databases are made, each pointing at the one before by
// reference.
func TestThrottlingStorm(t *testing.T) { suite.Storm(t) }

// TestSchema: the examples are accepted; what MySQL cannot do is refused at
// apply time; create-only fields cannot change.
func TestSchema(t *testing.T) {
	suite.Schema(t, "dbformysql", map[string]flextest.SchemaCase{
		"Version": {Set: func(s *flexv1alpha1.ServerSettings) { s.Version = ptr.To("16") }, Want: "version must be 5.7 or 8.0.21"},
		"Storage": {Set: func(s *flexv1alpha1.ServerSettings) { s.Storage = &flexv1alpha1.Storage{SizeGB: ptr.To[int32](10)} }, Want: "sizeGB"},
		"Retention": {Set: func(s *flexv1alpha1.ServerSettings) {
			s.Backup = &flexv1alpha1.Backup{RetentionDays: ptr.To[int32](40)}
		}, Want: "retentionDays"},
		"SKU": {Set: func(s *flexv1alpha1.ServerSettings) {
			s.SKU = &flexv1alpha1.SKU{Tier: "Premium", Name: "Standard_B1ms"}
		}, Want: "sku.tier"},
	})
}
