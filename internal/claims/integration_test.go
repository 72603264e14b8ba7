package claims_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	_ "github.com/stowage-dev/stowage/internal/aws/claims"
	"github.com/stowage-dev/stowage/internal/aws/rds/dbinstance"
	"github.com/stowage-dev/stowage/internal/aws/s3/bucket"
	_ "github.com/stowage-dev/stowage/internal/azure/claims"
	mysqldatabase "github.com/stowage-dev/stowage/internal/azure/dbformysql/database"
	mysqlserver "github.com/stowage-dev/stowage/internal/azure/dbformysql/flexibleserver"
	pgdatabase "github.com/stowage-dev/stowage/internal/azure/dbforpostgresql/database"
	pgserver "github.com/stowage-dev/stowage/internal/azure/dbforpostgresql/flexibleserver"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
	azsqldatabase "github.com/stowage-dev/stowage/internal/azure/sql/database"
	azsqlserver "github.com/stowage-dev/stowage/internal/azure/sql/server"
	"github.com/stowage-dev/stowage/internal/azure/storage/account"
	"github.com/stowage-dev/stowage/internal/azure/storage/container"
	"github.com/stowage-dev/stowage/internal/claims"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	_ "github.com/stowage-dev/stowage/internal/gcp/claims"
	sqldatabase "github.com/stowage-dev/stowage/internal/gcp/sql/database"
	sqlinstance "github.com/stowage-dev/stowage/internal/gcp/sql/instance"
	sqluser "github.com/stowage-dev/stowage/internal/gcp/sql/user"
	gcsbucket "github.com/stowage-dev/stowage/internal/gcp/storage/bucket"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	timeout = 60 * time.Second
	// cloudSQLDelay is how long the local Cloud SQL's operations run: long
	// enough for an instance to be seen PENDING_CREATE, short for a quick
	// test.
	cloudSQLDelay = 500 * time.Millisecond
	// azureDelay is how long the local ARM's long-running operations run.
	azureDelay = 300 * time.Millisecond
)

var (
	env     *testenv.Env
	moto    *testenv.Moto
	counter *testenv.CallCounter
	rdsc    *rds.Client
	s3c     *s3.Client
)

func TestMain(m *testing.M) {
	mt := &testenv.Moto{}
	azure = &testenv.Azure{ProvisioningDelay: azureDelay}
	hh, err := testenv.StartHarness(poll, func(mgr ctrl.Manager, o controller.Options) error {
		for _, s := range []func(ctrl.Manager, controller.Options) error{
			usage.Setup, bucket.Setup, dbinstance.Setup, gcsbucket.Setup,
			sqlinstance.Setup, sqldatabase.Setup, sqluser.Setup,
			resourcegroup.Setup, account.Setup, container.Setup,
			azsqlserver.Setup, azsqldatabase.Setup, pgserver.Setup, pgdatabase.Setup, mysqlserver.Setup, mysqldatabase.Setup,
			claims.SetupDatabase, claims.SetupBucket,
		} {
			if err := s(mgr, o); err != nil {
				return err
			}
		}
		return nil
	}, mt, &testenv.GCS{}, &testenv.CloudSQL{OperationDelay: cloudSQLDelay}, azure)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h := &testenv.AWSHarness{Harness: hh, Moto: mt, Counter: hh.Clouds[mt.Name()].Counter}
	gcsCloud, sqlCloud, azureCloud = hh.Clouds["gcs"], hh.Clouds["gcp"], hh.Clouds["azure"]
	env, moto, counter = h.Env, h.Moto, h.Counter
	rdsc, s3c = h.RDS(), h.S3()
	if err := clusterProviderConfig(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		h.Stop()
		os.Exit(1)
	}
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

// clusterProviderConfig creates the ClusterProviderConfig "default" the
// classes use, pointing at moto through the call counter.
func clusterProviderConfig(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "stowage-system"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		return err
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "aws-creds"},
		StringData: map[string]string{"credentials": testenv.MotoCredentials},
	}
	if err := env.Client.Create(ctx, s); err != nil {
		return err
	}
	return env.Client.Create(ctx, &awsv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: awsv1alpha1.ClusterProviderConfigSpec{ProviderConfigSpec: awsv1alpha1.ProviderConfigSpec{
			Region: "us-east-1",
			Credentials: awsv1alpha1.Credentials{
				Source:    awsv1alpha1.CredentialsSourceSecret,
				SecretRef: &awsv1alpha1.SecretKeySelector{Namespace: ns.Name, Name: s.Name, Key: "credentials"},
			},
			Endpoint: &awsv1alpha1.Endpoint{URL: counter.URL},
		}},
	})
}

func setup(t *testing.T, labels map[string]string) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "claims-", Labels: labels}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	return ctx, ns.Name
}

func dbClass(name string, mutate func(*dbv1.DatabaseClass)) *dbv1.DatabaseClass {
	c := &dbv1.DatabaseClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: dbv1.DatabaseClassSpec{
			Engines: []dbv1.EngineOffer{{Engine: dbv1.EnginePostgres, Versions: []string{"15", "16"}}},
			AWS: &dbv1.AWSDatabaseTemplate{
				Sizes: map[string]dbv1.AWSDatabaseSize{
					"small":  {InstanceClass: "db.t3.micro"},
					"medium": {InstanceClass: "db.t3.medium"},
				},
				SkipFinalSnapshot: ptr.To(true),
				Tags:              map[string]string{"platform": "stowage"},
			},
		},
	}
	if mutate != nil {
		mutate(c)
	}
	return c
}

func create(ctx context.Context, t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		if o.GetNamespace() == "" {
			t.Cleanup(func() { _ = env.Client.Delete(context.Background(), o) })
		}
	}
}

func dbClaim(ns, name, class string, engine dbv1.Engine, version string) *dbv1.DatabaseClaim {
	c := &dbv1.DatabaseClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: dbv1.DatabaseClaimSpec{
			Engine: engine, Version: version, Size: "small", StorageGB: 20,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: name + "-db"},
		},
	}
	if class != "" {
		c.Spec.ClassName = ptr.To(class)
	}
	return c
}

func wait(ctx context.Context, t *testing.T, o testenv.Conditioned, ct xpv2.ConditionType, want corev1.ConditionStatus) xpv2.Condition {
	t.Helper()
	c, err := testenv.WaitForCondition(ctx, env.Client, o, ct, want, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitReady(ctx context.Context, t *testing.T, o testenv.Conditioned) {
	t.Helper()
	wait(ctx, t, o, xpv2.TypeReady, corev1.ConditionTrue)
	wait(ctx, t, o, xpv2.TypeSynced, corev1.ConditionTrue)
}

func getDBInstance(ctx context.Context, claim *dbv1.DatabaseClaim) (*rdsv1.DBInstance, error) {
	mr := &rdsv1.DBInstance{}
	err := env.Client.Get(ctx, client.ObjectKey{Namespace: claim.Namespace, Name: translate.Name(claim)}, mr)
	return mr, err
}

func inMoto(ctx context.Context, id string) (bool, error) {
	_, err := rdsc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
	if err == nil {
		return true, nil
	}
	if strings.Contains(err.Error(), "DBInstanceNotFound") {
		return false, nil
	}
	return false, err
}

// update applies mutate to the latest o, retrying when the controller wrote
// in between, and returns the API server's verdict.
func update[T client.Object](ctx context.Context, o T, mutate func(T)) error {
	for {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
			return err
		}
		mutate(o)
		err := env.Client.Update(ctx, o)
		if !kerrors.IsConflict(err) {
			return err
		}
	}
}

func waitGone(ctx context.Context, t *testing.T, o client.Object) {
	t.Helper()
	if err := testenv.WaitGone(ctx, env.Client, o, timeout); err != nil {
		t.Fatal(err)
	}
}

func TestDatabaseClaimReadyResizeAndDelete(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("aws-delete", func(c *dbv1.DatabaseClass) { c.Spec.ReclaimPolicy = dbv1.ReclaimDelete })
	claim := dbClaim(ns, "orders", class.Name, dbv1.EnginePostgres, "16")
	start := time.Now()
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	t.Logf("claim Ready in %s", time.Since(start).Round(100*time.Millisecond))
	err := testenv.Eventually(ctx, timeout, func() error {
		l := &corev1.EventList{}
		if err := env.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
			return err
		}
		var reasons []string
		for _, e := range l.Items {
			if e.InvolvedObject.Kind == "DatabaseClaim" && e.InvolvedObject.Name == claim.Name {
				reasons = append(reasons, e.Reason)
			}
		}
		for _, want := range []string{"CreatedManagedResource", "Ready"} {
			if !slices.Contains(reasons, want) {
				return fmt.Errorf("no %s event among %v", want, reasons)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}

	mr, err := getDBInstance(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	if !metav1.IsControlledBy(mr, claim) {
		t.Errorf("DBInstance %s is not controlled by the claim", mr.Name)
	}
	p := mr.Spec.ForProvider
	if p.Engine != rdsv1.EnginePostgres || p.DBInstanceClass != "db.t3.micro" || p.AllocatedStorage != 20 || ptr.Deref(p.MultiAZ, true) {
		t.Errorf("DBInstance forProvider: engine %s class %s storage %d multiAZ %v", p.Engine, p.DBInstanceClass, p.AllocatedStorage, p.MultiAZ)
	}
	if claim.Status.ClassName != class.Name || claim.Status.Endpoint == "" || claim.Status.Port == 0 || len(claim.Status.ResourceRefs) != 1 {
		t.Errorf("claim status: %+v", claim.Status)
	}

	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "orders-db"}, s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"engine", "host", "port", "database", "username", "password", "uri", "jdbcUrl"} {
		if len(s.Data[k]) == 0 {
			t.Errorf("connection secret has no %q; keys %v", k, keys(s.Data))
		}
	}
	u, err := url.Parse(string(s.Data["uri"]))
	if err != nil || u.Scheme != "postgresql" || u.Host == "" || u.User.Username() == "" {
		t.Errorf("uri %q is not a postgresql:// URL (%v)", s.Data["uri"], err)
	}
	if pw, _ := u.User.Password(); pw != string(s.Data["password"]) {
		t.Errorf("uri password does not match the password key")
	}
	if !metav1.IsControlledBy(s, claim) {
		t.Errorf("connection secret is not owned by the claim")
	}

	// Resize: more storage and a bigger size flow to the DBInstance and RDS.
	start = time.Now()
	if err := update(ctx, claim, func(c *dbv1.DatabaseClaim) { c.Spec.StorageGB = 30; c.Spec.Size = "medium" }); err != nil {
		t.Fatal(err)
	}
	err = testenv.Eventually(ctx, timeout, func() error {
		out, err := rdsc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &mr.Name})
		if err != nil {
			return err
		}
		db := out.DBInstances[0]
		if ptr.Deref(db.DBInstanceClass, "") != "db.t3.medium" || ptr.Deref(db.AllocatedStorage, 0) != 30 {
			return fmt.Errorf("RDS has class %s storage %d", ptr.Deref(db.DBInstanceClass, ""), ptr.Deref(db.AllocatedStorage, 0))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("resize reached RDS in %s", time.Since(start).Round(100*time.Millisecond))
	// The class does not ask for immediate changes: RDS is told to apply
	// them in the maintenance window (moto applies them at once anyway).
	var modifies int
	for _, c := range counter.Calls() {
		if c.Action() == "ModifyDBInstance" && c.Form.Get("DBInstanceIdentifier") == mr.Name {
			modifies++
			if got := c.Form.Get("ApplyImmediately"); got != "false" {
				t.Errorf("ModifyDBInstance ApplyImmediately=%q, want false (the class's default)", got)
			}
		}
	}
	if modifies != 1 {
		t.Errorf("%d ModifyDBInstance calls for the resize, want 1", modifies)
	}

	// Shrinking is refused by the API server.
	if err := update(ctx, claim, func(c *dbv1.DatabaseClaim) { c.Spec.StorageGB = 25 }); err == nil || !strings.Contains(err.Error(), "cannot shrink") {
		t.Errorf("shrinking storageGB: got %v, want a cannot shrink error", err)
	}

	// Delete: the DBInstance and the RDS instance go.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	t.Logf("claim and DBInstance deleted in %s", time.Since(start).Round(100*time.Millisecond))
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(mr), mr); !kerrors.IsNotFound(err) {
		t.Errorf("DBInstance after claim deletion with reclaim policy Delete: %v", err)
	}
	if ok, err := inMoto(ctx, mr.Name); err != nil || ok {
		t.Errorf("RDS instance %s still exists after Delete (%v)", mr.Name, err)
	}
}

func TestDatabaseClaimRetain(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("aws-retain", nil) // reclaimPolicy defaults to Retain
	claim := dbClaim(ns, "ledger", class.Name, dbv1.EnginePostgres, "15")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	mr, err := getDBInstance(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(mr), mr); err != nil {
		t.Fatalf("DBInstance after claim deletion with Retain: %v", err)
	}
	if slices.Contains(mr.GetManagementPolicies(), xpv2.ManagementActionDelete) || slices.Contains(mr.GetManagementPolicies(), xpv2.ManagementActionAll) {
		t.Errorf("retained DBInstance still may delete: %v", mr.GetManagementPolicies())
	}
	if len(mr.GetOwnerReferences()) != 0 {
		t.Errorf("retained DBInstance still has owners: %v", mr.GetOwnerReferences())
	}
	if ok, err := inMoto(ctx, mr.Name); err != nil || !ok {
		t.Errorf("RDS instance %s is gone after Retain (%v)", mr.Name, err)
	}
}

func TestDatabaseClaimDefaultClass(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("aws-mysql-default", func(c *dbv1.DatabaseClass) {
		c.Spec.Default = true
		c.Spec.Engines = []dbv1.EngineOffer{{Engine: dbv1.EngineMySQL, Versions: []string{"8.0"}}}
	})
	claim := dbClaim(ns, "catalog", "", dbv1.EngineMySQL, "8.0")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	if claim.Status.ClassName != class.Name {
		t.Errorf("status.className = %q, want %q", claim.Status.ClassName, class.Name)
	}
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "catalog-db"}, s); err != nil {
		t.Fatal(err)
	}
	if string(s.Data["engine"]) != "mysql" || !strings.HasPrefix(string(s.Data["uri"]), "mysql://") {
		t.Errorf("engine %q uri %q", s.Data["engine"], s.Data["uri"])
	}
	// A MySQL claim gets a database of its own, named after it.
	if got := string(s.Data["database"]); got != "catalog" || !strings.HasSuffix(string(s.Data["uri"]), "/catalog") {
		t.Errorf("database %q uri %q, want database catalog", got, s.Data["uri"])
	}

	// A version the class does not offer is refused, naming what is offered.
	other := dbClaim(ns, "old", "", dbv1.EngineMySQL, "5.7")
	create(ctx, t, other)
	c := wait(ctx, t, other, xpv2.TypeSynced, corev1.ConditionFalse)
	if c.Reason != claims.ReasonNotOffered || !strings.Contains(c.Message, `version "5.7"`) || !strings.Contains(c.Message, "8.0") {
		t.Errorf("Synced: %s: %s", c.Reason, c.Message)
	}
}

func TestDatabaseClaimNamespaceNotAllowed(t *testing.T) {
	ctx, ns := setup(t, map[string]string{"team": "other"})
	class := dbClass("aws-shop-only", func(c *dbv1.DatabaseClass) {
		c.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "shop"}}
	})
	claim := dbClaim(ns, "sneaky", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	c := wait(ctx, t, claim, xpv2.TypeSynced, corev1.ConditionFalse)
	want := fmt.Sprintf("namespace %s is not allowed by class %s", ns, class.Name)
	if c.Reason != claims.ReasonNamespaceForbidden || c.Message != want {
		t.Errorf("Synced: %s: %q, want %q", c.Reason, c.Message, want)
	}
	if _, err := getDBInstance(ctx, claim); !kerrors.IsNotFound(err) {
		t.Errorf("a DBInstance was made for a refused claim: %v", err)
	}
}

func TestDatabaseClaimWaitsForClass(t *testing.T) {
	ctx, ns := setup(t, nil)
	claim := dbClaim(ns, "early", "aws-late", dbv1.EnginePostgres, "16")
	create(ctx, t, claim)
	c := wait(ctx, t, claim, xpv2.TypeSynced, corev1.ConditionFalse)
	if c.Reason != claims.ReasonClassNotFound || !strings.Contains(c.Message, `"aws-late" does not exist`) {
		t.Errorf("Synced: %s: %s", c.Reason, c.Message)
	}
	create(ctx, t, dbClass("aws-late", nil))
	waitReady(ctx, t, claim)
}

func TestBucketClaim(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-standard"},
		Spec: storagev1.BucketClassSpec{
			Default: true,
			AWS:     &storagev1.AWSBucketTemplate{Tags: map[string]string{"platform": "stowage"}},
		},
	}
	claim := &storagev1.BucketClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "assets"},
		Spec: storagev1.BucketClaimSpec{
			Versioning:                 true,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "assets-bucket"},
		},
	}
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	if claim.Spec.ReclaimPolicy != nil || claim.Status.ClassName != class.Name {
		t.Errorf("claim: %+v", claim.Status)
	}
	name := translate.Name(claim)
	if claim.Status.Bucket != name {
		t.Errorf("status.bucket = %q, want %q", claim.Status.Bucket, name)
	}
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "assets-bucket"}, s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"provider", "bucket", "region", "endpoint", "url"} {
		if len(s.Data[k]) == 0 {
			t.Errorf("connection secret has no %q; keys %v", k, keys(s.Data))
		}
	}
	if got := string(s.Data["url"]); got != "s3://"+name {
		t.Errorf("url = %q", got)
	}
	v, err := s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &name})
	if err != nil || v.Status != "Enabled" {
		t.Errorf("versioning of %s: %v (%v)", name, v, err)
	}
	pab, err := s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &name})
	if err != nil || !ptr.Deref(pab.PublicAccessBlockConfiguration.BlockPublicAcls, false) {
		t.Errorf("public access block of %s: %v", name, err)
	}

	// BucketClass reclaimPolicy defaults to Delete: the bucket goes with the claim.
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	err = testenv.Eventually(ctx, timeout, func() error {
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err == nil {
			return errors.New("bucket still exists")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestBucketClaimNeverAdopts(t *testing.T) {
	ctx, ns := setup(t, nil)
	claim := &storagev1.BucketClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "taken"},
		Spec: storagev1.BucketClaimSpec{
			ClassName:                  ptr.To("aws-explicit"),
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "taken"},
		},
	}
	// The claim waits for its class, so a Bucket can squat its name first.
	create(ctx, t, claim)
	wait(ctx, t, claim, xpv2.TypeSynced, corev1.ConditionFalse)
	squatter := &s3v1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: translate.Name(claim)}}
	squatter.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}
	class := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-explicit"},
		Spec:       storagev1.BucketClassSpec{AWS: &storagev1.AWSBucketTemplate{}},
	}
	create(ctx, t, squatter, class)
	err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
			return err
		}
		if c := claim.GetCondition(xpv2.TypeSynced); c.Reason != claims.ReasonConflict || !strings.Contains(c.Message, "not controlled by this claim") {
			return fmt.Errorf("Synced: %s: %s", c.Reason, c.Message)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(squatter), squatter); err != nil {
		t.Fatal(err)
	}
	if len(squatter.GetOwnerReferences()) != 0 {
		t.Errorf("the claim adopted the existing Bucket: %v", squatter.GetOwnerReferences())
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestClaimSchema(t *testing.T) {
	ctx, ns := setup(t, nil)
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// The examples apply as written (claims into this test's namespace).
	for file, obj := range map[string]client.Object{
		"classes/aws-standard-database.yaml":   &dbv1.DatabaseClass{},
		"classes/aws-standard-bucket.yaml":     &storagev1.BucketClass{},
		"claims/orders-database.yaml":          &dbv1.DatabaseClaim{},
		"claims/assets-bucket.yaml":            &storagev1.BucketClaim{},
		"classes/gcp-standard-database.yaml":   &dbv1.DatabaseClass{},
		"claims/gcp/orders-database.yaml":      &dbv1.DatabaseClaim{},
		"classes/azure-standard-bucket.yaml":   &storagev1.BucketClass{},
		"claims/azure/assets-bucket.yaml":      &storagev1.BucketClaim{},
		"classes/azure-standard-database.yaml": &dbv1.DatabaseClass{},
		"claims/azure/orders-database.yaml":    &dbv1.DatabaseClaim{},
	} {
		data, err := os.ReadFile(root + "/examples/" + file)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, obj); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if obj.GetNamespace() != "" {
			obj.SetNamespace(ns)
		}
		if err := env.Client.Create(ctx, obj, client.DryRunAll); err != nil {
			t.Errorf("%s rejected: %v", file, err)
		}
	}

	// Class tags cannot take Stowage's owner tag keys.
	reserved := dbClass("reserved-tags", func(c *dbv1.DatabaseClass) { c.Spec.AWS.Tags = map[string]string{"stowage-uid": "x"} })
	if err := env.Client.Create(ctx, reserved, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "reserved for Stowage's owner tags") {
		t.Errorf("class with a stowage- tag key: got %v", err)
	}
	// A class needs exactly one cloud template.
	bare := dbClass("no-cloud", func(c *dbv1.DatabaseClass) { c.Spec.AWS = nil })
	if err := env.Client.Create(ctx, bare, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "exactly one cloud template") {
		t.Errorf("class without a cloud template: got %v", err)
	}
	gcpSmall := &dbv1.GCPDatabaseTemplate{Sizes: map[string]dbv1.GCPDatabaseSize{"small": {Tier: "db-f1-micro"}}}
	both := dbClass("two-clouds", func(c *dbv1.DatabaseClass) { c.Spec.GCP = gcpSmall.DeepCopy() })
	if err := env.Client.Create(ctx, both, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "exactly one cloud template") {
		t.Errorf("class with two cloud templates: got %v", err)
	}
	// A Google class protects its instances unless it says otherwise, and
	// its labels cannot take Stowage's owner label keys.
	google := dbClass("google-defaults", func(c *dbv1.DatabaseClass) { c.Spec.AWS, c.Spec.GCP = nil, gcpSmall.DeepCopy() })
	if err := env.Client.Create(ctx, google, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if !ptr.Deref(google.Spec.GCP.DeletionProtection, false) || ptr.Deref(google.Spec.GCP.SQLServerEdition, "") != "STANDARD" {
		t.Errorf("Google class defaults: deletionProtection %v sqlServerEdition %v", google.Spec.GCP.DeletionProtection, google.Spec.GCP.SQLServerEdition)
	}
	// Bucket classes too: one cloud template, owner tag keys reserved.
	azureTmpl := &storagev1.AzureBucketTemplate{ResourceGroupName: "platform"}
	for reason, bc := range map[string]*storagev1.BucketClass{
		"exactly one cloud template":        {ObjectMeta: metav1.ObjectMeta{Name: "aws-and-azure"}, Spec: storagev1.BucketClassSpec{AWS: &storagev1.AWSBucketTemplate{}, Azure: azureTmpl}},
		"reserved for Stowage's owner tags": {ObjectMeta: metav1.ObjectMeta{Name: "azure-reserved"}, Spec: storagev1.BucketClassSpec{Azure: &storagev1.AzureBucketTemplate{ResourceGroupName: "platform", Tags: map[string]string{"stowage-uid": "x"}}}},
	} {
		if err := env.Client.Create(ctx, bc, client.DryRunAll); err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("bucket class %s: got %v, want %q", bc.Name, err, reason)
		}
	}
	googleReserved := dbClass("google-reserved", func(c *dbv1.DatabaseClass) {
		c.Spec.AWS, c.Spec.GCP = nil, gcpSmall.DeepCopy()
		c.Spec.GCP.Labels = map[string]string{"stowage-uid": "x"}
	})
	if err := env.Client.Create(ctx, googleReserved, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "reserved for Stowage's owner labels") {
		t.Errorf("Google class with a stowage- label key: got %v", err)
	}
	// An Azure class protects its databases unless it says otherwise, and
	// its tags cannot take Stowage's owner tag keys.
	azureSmall := &dbv1.AzureDatabaseTemplate{ResourceGroupName: "platform", Sizes: map[string]dbv1.AzureDatabaseSize{"small": {SQLDatabase: &dbv1.AzureSQLDatabaseSize{Name: "S0"}}}}
	azureDB := dbClass("azure-defaults", func(c *dbv1.DatabaseClass) { c.Spec.AWS, c.Spec.Azure = nil, azureSmall.DeepCopy() })
	if err := env.Client.Create(ctx, azureDB, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if !ptr.Deref(azureDB.Spec.Azure.DeletionProtection, false) {
		t.Errorf("Azure class defaults: deletionProtection %v", azureDB.Spec.Azure.DeletionProtection)
	}
	for reason, mutate := range map[string]func(*dbv1.AzureDatabaseTemplate){
		"reserved for Stowage's owner tags": func(t *dbv1.AzureDatabaseTemplate) { t.Tags = map[string]string{"stowage-uid": "x"} },
		"a size needs flexibleServer":       func(t *dbv1.AzureDatabaseTemplate) { t.Sizes = map[string]dbv1.AzureDatabaseSize{"small": {}} },
	} {
		bad := dbClass("azure-bad", func(c *dbv1.DatabaseClass) {
			c.Spec.AWS, c.Spec.Azure = nil, azureSmall.DeepCopy()
			mutate(c.Spec.Azure)
		})
		if err := env.Client.Create(ctx, bad, client.DryRunAll); err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("Azure class: got %v, want %q", err, reason)
		}
	}
	// The defaults of a class.
	def := dbClass("defaults", nil)
	if err := env.Client.Create(ctx, def, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if def.Spec.ReclaimPolicy != dbv1.ReclaimRetain || def.Spec.ProviderConfigRef != (dbv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}) {
		t.Errorf("class defaults: reclaimPolicy %q providerConfigRef %+v", def.Spec.ReclaimPolicy, def.Spec.ProviderConfigRef)
	}

	// The engine of a claim is immutable.
	claim := dbClaim(ns, "immutable", "none", dbv1.EnginePostgres, "16")
	create(ctx, t, claim)
	if err := update(ctx, claim, func(c *dbv1.DatabaseClaim) { c.Spec.Engine = dbv1.EngineMySQL }); err == nil || !strings.Contains(err.Error(), "engine is immutable") {
		t.Errorf("changing engine: got %v", err)
	}
}

func TestDatabaseClaimReportsManagedResourceNotSynced(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("aws-missing-config", func(c *dbv1.DatabaseClass) {
		c.Spec.ProviderConfigRef = dbv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "missing"}
	})
	claim := dbClaim(ns, "stuck", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	c := wait(ctx, t, claim, xpv2.TypeSynced, corev1.ConditionFalse)
	if c.Reason != claims.ReasonResourceNotSynced || !strings.Contains(c.Message, "DBInstance "+translate.Name(claim)+" is not synced") {
		t.Errorf("Synced: %s: %s", c.Reason, c.Message)
	}
	if r := claim.GetCondition(xpv2.TypeReady); r.Status != corev1.ConditionFalse {
		t.Errorf("Ready: %s", r.Status)
	}
}

func TestBucketClaimRetainOverride(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-overridable"},
		Spec: storagev1.BucketClassSpec{
			AllowReclaimPolicyOverride: true, // reclaimPolicy defaults to Delete
			AWS:                        &storagev1.AWSBucketTemplate{},
		},
	}
	claim := &storagev1.BucketClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "keep"},
		Spec: storagev1.BucketClaimSpec{
			ClassName:                  ptr.To(class.Name),
			ReclaimPolicy:              ptr.To(storagev1.ReclaimRetain),
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "keep"},
		},
	}
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)
	name := translate.Name(claim)
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	mr := &s3v1.Bucket{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, mr); err != nil {
		t.Fatalf("Bucket after claim deletion with Retain: %v", err)
	}
	if diff := slices.Compare(mr.GetManagementPolicies(), claims.RetainPolicies); diff != 0 || len(mr.GetOwnerReferences()) != 0 {
		t.Errorf("retained Bucket: policies %v owners %v", mr.GetManagementPolicies(), mr.GetOwnerReferences())
	}
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err != nil {
		t.Errorf("bucket %s is gone after Retain: %v", name, err)
	}
}
