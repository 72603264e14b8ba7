package claims

import (
	"fmt"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/contract"
)

// SetupBucket adds the BucketClaim controller, translating through the
// default registry.
func SetupBucket(mgr ctrl.Manager, o controller.Options) error {
	return setup(mgr, o, bucketKind{reg: translate.Default})
}

type bucketKind struct{ reg *translate.Registry }

func (bucketKind) ClassKind() string               { return storagev1.BucketClassKind }
func (bucketKind) Kind() string                    { return storagev1.BucketClaimKind }
func (bucketKind) NewClaim() claimObject           { return &storagev1.BucketClaim{} }
func (bucketKind) NewClass() classObject           { return &storagev1.BucketClass{} }
func (bucketKind) NewClaimList() client.ObjectList { return &storagev1.BucketClaimList{} }
func (bucketKind) NewClassList() client.ObjectList { return &storagev1.BucketClassList{} }

// MergeSecrets: a bucket's provider, the cloud, comes from its managed
// resources, which have always published it.
func (bucketKind) MergeSecrets(_ string, parts ...map[string][]byte) map[string][]byte {
	return contract.MergeBucket(parts...)
}
func (bucketKind) SecretKeys() []string { return contract.BucketKeys }
func (k bucketKind) Cloud(refs []client.Object) string {
	if len(refs) == 0 {
		return ""
	}
	return k.reg.Cloud(refs[0])
}
func (k bucketKind) Types() []client.Object { return k.reg.BucketTypes() }

// Serves: every default bucket class serves every bucket claim.
func (bucketKind) Serves(claimObject, classView) bool { return true }

// Offered: a bucket claim has nothing a class could fail to offer.
func (bucketKind) Offered(claimObject, classView) error { return nil }

func (k bucketKind) Translation(cloud string) (translate.Common, bool) {
	return k.reg.Bucket(cloud)
}

func (k bucketKind) Plan(c claimObject, v classView, existing []client.Object) (translate.Plan, error) {
	t, ok := k.reg.Bucket(v.Cloud)
	if !ok {
		return translate.Plan{}, fmt.Errorf("no bucket translation for cloud %q", v.Cloud)
	}
	return t.Plan(c.(*storagev1.BucketClaim), v.Object.(*storagev1.BucketClass), existing)
}

func (bucketKind) Status(c claimObject) any {
	return *c.(*storagev1.BucketClaim).Status.DeepCopy()
}

func (k bucketKind) SetStatus(c claimObject, refs []client.Object) {
	cr := c.(*storagev1.BucketClaim)
	cr.Status.ClassName = cr.GetClassName()
	var st translate.BucketStatus
	if len(refs) > 0 {
		if t, ok := k.reg.BucketFor(refs[0]); ok {
			st = t.Status(cr, refs)
		}
	}
	cr.Status.Bucket = st.Bucket
	cr.Status.Region = st.Region
	cr.Status.Endpoint = st.Endpoint
	cr.Status.ResourceRefs = nil
	for _, r := range refs {
		gvk := r.GetObjectKind().GroupVersionKind()
		cr.Status.ResourceRefs = append(cr.Status.ResourceRefs, storagev1.ResourceReference{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: r.GetName()})
	}
}
