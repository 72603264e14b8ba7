package claims_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	pgv1 "github.com/stowage-dev/stowage/apis/azure/dbforpostgresql/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
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
// ever says Current while o is not Ready and Synced at the generation it
// has, or while done (if given) says what o depends on is not done: the
// moment a pipeline would move on too early.
func waitCurrent(ctx context.Context, t *testing.T, o client.Object, done ...func() error) *unstructured.Unstructured {
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
		for _, d := range done {
			if err := d(); err != nil {
				t.Errorf("%s %s: kstatus Current, but %v", u.GetKind(), u.GetName(), err)
			}
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
	// Current only once the managed resource has acted on the edit too.
	waitCurrent(ctx, t, db, func() error {
		mr, err := getDBInstance(ctx, db)
		if err != nil {
			return err
		}
		if mr.Spec.ForProvider.AllocatedStorage != 30 || mr.Status.ObservedGeneration != mr.Generation {
			return fmt.Errorf("its DBInstance has allocatedStorage %d, observedGeneration %d of generation %d", mr.Spec.ForProvider.AllocatedStorage, mr.Status.ObservedGeneration, mr.Generation)
		}
		return nil
	})

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

// TestManagedResourcesReportKstatus does for a managed resource (an S3
// Bucket on moto, made directly, no claim) what TestClaimsReportKstatus does
// for claims: status.observedGeneration from the moment it is created, in
// progress until Ready, and again right after a spec edit until the managed
// reconciler has acted on it.
func TestManagedResourcesReportKstatus(t *testing.T) {
	ctx, ns := setup(t, nil)
	health, err := testenv.LoadRepoArgoCDHealthChecks()
	if err != nil {
		t.Fatal(err)
	}
	b := &s3v1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kstatus-" + ns}}
	b.Spec.ForProvider.Tags = map[string]string{"team": "shop"}
	u := createLive(ctx, t, b)
	if og, found, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); !found || og != 0 {
		t.Errorf("Bucket as created: status.observedGeneration %d (present %t), want 0", og, found)
	}
	if r := kstatus(t, u); r.Status != status.InProgressStatus {
		t.Errorf("Bucket as created: kstatus %s (%s), want InProgress", r.Status, r.Message)
	}
	u = waitCurrent(ctx, t, b)
	if got := argoHealth(t, health, u); got.Status != "Healthy" {
		t.Errorf("Bucket Ready: Argo CD health %+v, want Healthy", got)
	}

	if err := update(ctx, b, func(b *s3v1.Bucket) { b.Spec.ForProvider.Tags["purpose"] = "assets" }); err != nil {
		t.Fatal(err)
	}
	if b.Status.ObservedGeneration >= b.Generation {
		t.Errorf("right after a spec edit: observedGeneration %d of generation %d", b.Status.ObservedGeneration, b.Generation)
	}
	edited, err := runtime.DefaultUnstructuredConverter.ToUnstructured(b)
	if err != nil {
		t.Fatal(err)
	}
	eu := &unstructured.Unstructured{Object: edited}
	eu.SetGroupVersionKind(s3v1.SchemeGroupVersion.WithKind("Bucket"))
	if r := kstatus(t, eu); r.Status != status.InProgressStatus {
		t.Errorf("Bucket right after a spec edit: kstatus %s (%s), want InProgress", r.Status, r.Message)
	}
	if got := argoHealth(t, health, eu); got.Status != "Progressing" {
		t.Errorf("Bucket right after a spec edit: Argo CD health %+v, want Progressing", got)
	}
	waitCurrent(ctx, t, b)
	err = testenv.Eventually(ctx, timeout, func() error {
		out, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &b.Name})
		if err != nil {
			return err
		}
		for _, tag := range out.TagSet {
			if *tag.Key == "purpose" && *tag.Value == "assets" {
				return nil
			}
		}
		return fmt.Errorf("tags %v", out.TagSet)
	})
	if err != nil {
		t.Errorf("the edit did not reach S3: %v", err)
	}
}

// TestClaimWaitsForItsManagedResources edits a Ready DatabaseClaim on the
// local Azure while the cloud answers its server slowly: the claim must stay
// in progress (kstatus, Argo CD) until its FlexibleServer has acted on the
// edit, not report done as soon as it has passed the edit on.
func TestClaimWaitsForItsManagedResources(t *testing.T) {
	ctx, ns := setup(t, nil)
	health, err := testenv.LoadRepoArgoCDHealthChecks()
	if err != nil {
		t.Fatal(err)
	}
	class := azureDatabaseClass(ctx, t, "kstatus-azure", "platform-"+ns)
	class.Spec.ReclaimPolicy, class.Spec.Azure.DeletionProtection = dbv1.ReclaimDelete, ptr.To(false)
	claim := dbClaim(ns, "slow", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	waitCurrent(ctx, t, claim)

	name := translate.Name(claim)
	azure.Faults.Set(fault.Faults{Latency: 2 * time.Second, Match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/"+name) }})
	t.Cleanup(azure.Faults.Clear)
	if err := update(ctx, claim, func(c *dbv1.DatabaseClaim) { c.Spec.StorageGB = 64 }); err != nil {
		t.Fatal(err)
	}
	// The claim acts on the edit at once; its server takes a while.
	err = testenv.Eventually(ctx, timeout, func() error {
		u := live(ctx, t, claim)
		if og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); og != u.GetGeneration() {
			return fmt.Errorf("claim observedGeneration %d of %d", og, u.GetGeneration())
		}
		if r := kstatus(t, u); r.Status != status.InProgressStatus || !strings.Contains(r.Message, "has not acted on generation") {
			t.Errorf("claim that passed the edit on to a server still at it: kstatus %s (%s), want InProgress naming the server", r.Status, r.Message)
		}
		if got := argoHealth(t, health, u); got.Status != "Progressing" {
			t.Errorf("claim that passed the edit on to a server still at it: Argo CD health %+v, want Progressing", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitCurrent(ctx, t, claim, func() error {
		srv := &pgv1.FlexibleServer{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, srv); err != nil {
			return err
		}
		if ptr.Deref(srv.Spec.ForProvider.Storage.SizeGB, 0) != 64 || srv.Status.ObservedGeneration != srv.Generation {
			return fmt.Errorf("its FlexibleServer has storage %v GB, observedGeneration %d of generation %d", ptr.Deref(srv.Spec.ForProvider.Storage.SizeGB, 0), srv.Status.ObservedGeneration, srv.Generation)
		}
		return nil
	})
}
