package claims_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// live reads o from the API server as the JSON that kubectl, Flux and Argo
// CD see: no Go zero values dropped or added.
func live(ctx context.Context, t *testing.T, o client.Object) *unstructured.Unstructured {
	t.Helper()
	gvk, err := env.Client.GroupVersionKindFor(o)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// createLive creates o from its JSON and returns what the API server
// answered, before any controller has seen it.
func createLive(ctx context.Context, t *testing.T, o client.Object) *unstructured.Unstructured {
	t.Helper()
	gvk, err := env.Client.GroupVersionKindFor(o)
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvk)
	unstructured.RemoveNestedField(u.Object, "status")
	if err := env.Client.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func kstatus(t *testing.T, u *unstructured.Unstructured) *status.Result {
	t.Helper()
	r, err := status.Compute(u)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// conditionStatus is the status of u's condition ct, "" when it has none.
func conditionStatus(u *unstructured.Unstructured, ct xpv2.ConditionType) string {
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok && m["type"] == string(ct) {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

// waitCurrent polls o until kstatus says Current, and fails the test if it
// ever says Current while the claim is not Ready and Synced at the
// generation it has: the moment a pipeline would move on too early.
func waitCurrent(ctx context.Context, t *testing.T, o client.Object) *unstructured.Unstructured {
	t.Helper()
	var seen []string
	var u *unstructured.Unstructured
	err := testenv.Eventually(ctx, timeout, func() error {
		u = live(ctx, t, o)
		r := kstatus(t, u)
		if len(seen) == 0 || seen[len(seen)-1] != r.Status.String() {
			seen = append(seen, r.Status.String())
		}
		og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		ready, synced := conditionStatus(u, xpv2.TypeReady), conditionStatus(u, xpv2.TypeSynced)
		if r.Status == status.CurrentStatus && (ready != "True" || synced != "True" || og != u.GetGeneration()) {
			t.Errorf("%s %s: kstatus Current with Ready %q Synced %q observedGeneration %d of generation %d", u.GetKind(), u.GetName(), ready, synced, og, u.GetGeneration())
		}
		if r.Status != status.CurrentStatus {
			return fmt.Errorf("%s %s: kstatus %s: %s", u.GetKind(), u.GetName(), r.Status, r.Message)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s: kstatus went %s", u.GetKind(), u.GetName(), strings.Join(seen, " -> "))
	return u
}

func argoHealth(t *testing.T, h testenv.ArgoCDHealthChecks, u *unstructured.Unstructured) testenv.ArgoCDHealth {
	t.Helper()
	got, err := h.Health(u)
	if err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return got
}

// TestClaimsReportKstatus drives a DatabaseClaim and a BucketClaim to Ready
// on moto and reads them the way kubectl wait, Flux (kstatus) and Argo CD
// (the shipped health checks) do: in progress from the moment they are
// created, Current/Healthy only once Ready, in progress again right after a
// spec edit until the claim and its managed resource have acted on it, and
// Failed/Degraded for a claim whose class does not exist.
func TestClaimsReportKstatus(t *testing.T) {
	ctx, ns := setup(t, nil)
	health, err := testenv.LoadRepoArgoCDHealthChecks()
	if err != nil {
		t.Fatal(err)
	}
	dbc := dbClass("kstatus-aws", nil)
	bc := bucketClass("kstatus-aws", nil)
	create(ctx, t, dbc, bc)
	db := dbClaim(ns, "orders", dbc.Name, dbv1.EnginePostgres, "16")
	bucket := bucketClaim(ns, "assets", bc.Name)

	for _, o := range []client.Object{db, bucket} {
		u := createLive(ctx, t, o)
		// No controller has written a status yet: the CRD's default
		// observedGeneration 0 is what keeps kstatus from calling it done.
		if og, found, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); !found || og != 0 {
			t.Errorf("%s as created: status.observedGeneration %d (present %t), want 0", u.GetKind(), og, found)
		}
		if r := kstatus(t, u); r.Status != status.InProgressStatus {
			t.Errorf("%s as created: kstatus %s (%s), want InProgress", u.GetKind(), r.Status, r.Message)
		}
		if got := argoHealth(t, health, u); got.Status != "Progressing" {
			t.Errorf("%s as created: Argo CD health %+v, want Progressing", u.GetKind(), got)
		}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
			t.Fatal(err)
		}
	}

	for _, o := range []client.Object{db, bucket} {
		u := waitCurrent(ctx, t, o)
		if got := argoHealth(t, health, u); got.Status != "Healthy" {
			t.Errorf("%s Ready: Argo CD health %+v, want Healthy", u.GetKind(), got)
		}
		for _, c := range []xpv2.ConditionType{claims.TypeReconciling, claims.TypeStalled} {
			if got := conditionStatus(u, c); got != "False" {
				t.Errorf("%s Ready: condition %s is %q, want False", u.GetKind(), c, got)
			}
		}
	}
	mr, err := getDBInstance(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	mu := live(ctx, t, mr)
	if r := kstatus(t, mu); r.Status != status.CurrentStatus {
		t.Errorf("DBInstance of a Ready claim: kstatus %s (%s), want Current", r.Status, r.Message)
	}
	if got := argoHealth(t, health, mu); got.Status != "Healthy" {
		t.Errorf("DBInstance of a Ready claim: Argo CD health %+v, want Healthy", got)
	}

	// A spec edit: the API server's answer already has a newer generation
	// than the claim's status has observed.
	if err := update(ctx, db, func(c *dbv1.DatabaseClaim) { c.Spec.StorageGB = 30 }); err != nil {
		t.Fatal(err)
	}
	edited, err := runtime.DefaultUnstructuredConverter.ToUnstructured(db)
	if err != nil {
		t.Fatal(err)
	}
	eu := &unstructured.Unstructured{Object: edited}
	eu.SetGroupVersionKind(dbv1.SchemeGroupVersion.WithKind("DatabaseClaim"))
	if r := kstatus(t, eu); r.Status != status.InProgressStatus {
		t.Errorf("claim right after a spec edit (generation %d, observed %d): kstatus %s (%s), want InProgress", db.Generation, db.Status.ObservedGeneration, r.Status, r.Message)
	}
	if got := argoHealth(t, health, eu); got.Status != "Progressing" {
		t.Errorf("claim right after a spec edit: Argo CD health %+v, want Progressing", got)
	}
	waitCurrent(ctx, t, db)
	// Current only once the managed resource had acted on the edit too.
	if mr, err = getDBInstance(ctx, db); err != nil {
		t.Fatal(err)
	}
	if c := mr.GetCondition(xpv2.TypeSynced); mr.Spec.ForProvider.AllocatedStorage != 30 || c.ObservedGeneration != mr.Generation {
		t.Errorf("claim Current while its DBInstance has allocatedStorage %d, Synced observedGeneration %d of generation %d", mr.Spec.ForProvider.AllocatedStorage, c.ObservedGeneration, mr.Generation)
	}

	// A claim that cannot get anywhere without a person: Stalled, which
	// kstatus reports as Failed and Argo CD as Degraded.
	lost := bucketClaim(ns, "lost", "kstatus-no-such-class")
	create(ctx, t, lost)
	var u *unstructured.Unstructured
	err = testenv.Eventually(ctx, timeout, func() error {
		u = live(ctx, t, lost)
		if og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); og != u.GetGeneration() || conditionStatus(u, claims.TypeStalled) != "True" {
			return fmt.Errorf("observedGeneration %d of %d, Stalled %q", og, u.GetGeneration(), conditionStatus(u, claims.TypeStalled))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := kstatus(t, u); r.Status != status.FailedStatus || !strings.Contains(r.Message, "does not exist") {
		t.Errorf("claim of a class that does not exist: kstatus %s (%s), want Failed saying the class does not exist", r.Status, r.Message)
	}
	if got := argoHealth(t, health, u); got.Status != "Degraded" || !strings.Contains(got.Message, "does not exist") {
		t.Errorf("claim of a class that does not exist: Argo CD health %+v, want Degraded saying the class does not exist", got)
	}
}
