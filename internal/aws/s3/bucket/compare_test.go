package bucket

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

var (
	owner     = ownership.Owner{Cluster: "c-1", Kind: "bucket", Namespace: "shop", Name: "assets", UID: "uid-1"}
	other     = ownership.Owner{Cluster: "c-1", Kind: "bucket", Namespace: "other-team", Name: "assets", UID: "uid-2"}
	ownerTags = owner.Tags()
)

func allPAB(v bool) v1alpha1.PublicAccessBlock {
	return v1alpha1.PublicAccessBlock{BlockPublicACLs: ptr.To(v), IgnorePublicACLs: ptr.To(v), BlockPublicPolicy: ptr.To(v), RestrictPublicBuckets: ptr.To(v)}
}

func TestLateInitialize(t *testing.T) {
	cases := map[string]struct {
		reason  string
		spec    v1alpha1.BucketParameters
		obs     observed
		want    v1alpha1.BucketParameters
		changed bool
	}{
		"FillsCloudDefaults": {
			reason: "Unset fields take what S3 chose, so they never diff later.",
			spec:   v1alpha1.BucketParameters{},
			obs: observed{Region: "eu-west-1", Versioning: "Enabled", PAB: allPAB(true), Tags: map[string]string{"a": "1"},
				Encryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(false)}},
			want: v1alpha1.BucketParameters{Region: ptr.To("eu-west-1"), Versioning: ptr.To(v1alpha1.VersioningEnabled), PublicAccessBlock: ptrPAB(allPAB(true)),
				Tags: map[string]string{"a": "1"}, ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, BucketKeyEnabled: ptr.To(false)}},
			changed: true,
		},
		"KeepsUserValues": {
			reason: "Values the user set are never overwritten.",
			spec:   v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), Versioning: ptr.To(v1alpha1.VersioningSuspended), PublicAccessBlock: ptrPAB(allPAB(false)), Tags: map[string]string{}},
			obs:    observed{Region: "us-east-1", Versioning: "Enabled", PAB: allPAB(true), Tags: map[string]string{"a": "1"}},
			want:   v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), Versioning: ptr.To(v1alpha1.VersioningSuspended), PublicAccessBlock: ptrPAB(allPAB(false)), Tags: map[string]string{}},
		},
		"OwnerTagsStayOutOfSpec": {
			reason:  "Owner tags are Stowage's, not the user's: late initialisation copies only user tags.",
			spec:    v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), PublicAccessBlock: ptrPAB(allPAB(true))},
			obs:     observed{Region: "us-east-1", PAB: allPAB(true), Tags: ownership.Merge(map[string]string{"a": "1"}, owner)},
			want:    v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), PublicAccessBlock: ptrPAB(allPAB(true)), Tags: map[string]string{"a": "1"}},
			changed: true,
		},
		"OnlyOwnerTagsLeaveTagsUnset": {
			reason: "A bucket with only owner tags has no user tags to late-initialise.",
			spec:   v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), PublicAccessBlock: ptrPAB(allPAB(true))},
			obs:    observed{Region: "us-east-1", PAB: allPAB(true), Tags: ownerTags},
			want:   v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), PublicAccessBlock: ptrPAB(allPAB(true))},
		},
		"NeverVersionedStaysUnset": {
			reason: "A bucket that never had versioning has nothing to late-initialise.",
			spec:   v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), PublicAccessBlock: ptrPAB(allPAB(true))},
			obs:    observed{Region: "us-east-1", PAB: allPAB(true)},
			want:   v1alpha1.BucketParameters{Region: ptr.To("us-east-1"), PublicAccessBlock: ptrPAB(allPAB(true))},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.spec
			changed := lateInitialize(&got, tc.obs)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nlateInitialize(...): -want, +got:\n%s", tc.reason, diff)
			}
			if changed != tc.changed {
				t.Errorf("%s\nlateInitialize(...) changed = %v, want %v", tc.reason, changed, tc.changed)
			}
		})
	}
}

func ptrPAB(p v1alpha1.PublicAccessBlock) *v1alpha1.PublicAccessBlock { return &p }

func TestDiff(t *testing.T) {
	inSync := observed{Region: "us-east-1", Versioning: "Enabled", PAB: allPAB(true), Tags: map[string]string{"a": "1", "b": "2"},
		Encryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmKMS, KMSMasterKeyID: ptr.To("key"), BucketKeyEnabled: ptr.To(true)}}
	cases := map[string]struct {
		reason string
		spec   v1alpha1.BucketParameters
		obs    observed
		owner  *ownership.Owner
		want   []string
	}{
		"InSync": {
			reason: "Tags in another order and equal settings are no difference.",
			spec: v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled), PublicAccessBlock: ptrPAB(allPAB(true)), Tags: map[string]string{"b": "2", "a": "1"},
				ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmKMS, KMSMasterKeyID: ptr.To("key")}},
			obs: inSync,
		},
		"UnsetNeverDiffs": {
			reason: "Fields the user left unset are the cloud's business.",
			spec:   v1alpha1.BucketParameters{},
			obs:    inSync,
		},
		"SuspendedMatchesNeverVersioned": {
			reason: "Suspended and never-enabled versioning behave the same.",
			spec:   v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningSuspended)},
			obs:    observed{PAB: allPAB(true)},
		},
		"EachPartReported": {
			reason: "Every differing part is named, and only those.",
			spec: v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningSuspended), PublicAccessBlock: &v1alpha1.PublicAccessBlock{BlockPublicPolicy: ptr.To(false)},
				Tags: map[string]string{"a": "1"}, ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256}},
			obs: inSync,
			want: []string{
				"spec.forProvider.versioning: want Suspended, S3 has Enabled",
				"spec.forProvider.serverSideEncryption: want AES256, S3 has aws:kms key key with bucket key",
				"spec.forProvider.publicAccessBlock.blockPublicPolicy: want false, S3 has true",
				"spec.forProvider.tags: want {a=1}, S3 has {a=1, b=2}",
			},
		},
		"EmptyTagsMatchNoTags": {
			reason: "An empty tag map and no tag set are the same.",
			spec:   v1alpha1.BucketParameters{Tags: map[string]string{}},
			obs:    observed{PAB: allPAB(true)},
		},
		"OwnerTagsInSync": {
			reason: "The user's tags are compared without the owner tags, which match too.",
			spec:   v1alpha1.BucketParameters{Tags: map[string]string{"a": "1"}},
			obs:    observed{PAB: allPAB(true), Tags: ownership.Merge(map[string]string{"a": "1"}, owner)},
			owner:  &owner,
		},
		"EmptyTagsWithOwnerTags": {
			reason: "No user tags and only owner tags are in sync.",
			spec:   v1alpha1.BucketParameters{Tags: map[string]string{}},
			obs:    observed{PAB: allPAB(true), Tags: ownerTags},
			owner:  &owner,
		},
		"OwnerTagsMissing": {
			reason: "An untagged bucket that is ours lacks its owner tags, reported apart from the user's tags.",
			spec:   v1alpha1.BucketParameters{Tags: map[string]string{"a": "1"}},
			obs:    observed{PAB: allPAB(true), Tags: map[string]string{"a": "1"}},
			owner:  &owner,
			want:   []string{"owner tags: want {stowage-cluster=c-1, stowage-kind=bucket, stowage-name=assets, stowage-namespace=shop, stowage-uid=uid-1}, S3 has no tags"},
		},
		"OwnerTagsForeign": {
			reason: "Another owner's tags (an explicit import) differ only where they name someone else.",
			spec:   v1alpha1.BucketParameters{},
			obs:    observed{PAB: allPAB(true), Tags: other.Tags()},
			owner:  &owner,
			want:   []string{"owner tags: want {stowage-namespace=shop, stowage-uid=uid-1}, S3 has {stowage-namespace=other-team, stowage-uid=uid-2}"},
		},
		"OwnerTagsNotCompared": {
			reason: "Without an owner (the resource may not update), owner tags are not compared.",
			spec:   v1alpha1.BucketParameters{},
			obs:    observed{PAB: allPAB(true), Tags: other.Tags()},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, d := range diff(tc.spec, tc.obs, tc.owner) {
				got = append(got, d.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ndiff(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDesiredPAB(t *testing.T) {
	got := desiredPAB(&v1alpha1.PublicAccessBlock{BlockPublicPolicy: ptr.To(false)})
	want := allPAB(true)
	want.BlockPublicPolicy = ptr.To(false)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("desiredPAB: unset fields must default to blocking: -want, +got:\n%s", diff)
	}
}

func TestDesiredTags(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   map[string]string
		obs    *observed
		want   map[string]string
	}{
		"SpecAndOwner": {
			reason: "The spec's tags plus the owner tags.",
			spec:   map[string]string{"a": "1"},
			obs:    &observed{Tags: map[string]string{"b": "2"}},
			want:   ownership.Merge(map[string]string{"a": "1"}, owner),
		},
		"UnsetSpecKeepsUserTags": {
			reason: "Tags the spec leaves unset stay as S3 has them; foreign owner tags are replaced.",
			obs:    &observed{Tags: ownership.Merge(map[string]string{"b": "2"}, other)},
			want:   ownership.Merge(map[string]string{"b": "2"}, owner),
		},
		"Create": {
			reason: "A new bucket gets the owner tags even when the spec has none.",
			want:   ownerTags,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := desiredTags(v1alpha1.BucketParameters{Tags: tc.spec}, tc.obs, owner)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ndesiredTags(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
