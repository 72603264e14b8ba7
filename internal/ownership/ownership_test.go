package ownership

import (
	"context"
	"errors"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	s3v1alpha1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
)

// bucket is a managed resource named assets in shop with uid-1; opts adjust it.
func bucket(opts ...func(*s3v1alpha1.Bucket)) *s3v1alpha1.Bucket {
	b := &s3v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "assets", UID: "uid-1"}}
	for _, o := range opts {
		o(b)
	}
	return b
}

func generated(b *s3v1alpha1.Bucket) {
	meta.SetExternalName(b, b.Name)
	meta.AddAnnotations(b, map[string]string{AnnotationGeneratedExternalName: b.Name})
}

func explicit(name string) func(*s3v1alpha1.Bucket) {
	return func(b *s3v1alpha1.Bucket) { meta.SetExternalName(b, name) }
}

func policies(p ...xpv2.ManagementAction) func(*s3v1alpha1.Bucket) {
	return func(b *s3v1alpha1.Bucket) { b.Spec.ManagementPolicies = p }
}

func createPending(b *s3v1alpha1.Bucket) { meta.SetExternalCreatePending(b, metav1.Now().Time) }

func createSucceeded(b *s3v1alpha1.Bucket) { meta.SetExternalCreateSucceeded(b, metav1.Now().Time) }

var (
	mine     = Owner{Cluster: "c-1", Kind: "bucket", Namespace: "shop", Name: "assets", UID: "uid-1"}
	theirs   = Owner{Cluster: "c-2", Kind: "bucket", Namespace: "other", Name: "assets", UID: "uid-2"}
	untagged = map[string]string{"team": "shop"}
)

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCheck(t *testing.T) {
	const howToImport = `: to import it on purpose, create a managed resource with the annotation crossplane.io/external-name: assets (or remove the stowage.dev/generated-external-name annotation from this one)`
	cases := map[string]struct {
		reason string
		mg     *s3v1alpha1.Bucket
		tags   map[string]string
		want   string
	}{
		"Ours": {
			reason: "An object whose owner tags name this resource's UID is ours.",
			mg:     bucket(generated),
			tags:   Merge(untagged, mine),
		},
		"OursFromAnotherClusterID": {
			reason: "The UID decides; the cluster tag is only informative.",
			mg:     bucket(generated),
			tags:   Merge(nil, Owner{Cluster: "other", UID: "uid-1"}),
		},
		"Predecessor": {
			reason: "The same kind, namespace and name in the same cluster is this resource applied again (a retained resource re-applied, a claim re-making its managed resource).",
			mg:     bucket(generated),
			tags:   Merge(nil, Owner{Cluster: "c-1", Kind: "bucket", Namespace: "shop", Name: "assets", UID: "uid-0"}),
		},
		"SameNameOtherCluster": {
			reason: "The same namespace and name in another cluster is someone else.",
			mg:     bucket(generated),
			tags:   Merge(nil, Owner{Cluster: "c-9", Kind: "bucket", Namespace: "shop", Name: "assets", UID: "uid-0"}),
			want:   `"assets" already exists and belongs to bucket shop/assets (uid uid-0) in cluster c-9, so this resource will not manage it` + howToImport,
		},
		"SameNameOtherKind": {
			reason: "Another kind of the same name is someone else.",
			mg:     bucket(generated),
			tags:   Merge(nil, Owner{Cluster: "c-1", Kind: "container", Namespace: "shop", Name: "assets", UID: "uid-0"}),
			want:   `"assets" already exists and belongs to container shop/assets (uid uid-0) in cluster c-1, so this resource will not manage it` + howToImport,
		},
		"ObserveOnlyForeign": {
			reason: "A resource that cannot write may observe someone else's object.",
			mg:     bucket(generated, policies(xpv2.ManagementActionObserve)),
			tags:   Merge(nil, theirs),
		},
		"ObserveAndLateInitUntagged": {
			reason: "LateInitialize writes only the spec, not the cloud.",
			mg:     bucket(generated, policies(xpv2.ManagementActionObserve, xpv2.ManagementActionLateInitialize)),
			tags:   untagged,
		},
		"ExplicitForeign": {
			reason: "An explicit external name imports someone else's object on purpose.",
			mg:     bucket(explicit("assets")),
			tags:   Merge(nil, theirs),
		},
		"ExplicitDiffersFromGenerated": {
			reason: "An external name changed away from the generated one is explicit.",
			mg: bucket(generated, func(b *s3v1alpha1.Bucket) {
				meta.SetExternalName(b, "legacy")
			}),
			tags: untagged,
		},
		"GeneratedForeign": {
			reason: "A generated name never takes someone else's object.",
			mg:     bucket(generated),
			tags:   Merge(untagged, theirs),
			want:   `"assets" already exists and belongs to bucket other/assets (uid uid-2) in cluster c-2, so this resource will not manage it` + howToImport,
		},
		"GeneratedForeignEvenAfterCreate": {
			reason: "Create annotations do not make someone else's tagged object ours.",
			mg:     bucket(generated, createSucceeded),
			tags:   Merge(nil, theirs),
			want:   `"assets" already exists and belongs to bucket other/assets (uid uid-2) in cluster c-2, so this resource will not manage it` + howToImport,
		},
		"PartlyTaggedForeign": {
			reason: "Any owner tag counts; missing parts are shown as unknown.",
			mg:     bucket(generated),
			tags:   map[string]string{TagUID: "uid-3"},
			want:   `"assets" already exists and belongs to resource / (uid uid-3) in cluster unknown, so this resource will not manage it` + howToImport,
		},
		"UntaggedAfterCreatePending": {
			reason: "An untagged object after a started create is ours: the create got there, the tags did not.",
			mg:     bucket(generated, createPending),
			tags:   untagged,
		},
		"UntaggedAfterCreateSucceeded": {
			reason: "An untagged object after a successful create is ours.",
			mg:     bucket(generated, createSucceeded),
			tags:   nil,
		},
		"UntaggedGenerated": {
			reason: "An untagged object under a generated name, never created by this resource, is refused.",
			mg:     bucket(generated),
			tags:   untagged,
			want:   `"assets" already exists and has no owner tags: it was not created by Stowage, so this resource will not manage it` + howToImport,
		},
		"ForeignWithFullPolicies": {
			reason: "Create, Update and Delete each allow writes.",
			mg:     bucket(generated, policies(xpv2.ManagementActionObserve, xpv2.ManagementActionDelete)),
			tags:   Merge(nil, theirs),
			want:   `"assets" already exists and belongs to bucket other/assets (uid uid-2) in cluster c-2, so this resource will not manage it` + howToImport,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errString(Check(tc.mg, OwnerOf(mine.Cluster, mine.Kind, tc.mg), tc.tags))); diff != "" {
				t.Errorf("%s\nCheck(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestExplicitExternalName(t *testing.T) {
	cases := map[string]struct {
		reason string
		mg     *s3v1alpha1.Bucket
		want   bool
	}{
		"None":      {reason: "No external name is not explicit.", mg: bucket()},
		"Generated": {reason: "A generated name is not explicit.", mg: bucket(generated)},
		"SetByHand": {reason: "A name without the generated annotation is explicit.", mg: bucket(explicit("assets")), want: true},
		"Changed": {reason: "A name that differs from the generated one is explicit.", mg: bucket(generated, func(b *s3v1alpha1.Bucket) {
			meta.SetExternalName(b, "other")
		}), want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := ExplicitExternalName(tc.mg); got != tc.want {
				t.Errorf("%s\nExplicitExternalName(...) = %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestCanWrite(t *testing.T) {
	cases := map[string]struct {
		reason   string
		policies xpv2.ManagementPolicies
		want     bool
	}{
		"Default":     {reason: "No policies means every action.", want: true},
		"All":         {reason: "* writes.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionAll}, want: true},
		"ObserveOnly": {reason: "Observe alone does not write.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve}},
		"NoDelete":    {reason: "Update writes.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionUpdate}, want: true},
		"CreateOnly":  {reason: "Create writes.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate}, want: true},
		"DeleteOnly":  {reason: "Delete writes.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionDelete}, want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := CanWrite(bucket(policies(tc.policies...))); got != tc.want {
				t.Errorf("%s\nCanWrite(...) = %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestCanUpdate(t *testing.T) {
	cases := map[string]struct {
		reason   string
		policies xpv2.ManagementPolicies
		want     bool
	}{
		"Default":     {reason: "No policies means every action.", want: true},
		"All":         {reason: "* updates.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionAll}, want: true},
		"Update":      {reason: "Update updates.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionUpdate}, want: true},
		"CreateOnly":  {reason: "Create alone does not fix owner tags later.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve, xpv2.ManagementActionCreate}},
		"ObserveOnly": {reason: "Observe alone does not.", policies: xpv2.ManagementPolicies{xpv2.ManagementActionObserve}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := CanUpdate(bucket(policies(tc.policies...))); got != tc.want {
				t.Errorf("%s\nCanUpdate(...) = %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestTags(t *testing.T) {
	cloud := map[string]string{"team": "shop", TagUID: "uid-2", TagCluster: "c-2", "stowage-future": "x"}
	cases := map[string]struct {
		reason string
		got    map[string]string
		want   map[string]string
	}{
		"UserTagsDropReserved": {
			reason: "User tags never contain Stowage's keys, so late initialisation cannot copy them.",
			got:    UserTags(cloud),
			want:   map[string]string{"team": "shop"},
		},
		"UserTagsNil": {
			reason: "No tags stay no tags.",
			got:    UserTags(nil),
		},
		"MergeOwnerWins": {
			reason: "The full set is the user's tags plus the owner tags, which win.",
			got:    Merge(map[string]string{"team": "shop", TagUID: "forged"}, mine),
			want:   map[string]string{"team": "shop", TagCluster: "c-1", TagKind: "bucket", TagNamespace: "shop", TagName: "assets", TagUID: "uid-1"},
		},
		"MissingOnUntagged": {
			reason: "An untagged object lacks every owner tag.",
			got:    MissingTags(map[string]string{"team": "shop"}, mine),
			want:   mine.Tags(),
		},
		"MissingOnForeign": {
			reason: "Owner tags with other values are missing too.",
			got:    MissingTags(Merge(nil, Owner{Cluster: "c-1", Kind: "bucket", Namespace: "shop", Name: "assets", UID: "uid-2"}), mine),
			want:   map[string]string{TagUID: "uid-1"},
		},
		"NoneMissing": {
			reason: "A fully tagged object lacks nothing.",
			got:    MissingTags(Merge(map[string]string{"team": "shop"}, mine), mine),
			want:   map[string]string{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestTagKeysValidEverywhere(t *testing.T) {
	// GCP label keys: lowercase letters, digits, '_' and '-', starting with
	// a letter, at most 63 characters. AWS and Azure accept these too.
	for k := range mine.Tags() {
		if len(k) > 63 || k[0] < 'a' || k[0] > 'z' {
			t.Errorf("tag key %q is not a valid GCP label key", k)
		}
		for _, r := range k {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				t.Errorf("tag key %q has %q, which GCP labels do not allow", k, r)
			}
		}
		if !IsReserved(k) {
			t.Errorf("tag key %q does not start with %q", k, ReservedPrefix)
		}
	}
}

func TestForeign(t *testing.T) {
	cases := map[string]struct {
		reason string
		tags   map[string]string
		want   Owner
		wantOK bool
	}{
		"Untagged": {reason: "No owner tags name nobody.", tags: untagged},
		"Ours":     {reason: "Our own tags are not foreign.", tags: mine.Tags()},
		"Theirs":   {reason: "Someone else's tags are foreign.", tags: theirs.Tags(), want: theirs, wantOK: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := Foreign(bucket(), tc.tags)
			if diff := cmp.Diff(tc.want, got); diff != "" || ok != tc.wantOK {
				t.Errorf("%s\nForeign(...) = %v, %v; -want, +got:\n%s", tc.reason, got, ok, diff)
			}
		})
	}
}

func TestClusterID(t *testing.T) {
	errBoom := errors.New("boom")
	ks := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: types.UID("cluster-uid")}}
	cases := map[string]struct {
		reason   string
		failures int // Get calls that fail before the API server answers
		wantErrs int
	}{
		"Memoised":     {reason: "A successful read is made once and remembered."},
		"RetriesError": {reason: "A failed read is not remembered; the next call reads again.", failures: 1, wantErrs: 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			gets, failures := 0, tc.failures
			c := fake.NewClientBuilder().WithObjects(ks).WithInterceptorFuncs(interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					gets++
					if failures > 0 {
						failures--
						return errBoom
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}).Build()
			cl := NewCluster(c)
			errs := 0
			for range 3 {
				id, err := cl.ID(context.Background())
				if err != nil {
					errs++
					continue
				}
				if id != "cluster-uid" {
					t.Errorf("%s\nID() = %q, want the kube-system UID", tc.reason, id)
				}
			}
			if errs != tc.wantErrs || gets != tc.failures+1 {
				t.Errorf("%s\n%d errors and %d reads, want %d and %d", tc.reason, errs, gets, tc.wantErrs, tc.failures+1)
			}
		})
	}
}

func TestGeneratedExternalName(t *testing.T) {
	cases := map[string]struct {
		reason string
		mg     *s3v1alpha1.Bucket
		want   map[string]string
	}{
		"Generates": {
			reason: "A resource without an external name gets metadata.name and the record that it was generated.",
			mg:     bucket(),
			want:   map[string]string{meta.AnnotationKeyExternalName: "assets", AnnotationGeneratedExternalName: "assets"},
		},
		"KeepsExplicit": {
			reason: "An external name set by a person is left alone and not marked generated.",
			mg:     bucket(explicit("legacy")),
			want:   map[string]string{meta.AnnotationKeyExternalName: "legacy"},
		},
	}
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := s3v1alpha1.SchemeBuilder.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := fake.NewClientBuilder().WithScheme(s).WithObjects(tc.mg).Build()
			mg := &s3v1alpha1.Bucket{}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(tc.mg), mg); err != nil {
				t.Fatal(err)
			}
			if err := NewGeneratedExternalName(c).Initialize(context.Background(), mg); err != nil {
				t.Fatal(err)
			}
			stored := &s3v1alpha1.Bucket{}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(tc.mg), stored); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, stored.GetAnnotations()); diff != "" {
				t.Errorf("%s\nstored annotations: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
