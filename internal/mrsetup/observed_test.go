package mrsetup

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/stowage-dev/stowage/apis"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsv1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
)

// jsonObservedGeneration is status.observedGeneration as the API server and
// kstatus see it.
func jsonObservedGeneration(t *testing.T, obj any) int64 {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Status struct {
			ObservedGeneration int64 `json:"observedGeneration"`
		} `json:"status"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.Status.ObservedGeneration
}

// TestEveryManagedKindGetsObservedGeneration checks SetObservedGeneration on
// every managed resource kind Stowage registers: it must reach the JSON
// field kstatus reads, for kinds added later too.
func TestEveryManagedKindGetsObservedGeneration(t *testing.T) {
	s := stowageScheme(t)
	var kinds []string
	for gvk := range s.AllKnownTypes() {
		if !strings.HasSuffix(gvk.Group, "stowage.dev") || strings.HasSuffix(gvk.Kind, "List") {
			continue
		}
		o, err := s.New(gvk)
		if err != nil {
			t.Fatal(err)
		}
		mg, ok := o.(resource.Managed)
		if !ok {
			continue
		}
		kinds = append(kinds, gvk.GroupKind().String())
		mg.SetGeneration(4)
		mg.SetConditions(xpv2.ReconcileSuccess().WithObservedGeneration(3))
		if !SetObservedGeneration(mg) {
			t.Errorf("%s: SetObservedGeneration found no status.observedGeneration", gvk.Kind)
			continue
		}
		// The generation Synced was set for, not metadata's: the
		// controller has not acted on 4 yet.
		if got := jsonObservedGeneration(t, mg); got != 3 {
			t.Errorf("%s: status.observedGeneration = %d, want 3", gvk.Kind, got)
		}
	}
	sort.Strings(kinds)
	if len(kinds) < 10 {
		t.Fatalf("found only %d managed kinds: %v", len(kinds), kinds)
	}
	t.Logf("%d managed kinds: %v", len(kinds), kinds)
}

func TestSetObservedGeneration(t *testing.T) {
	cases := map[string]struct {
		obj  client.Object
		ok   bool
		want int64
	}{
		"SyncedStamped": {obj: func() client.Object {
			b := &s3v1.Bucket{}
			b.SetConditions(xpv2.ReconcileError(errBoom).WithObservedGeneration(2))
			return b
		}(), ok: true, want: 2},
		"SyncedNotStamped": {obj: func() client.Object { b := &s3v1.Bucket{}; b.SetConditions(xpv2.ReconcileSuccess()); return b }(), ok: false, want: 0},
		"NoConditions":     {obj: &s3v1.Bucket{}, ok: false, want: 0},
		"NotManaged":       {obj: &dbv1.DatabaseClaim{}, ok: false, want: 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ok := SetObservedGeneration(tc.obj)
			if diff := cmp.Diff([2]any{tc.ok, tc.want}, [2]any{ok, jsonObservedGeneration(t, tc.obj)}); diff != "" {
				t.Errorf("(ok, observedGeneration) -want +got:\n%s", diff)
			}
		})
	}
}

// TestStatusWritesCarryObservedGeneration checks the client the managed
// reconciler is given: its status writes set observedGeneration.
func TestStatusWritesCarryObservedGeneration(t *testing.T) {
	s := stowageScheme(t)
	b := &s3v1.Bucket{}
	b.SetName("b")
	b.SetNamespace("ns")
	b.SetGeneration(2)
	c := observedClient{Client: fake.NewClientBuilder().WithScheme(s).WithObjects(b).WithStatusSubresource(b).Build()}
	ctx := context.Background()
	if err := c.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
		t.Fatal(err)
	}
	b.SetConditions(xpv2.Available(), xpv2.ReconcileSuccess().WithObservedGeneration(b.GetGeneration()))
	if err := c.Status().Update(ctx, b); err != nil {
		t.Fatal(err)
	}
	got := &s3v1.Bucket{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(b), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.ObservedGeneration != got.GetGeneration() || got.GetGeneration() == 0 {
		t.Errorf("after a status update: observedGeneration %d, generation %d", got.Status.ObservedGeneration, got.GetGeneration())
	}
}

var errBoom = boom("boom")

type boom string

func (b boom) Error() string { return string(b) }

// TestNoOpUpdatesSkipped: crossplane-runtime's ProviderConfig reconciler
// updates its config on every usage; an update that changes nothing is not
// sent, one that changes something is.
func TestNoOpUpdatesSkipped(t *testing.T) {
	s := stowageScheme(t)
	pc := &awsv1.ClusterProviderConfig{}
	pc.SetName("default")
	pc.SetFinalizers([]string{"in-use.crossplane.io"})
	sent := 0
	fc := fake.NewClientBuilder().WithScheme(s).WithObjects(pc).WithInterceptorFuncs(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			sent++
			return c.Update(ctx, obj, opts...)
		},
	}).Build()
	c := WithoutNoOpWrites(fakeManager{c: fc}).GetClient()
	ctx := context.Background()
	got := &awsv1.ClusterProviderConfig{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(pc), got); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if sent != 0 {
		t.Errorf("an update that changes nothing was sent")
	}
	got.SetLabels(map[string]string{"team": "a"})
	if err := c.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if sent != 1 {
		t.Errorf("an update that changes a label: sent %d times, want once", sent)
	}
}

type fakeManager struct {
	ctrl.Manager
	c client.Client
}

func (m fakeManager) GetClient() client.Client { return m.c }

// stowageScheme knows every Stowage kind.
func stowageScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := apis.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUpdateKeepsObservedStatus: an update (late initialisation) made
// between observing a resource and writing its status must not put the
// API server's older status back into the object, or the status write that
// follows writes the old status again.
func TestUpdateKeepsObservedStatus(t *testing.T) {
	s := stowageScheme(t)
	b := &s3v1.Bucket{}
	b.SetName("b")
	b.SetNamespace("ns")
	b.SetConditions(xpv2.Creating())
	c := observedClient{Client: fake.NewClientBuilder().WithScheme(s).WithObjects(b).WithStatusSubresource(b).Build()}
	ctx := context.Background()
	got := &s3v1.Bucket{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(b), got); err != nil {
		t.Fatal(err)
	}
	// Observed: the bucket is ready; late-initialised: a spec field.
	got.SetConditions(xpv2.Available())
	got.Spec.ForProvider.Region = ptr.To("eu-west-1")
	if err := c.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if r := got.GetCondition(xpv2.TypeReady); r.Reason != xpv2.ReasonAvailable {
		t.Fatalf("after the update the object's Ready is %s again, not the observed %s", r.Reason, xpv2.ReasonAvailable)
	}
	if err := c.Status().Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	stored := &s3v1.Bucket{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(b), stored); err != nil {
		t.Fatal(err)
	}
	if r := stored.GetCondition(xpv2.TypeReady); r.Reason != xpv2.ReasonAvailable || ptr.Deref(stored.Spec.ForProvider.Region, "") != "eu-west-1" {
		t.Errorf("stored: Ready %s, region %q; want %s, eu-west-1", r.Reason, ptr.Deref(stored.Spec.ForProvider.Region, ""), xpv2.ReasonAvailable)
	}
}

// TestNoEmptyConnectionSecret: a managed resource's connection Secret is
// created once it has something in it; other Secrets are created as asked.
func TestNoEmptyConnectionSecret(t *testing.T) {
	s := stowageScheme(t)
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	owner := &s3v1.Bucket{}
	owner.SetName("b")
	owner.SetNamespace("ns")
	owner.SetUID("uid-b")
	fc := fake.NewClientBuilder().WithScheme(s).Build()
	c := observedClient{Client: fc}
	ctx := context.Background()
	secret := func(name string, controlled bool, data map[string][]byte) *corev1.Secret {
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Data: data}
		if controlled {
			if err := controllerutil.SetControllerReference(owner, sec, s); err != nil {
				t.Fatal(err)
			}
		}
		return sec
	}
	cases := []struct {
		name   string
		secret *corev1.Secret
		want   bool
	}{
		{"empty, of a managed resource", secret("empty", true, nil), false},
		{"with details, of a managed resource", secret("details", true, map[string][]byte{"endpoint": []byte("e")}), true},
		{"empty, of no Stowage object", secret("other", false, nil), true},
	}
	for _, tc := range cases {
		if err := c.Create(ctx, tc.secret); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		err := fc.Get(ctx, client.ObjectKeyFromObject(tc.secret), &corev1.Secret{})
		if created := err == nil; created != tc.want {
			t.Errorf("%s: created %t, want %t (%v)", tc.name, created, tc.want, err)
		}
	}
}
