package flexibleserver_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/stowage-dev/stowage/apis/azure/dbforpostgresql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/dbforpostgresql/flexibleserver"
	"github.com/stowage-dev/stowage/internal/azure/flexible/flextest"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

var suite flextest.ServerSuite[*v1alpha1.FlexibleServer]

func TestMain(m *testing.M) {
	h, err := testenv.StartAzure(flextest.Poll, flextest.Delay, func(mgr ctrl.Manager, o controller.Options) error {
		for _, s := range []func(ctrl.Manager, controller.Options) error{usage.Setup, resourcegroup.Setup, flexibleserver.Setup} {
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
	suite = flextest.ServerSuite[*v1alpha1.FlexibleServer]{
		Harness:   h,
		Kind:      flexibleserver.Kind,
		Cloud:     arm.Postgres,
		Direct:    flextest.NewPostgres(h.Azure.URL),
		OwnerKind: "postgresflexibleserver",
		Version:   "16",
		SetGroup:  func(cr *v1alpha1.FlexibleServer, rg string) { cr.Spec.ForProvider.ResourceGroupName = ptr.To(rg) },
		SetGroupRef: func(cr *v1alpha1.FlexibleServer, name string) {
			cr.Spec.ForProvider.ResourceGroupName = nil
			cr.Spec.ForProvider.ResourceGroupNameRef = &xpv2.NamespacedReference{Name: name}
		},
	}
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

func TestFlexibleServerLifecycle(t *testing.T) { suite.Lifecycle(t) }
func TestFlexibleServerImport(t *testing.T)    { suite.Import(t) }
func TestFlexibleServerNameTaken(t *testing.T) { suite.NameTaken(t) }
func TestFlexibleServersListed(t *testing.T)   { suite.Listed(t) }

// The 429 storm runs in the database package, over resource groups,
// servers and databases together.
