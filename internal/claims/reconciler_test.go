package claims

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/stowage-dev/stowage/apis"
	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	awsclaims "github.com/stowage-dev/stowage/internal/aws/claims"
	"github.com/stowage-dev/stowage/internal/claims/translate"
)

// writes counts what a reconcile wrote.
type writes struct{ updates, statusUpdates, creates int }

// boundReadyClaim is a claim bound to a class whose DBInstance is Ready and
// has published its connection secret: nothing is left to do.
func boundReadyClaim(t *testing.T) (*runtime.Scheme, []client.Object, *dbv1.DatabaseClaim) {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := apis.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	class := &dbv1.DatabaseClass{
		ObjectMeta: metav1.ObjectMeta{Name: "std"},
		Spec: dbv1.DatabaseClassSpec{
			ReclaimPolicy: dbv1.ReclaimRetain,
			Engines:       []dbv1.EngineOffer{{Engine: dbv1.EnginePostgres, Versions: []string{"16"}}},
			AWS:           &dbv1.AWSDatabaseTemplate{Sizes: map[string]dbv1.AWSDatabaseSize{"small": {InstanceClass: "db.t3.micro"}}},
		},
	}
	claim := &dbv1.DatabaseClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders", UID: "7d0e9b1c-0000-4000-8000-000000000001", Finalizers: []string{Finalizer}},
		Spec: dbv1.DatabaseClaimSpec{Engine: dbv1.EnginePostgres, Version: "16", Size: "small", StorageGB: 20,
			ClassName: ptr.To("std"), WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "orders-db"}},
	}
	plan, err := awsclaims.Database{}.Plan(claim, class, nil)
	if err != nil {
		t.Fatal(err)
	}
	mr := plan.Resources[0].(*rdsv1.DBInstance)
	mr.SetLabels(withClaimLabels(nil, claim))
	mr.SetManagementPolicies(RetainPolicies)
	if err := controllerutil.SetControllerReference(claim, mr, s); err != nil {
		t.Fatal(err)
	}
	mr.SetConditions(xpv2.Available(), xpv2.ReconcileSuccess())
	conn := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: mr.Spec.WriteConnectionSecretToReference.Name},
		Data: map[string][]byte{"engine": []byte("postgres"), "host": []byte("db.example"), "port": []byte("5432"),
			"database": []byte("orders"), "username": []byte("stowage"), "password": []byte("s3cr3t")},
	}
	return s, []client.Object{class, claim, mr, conn}, claim
}

func newTestReconciler(s *runtime.Scheme, objs []client.Object, w *writes, fail interceptor.Funcs) *reconciler {
	funcs := interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.UpdateOption) error {
			w.updates++
			return c.Update(ctx, o, opts...)
		},
		Create: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.CreateOption) error {
			w.creates++
			return c.Create(ctx, o, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, o client.Object, opts ...client.SubResourceUpdateOption) error {
			w.statusUpdates++
			return c.SubResource(sub).Update(ctx, o, opts...)
		},
		List: fail.List,
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).
		WithStatusSubresource(&dbv1.DatabaseClaim{}, &rdsv1.DBInstance{}).
		WithInterceptorFuncs(funcs).Build()
	reg := &translate.Registry{}
	awsclaims.Register(reg)
	return &reconciler{client: c, kind: databaseKind{reg: reg}, record: event.NewNopRecorder(), log: logging.NewNopLogger(), poll: time.Minute}
}

func TestReconcileWritesStatusOnlyWhenItChanged(t *testing.T) {
	s, objs, claim := boundReadyClaim(t)
	w := &writes{}
	r := newTestReconciler(s, objs, w, interceptor.Funcs{})
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: claim.Namespace, Name: claim.Name}}

	res, err := r.Reconcile(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if w.statusUpdates != 1 || w.creates != 1 {
		t.Errorf("first reconcile: %d status updates and %d creates, want 1 status update and the connection secret created", w.statusUpdates, w.creates)
	}
	if res.RequeueAfter != time.Minute {
		t.Errorf("a Ready claim polls every %s, want every poll interval", res.RequeueAfter)
	}
	got := &dbv1.DatabaseClaim{}
	if err := r.client.Get(context.Background(), req.NamespacedName, got); err != nil {
		t.Fatal(err)
	}
	if got.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue || got.Status.ReclaimPolicy != dbv1.ReclaimRetain {
		t.Errorf("status after the first reconcile: %+v", got.Status)
	}

	*w = writes{}
	for range 3 {
		if _, err := r.Reconcile(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if *w != (writes{}) {
		t.Errorf("reconciles of a claim with nothing to do wrote %+v, want nothing", *w)
	}
}

func TestReconcileErrorsAreRetried(t *testing.T) {
	s, objs, claim := boundReadyClaim(t)
	boom := errors.New("the API server is having a bad day")
	r := newTestReconciler(s, objs, &writes{}, interceptor.Funcs{
		List: func(context.Context, client.WithWatch, client.ObjectList, ...client.ListOption) error { return boom },
	})
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: claim.Namespace, Name: claim.Name}}
	// Returning the error makes controller-runtime retry with backoff,
	// instead of waiting for the next resync.
	if _, err := r.Reconcile(context.Background(), req); !errors.Is(err, boom) {
		t.Fatalf("Reconcile: got %v, want the error returned for a retry with backoff", err)
	}
	got := &dbv1.DatabaseClaim{}
	if err := r.client.Get(context.Background(), req.NamespacedName, got); err != nil {
		t.Fatal(err)
	}
	if c := got.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionFalse || c.Message != boom.Error() {
		t.Errorf("Synced: %s: %s", c.Status, c.Message)
	}
}
