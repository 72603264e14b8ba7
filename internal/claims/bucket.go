package claims

import (
	"context"
	"fmt"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
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

func (bucketKind) ClassKind() string        { return storagev1.BucketClassKind }
func (bucketKind) Kind() string             { return storagev1.BucketClaimKind }
func (bucketKind) NewClaim() claimObject    { return &storagev1.BucketClaim{} }
func (bucketKind) ClassType() client.Object { return &storagev1.BucketClass{} }
func (bucketKind) SecretKeys() []string     { return contract.BucketKeys }
func (k bucketKind) Types() []client.Object { return k.reg.BucketTypes() }

func (bucketKind) ListClaims(ctx context.Context, c client.Reader) ([]claimKey, error) {
	l := &storagev1.BucketClaimList{}
	if err := c.List(ctx, l); err != nil {
		return nil, err
	}
	out := make([]claimKey, 0, len(l.Items))
	for _, i := range l.Items {
		out = append(out, claimKey{NamespacedName: types.NamespacedName{Namespace: i.Namespace, Name: i.Name}, ClassName: ptr.Deref(i.Spec.ClassName, "")})
	}
	return out, nil
}

func bucketClassView(c *storagev1.BucketClass) classView {
	return classView{
		Name: c.Name, Default: c.Spec.Default, Reclaim: string(c.Spec.ReclaimPolicy),
		AllowOverride: c.Spec.AllowReclaimPolicyOverride, Selector: c.Spec.NamespaceSelector,
		Cloud: c.Cloud(), Object: c,
	}
}

func (bucketKind) Classes(ctx context.Context, c client.Reader) ([]classView, error) {
	l := &storagev1.BucketClassList{}
	if err := c.List(ctx, l); err != nil {
		return nil, err
	}
	out := make([]classView, 0, len(l.Items))
	for i := range l.Items {
		out = append(out, bucketClassView(&l.Items[i]))
	}
	return out, nil
}

func (bucketKind) ClassName(c claimObject) string {
	return ptr.Deref(c.(*storagev1.BucketClaim).Spec.ClassName, "")
}

func (bucketKind) SetClassName(c claimObject, name string) {
	c.(*storagev1.BucketClaim).Spec.ClassName = ptr.To(name)
}

func (bucketKind) Class(ctx context.Context, c client.Reader, name string) (classView, bool, error) {
	cl := &storagev1.BucketClass{}
	err := c.Get(ctx, types.NamespacedName{Name: name}, cl)
	if kerrors.IsNotFound(err) {
		return classView{}, false, nil
	}
	if err != nil {
		return classView{}, false, err
	}
	return bucketClassView(cl), true, nil
}

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
	cr.Status.ClassName = ptr.Deref(cr.Spec.ClassName, "")
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

func (bucketKind) ReclaimPolicy(c claimObject) (string, string) {
	cr := c.(*storagev1.BucketClaim)
	return string(ptr.Deref(cr.Spec.ReclaimPolicy, "")), string(cr.Status.ReclaimPolicy)
}

func (bucketKind) SetReclaimPolicy(c claimObject, p string) {
	c.(*storagev1.BucketClaim).Status.ReclaimPolicy = storagev1.ReclaimPolicy(p)
}

func (bucketKind) SecretName(c claimObject) string {
	return strings.TrimSpace(c.(*storagev1.BucketClaim).Spec.WriteConnectionSecretToRef.Name)
}
