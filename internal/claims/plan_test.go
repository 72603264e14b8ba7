package claims

import (
	"context"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
)

// twoStep is a translation of two managed resources where the second may
// only be made once the first is ready, as an Azure SQL Database waits for
// its Server. With dropFirst it no longer wants the first.
type twoStep struct{ dropFirst bool }

func (twoStep) Types() []client.Object { return []client.Object{&rdsv1.DBInstance{}, &s3v1.Bucket{}} }

func (twoStep) Update(client.Object, client.Object) (bool, []string) { return false, nil }

func (t twoStep) Plan(c *dbv1.DatabaseClaim, _ *dbv1.DatabaseClass, existing []client.Object) (translate.Plan, error) {
	first := &rdsv1.DBInstance{TypeMeta: metav1.TypeMeta{APIVersion: rdsv1.SchemeGroupVersion.String(), Kind: "DBInstance"}, ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: "first"}}
	second := &s3v1.Bucket{TypeMeta: metav1.TypeMeta{APIVersion: s3v1.SchemeGroupVersion.String(), Kind: "Bucket"}, ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: "second"}}
	// The database publishes a complete connection secret, without which
	// the claim is not Ready.
	first.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "first-conn"}
	if t.dropFirst {
		return translate.Plan{Resources: []client.Object{second}}, nil
	}
	for _, e := range existing {
		if db, ok := e.(*rdsv1.DBInstance); ok && db.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue {
			return translate.Plan{Resources: []client.Object{first, second}}, nil
		}
	}
	return translate.Plan{Resources: []client.Object{first}, Waiting: "Bucket second waits for DBInstance first to be ready"}, nil
}

func (twoStep) Status(*dbv1.DatabaseClaim, []client.Object) translate.DatabaseStatus {
	return translate.DatabaseStatus{Endpoint: "db.example"}
}

func TestPlansMakeResourcesInOrderAndRemoveWhatIsNotWanted(t *testing.T) {
	s, objs, claim := boundReadyClaim(t)
	// A Delete class, so a dropped resource would delete its cloud object
	// unless it is released first.
	objs[0].(*dbv1.DatabaseClass).Spec.ReclaimPolicy = dbv1.ReclaimDelete
	// Only the class, the claim and the connection secret the first
	// resource will publish: the translation makes the rest.
	conn := objs[3].(*corev1.Secret).DeepCopy()
	conn.Name = "first-conn"
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs[0], objs[1], conn).
		WithStatusSubresource(&dbv1.DatabaseClaim{}, &rdsv1.DBInstance{}, &s3v1.Bucket{}).Build()
	tr := &twoStep{}
	reg := &translate.Registry{}
	reg.RegisterDatabase("aws", tr)
	r := &reconciler{client: c, kind: databaseKind{reg: reg}, record: event.NewNopRecorder(), log: logging.NewNopLogger(), poll: time.Minute}
	ctx := context.Background()
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: claim.Namespace, Name: claim.Name}}
	key := func(name string) client.ObjectKey { return client.ObjectKey{Namespace: claim.Namespace, Name: name} }
	got := &dbv1.DatabaseClaim{}
	reconcileAndGet := func() {
		t.Helper()
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
		if err := c.Get(ctx, req.NamespacedName, got); err != nil {
			t.Fatal(err)
		}
	}

	// First the DBInstance alone; the claim says what the rest waits for.
	reconcileAndGet()
	first := &rdsv1.DBInstance{}
	if err := c.Get(ctx, key("first"), first); err != nil {
		t.Fatalf("the first resource was not made: %v", err)
	}
	if err := c.Get(ctx, key("second"), &s3v1.Bucket{}); !kerrors.IsNotFound(err) {
		t.Errorf("the second resource was made before the first was ready: %v", err)
	}
	if c := got.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionFalse || c.Message != "Bucket second waits for DBInstance first to be ready" {
		t.Errorf("Ready: %s: %s", c.Status, c.Message)
	}

	// Once it is ready, the second is made; the claim waits for it.
	first.SetConditions(xpv2.Available())
	if err := c.Status().Update(ctx, first); err != nil {
		t.Fatal(err)
	}
	reconcileAndGet()
	second := &s3v1.Bucket{}
	if err := c.Get(ctx, key("second"), second); err != nil {
		t.Fatalf("the second resource was not made once the first was ready: %v", err)
	}
	if c := got.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionFalse || c.Message != "Bucket second is not ready" {
		t.Errorf("Ready: %s: %s", c.Status, c.Message)
	}

	// Both ready: the claim is Ready, with the translation's status.
	second.SetConditions(xpv2.Available())
	if err := c.Status().Update(ctx, second); err != nil {
		t.Fatal(err)
	}
	reconcileAndGet()
	if c := got.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue || got.Status.Endpoint != "db.example" || len(got.Status.ResourceRefs) != 2 {
		t.Errorf("Ready %s (%s), endpoint %q, refs %v", c.Status, c.Message, got.Status.Endpoint, got.Status.ResourceRefs)
	}

	// A complete plan without the first removes it, keeping its cloud
	// object: it is released before it is deleted. (The fake client has no
	// finalizers to run, so the released policies are checked on the way.)
	tr.dropFirst = true
	var released bool
	r.client = interceptor.NewClient(c, interceptor.Funcs{Delete: func(ctx context.Context, cl client.WithWatch, o client.Object, opts ...client.DeleteOption) error {
		if db, ok := o.(*rdsv1.DBInstance); ok {
			released = !deletes(db.GetManagementPolicies())
		}
		return cl.Delete(ctx, o, opts...)
	}})
	reconcileAndGet()
	// Deleted: only the managed reconciler's finalizer, which the claim put
	// on when making it, keeps it until that reconciler lets it go.
	gone := &rdsv1.DBInstance{}
	if err := c.Get(ctx, key("first"), gone); err == nil && gone.GetDeletionTimestamp() == nil {
		t.Errorf("the resource no longer wanted was not deleted")
	} else if err != nil && !kerrors.IsNotFound(err) {
		t.Fatal(err)
	}
	if !released {
		t.Error("the resource no longer wanted was deleted with a policy that deletes its cloud object")
	}
	if err := c.Get(ctx, key("second"), &s3v1.Bucket{}); err != nil {
		t.Errorf("the wanted resource went: %v", err)
	}
}

func TestReadState(t *testing.T) {
	ready := func(name string) client.Object {
		b := &s3v1.Bucket{TypeMeta: metav1.TypeMeta{Kind: "Bucket"}, ObjectMeta: metav1.ObjectMeta{Name: name}}
		b.SetConditions(xpv2.Available(), xpv2.ReconcileSuccess())
		b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
		return b
	}
	stuck := func(name string) client.Object {
		b := &s3v1.Bucket{TypeMeta: metav1.TypeMeta{Kind: "Bucket"}, ObjectMeta: metav1.ObjectMeta{Name: name}}
		b.SetConditions(xpv2.Creating(), xpv2.ReconcileError(errBoom))
		return b
	}
	edited := func(name string, generation, observed int64) client.Object {
		b := &s3v1.Bucket{TypeMeta: metav1.TypeMeta{Kind: "Bucket"}, ObjectMeta: metav1.ObjectMeta{Name: name, Generation: generation}}
		b.SetConditions(xpv2.Available(), xpv2.ReconcileSuccess().WithObservedGeneration(observed))
		b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-conn"}
		return b
	}
	cases := map[string]struct {
		reason  string
		objs    []client.Object
		waiting string
		want    managedState
	}{
		"EditNotActedOn": {reason: "a resource whose Synced is of an older generation has a spec change not in the cloud yet", objs: []client.Object{edited("a", 3, 3), edited("b", 3, 2)}, want: managedState{Ready: true, Pending: "Bucket b has not acted on generation 3 yet", ConnectionSecrets: []string{"a-conn", "b-conn"}}},
		"EditActedOn":    {reason: "Synced of the resource's generation: nothing pending", objs: []client.Object{edited("a", 3, 3)}, want: managedState{Ready: true, ConnectionSecrets: []string{"a-conn"}}},
		"AllReady":       {reason: "every resource ready: the claim is", objs: []client.Object{ready("a"), ready("b")}, want: managedState{Ready: true, ConnectionSecrets: []string{"a-conn", "b-conn"}}},
		"Waiting":        {reason: "a plan that waits is never ready", objs: []client.Object{ready("a")}, waiting: "b waits for a", want: managedState{NotReady: "b waits for a", ConnectionSecrets: []string{"a-conn"}}},
		"OneStuck":       {reason: "the first resource not ready says why, and every one not synced is named", objs: []client.Object{ready("a"), stuck("b")}, want: managedState{NotReady: "Bucket b is not ready: Creating", NotSynced: "Bucket b is not synced: boom", ConnectionSecrets: []string{"a-conn"}}},
		"Nothing":        {reason: "no resources yet", want: managedState{NotReady: "waiting for the managed resources"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := readState(tc.objs, tc.waiting)
			if got.Ready != tc.want.Ready || got.NotReady != tc.want.NotReady || got.NotSynced != tc.want.NotSynced || got.Pending != tc.want.Pending || len(got.ConnectionSecrets) != len(tc.want.ConnectionSecrets) {
				t.Errorf("%s: readState = %+v, want %+v", tc.reason, got, tc.want)
			}
		})
	}
}

var errBoom = errorString("boom")

type errorString string

func (e errorString) Error() string { return string(e) }
