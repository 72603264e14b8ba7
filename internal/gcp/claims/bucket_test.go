package claims

import (
	"regexp"
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gcsv1 "github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
)

// validBucketName is Google's rule for a bucket name without dots.
var validBucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$`)

func claim(name, uid string, opts ...func(*storagev1.BucketClaim)) *storagev1.BucketClaim {
	c := &storagev1.BucketClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: types.UID(uid)}}
	for _, o := range opts {
		o(c)
	}
	return c
}

func class(t *storagev1.GCPBucketTemplate) *storagev1.BucketClass {
	return &storagev1.BucketClass{ObjectMeta: metav1.ObjectMeta{Name: "gcp-standard"}, Spec: storagev1.BucketClassSpec{GCP: t}}
}

func TestRegistered(t *testing.T) {
	b, ok := translate.Default.Bucket("gcp")
	if !ok {
		t.Fatal("no gcp bucket translation registered")
	}
	if _, ok := b.(Bucket); !ok {
		t.Errorf("gcp bucket translation is %T", b)
	}
	if cl := class(&storagev1.GCPBucketTemplate{}); cl.Cloud() != "gcp" {
		t.Errorf("a class with a gcp template says cloud %q", cl.Cloud())
	}
}

func TestBucketName(t *testing.T) {
	cases := map[string]struct {
		reason string
		name   string
		uid    string
	}{
		"Plain":       {reason: "A claim's name and a hash of its UID.", name: "assets", uid: "u1"},
		"OtherUID":    {reason: "Another claim of the same name gets another bucket.", name: "assets", uid: "u2"},
		"Google":      {reason: "Google refuses names containing google.", name: "my-google-assets", uid: "u1"},
		"Goog":        {reason: "Google refuses names starting with goog.", name: "goog-assets", uid: "u1"},
		"LongDotted":  {reason: "Long and dotted names are cut and cleaned.", name: strings.Repeat("a.", 60), uid: "u1"},
		"DigitsFirst": {reason: "A name starting with a digit stays valid.", name: "1st", uid: "u1"},
	}
	seen := map[string]string{}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got := BucketName(claim(tc.name, tc.uid))
			if !validBucketName.MatchString(got) || strings.HasPrefix(got, "goog") || strings.Contains(got, "google") {
				t.Errorf("%s\nBucketName = %q is not a valid Cloud Storage bucket name", tc.reason, got)
			}
			if prev, ok := seen[got]; ok {
				t.Errorf("%s\nBucketName = %q, the same as case %s", tc.reason, got, prev)
			}
			seen[got] = n
		})
	}
	if got, want := BucketName(claim("assets", "u1")), translate.Name(claim("assets", "u1")); got != want {
		t.Errorf("BucketName of a name Google accepts = %q, want translate.Name %q", got, want)
	}
}

func TestBucketPlan(t *testing.T) {
	tmpl := &storagev1.GCPBucketTemplate{
		Location: ptr.To("europe-west1"), StorageClass: ptr.To(gcsv1.StorageClassNearline),
		Labels:          map[string]gcsv1.LabelValue{"team": "platform"},
		Lifecycle:       []gcsv1.LifecycleRule{{Action: gcsv1.LifecycleAction{Type: gcsv1.LifecycleDelete}, Condition: gcsv1.LifecycleCondition{AgeDays: ptr.To[int64](30)}}},
		RetentionPolicy: &gcsv1.RetentionPolicy{RetentionPeriodSeconds: 60},
	}
	cases := map[string]struct {
		reason string
		claim  *storagev1.BucketClaim
		tmpl   *storagev1.GCPBucketTemplate
		want   gcsv1.BucketParameters
	}{
		"Private": {
			reason: "A private claim gets public access prevention enforced, uniform access on and the class's settings.",
			claim:  claim("assets", "u1"),
			tmpl:   tmpl,
			want: gcsv1.BucketParameters{
				Location: ptr.To("europe-west1"), StorageClass: ptr.To(gcsv1.StorageClassNearline),
				UniformBucketLevelAccess: ptr.To(true), PublicAccessPrevention: ptr.To(gcsv1.PublicAccessPreventionEnforced), Versioning: ptr.To(false),
				Labels:          map[string]gcsv1.LabelValue{"team": "platform"},
				Lifecycle:       []gcsv1.LifecycleRule{{Action: gcsv1.LifecycleAction{Type: gcsv1.LifecycleDelete}, Condition: gcsv1.LifecycleCondition{AgeDays: ptr.To[int64](30)}}},
				RetentionPolicy: &gcsv1.RetentionPolicy{RetentionPeriodSeconds: 60},
			},
		},
		"PublicVersioned": {
			reason: "A claim asking for public access and versioning gets public access prevention inherited and versioning on.",
			claim:  claim("site", "u1", func(c *storagev1.BucketClaim) { c.Spec.PublicAccess, c.Spec.Versioning = true, true }),
			tmpl:   &storagev1.GCPBucketTemplate{UniformBucketLevelAccess: ptr.To(false)},
			want: gcsv1.BucketParameters{
				UniformBucketLevelAccess: ptr.To(false), PublicAccessPrevention: ptr.To(gcsv1.PublicAccessPreventionInherited), Versioning: ptr.To(true),
				Labels: map[string]gcsv1.LabelValue{},
			},
		},
		"ClassVersioning": {
			reason: "A class can version every bucket.",
			claim:  claim("logs", "u1"),
			tmpl:   &storagev1.GCPBucketTemplate{Versioning: ptr.To(true)},
			want: gcsv1.BucketParameters{
				UniformBucketLevelAccess: ptr.To(true), PublicAccessPrevention: ptr.To(gcsv1.PublicAccessPreventionEnforced), Versioning: ptr.To(true),
				Labels: map[string]gcsv1.LabelValue{},
			},
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			plan, err := Bucket{}.Plan(tc.claim, class(tc.tmpl), nil)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Waiting != "" || len(plan.Resources) != 1 {
				t.Fatalf("%s\nplan %+v: want one Bucket and nothing waiting", tc.reason, plan)
			}
			mr := plan.Resources[0].(*gcsv1.Bucket)
			if diff := cmp.Diff(tc.want, mr.Spec.ForProvider); diff != "" {
				t.Errorf("%s\nforProvider: -want +got:\n%s", tc.reason, diff)
			}
			name := BucketName(tc.claim)
			if mr.Name != name || mr.Namespace != "shop" || mr.Spec.WriteConnectionSecretToReference.Name != name+"-connection" {
				t.Errorf("%s\nbucket %s/%s writing %s: want %s in the claim's namespace", tc.reason, mr.Namespace, mr.Name, mr.Spec.WriteConnectionSecretToReference.Name, name)
			}
			if diff := cmp.Diff(&xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}, mr.Spec.ProviderConfigReference); diff != "" {
				t.Errorf("%s\nproviderConfigRef: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
	if _, err := (Bucket{}).Plan(claim("x", "u"), &storagev1.BucketClass{ObjectMeta: metav1.ObjectMeta{Name: "aws-only"}}, nil); err == nil {
		t.Error("a class without a gcp template planned a bucket")
	}
}

func TestBucketUpdate(t *testing.T) {
	plan := func(c *storagev1.BucketClaim, tmpl *storagev1.GCPBucketTemplate) *gcsv1.Bucket {
		p, err := Bucket{}.Plan(c, class(tmpl), nil)
		if err != nil {
			t.Fatal(err)
		}
		return p.Resources[0].(*gcsv1.Bucket)
	}
	base := &storagev1.GCPBucketTemplate{Location: ptr.To("europe-west1"), Labels: map[string]gcsv1.LabelValue{"team": "a"}}
	cases := map[string]struct {
		reason         string
		existing       func(*gcsv1.Bucket)
		claim          *storagev1.BucketClaim
		tmpl           *storagev1.GCPBucketTemplate
		wantChanged    bool
		wantNotApplied []string
	}{
		"Same": {
			reason: "A bucket as planned, with Google's location case and late-initialised fields, needs no change.",
			existing: func(b *gcsv1.Bucket) {
				b.Spec.ForProvider.Location = ptr.To("EUROPE-WEST1")
				b.Spec.ForProvider.StorageClass = ptr.To(gcsv1.StorageClassStandard)
			},
			claim: claim("a", "u"), tmpl: base,
		},
		"ClaimVersioning": {
			reason: "A claim turning versioning on changes the bucket.",
			claim:  claim("a", "u", func(c *storagev1.BucketClaim) { c.Spec.Versioning = true }), tmpl: base,
			wantChanged: true,
		},
		"ClassLabels": {
			reason: "A class's labels flow to its buckets.",
			claim:  claim("a", "u"), tmpl: &storagev1.GCPBucketTemplate{Location: ptr.To("europe-west1"), Labels: map[string]gcsv1.LabelValue{"team": "b"}},
			wantChanged: true,
		},
		"Moved": {
			reason:         "A new location is not applied, and said so.",
			claim:          claim("a", "u"),
			tmpl:           &storagev1.GCPBucketTemplate{Location: ptr.To("us"), Labels: map[string]gcsv1.LabelValue{"team": "a"}},
			wantNotApplied: []string{"location us (bucket in europe-west1): a bucket cannot move"},
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			existing := plan(claim("a", "u"), base)
			if tc.existing != nil {
				tc.existing(existing)
			}
			desired := plan(tc.claim, tc.tmpl)
			changed, notApplied := Bucket{}.Update(existing, desired)
			if changed != tc.wantChanged {
				t.Errorf("%s\nchanged = %t, want %t", tc.reason, changed, tc.wantChanged)
			}
			if diff := cmp.Diff(tc.wantNotApplied, notApplied); diff != "" {
				t.Errorf("%s\nnot applied: -want +got:\n%s", tc.reason, diff)
			}
			if changed {
				again, _ := Bucket{}.Update(existing, desired)
				if again {
					t.Errorf("%s\na second Update changed the bucket again", tc.reason)
				}
			}
		})
	}
}

func TestBucketStatus(t *testing.T) {
	mr := &gcsv1.Bucket{ObjectMeta: metav1.ObjectMeta{Name: "assets-1"}}
	mr.Status.AtProvider = gcsv1.BucketObservation{Location: "EUROPE-WEST1", Endpoint: "https://storage.googleapis.com"}
	got := Bucket{}.Status(nil, []client.Object{mr})
	want := translate.BucketStatus{Bucket: "assets-1", Region: "europe-west1", Endpoint: "https://storage.googleapis.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status: -want +got:\n%s", diff)
	}
}
