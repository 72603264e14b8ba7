package secrets_test

import (
	"encoding/json"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/internal/secrets"
)

// objectPatch is a merge patch of a whole object made apart from the object
// patched, as crossplane-runtime's APIPatchingApplicator makes one.
type objectPatch struct{ from runtime.Object }

func (p objectPatch) Type() types.PatchType                { return types.MergePatchType }
func (p objectPatch) Data(_ client.Object) ([]byte, error) { return json.Marshal(p.from) }

// TestClientLabelsSecretsItWrites: every way the manager's client writes a
// Secret labels it; Secrets an earlier version wrote (controlled by a
// Stowage object) are labelled when found past the cache, and nothing else
// is written.
func TestClientLabelsSecretsItWrites(t *testing.T) {
	ctx, ns := namespace(t)
	kube := mgr.GetClient()
	// A Stowage object that controls Secrets; paused, so nothing reconciles it.
	b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "owner", Annotations: map[string]string{meta.AnnotationKeyReconciliationPaused: "true"}}}
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	controlled := []metav1.OwnerReference{{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: v1alpha1.BucketKind, Name: b.Name, UID: b.UID, Controller: ptr.To(true)}}
	secret := func(name string, owners []metav1.OwnerReference) *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: owners},
			Data:       map[string][]byte{"k": []byte("v")},
		}
	}
	// made makes s without the label, as a user or an earlier version
	// would, and notes its resourceVersion.
	madeAs := map[string]string{}
	made := func(t *testing.T, s *corev1.Secret) *corev1.Secret {
		t.Helper()
		if err := env.Client.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		madeAs[s.Name] = s.ResourceVersion
		return s
	}

	cases := map[string]struct {
		reason string
		write  func(t *testing.T) (key client.ObjectKey, err error)
		// alreadyExists is whether write returns AlreadyExists.
		alreadyExists bool
		labelled      bool
		// untouched: the Secret must not have been written at all.
		untouched bool
	}{
		"Create": {
			reason: "A Secret created through the client is labelled.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				s := secret("create", controlled)
				return client.ObjectKeyFromObject(s), kube.Create(ctx, s)
			},
			labelled: true,
		},
		"Update": {
			reason: "A Secret updated through the client is labelled.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				s := made(t, secret("update", nil))
				s.Data["k"] = []byte("w")
				return client.ObjectKeyFromObject(s), kube.Update(ctx, s)
			},
			labelled: true,
		},
		"MergeFromPatch": {
			reason: "A Secret patched from a copy of itself is labelled.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				s := made(t, secret("merge-from", nil))
				orig := s.DeepCopy()
				s.Data["k"] = []byte("w")
				return client.ObjectKeyFromObject(s), kube.Patch(ctx, s, client.MergeFrom(orig))
			},
			labelled: true,
		},
		"ObjectPatch": {
			reason: "A Secret patched with another object's content (crossplane-runtime's connection publisher) is labelled.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				s := made(t, secret("object-patch", nil))
				desired := secret("object-patch", controlled)
				return client.ObjectKeyFromObject(s), kube.Patch(ctx, s, objectPatch{from: desired})
			},
			labelled: true,
		},
		"GetControlledByStowage": {
			reason: "A Secret a Stowage object controls, read past the cache, is labelled so the cache holds it from then on.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				s := made(t, secret("get-controlled", controlled))
				return client.ObjectKeyFromObject(s), kube.Get(ctx, client.ObjectKeyFromObject(s), &corev1.Secret{})
			},
			labelled: true,
		},
		"GetUncontrolled": {
			reason: "A Secret no Stowage object controls is read, never written.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				s := made(t, secret("get-uncontrolled", nil))
				return client.ObjectKeyFromObject(s), kube.Get(ctx, client.ObjectKeyFromObject(s), &corev1.Secret{})
			},
			untouched: true,
		},
		"CreateOverControlledByStowage": {
			reason: "A Create that meets an unlabelled Secret a Stowage object controls still fails AlreadyExists, but labels it so its writer finds it next time.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				made(t, secret("create-over-controlled", controlled))
				s := secret("create-over-controlled", controlled)
				s.Data["k"] = []byte("w")
				return client.ObjectKeyFromObject(s), kube.Create(ctx, s)
			},
			alreadyExists: true,
			labelled:      true,
		},
		"CreateOverForeign": {
			reason: "A Create that meets a Secret no Stowage object controls fails AlreadyExists and writes nothing.",
			write: func(t *testing.T) (client.ObjectKey, error) {
				made(t, secret("create-over-foreign", nil))
				s := secret("create-over-foreign", controlled)
				return client.ObjectKeyFromObject(s), kube.Create(ctx, s)
			},
			alreadyExists: true,
			untouched:     true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			key, err := tc.write(t)
			if tc.alreadyExists != kerrors.IsAlreadyExists(err) || (!tc.alreadyExists && err != nil) {
				t.Fatalf("%s\nwrite: %v (want AlreadyExists: %t)", tc.reason, err, tc.alreadyExists)
			}
			got := &corev1.Secret{}
			if err := env.Client.Get(ctx, key, got); err != nil {
				t.Fatal(err)
			}
			if secrets.Labelled(got) != tc.labelled {
				t.Errorf("%s\nlabels %v: want %s=%s: %t", tc.reason, got.Labels, secrets.Label, secrets.LabelValue, tc.labelled)
			}
			if tc.untouched && got.ResourceVersion != madeAs[key.Name] {
				t.Errorf("%s\nresourceVersion %s, made as %s: it was written", tc.reason, got.ResourceVersion, madeAs[key.Name])
			}
		})
	}
}

// TestConfigureManager: the cache selects labelled Secrets, every kind's
// own transform still runs, and managedFields are dropped from every kind.
func TestConfigureManager(t *testing.T) {
	ran := false
	own := func(in any) (any, error) { ran = true; return in, nil }
	cm := &corev1.ConfigMap{}
	o := ctrl.Options{Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{cm: {Transform: own}}}}
	secrets.ConfigureManager(&o)

	var sel cache.ByObject
	for obj, by := range o.Cache.ByObject {
		if _, ok := obj.(*corev1.Secret); ok {
			sel = by
		}
	}
	if sel.Label == nil || sel.Label.String() != secrets.Label+"="+secrets.LabelValue {
		t.Errorf("Secret cache selector %v: want %s=%s", sel.Label, secrets.Label, secrets.LabelValue)
	}
	withFields := func() *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
	}
	out, err := o.Cache.ByObject[cm].Transform(withFields())
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*corev1.ConfigMap).ManagedFields; !ran || got != nil {
		t.Errorf("ConfigMap transform: own transform ran %t, managedFields %v: want it run and none", ran, got)
	}
	out, err = o.Cache.DefaultTransform(withFields())
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*corev1.ConfigMap).ManagedFields; got != nil {
		t.Errorf("default transform kept managedFields %v", got)
	}
	if o.NewClient == nil {
		t.Error("no NewClient: the manager's client would not read uncached Secrets from the API server")
	}
}
