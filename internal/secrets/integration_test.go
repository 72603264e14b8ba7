package secrets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/internal/aws/s3/bucket"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/secrets"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const timeout = 90 * time.Second

var (
	env *testenv.Env
	// mgr is the manager running the S3 Bucket controller, with the cache
	// and client the provider has.
	mgr   ctrl.Manager
	cloud *testenv.Cloud
)

// TestMain runs the S3 Bucket controller, as the provider does, against
// moto: its connection Secrets are written by crossplane-runtime's
// publisher, and its credentials are read from a Secret the test makes.
func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	c, err := testenv.StartCloud(context.Background(), &testenv.Moto{})
	if err != nil {
		return 0, err
	}
	defer c.Stop()
	cloud = c
	if env, err = testenv.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = env.StartManager(ctx, time.Second, func(m ctrl.Manager, o controller.Options) error {
		mgr = m
		if err := usage.Setup(m, o); err != nil {
			return err
		}
		return bucket.Setup(m, o)
	})
	if err != nil {
		return 0, err
	}
	return m.Run(), nil
}

func namespace(t *testing.T) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ns, err := env.Namespace(ctx, "secrets")
	if err != nil {
		t.Fatal(err)
	}
	// The credentials Secret is the user's: made without the label.
	if err := testenv.AWSProviderConfig(ctx, env.Client, ns, "default", cloud.Counter.URL); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}

// newBucket returns a Bucket named after name and ns: its S3 name is its
// metadata.name, and S3 names are global, so they must not repeat across
// runs (go test -count).
func newBucket(ns, name, secret string) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ns + "-" + name}}
	b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: secret}
	return b
}

func waitReady(ctx context.Context, t *testing.T, b *v1alpha1.Bucket) {
	t.Helper()
	for _, ct := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
		if _, err := testenv.WaitForCondition(ctx, env.Client, b, ct, corev1.ConditionTrue, timeout); err != nil {
			t.Fatal(err)
		}
	}
}

// inCache reports whether the manager's cache holds the Secret.
func inCache(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	return s, mgr.GetCache().Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, s)
}

// TestCacheHoldsOnlyStowageSecrets: a Bucket becomes Ready with credentials
// from a Secret the cache does not hold, and publishes a connection Secret
// the cache does hold; an unrelated Secret is not cached, and is not
// written when the client reads it.
func TestCacheHoldsOnlyStowageSecrets(t *testing.T) {
	ctx, ns := namespace(t)
	unrelated := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "helm-release"},
		Data:       map[string][]byte{"release": []byte("v1")},
	}
	if err := env.Client.Create(ctx, unrelated); err != nil {
		t.Fatal(err)
	}
	b := newBucket(ns, "cached", "cached-conn")
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)

	// The connection Secret: labelled, cached, without managedFields.
	var conn *corev1.Secret
	err := testenv.Eventually(ctx, timeout, func() error {
		var err error
		conn, err = inCache(ctx, ns, "cached-conn")
		return err
	})
	if err != nil {
		t.Fatalf("the connection Secret is not in the manager's cache: %v", err)
	}
	if !secrets.Labelled(conn) {
		t.Errorf("connection Secret labels %v: want %s=%s", conn.Labels, secrets.Label, secrets.LabelValue)
	}
	if len(conn.ManagedFields) > 0 {
		t.Errorf("the cached connection Secret keeps %d managedFields entries: want none", len(conn.ManagedFields))
	}

	// The credentials and the unrelated Secret: not cached.
	for _, name := range []string{"default-creds", "helm-release"} {
		if _, err := inCache(ctx, ns, name); !kerrors.IsNotFound(err) {
			t.Errorf("Secret %s in the manager's cache: got %v, want NotFound", name, err)
		}
	}

	// The manager's client reads it from the API server, and leaves it be.
	got := &corev1.Secret{}
	if err := mgr.GetClient().Get(ctx, client.ObjectKeyFromObject(unrelated), got); err != nil {
		t.Fatalf("the manager's client cannot read a Secret its cache does not hold: %v", err)
	}
	if string(got.Data["release"]) != "v1" || secrets.Labelled(got) {
		t.Errorf("unrelated Secret read through the manager's client: data %v labels %v, want it as made", got.Data, got.Labels)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(unrelated), got); err != nil {
		t.Fatal(err)
	}
	if got.ResourceVersion != unrelated.ResourceVersion {
		t.Errorf("unrelated Secret was written (resourceVersion %s, made as %s)", got.ResourceVersion, unrelated.ResourceVersion)
	}
}

// TestUnlabelledConnectionSecretIsAdopted: a connection Secret an earlier
// version wrote (controlled by the Bucket, no label) is labelled and cached,
// and updated when its content is stale, not refused as AlreadyExists.
func TestUnlabelledConnectionSecretIsAdopted(t *testing.T) {
	t.Run("StaleContent", func(t *testing.T) {
		ctx, ns := namespace(t)
		b := newBucket(ns, "upgraded", "upgraded-conn")
		// Paused until the old Secret is there.
		meta.AddAnnotations(b, map[string]string{meta.AnnotationKeyReconciliationPaused: "true"})
		if err := env.Client.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		old := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "upgraded-conn", OwnerReferences: []metav1.OwnerReference{{
				APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: v1alpha1.BucketKind, Name: b.Name, UID: b.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}}},
			Type: resource.SecretTypeConnection,
			Data: map[string][]byte{"bucket": []byte("stale")},
		}
		if err := env.Client.Create(ctx, old); err != nil {
			t.Fatal(err)
		}
		if err := unpause(ctx, b); err != nil {
			t.Fatal(err)
		}
		waitReady(ctx, t, b)
		waitAdopted(ctx, t, b, "upgraded-conn")
	})
	t.Run("SameContent", func(t *testing.T) {
		// Nothing to update: only the label tells the cache to hold it.
		ctx, ns := namespace(t)
		b := newBucket(ns, "relabelled", "relabelled-conn")
		if err := env.Client.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		waitReady(ctx, t, b)
		waitAdopted(ctx, t, b, "relabelled-conn")
		// As an earlier version left it.
		p := []byte(`{"metadata":{"labels":{"` + secrets.Label + `":null}}}`)
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "relabelled-conn"}}
		if err := env.Client.Patch(ctx, s, client.RawPatch(types.MergePatchType, p)); err != nil {
			t.Fatal(err)
		}
		err := testenv.Eventually(ctx, timeout, func() error {
			if _, err := inCache(ctx, ns, s.Name); !kerrors.IsNotFound(err) {
				return fmt.Errorf("an unlabelled Secret in the cache: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The next polls find it past the cache and label it.
		waitAdopted(ctx, t, b, "relabelled-conn")
	})
}

// waitAdopted waits until the cache holds Bucket b's labelled connection
// Secret name, with the bucket's name in it.
func waitAdopted(ctx context.Context, t *testing.T, b *v1alpha1.Bucket, name string) {
	t.Helper()
	err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
			return err
		}
		s, err := inCache(ctx, b.Namespace, name)
		if err != nil {
			return fmt.Errorf("not in the manager's cache: %w", err)
		}
		if !secrets.Labelled(s) {
			return fmt.Errorf("labels %v: want %s", s.Labels, secrets.Label)
		}
		if got := string(s.Data["bucket"]); got != meta.GetExternalName(b) {
			return fmt.Errorf("key bucket is %q, want the bucket's name %q", got, meta.GetExternalName(b))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("connection Secret %s: %v", name, err)
	}
}

// TestForeignSecretIsLeftAlone: a Secret under a Bucket's connection Secret
// name that no Stowage object controls is never written, and the Bucket
// says why.
func TestForeignSecretIsLeftAlone(t *testing.T) {
	ctx, ns := namespace(t)
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "someone-else"}}
	if err := env.Client.Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		owners []metav1.OwnerReference
		want   string
	}{
		"Uncontrolled": {want: `refusing to modify uncontrolled secret of type "Opaque"`},
		"ControlledByAnother": {
			owners: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)}},
			want:   "existing secret is not controlled by UID",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			secretName := strings.ToLower(name)
			foreign := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName, OwnerReferences: tc.owners},
				Data:       map[string][]byte{"bucket": []byte("theirs")},
			}
			if err := env.Client.Create(ctx, foreign); err != nil {
				t.Fatal(err)
			}
			b := newBucket(ns, "foreign-"+secretName, secretName)
			if err := env.Client.Create(ctx, b); err != nil {
				t.Fatal(err)
			}
			err := testenv.Eventually(ctx, timeout, func() error {
				if err := env.Client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
					return err
				}
				if c := b.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionFalse || !strings.Contains(c.Message, tc.want) {
					return fmt.Errorf("Synced %s (%s), want False saying %q", c.Status, c.Message, tc.want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got := &corev1.Secret{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(foreign), got); err != nil {
				t.Fatal(err)
			}
			if got.ResourceVersion != foreign.ResourceVersion || secrets.Labelled(got) {
				t.Errorf("the foreign Secret was written: resourceVersion %s (made as %s), labels %v", got.ResourceVersion, foreign.ResourceVersion, got.Labels)
			}
		})
	}
}

func unpause(ctx context.Context, b *v1alpha1.Bucket) error {
	p, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{meta.AnnotationKeyReconciliationPaused: nil}}})
	if err != nil {
		return err
	}
	return env.Client.Patch(ctx, b, client.RawPatch(types.MergePatchType, p))
}
