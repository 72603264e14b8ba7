package claims

import (
	"fmt"
	"slices"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/contract"
)

// SetupDatabase adds the DatabaseClaim controller, translating through the
// default registry.
func SetupDatabase(mgr ctrl.Manager, o controller.Options) error {
	return setup(mgr, o, databaseKind{reg: translate.Default})
}

type databaseKind struct{ reg *translate.Registry }

func (databaseKind) ClassKind() string               { return dbv1.DatabaseClassKind }
func (databaseKind) Kind() string                    { return dbv1.DatabaseClaimKind }
func (databaseKind) NewClaim() claimObject           { return &dbv1.DatabaseClaim{} }
func (databaseKind) NewClass() classObject           { return &dbv1.DatabaseClass{} }
func (databaseKind) NewClaimList() client.ObjectList { return &dbv1.DatabaseClaimList{} }
func (databaseKind) NewClassList() client.ObjectList { return &dbv1.DatabaseClassList{} }
func (databaseKind) MergeSecrets(cloud string, parts ...map[string][]byte) map[string][]byte {
	return contract.MergeDatabase(cloud, parts...)
}
func (databaseKind) SecretKeys() []string { return contract.DatabaseKeys }
func (k databaseKind) Cloud(refs []client.Object) string {
	if len(refs) == 0 {
		return ""
	}
	return k.reg.Cloud(refs[0])
}
func (k databaseKind) Types() []client.Object { return k.reg.DatabaseTypes() }

func engineOffer(cl *dbv1.DatabaseClass, e dbv1.Engine) (dbv1.EngineOffer, bool) {
	for _, o := range cl.Spec.Engines {
		if o.Engine == e {
			return o, true
		}
	}
	return dbv1.EngineOffer{}, false
}

func (databaseKind) Serves(c claimObject, v classView) bool {
	_, ok := engineOffer(v.Object.(*dbv1.DatabaseClass), c.(*dbv1.DatabaseClaim).Spec.Engine)
	return ok
}

// checkDatabaseOffered checks engine and version against the class.
func checkDatabaseOffered(cr *dbv1.DatabaseClaim, cl *dbv1.DatabaseClass) error {
	o, ok := engineOffer(cl, cr.Spec.Engine)
	if !ok {
		offered := make([]string, 0, len(cl.Spec.Engines))
		for _, e := range cl.Spec.Engines {
			offered = append(offered, string(e.Engine))
		}
		return &translate.NotOfferedError{Field: "engine", Value: string(cr.Spec.Engine), Class: cl.Name, Offered: offered}
	}
	if !slices.Contains(o.Versions, cr.Spec.Version) {
		return &translate.NotOfferedError{Field: "version", Value: cr.Spec.Version, Class: cl.Name + " for " + string(cr.Spec.Engine), Offered: o.Versions}
	}
	return nil
}

func (databaseKind) Offered(c claimObject, v classView) error {
	return checkDatabaseOffered(c.(*dbv1.DatabaseClaim), v.Object.(*dbv1.DatabaseClass))
}

func (k databaseKind) Translation(cloud string) (translate.Common, bool) {
	return k.reg.Database(cloud)
}

func (k databaseKind) Plan(c claimObject, v classView, existing []client.Object) (translate.Plan, error) {
	t, ok := k.reg.Database(v.Cloud)
	if !ok {
		return translate.Plan{}, fmt.Errorf("no database translation for cloud %q", v.Cloud)
	}
	return t.Plan(c.(*dbv1.DatabaseClaim), v.Object.(*dbv1.DatabaseClass), existing)
}

func (databaseKind) Status(c claimObject) any {
	return *c.(*dbv1.DatabaseClaim).Status.DeepCopy()
}

func (k databaseKind) SetStatus(c claimObject, refs []client.Object) {
	cr := c.(*dbv1.DatabaseClaim)
	cr.Status.ClassName = cr.GetClassName()
	var st translate.DatabaseStatus
	if len(refs) > 0 {
		if t, ok := k.reg.DatabaseFor(refs[0]); ok {
			st = t.Status(cr, refs)
		}
	}
	cr.Status.Endpoint = st.Endpoint
	cr.Status.Port = st.Port
	cr.Status.EngineVersion = st.EngineVersion
	cr.Status.ResourceRefs = nil
	for _, r := range refs {
		gvk := r.GetObjectKind().GroupVersionKind()
		cr.Status.ResourceRefs = append(cr.Status.ResourceRefs, dbv1.ResourceReference{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: r.GetName()})
	}
}
