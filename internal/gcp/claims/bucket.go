// Package claims translates portable claims into Google Cloud managed
// resources. A BucketClaim becomes one Cloud Storage Bucket.
package claims

import (
	"fmt"
	"maps"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gcsv1 "github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
)

// bucketCloud is the name of the Google template in a bucket class.
const bucketCloud = "gcp"

func init() {
	translate.Default.RegisterBucket(bucketCloud, Bucket{})
}

// Bucket translates BucketClaims into Cloud Storage Buckets.
type Bucket struct{}

var _ translate.Bucket = Bucket{}

// BucketName is the claim's bucket name: translate.Name, which is unique per
// claim and a valid bucket name, except that Google refuses names that start
// with "goog" or contain "google"; those letters become "g00g".
func BucketName(claim metav1.Object) string {
	n := translate.Name(claim)
	n = strings.ReplaceAll(n, "google", "g00gle")
	if strings.HasPrefix(n, "goog") {
		n = "g00g" + strings.TrimPrefix(n, "goog")
	}
	return n
}

// bucketSecretName is the Secret a Bucket named name writes its connection
// details to; the claim controller copies it.
func bucketSecretName(name string) string { return name + "-connection" }

// Types the bucket translation creates.
func (Bucket) Types() []client.Object { return []client.Object{&gcsv1.Bucket{}} }

// Plan is one Bucket; it needs nothing else first.
func (Bucket) Plan(c *storagev1.BucketClaim, cl *storagev1.BucketClass, _ []client.Object) (translate.Plan, error) {
	t := cl.Spec.GCP
	if t == nil {
		return translate.Plan{}, fmt.Errorf("class %s has no gcp template", cl.Name)
	}
	name := BucketName(c)
	pap := gcsv1.PublicAccessPreventionEnforced
	if c.Spec.PublicAccess {
		pap = gcsv1.PublicAccessPreventionInherited
	}
	p := gcsv1.BucketParameters{
		Location:                 t.Location,
		StorageClass:             t.StorageClass,
		UniformBucketLevelAccess: ptr.To(ptr.Deref(t.UniformBucketLevelAccess, true)),
		PublicAccessPrevention:   ptr.To(pap),
		Versioning:               ptr.To(c.Spec.Versioning || ptr.Deref(t.Versioning, false)),
		Labels:                   maps.Clone(t.Labels),
	}
	if p.Labels == nil {
		p.Labels = map[string]gcsv1.LabelValue{}
	}
	if t.Lifecycle != nil {
		p.Lifecycle = make([]gcsv1.LifecycleRule, len(t.Lifecycle))
		for i := range t.Lifecycle {
			t.Lifecycle[i].DeepCopyInto(&p.Lifecycle[i])
		}
	}
	if t.RetentionPolicy != nil {
		p.RetentionPolicy = t.RetentionPolicy.DeepCopy()
	}
	mr := &gcsv1.Bucket{
		TypeMeta:   metav1.TypeMeta{APIVersion: gcsv1.SchemeGroupVersion.String(), Kind: gcsv1.BucketKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name},
		Spec:       gcsv1.BucketSpec{ForProvider: p},
	}
	ref := cl.Spec.ProviderConfigRef
	mr.Spec.ProviderConfigReference = translate.ProviderConfigRef(ref.Kind, ref.Name)
	mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: bucketSecretName(name)}
	return translate.Plan{Resources: []client.Object{mr}}, nil
}

// Update applies what a claim or its class may change of a bucket: storage
// class, versioning, access settings, lifecycle, retention and labels. A
// location or provider config change is not applied: a bucket cannot move,
// and other credentials may reach another project.
func (Bucket) Update(existing, desired client.Object) (bool, []string) {
	e, ok1 := existing.(*gcsv1.Bucket)
	d, ok2 := desired.(*gcsv1.Bucket)
	if !ok1 || !ok2 {
		return false, nil
	}
	ep, dp := &e.Spec.ForProvider, d.Spec.ForProvider
	var changed bool
	set := func(ok bool, apply func()) {
		if !ok {
			apply()
			changed = true
		}
	}
	if dp.StorageClass != nil {
		set(ptr.Equal(ep.StorageClass, dp.StorageClass), func() { ep.StorageClass = ptr.To(*dp.StorageClass) })
	}
	set(ptr.Equal(ep.Versioning, dp.Versioning), func() { ep.Versioning = ptr.To(*dp.Versioning) })
	set(ptr.Equal(ep.UniformBucketLevelAccess, dp.UniformBucketLevelAccess), func() { ep.UniformBucketLevelAccess = ptr.To(*dp.UniformBucketLevelAccess) })
	set(ptr.Equal(ep.PublicAccessPrevention, dp.PublicAccessPrevention), func() { ep.PublicAccessPrevention = ptr.To(*dp.PublicAccessPrevention) })
	set(maps.Equal(ep.Labels, dp.Labels), func() { ep.Labels = maps.Clone(dp.Labels) })
	if dp.Lifecycle != nil {
		set(equality.Semantic.DeepEqual(ep.Lifecycle, dp.Lifecycle), func() { ep.Lifecycle = d.DeepCopy().Spec.ForProvider.Lifecycle })
	}
	if dp.RetentionPolicy != nil {
		set(ep.RetentionPolicy != nil && *ep.RetentionPolicy == *dp.RetentionPolicy, func() { ep.RetentionPolicy = dp.RetentionPolicy.DeepCopy() })
	}
	var notApplied []string
	if dp.Location != nil && ep.Location != nil && !strings.EqualFold(*dp.Location, *ep.Location) {
		notApplied = append(notApplied, fmt.Sprintf("location %s (bucket in %s): a bucket cannot move", *dp.Location, *ep.Location))
	}
	if have, want := e.Spec.ProviderConfigReference, d.Spec.ProviderConfigReference; have != nil && want != nil && *have != *want {
		notApplied = append(notApplied, fmt.Sprintf("providerConfigRef %s/%s (in use: %s/%s) would move the bucket to other credentials, possibly another project", want.Kind, want.Name, have.Kind, have.Name))
	}
	return changed, notApplied
}

// Status reads the bucket's name, location and endpoint.
func (Bucket) Status(_ *storagev1.BucketClaim, observed []client.Object) translate.BucketStatus {
	var st translate.BucketStatus
	for _, obj := range observed {
		mr, ok := obj.(*gcsv1.Bucket)
		if !ok {
			continue
		}
		st = translate.BucketStatus{Bucket: mr.Name, Region: strings.ToLower(mr.Status.AtProvider.Location), Endpoint: mr.Status.AtProvider.Endpoint}
		if n := meta.GetExternalName(mr); n != "" {
			st.Bucket = n
		}
	}
	return st
}
