package bucket

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

var owner = ownership.Owner{Cluster: "c", Kind: "bucket", Namespace: "shop", Name: "assets", UID: "u"}

// inSync is a bucket Google reports as the spec full asks.
func inSync() observed {
	return observed{
		Location: "EU", StorageClass: "STANDARD", UBLA: true, PAP: v1alpha1.PublicAccessPreventionEnforced, Versioning: true,
		Lifecycle: []v1alpha1.LifecycleRule{{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleDelete}, Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](30)}}},
		Retention: ptr.To[int64](60),
		Labels:    ownership.Merge(map[string]string{"team": "shop"}, owner),
	}
}

func full() v1alpha1.BucketParameters {
	return v1alpha1.BucketParameters{
		Location: ptr.To("eu"), StorageClass: ptr.To(v1alpha1.StorageClassStandard), UniformBucketLevelAccess: ptr.To(true),
		PublicAccessPrevention: ptr.To(v1alpha1.PublicAccessPreventionEnforced), Versioning: ptr.To(true),
		Lifecycle:       []v1alpha1.LifecycleRule{{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleDelete}, Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](30)}}},
		RetentionPolicy: &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: 60},
		Labels:          map[string]v1alpha1.LabelValue{"team": "shop"},
	}
}

func TestDiff(t *testing.T) {
	cases := map[string]struct {
		reason string
		p      func(*v1alpha1.BucketParameters)
		o      func(*observed)
		owner  *ownership.Owner
		want   []string // parts
	}{
		"InSync": {
			reason: "A bucket as the spec asks has no difference; location compares without case.",
			owner:  &owner,
		},
		"EmptySpec": {
			reason: "Unset spec fields never differ.",
			p:      func(p *v1alpha1.BucketParameters) { *p = v1alpha1.BucketParameters{} },
			o:      func(o *observed) { *o = observed{Location: "US"} },
		},
		"RulesInAnyOrder": {
			reason: "Lifecycle rules and their lists compare as sets.",
			p: func(p *v1alpha1.BucketParameters) {
				p.Lifecycle = []v1alpha1.LifecycleRule{
					{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleDelete}, Condition: v1alpha1.LifecycleCondition{MatchesPrefix: []string{"b/", "a/"}}},
					{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleSetStorageClass, StorageClass: ptr.To(v1alpha1.StorageClassArchive)}, Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](0)}},
				}
			},
			o: func(o *observed) {
				o.Lifecycle = []v1alpha1.LifecycleRule{
					{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleSetStorageClass, StorageClass: ptr.To(v1alpha1.StorageClass("ARCHIVE"))}, Condition: v1alpha1.LifecycleCondition{AgeDays: ptr.To[int64](0)}},
					{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleDelete}, Condition: v1alpha1.LifecycleCondition{MatchesPrefix: []string{"a/", "b/"}}},
				}
			},
		},
		"EmptyLabelsMatchNone": {
			reason: "An empty labels map and a bucket without user labels are the same.",
			p:      func(p *v1alpha1.BucketParameters) { p.Labels = map[string]v1alpha1.LabelValue{} },
			o:      func(o *observed) { o.Labels = owner.Tags() },
			owner:  &owner,
		},
		"Everything": {
			reason: "Every differing part is listed once.",
			o: func(o *observed) {
				*o = observed{Location: "US", StorageClass: "NEARLINE", PAP: v1alpha1.PublicAccessPreventionInherited, Labels: map[string]string{"team": "x"}}
			},
			owner: &owner,
			want:  []string{partLocation, partStorageClass, partUBLA, partPAP, partVersioning, partLifecycle, partRetention, partLabels, partOwnerLabels},
		},
		"OwnerLabelsOnlyWhenUpdating": {
			reason: "Missing owner labels are a difference only for a resource that may update.",
			o:      func(o *observed) { o.Labels = map[string]string{"team": "shop"} },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, o := full(), inSync()
			if tc.p != nil {
				tc.p(&p)
			}
			if tc.o != nil {
				tc.o(&o)
			}
			var got []string
			for _, d := range diff(p, o, tc.owner) {
				got = append(got, d.Part)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ndiff parts: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestToUpdate(t *testing.T) {
	// What a patch sends is its JSON: a patch changes exactly the fields in
	// it, so false values are sent and removals are nulls.
	cases := map[string]struct {
		reason string
		p      func(*v1alpha1.BucketParameters)
		o      func(*observed)
		want   string // the PATCH body
	}{
		"Nothing": {
			reason: "A bucket in sync needs no update.",
			want:   `{}`,
		},
		"OnlyVersioning": {
			reason: "Only the differing field is set.",
			o:      func(o *observed) { o.Versioning = false },
			want:   `{"versioning":{"enabled":true}}`,
		},
		"VersioningOff": {
			reason: "Turning versioning off sends false.",
			p:      func(p *v1alpha1.BucketParameters) { p.Versioning = ptr.To(false) },
			want:   `{"versioning":{"enabled":false}}`,
		},
		"IAM": {
			reason: "Uniform access and public access prevention go together in one update.",
			o:      func(o *observed) { o.UBLA, o.PAP = false, v1alpha1.PublicAccessPreventionInherited },
			want:   `{"iamConfiguration":{"publicAccessPrevention":"enforced","uniformBucketLevelAccess":{"enabled":true}}}`,
		},
		"IAMOff": {
			reason: "Turning uniform access off sends false; inherited public access prevention is named.",
			p: func(p *v1alpha1.BucketParameters) {
				p.UniformBucketLevelAccess, p.PublicAccessPrevention = ptr.To(false), ptr.To(v1alpha1.PublicAccessPreventionInherited)
			},
			want: `{"iamConfiguration":{"publicAccessPrevention":"inherited","uniformBucketLevelAccess":{"enabled":false}}}`,
		},
		"Retention": {
			reason: "A retention period is sent in seconds.",
			o:      func(o *observed) { o.Retention = nil },
			want:   `{"retentionPolicy":{"retentionPeriod":"60"}}`,
		},
		"RetentionRemoved": {
			reason: "A period of zero removes the retention policy: it is sent as null.",
			p:      func(p *v1alpha1.BucketParameters) { p.RetentionPolicy.RetentionPeriodSeconds = 0 },
			want:   `{"retentionPolicy":null}`,
		},
		"LifecycleRemoved": {
			reason: "No rules removes every rule: an empty list is sent.",
			p:      func(p *v1alpha1.BucketParameters) { p.Lifecycle = []v1alpha1.LifecycleRule{} },
			want:   `{"lifecycle":{"rule":[]}}`,
		},
		"LabelsOneByOne": {
			reason: "Only labels that differ are set, and user labels the spec lacks are deleted; owner labels are left alone.",
			o: func(o *observed) {
				o.Labels = ownership.Merge(map[string]string{"team": "other", "extra": "x"}, owner)
			},
			want: `{"labels":{"extra":null,"team":"shop"}}`,
		},
		"LabelsOnlyRemoved": {
			reason: "Removing labels alone sends the labels with nulls.",
			p:      func(p *v1alpha1.BucketParameters) { p.Labels = map[string]v1alpha1.LabelValue{} },
			want:   `{"labels":{"team":null}}`,
		},
		"OwnerLabels": {
			reason: "Missing owner labels are set.",
			o:      func(o *observed) { o.Labels = map[string]string{"team": "shop", ownership.TagCluster: "c"} },
			want: func() string {
				want := map[string]string{}
				for k, v := range owner.Tags() {
					if k != ownership.TagCluster {
						want[k] = v
					}
				}
				b, _ := json.Marshal(map[string]any{"labels": want})
				return string(b)
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := inSync()
			if tc.o != nil {
				tc.o(&o)
			}
			p := full()
			if tc.p != nil {
				tc.p(&p)
			}
			b, err := json.Marshal(toUpdate(diff(p, o, &owner), p, o, &owner))
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nPATCH body: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLateInitialize(t *testing.T) {
	p := v1alpha1.BucketParameters{}
	o := inSync()
	if !lateInitialize(&p, o) {
		t.Fatal("lateInitialize of an empty spec reported no change")
	}
	want := full()
	want.Location = ptr.To("EU")
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("an empty spec takes what Google has, owner labels excepted: -want +got:\n%s", diff)
	}
	if lateInitialize(&p, o) {
		t.Error("a second lateInitialize changed the spec again")
	}
	if ds := diff(p, o, &owner); len(ds) != 0 {
		t.Errorf("a late-initialised spec differs from Google: %v", ds)
	}
}

func TestLifecycleRoundTrip(t *testing.T) {
	// What the spec says survives the client's form, so a rule read back
	// from Google compares equal to the one sent.
	rules := []v1alpha1.LifecycleRule{
		{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleDelete}, Condition: v1alpha1.LifecycleCondition{
			AgeDays: ptr.To[int64](0), CreatedBefore: ptr.To("2024-01-15"), WithState: ptr.To(v1alpha1.ObjectStateArchived),
			NumNewerVersions: ptr.To[int64](2), MatchesStorageClass: []v1alpha1.StorageClass{"NEARLINE"}, MatchesPrefix: []string{"logs/"},
			MatchesSuffix: []string{".tmp"}, DaysSinceNoncurrentTime: ptr.To[int64](7)}},
		{Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleSetStorageClass, StorageClass: ptr.To(v1alpha1.StorageClassColdline)},
			Condition: v1alpha1.LifecycleCondition{WithState: ptr.To(v1alpha1.ObjectStateLive), AgeDays: ptr.To[int64](90)}},
	}
	if diff := cmp.Diff(rules, fromLifecycle(toLifecycle(rules))); diff != "" {
		t.Errorf("lifecycle round trip: -want +got:\n%s", diff)
	}
}
