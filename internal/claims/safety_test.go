package claims_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/ownership"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// These tests show that claims are safe by construction: the binding never
// moves, Retain survives every way of deleting, and names never collide.
// kube-controller-manager runs beside the API server (testenv), so namespace
// teardown and cascades happen as on a real cluster.

func bucketClass(name string, mutate func(*storagev1.BucketClass)) *storagev1.BucketClass {
	c := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       storagev1.BucketClassSpec{AWS: &storagev1.AWSBucketTemplate{Tags: map[string]string{"platform": "stowage"}}},
	}
	if mutate != nil {
		mutate(c)
	}
	return c
}

func bucketClaim(ns, name, class string) *storagev1.BucketClaim {
	c := &storagev1.BucketClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       storagev1.BucketClaimSpec{WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: name + "-bucket"}},
	}
	if class != "" {
		c.Spec.ClassName = ptr.To(class)
	}
	return c
}

func bucketInMoto(ctx context.Context, name string) bool {
	_, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name})
	return err == nil
}

// rdsWritesTo returns the state-changing RDS calls about instance id among
// calls.
func rdsWritesTo(calls []testenv.Call, id string) []string {
	var out []string
	for _, c := range calls {
		if !c.Write() || c.Action() == "" {
			continue
		}
		if c.Form.Get("DBInstanceIdentifier") == id || strings.HasSuffix(c.Form.Get("ResourceName"), ":db:"+id) {
			out = append(out, c.Action())
		}
	}
	return out
}

func deleteNamespace(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if err := env.Client.Delete(ctx, n); err != nil {
		t.Fatal(err)
	}
	err := testenv.Eventually(ctx, 2*timeout, func() error {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(n), n)
		if kerrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("namespace %s is %s: %s", ns, n.Status.Phase, left(ctx, ns))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// left describes what is still in namespace ns, and why.
func left(ctx context.Context, ns string) string {
	var out []string
	for _, l := range []client.ObjectList{&dbv1.DatabaseClaimList{}, &storagev1.BucketClaimList{}, &rdsv1.DBInstanceList{}, &s3v1.BucketList{}} {
		if err := env.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
			return err.Error()
		}
		items, _ := apimeta.ExtractList(l)
		for _, it := range items {
			o := it.(testenv.Conditioned)
			s := o.GetCondition(xpv2.TypeSynced)
			out = append(out, fmt.Sprintf("%T %s finalizers %v synced %s %s", o, o.GetName(), o.GetFinalizers(), s.Status, s.Message))
		}
	}
	return strings.Join(out, "; ")
}

func TestNamespaceDeletionKeepsRetainedCloudObjects(t *testing.T) {
	ctx, ns := setup(t, nil)
	dbc := dbClass("ns-retain", nil) // Retain by default
	bc := bucketClass("ns-retain", func(c *storagev1.BucketClass) { c.Spec.ReclaimPolicy = storagev1.ReclaimRetain })
	db := dbClaim(ns, "ledger", dbc.Name, dbv1.EnginePostgres, "16")
	b := bucketClaim(ns, "archive", bc.Name)
	create(ctx, t, dbc, bc, db, b)
	waitReady(ctx, t, db)
	waitReady(ctx, t, b)
	if db.Status.ReclaimPolicy != dbv1.ReclaimRetain || b.Status.ReclaimPolicy != storagev1.ReclaimRetain {
		t.Errorf("status.reclaimPolicy: database %q bucket %q, want Retain", db.Status.ReclaimPolicy, b.Status.ReclaimPolicy)
	}
	mr, err := getDBInstance(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// Retain is carried by the managed resource itself, from its creation.
	if deletesPolicy(mr.GetManagementPolicies()) {
		t.Errorf("DBInstance of a Retain claim may delete: %v", mr.GetManagementPolicies())
	}
	id, bucket := mr.Name, translate.Name(b)

	// The namespace controller deletes the claims and the managed resources
	// together; nothing runs the claims' Retain logic first.
	deleteNamespace(ctx, t, ns)
	if ok, err := inMoto(ctx, id); err != nil || !ok {
		t.Errorf("RDS instance %s is gone after its namespace was deleted with Retain (%v)", id, err)
	}
	if !bucketInMoto(ctx, bucket) {
		t.Errorf("bucket %s is gone after its namespace was deleted with Retain", bucket)
	}
}

func TestNamespaceDeletionDeletesWithDelete(t *testing.T) {
	ctx, ns := setup(t, nil)
	dbc := dbClass("ns-delete", func(c *dbv1.DatabaseClass) {
		c.Spec.ReclaimPolicy = dbv1.ReclaimDelete
		c.Spec.AWS.SkipFinalSnapshot = ptr.To(false)
	})
	bc := bucketClass("ns-delete", func(c *storagev1.BucketClass) { c.Spec.ReclaimPolicy = storagev1.ReclaimDelete })
	db := dbClaim(ns, "scratch", dbc.Name, dbv1.EnginePostgres, "16")
	b := bucketClaim(ns, "tmp", bc.Name)
	create(ctx, t, dbc, bc, db, b)
	waitReady(ctx, t, db)
	waitReady(ctx, t, b)
	id, bucket := translate.Name(db), translate.Name(b)

	deleteNamespace(ctx, t, ns)
	if ok, err := inMoto(ctx, id); err != nil || ok {
		t.Errorf("RDS instance %s still exists after its namespace was deleted with Delete (%v)", id, err)
	}
	if bucketInMoto(ctx, bucket) {
		t.Errorf("bucket %s still exists after its namespace was deleted with Delete", bucket)
	}
	snaps, err := rdsc.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: &id})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps.DBSnapshots) != 1 || !strings.HasPrefix(ptr.Deref(snaps.DBSnapshots[0].DBSnapshotIdentifier, ""), id+"-final-") {
		t.Errorf("want one final snapshot of %s, got %d", id, len(snaps.DBSnapshots))
	}
}

func TestForegroundDeleteKeepsRetainedCloudObjects(t *testing.T) {
	ctx, ns := setup(t, nil)
	dbc := dbClass("fg-retain", nil)
	db := dbClaim(ns, "books", dbc.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, dbc, db)
	waitReady(ctx, t, db)
	id := translate.Name(db)
	// The garbage collector deletes the claim's dependents before the claim.
	if err := env.Client.Delete(ctx, db, client.PropagationPolicy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, db)
	if ok, err := inMoto(ctx, id); err != nil || !ok {
		t.Errorf("RDS instance %s is gone after a foreground delete of its Retain claim (%v)", id, err)
	}
	// A hand-run delete of the managed resource keeps it too.
	mr := &rdsv1.DBInstance{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: id}}
	if err := env.Client.Delete(ctx, mr); client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, mr)
	if ok, err := inMoto(ctx, id); err != nil || !ok {
		t.Errorf("RDS instance %s is gone after its retained DBInstance was deleted (%v)", id, err)
	}
}

func TestBindingNeverMoves(t *testing.T) {
	ctx, ns := setup(t, nil)
	first := dbClass("sticky-first", func(c *dbv1.DatabaseClass) {
		c.Spec.Default = true
		c.Spec.Engines = []dbv1.EngineOffer{{Engine: dbv1.EngineMySQL, Versions: []string{"8.0"}}}
	})
	claim := dbClaim(ns, "inventory", "", dbv1.EngineMySQL, "8.0")
	create(ctx, t, first, claim)
	waitReady(ctx, t, claim)
	if got := ptr.Deref(claim.Spec.ClassName, ""); got != first.Name {
		t.Fatalf("spec.className = %q, want the binding %q recorded", got, first.Name)
	}
	mr, err := getDBInstance(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := len(counter.Calls())

	// A platform engineer adds a second default (bigger, Delete) and takes
	// the flag off the first.
	second := dbClass("sticky-second", func(c *dbv1.DatabaseClass) {
		c.Spec.Default = true
		c.Spec.ReclaimPolicy = dbv1.ReclaimDelete
		c.Spec.Engines = []dbv1.EngineOffer{{Engine: dbv1.EngineMySQL, Versions: []string{"8.0"}}}
		c.Spec.AWS.Sizes["small"] = dbv1.AWSDatabaseSize{InstanceClass: "db.m5.large"}
	})
	create(ctx, t, second)
	if err := update(ctx, first, func(c *dbv1.DatabaseClass) { c.Spec.Default = false }); err != nil {
		t.Fatal(err)
	}
	// A new claim binds to the new default: the controller has seen both
	// class changes by the time it is Ready.
	fresh := dbClaim(ns, "fresh", "", dbv1.EngineMySQL, "8.0")
	create(ctx, t, fresh)
	waitReady(ctx, t, fresh)
	if got := ptr.Deref(fresh.Spec.ClassName, ""); got != second.Name {
		t.Errorf("a new claim bound to %q, want the new default %q", got, second.Name)
	}

	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(claim.Spec.ClassName, "") != first.Name || claim.Status.ClassName != first.Name || claim.Status.ReclaimPolicy != dbv1.ReclaimRetain {
		t.Errorf("the bound claim moved: spec.className %q status.className %q reclaimPolicy %q", ptr.Deref(claim.Spec.ClassName, ""), claim.Status.ClassName, claim.Status.ReclaimPolicy)
	}
	got := &rdsv1.DBInstance{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(mr), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.ForProvider.DBInstanceClass != "db.t3.micro" || deletesPolicy(got.GetManagementPolicies()) {
		t.Errorf("the bound claim's DBInstance changed: class %s policies %v", got.Spec.ForProvider.DBInstanceClass, got.GetManagementPolicies())
	}
	if w := rdsWritesTo(counter.Calls()[checkpoint:], mr.Name); len(w) != 0 {
		t.Errorf("RDS writes to the bound claim's instance after the default classes changed: %v", w)
	}
}

func TestClassOfBoundClaimDeleted(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("doomed", nil)
	claim := dbClaim(ns, "survivor", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	if err := env.Client.Delete(ctx, class); err != nil {
		t.Fatal(err)
	}
	err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
			return err
		}
		if s := claim.GetCondition(xpv2.TypeSynced); s.Reason != claims.ReasonClassDeleted {
			return fmt.Errorf("Synced: %s: %s", s.Reason, s.Message)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := claim.GetCondition(xpv2.TypeReady); r.Status != corev1.ConditionTrue {
		t.Errorf("a claim whose class was deleted is not Ready: %s: %s", r.Reason, r.Message)
	}
	if s := claim.GetCondition(xpv2.TypeSynced); s.Status != corev1.ConditionFalse || !strings.Contains(s.Message, "DatabaseClass doomed was deleted") {
		t.Errorf("Synced: %s %s: %s", s.Status, s.Reason, s.Message)
	}
	if _, err := getDBInstance(ctx, claim); err != nil {
		t.Errorf("DBInstance of a claim whose class was deleted: %v", err)
	}
}

func TestClaimAdmission(t *testing.T) {
	ctx, ns := setup(t, nil)
	pg := dbClaim(ns, "bound", "some-class", dbv1.EnginePostgres, "16")
	my := dbClaim(ns, "bound-mysql", "some-class", dbv1.EngineMySQL, "8.0")
	b := bucketClaim(ns, "bound-bucket", "some-class")
	create(ctx, t, pg, my, b)
	cases := map[string]struct {
		obj    client.Object
		mutate func()
		want   string // "" means allowed
	}{
		"ClassNameChange":   {obj: pg, mutate: func() { pg.Spec.ClassName = ptr.To("other") }, want: "className cannot change once set"},
		"ClassNameRemoved":  {obj: pg, mutate: func() { pg.Spec.ClassName = nil }, want: "className cannot change once set"},
		"BucketClassName":   {obj: b, mutate: func() { b.Spec.ClassName = ptr.To("other") }, want: "className cannot change once set"},
		"PostgresDowngrade": {obj: pg, mutate: func() { pg.Spec.Version = "15" }, want: "version cannot move to a lower major version"},
		"PostgresUpgrade":   {obj: pg, mutate: func() { pg.Spec.Version = "17" }},
		"PostgresMinor":     {obj: pg, mutate: func() { pg.Spec.Version = "16.4" }},
		"MySQLDowngrade":    {obj: my, mutate: func() { my.Spec.Version = "5.7" }, want: "version cannot move to a lower major version"},
		"MySQLMajorUpgrade": {obj: my, mutate: func() { my.Spec.Version = "8.4" }},
		"NotAVersion":       {obj: pg, mutate: func() { pg.Spec.Version = "latest" }, want: "spec.version"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := testenv.Eventually(ctx, timeout, func() error {
				if err := env.Client.Get(ctx, client.ObjectKeyFromObject(tc.obj), tc.obj); err != nil {
					return err
				}
				tc.mutate()
				err := env.Client.Update(ctx, tc.obj, client.DryRunAll)
				switch {
				case kerrors.IsConflict(err):
					return err
				case tc.want == "" && err != nil:
					return fmt.Errorf("refused: %w", err)
				case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
					return fmt.Errorf("got %v, want an error saying %q", err, tc.want)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
}

func TestClaimsOfTheSameNameNeverShare(t *testing.T) {
	ctx, ns1 := setup(t, nil)
	_, ns2 := setup(t, nil)
	class := bucketClass("same-name", func(c *storagev1.BucketClass) {
		c.Spec.ReclaimPolicy = storagev1.ReclaimRetain
	})
	a, b := bucketClaim(ns1, "assets", class.Name), bucketClaim(ns2, "assets", class.Name)
	create(ctx, t, class, a, b)
	waitReady(ctx, t, a)
	waitReady(ctx, t, b)
	if a.Status.Bucket == b.Status.Bucket || !bucketInMoto(ctx, a.Status.Bucket) || !bucketInMoto(ctx, b.Status.Bucket) {
		t.Errorf("claims shop/assets in two namespaces: buckets %q and %q", a.Status.Bucket, b.Status.Bucket)
	}

	// Deleted with Retain and applied again under the same name: a new
	// bucket, and the retained one is left alone.
	retained := a.Status.Bucket
	if err := env.Client.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, a)
	checkpoint := len(counter.Calls())
	again := bucketClaim(ns1, "assets", class.Name)
	create(ctx, t, again)
	waitReady(ctx, t, again)
	if again.Status.Bucket == retained || !bucketInMoto(ctx, again.Status.Bucket) {
		t.Errorf("the claim applied again got bucket %q; the retained one is %q", again.Status.Bucket, retained)
	}
	if !bucketInMoto(ctx, retained) {
		t.Errorf("retained bucket %s is gone", retained)
	}
	for _, c := range counter.Calls()[checkpoint:] {
		if c.Write() && (c.Path == "/"+retained || strings.HasPrefix(c.Path, "/"+retained+"/")) {
			t.Errorf("write to the retained bucket: %s %s?%s", c.Method, c.Path, c.Query)
		}
	}
}

func TestDatabaseClaimRetainAgainGetsANewDatabase(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("again", nil)
	first := dbClaim(ns, "keep", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, first)
	waitReady(ctx, t, first)
	retained := translate.Name(first)
	if err := env.Client.Delete(ctx, first); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, first)
	checkpoint := len(counter.Calls())
	again := dbClaim(ns, "keep", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, again)
	waitReady(ctx, t, again)
	if id := translate.Name(again); id == retained {
		t.Errorf("the claim applied again reuses %s", id)
	}
	if ok, err := inMoto(ctx, retained); err != nil || !ok {
		t.Errorf("retained RDS instance %s is gone (%v)", retained, err)
	}
	if w := rdsWritesTo(counter.Calls()[checkpoint:], retained); len(w) != 0 {
		t.Errorf("writes to the retained instance: %v", w)
	}
}

func TestReclaimPolicySwitchUpdatesManagementPolicies(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := bucketClass("switchable", func(c *storagev1.BucketClass) {
		c.Spec.ReclaimPolicy = storagev1.ReclaimDelete
		c.Spec.AllowReclaimPolicyOverride = true
	})
	claim := bucketClaim(ns, "flip", class.Name)
	claim.Spec.ReclaimPolicy = ptr.To(storagev1.ReclaimRetain)
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	policies := func(want xpv2.ManagementPolicies) error {
		return testenv.Eventually(ctx, timeout, func() error {
			mr := &s3v1.Bucket{}
			if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: translate.Name(claim)}, mr); err != nil {
				return err
			}
			if !slices.Equal(mr.GetManagementPolicies(), want) {
				return fmt.Errorf("management policies %v, want %v", mr.GetManagementPolicies(), want)
			}
			return nil
		})
	}
	if err := policies(claims.RetainPolicies); err != nil {
		t.Fatal(err)
	}
	if err := update(ctx, claim, func(c *storagev1.BucketClaim) { c.Spec.ReclaimPolicy = ptr.To(storagev1.ReclaimDelete) }); err != nil {
		t.Fatal(err)
	}
	if err := policies(claims.DeletePolicies); err != nil {
		t.Fatal(err)
	}
	if err := update(ctx, claim, func(c *storagev1.BucketClaim) { c.Spec.ReclaimPolicy = ptr.To(storagev1.ReclaimRetain) }); err != nil {
		t.Fatal(err)
	}
	if err := policies(claims.RetainPolicies); err != nil {
		t.Fatal(err)
	}
}

func deletesPolicy(p xpv2.ManagementPolicies) bool {
	return len(p) == 0 || slices.Contains(p, xpv2.ManagementActionAll) || slices.Contains(p, xpv2.ManagementActionDelete)
}

func TestClaimNeverAdoptsAForeignCloudObject(t *testing.T) {
	ctx, ns := setup(t, nil)
	claim := bucketClaim(ns, "assets", "foreign-test")
	// The claim waits for its class, so the bucket it would make can be made
	// first, behind Stowage's back, tagged as another cluster's.
	create(ctx, t, claim)
	wait(ctx, t, claim, xpv2.TypeSynced, corev1.ConditionFalse)
	name := translate.Name(claim)
	foreign := ownership.Owner{Cluster: "another-cluster", Kind: "bucket", Namespace: ns, Name: name, UID: "0c0ffee0-0000-4000-8000-000000000000"}
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatal(err)
	}
	var tags []s3types.Tag
	for k, v := range foreign.Tags() {
		tags = append(tags, s3types.Tag{Key: ptr.To(k), Value: ptr.To(v)})
	}
	if _, err := s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: tags}}); err != nil {
		t.Fatal(err)
	}
	checkpoint := len(counter.Calls())
	create(ctx, t, bucketClass("foreign-test", nil))

	err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
			return err
		}
		s := claim.GetCondition(xpv2.TypeSynced)
		if s.Reason != claims.ReasonResourceNotSynced || !strings.Contains(s.Message, "belongs to bucket "+ns+"/"+name+" (uid "+foreign.UID+") in cluster another-cluster") || !strings.Contains(s.Message, "crossplane.io/external-name") {
			return fmt.Errorf("Synced: %s: %s", s.Reason, s.Message)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := claim.GetCondition(xpv2.TypeReady); r.Status == corev1.ConditionTrue {
		t.Error("a claim whose bucket name is someone else's is Ready")
	}
	for _, c := range counter.Calls()[checkpoint:] {
		if c.Write() && (c.Path == "/"+name || strings.HasPrefix(c.Path, "/"+name+"/")) {
			t.Errorf("write to the foreign bucket: %s %s?%s", c.Method, c.Path, c.Query)
		}
	}
	out, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &name})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := ownership.OwnerFromTags(tagMap(out.TagSet)); o != foreign {
		t.Errorf("the foreign bucket's owner tags changed to %+v", o)
	}
}

func TestRetainedResourceDeletedByHandIsMadeAgain(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := bucketClass("hand-deleted", func(c *storagev1.BucketClass) { c.Spec.ReclaimPolicy = storagev1.ReclaimRetain })
	claim := bucketClaim(ns, "photos", class.Name)
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	mr := &s3v1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: translate.Name(claim)}}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(mr), mr); err != nil {
		t.Fatal(err)
	}
	before := mr.GetUID()
	if err := env.Client.Delete(ctx, mr); err != nil {
		t.Fatal(err)
	}
	// The claim makes its managed resource again, and the new one takes up
	// the bucket its predecessor made: same kind, namespace and name in
	// this cluster.
	err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(mr), mr); err != nil {
			return err
		}
		if mr.GetUID() == before {
			return fmt.Errorf("Bucket %s not made again yet", mr.Name)
		}
		if r := mr.GetCondition(xpv2.TypeReady); r.Status != corev1.ConditionTrue {
			return fmt.Errorf("new Bucket not Ready: %s: %s", r.Reason, mr.GetCondition(xpv2.TypeSynced).Message)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, claim)
	out, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &mr.Name})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := ownership.OwnerFromTags(tagMap(out.TagSet)); o.UID != string(mr.GetUID()) {
		t.Errorf("the bucket is tagged for %+v, want the new Bucket's UID %s", o, mr.GetUID())
	}
}

func tagMap(tags []s3types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[ptr.Deref(t.Key, "")] = ptr.Deref(t.Value, "")
	}
	return m
}

func TestDeleteClaimsResourcesAreProtectedWhileInUse(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("protected", func(c *dbv1.DatabaseClass) { c.Spec.ReclaimPolicy = dbv1.ReclaimDelete })
	claim := dbClaim(ns, "payments", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	mr, err := getDBInstance(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := len(counter.Calls())

	// A hand-run delete of a Delete claim's DBInstance waits, like a bound
	// PersistentVolume's, and the database stays.
	if err := env.Client.Delete(ctx, mr); err != nil {
		t.Fatal(err)
	}
	err = testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
			return err
		}
		if s := claim.GetCondition(xpv2.TypeSynced); !strings.Contains(s.Message, "was deleted while this claim uses it") {
			return fmt.Errorf("Synced: %s: %s", s.Reason, s.Message)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(mr), mr); err != nil || mr.GetDeletionTimestamp() == nil {
		t.Fatalf("DBInstance after a hand-run delete: %v (deletionTimestamp %v)", err, mr.GetDeletionTimestamp())
	}
	if ok, err := inMoto(ctx, mr.Name); err != nil || !ok {
		t.Errorf("RDS instance %s is gone after a hand-run delete of a claim's DBInstance (%v)", mr.Name, err)
	}
	if w := rdsWritesTo(counter.Calls()[checkpoint:], mr.Name); len(w) != 0 {
		t.Errorf("writes to the protected instance: %v", w)
	}

	// Deleting the claim lets it go, with the database.
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	waitGone(ctx, t, mr)
	if ok, err := inMoto(ctx, mr.Name); err != nil || ok {
		t.Errorf("RDS instance %s still exists after its Delete claim was deleted (%v)", mr.Name, err)
	}
}

func TestClassEditsReachBoundClaims(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("editable", func(c *dbv1.DatabaseClass) { c.Spec.AWS.Region = ptr.To("us-east-1") })
	claim := dbClaim(ns, "ledger", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	id := translate.Name(claim)
	checkpoint := len(counter.Calls())

	// A tag edit flows to the instance: one write, the tag call.
	if err := update(ctx, class, func(c *dbv1.DatabaseClass) { c.Spec.AWS.Tags["cost-centre"] = "42" }); err != nil {
		t.Fatal(err)
	}
	err := testenv.Eventually(ctx, timeout, func() error {
		out, err := rdsc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
		if err != nil {
			return err
		}
		for _, tag := range out.DBInstances[0].TagList {
			if ptr.Deref(tag.Key, "") == "cost-centre" && ptr.Deref(tag.Value, "") == "42" {
				return nil
			}
		}
		return fmt.Errorf("instance %s has no cost-centre tag yet", id)
	})
	if err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, claim)
	if w := rdsWritesTo(counter.Calls()[checkpoint:], id); !slices.Equal(w, []string{"AddTagsToResource"}) {
		t.Errorf("RDS writes for a class tag edit: %v, want one AddTagsToResource", w)
	}

	// A region edit would replace the database: reported on the claim, not
	// applied.
	checkpoint = len(counter.Calls())
	if err := update(ctx, class, func(c *dbv1.DatabaseClass) { c.Spec.AWS.Region = ptr.To("eu-west-1") }); err != nil {
		t.Fatal(err)
	}
	err = testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
			return err
		}
		s := claim.GetCondition(xpv2.TypeSynced)
		if s.Reason != claims.ReasonNotApplied || !strings.Contains(s.Message, "region eu-west-1 (running in us-east-1) would replace the database") {
			return fmt.Errorf("Synced: %s: %s", s.Reason, s.Message)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Events are recorded asynchronously: wait for it.
	if err := testenv.Eventually(ctx, timeout, func() error {
		events := &corev1.EventList{}
		if err := env.Client.List(ctx, events, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == claim.Name && e.Reason == string(claims.ReasonNotApplied) && strings.Contains(e.Message, "region eu-west-1") {
				return nil
			}
		}
		return errors.New("no ChangesNotApplied event names the region edit")
	}); err != nil {
		t.Error(err)
	}
	if w := rdsWritesTo(counter.Calls()[checkpoint:], id); len(w) != 0 {
		t.Errorf("RDS writes for a class region edit: %v", w)
	}
}
