package bucket

import (
	"fmt"
	"maps"
	"strings"

	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// observed is what one Observe read from S3.
type observed struct {
	Region     string
	Versioning string // "", Enabled or Suspended
	Encryption *v1alpha1.ServerSideEncryption
	PAB        v1alpha1.PublicAccessBlock // every field set
	Tags       map[string]string          // every tag, owner tags included
}

// lateInitialize fills fields the user left empty with what S3 chose, so
// they are visible in the spec and compare equal from then on. It reports
// whether anything changed.
func lateInitialize(p *v1alpha1.BucketParameters, o observed) bool {
	changed := false
	if p.Region == nil && o.Region != "" {
		p.Region, changed = ptr.To(o.Region), true
	}
	if p.Versioning == nil && o.Versioning != "" {
		p.Versioning, changed = ptr.To(v1alpha1.VersioningStatus(o.Versioning)), true
	}
	if p.ServerSideEncryption == nil && o.Encryption != nil {
		p.ServerSideEncryption, changed = o.Encryption.DeepCopy(), true
	}
	if p.ServerSideEncryption != nil && o.Encryption != nil && p.ServerSideEncryption.BucketKeyEnabled == nil && o.Encryption.BucketKeyEnabled != nil {
		p.ServerSideEncryption.BucketKeyEnabled, changed = ptr.To(*o.Encryption.BucketKeyEnabled), true
	}
	if p.PublicAccessBlock == nil {
		p.PublicAccessBlock, changed = &v1alpha1.PublicAccessBlock{}, true
	}
	for _, f := range pabFields(p.PublicAccessBlock, &o.PAB) {
		if *f.want == nil {
			*f.want, changed = ptr.To(*(*f.got)), true
		}
	}
	// Owner tags are Stowage's, never the user's: they stay out of the spec.
	if user := ownership.UserTags(o.Tags); p.Tags == nil && len(user) > 0 {
		p.Tags, changed = user, true
	}
	return changed
}

// A difference is one part of a bucket whose spec and S3 state differ. Each
// part is written by its own S3 call, so an update sends only these.
type difference struct {
	Part string // versioning, serverSideEncryption, publicAccessBlock, tags
	Want string
	Got  string
}

func (d difference) String() string {
	if d.Part == partOwnerTags {
		return fmt.Sprintf("owner tags: want %s, S3 has %s", d.Want, d.Got)
	}
	return fmt.Sprintf("spec.forProvider.%s: want %s, S3 has %s", d.Part, d.Want, d.Got)
}

// Parts that can differ.
const (
	partVersioning = "versioning"
	partEncryption = "serverSideEncryption"
	partPAB        = "publicAccessBlock"
	partTags       = "tags"
	// partOwnerTags is written together with the user's tags: S3 keeps one
	// tag set per bucket.
	partOwnerTags = "ownerTags"
)

// diff lists where S3 differs from the spec. Unset spec fields never differ.
// owner, when set, are the owner tags the bucket must carry too.
func diff(p v1alpha1.BucketParameters, o observed, owner *ownership.Owner) []difference {
	var ds []difference
	if p.Versioning != nil && !versioningEqual(*p.Versioning, o.Versioning) {
		ds = append(ds, difference{Part: partVersioning, Want: string(*p.Versioning), Got: compare.OrNone(o.Versioning)})
	}
	if p.ServerSideEncryption != nil && !encryptionEqual(*p.ServerSideEncryption, o.Encryption) {
		ds = append(ds, difference{Part: partEncryption, Want: describeSSE(p.ServerSideEncryption), Got: describeSSE(o.Encryption)})
	}
	if p.PublicAccessBlock != nil {
		for _, f := range pabFields(p.PublicAccessBlock, &o.PAB) {
			if *f.want != nil && **f.want != **f.got {
				ds = append(ds, difference{Part: partPAB + "." + f.name, Want: fmt.Sprint(**f.want), Got: fmt.Sprint(**f.got)})
			}
		}
	}
	if user := ownership.UserTags(o.Tags); p.Tags != nil && !maps.Equal(p.Tags, user) && !(len(p.Tags) == 0 && len(user) == 0) {
		ds = append(ds, difference{Part: partTags, Want: compare.Tags(p.Tags), Got: compare.Tags(user)})
	}
	if owner != nil {
		if want, got := ownership.TagsToFix(o.Tags, *owner); len(want) > 0 {
			ds = append(ds, difference{Part: partOwnerTags, Want: compare.Tags(want), Got: compare.Tags(got)})
		}
	}
	return ds
}

// desiredTags is the bucket's full tag set: the spec's tags (or, when the
// spec leaves tags unset, the user tags S3 has) plus the owner tags.
func desiredTags(p v1alpha1.BucketParameters, o *observed, owner ownership.Owner) map[string]string {
	user := p.Tags
	if user == nil && o != nil {
		user = ownership.UserTags(o.Tags)
	}
	return ownership.Merge(user, owner)
}

// parts returns the distinct parts named by ds.
func parts(ds []difference) map[string]bool {
	m := map[string]bool{}
	for _, d := range ds {
		part, _, _ := strings.Cut(d.Part, ".")
		if part == partOwnerTags {
			part = partTags
		}
		m[part] = true
	}
	return m
}

// A bucket that never had versioning and a suspended one both keep one
// version per key, so they are the same to the user.
func versioningEqual(want v1alpha1.VersioningStatus, got string) bool {
	if want == v1alpha1.VersioningSuspended && got == "" {
		return true
	}
	return string(want) == got
}

func encryptionEqual(want v1alpha1.ServerSideEncryption, got *v1alpha1.ServerSideEncryption) bool {
	if got == nil {
		return false
	}
	if want.Algorithm != got.Algorithm || ptr.Deref(want.KMSMasterKeyID, "") != ptr.Deref(got.KMSMasterKeyID, "") {
		return false
	}
	return want.BucketKeyEnabled == nil || ptr.Deref(got.BucketKeyEnabled, false) == *want.BucketKeyEnabled
}

type pabField struct {
	name      string
	want, got **bool
}

func pabFields(want, got *v1alpha1.PublicAccessBlock) []pabField {
	return []pabField{
		{"blockPublicAcls", &want.BlockPublicACLs, &got.BlockPublicACLs},
		{"ignorePublicAcls", &want.IgnorePublicACLs, &got.IgnorePublicACLs},
		{"blockPublicPolicy", &want.BlockPublicPolicy, &got.BlockPublicPolicy},
		{"restrictPublicBuckets", &want.RestrictPublicBuckets, &got.RestrictPublicBuckets},
	}
}

// desiredPAB is the spec's public access block with unset fields on: new
// buckets block public access unless asked not to.
func desiredPAB(p *v1alpha1.PublicAccessBlock) v1alpha1.PublicAccessBlock {
	out := v1alpha1.PublicAccessBlock{}
	in := p
	if in == nil {
		in = &v1alpha1.PublicAccessBlock{}
	}
	for _, f := range pabFields(&out, in) {
		*f.want = ptr.To(ptr.Deref(*f.got, true))
	}
	return out
}

func describeSSE(s *v1alpha1.ServerSideEncryption) string {
	if s == nil {
		return "none"
	}
	out := string(s.Algorithm)
	if k := ptr.Deref(s.KMSMasterKeyID, ""); k != "" {
		out += " key " + k
	}
	if ptr.Deref(s.BucketKeyEnabled, false) {
		out += " with bucket key"
	}
	return out
}
