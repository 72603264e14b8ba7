package dbinstance_test

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	"github.com/stowage-dev/stowage/internal/aws/rds/dbinstance"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	timeout = 30 * time.Second
)

var (
	harness *testenv.AWSHarness
	env     *testenv.Env
	moto    *testenv.Moto
	counter *testenv.CallCounter
	rdsc    *rds.Client
)

func TestMain(m *testing.M) {
	h, err := testenv.StartAWS(poll, func(mgr ctrl.Manager, o controller.Options) error {
		if err := usage.Setup(mgr, o); err != nil {
			return err
		}
		return dbinstance.Setup(mgr, o)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness, env, moto, counter = h, h.Env, h.Moto, h.Counter
	rdsc = h.RDS()
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

// setup makes a namespace with a ProviderConfig "default" pointing at moto
// through the call counter.
func setup(t *testing.T) (context.Context, string) {
	t.Helper()
	return harness.TestNamespace(t, "rds", 3*time.Minute)
}

func postgres() v1alpha1.DBInstanceParameters {
	return v1alpha1.DBInstanceParameters{
		Engine:           v1alpha1.EnginePostgres,
		EngineVersion:    ptr.To("16"),
		DBInstanceClass:  "db.t3.micro",
		AllocatedStorage: 20,
		DBName:           ptr.To("app"),
		MasterUsername:   ptr.To("app_admin"),
		Tags:             map[string]string{"team": "shop"},
	}
}

func newDB(ns, name string, p v1alpha1.DBInstanceParameters) *v1alpha1.DBInstance {
	d := &v1alpha1.DBInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.DBInstanceSpec{ForProvider: p},
	}
	d.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return d
}

func waitReady(ctx context.Context, t *testing.T, d *v1alpha1.DBInstance) {
	t.Helper()
	if _, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeSynced, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
}

func describe(ctx context.Context, id string) (*rdstypes.DBInstance, error) {
	out, err := rdsc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
	if err != nil {
		return nil, err
	}
	return &out.DBInstances[0], nil
}

// callsTo returns the calls about instance id, by identifier or ARN.
func callsTo(id string) []testenv.Call {
	var out []testenv.Call
	for _, c := range counter.Calls() {
		if c.Form.Get("DBInstanceIdentifier") == id || strings.HasSuffix(c.Form.Get("ResourceName"), ":db:"+id) {
			out = append(out, c)
		}
	}
	return out
}

func writesTo(id string) []testenv.Call { return writesOf(callsTo(id)) }

// instanceTags returns every tag of the instance in RDS.
func instanceTags(ctx context.Context, id string) (map[string]string, error) {
	db, err := describe(ctx, id)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, t := range db.TagList {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}

func actions(cs []testenv.Call) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Action()
	}
	return out
}

func connSecret(ctx context.Context, ns, name string, check func(*corev1.Secret) error) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s); err != nil {
			return err
		}
		return check(s)
	})
	return s, err
}

func TestDBInstanceLifecycle(t *testing.T) {
	ctx, ns := setup(t)
	name := "life-" + ns
	d := newDB(ns, name, postgres())
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "life-conn"}
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, d)

	// The connection secret is complete, with the generated password.
	gen := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: dbinstance.GeneratedPasswordSecret(name)}, gen); err != nil {
		t.Fatalf("generated password Secret: %v", err)
	}
	pw := string(gen.Data[dbinstance.GeneratedPasswordKey])
	if len(pw) < 16 {
		t.Fatalf("generated password is %d characters", len(pw))
	}
	sec, err := connSecret(ctx, ns, "life-conn", func(s *corev1.Secret) error {
		if len(s.Data["password"]) == 0 {
			return fmt.Errorf("no password yet: keys %v", keys(s.Data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"engine", "host", "port", "database", "username", "password", "uri", "jdbcUrl"} {
		if len(sec.Data[k]) == 0 {
			t.Errorf("connection secret has no %q", k)
		}
	}
	if string(sec.Data["password"]) != pw {
		t.Error("connection secret password is not the generated password")
	}
	u, err := url.Parse(string(sec.Data["uri"]))
	if err != nil {
		t.Fatalf("uri does not parse: %v", err)
	}
	if p, _ := u.User.Password(); u.Scheme != "postgresql" || u.User.Username() != "app_admin" || p != pw || u.Path != "/app" || u.Query().Get("sslmode") != "require" || u.Host != string(sec.Data["host"])+":"+string(sec.Data["port"]) {
		t.Errorf("uri %s://%s@%s%s?%s is not the postgresql URL of the instance", u.Scheme, u.User.Username(), u.Host, u.Path, u.RawQuery)
	}
	if got, want := string(sec.Data["jdbcUrl"]), "jdbc:postgresql://"+u.Host+"/app?sslmode=require"; got != want {
		t.Errorf("jdbcUrl = %q, want %q", got, want)
	}
	if d.Status.AtProvider.ARN == "" || d.Status.AtProvider.Address == "" || d.Status.AtProvider.Status != "available" {
		t.Errorf("status.atProvider = %+v", d.Status.AtProvider)
	}
	// The instance carries its tags and its owner tags; the spec only the
	// user's.
	tags, err := instanceTags(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(tags, "dbinstance", d, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}
	if _, ok := d.Spec.ForProvider.Tags["stowage-uid"]; ok {
		t.Errorf("spec.forProvider.tags = %v: owner tags must stay out of the spec", d.Spec.ForProvider.Tags)
	}
	// The Secret holds the HMAC key the password marker is made with.
	if len(gen.Data[dbinstance.HMACKeyKey]) != 32 || d.GetAnnotations()[dbinstance.AnnotationPasswordHMAC] == "" {
		t.Errorf("no HMAC key (%d bytes) or no %s annotation", len(gen.Data[dbinstance.HMACKeyKey]), dbinstance.AnnotationPasswordHMAC)
	}

	// Changing class and storage sends exactly one ModifyDBInstance with
	// only those fields.
	settled(ctx, t, d)
	counter.Reset()
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	d.Spec.ForProvider.DBInstanceClass = "db.t3.small"
	d.Spec.ForProvider.AllocatedStorage = 30
	if err := env.Client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := describe(ctx, name)
		if err != nil || *db.DBInstanceClass != "db.t3.small" || *db.AllocatedStorage != 30 {
			return fmt.Errorf("not modified yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, d, 3)
	w := writesTo(name)
	if len(w) != 1 || w[0].Action() != "ModifyDBInstance" {
		t.Fatalf("writes after changing class and storage: %v, want one ModifyDBInstance", actions(w))
	}
	var fields []string
	for k := range w[0].Form {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	if want := []string{"Action", "AllocatedStorage", "DBInstanceClass", "DBInstanceIdentifier", "Version"}; !slices.Equal(fields, want) {
		t.Errorf("ModifyDBInstance carried %v, want %v", fields, want)
	}

	// A change made behind the provider's back is reverted.
	if _, err := rdsc.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: &name, DBInstanceClass: aws.String("db.t3.large"), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := describe(ctx, name)
		if err != nil || *db.DBInstanceClass != "db.t3.small" {
			return fmt.Errorf("drift not reverted: class %v (%v)", ptr.Deref(db, rdstypes.DBInstance{}).DBInstanceClass, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Deletion protection blocks the delete, and says so.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	d.Spec.ForProvider.DeletionProtection = ptr.To(true)
	if err := env.Client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if db, err := describe(ctx, name); err != nil || !ptr.Deref(db.DeletionProtection, false) {
			return fmt.Errorf("deletion protection not on yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "deletion protection is on") || !strings.Contains(c.Message, "nothing was deleted") {
		t.Errorf("Synced=False message %q does not explain the deletion protection", c.Message)
	}
	if _, err := describe(ctx, name); err != nil {
		t.Fatalf("protected instance is gone: %v", err)
	}

	// Once protection is off, delete takes a final snapshot and the
	// DBInstance goes away.
	if _, err := rdsc.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: &name, DeletionProtection: aws.Bool(false), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); !kerrors.IsNotFound(err) {
			return fmt.Errorf("DBInstance still present (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := describe(ctx, name); err == nil {
		t.Error("instance still in RDS after delete")
	}
	snaps, err := rdsc.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: &name})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range snaps.DBSnapshots {
		ids = append(ids, ptr.Deref(s.DBSnapshotIdentifier, ""))
	}
	if len(ids) != 1 || !strings.HasPrefix(ids[0], name+"-final-") {
		t.Errorf("final snapshots %v, want one named %s-final-…", ids, name)
	}
}

func TestDBInstanceInSyncMakesNoWrites(t *testing.T) {
	ctx, ns := setup(t)
	name := "quiet-" + ns
	p := postgres()
	p.Tags = map[string]string{"b": "2", "a": "1"}
	p.BackupRetentionPeriod = ptr.To[int32](7)
	p.VPCSecurityGroupIDs = nil
	d := newDB(ns, name, p)
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, d)
	// Let late initialisation settle, then watch several polls.
	settled(ctx, t, d)
	counter.Reset()
	watchPolls(ctx, t, d, 5)
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("an instance in sync got %d write calls, want 0: %v", len(w), actions(w))
	}
	// Polls are served from listings of every instance of the account and
	// region, one per poll at most, never from reads of this one.
	if cs := callsTo(name); len(cs) != 0 {
		t.Errorf("an instance in sync was read on its own %d times during 5 polls, want 0 (a listing serves them): %v", len(cs), actions(cs))
	}
	var listings int
	for _, c := range counter.Calls() {
		switch {
		case c.Action() == "DescribeDBInstances" && !c.Form.Has("DBInstanceIdentifier"):
			listings++
		case !strings.HasSuffix(c.Form.Get("DBInstanceIdentifier"), ns):
			// Another test's instance, being deleted.
		default:
			t.Errorf("unexpected call %s during polls", c.Action())
		}
	}
	if listings < 5 || listings > 8 {
		t.Errorf("%d listings during 5 polls, want one a poll", listings)
	}
}

func TestDBInstanceImportAndObserveOnly(t *testing.T) {
	ctx, ns := setup(t)
	name := "existing-" + ns
	if _, err := rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: &name, Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("legacy"), MasterUserPassword: aws.String("legacypassword1"),
		Tags: []rdstypes.Tag{{Key: aws.String("owner"), Value: aws.String("legacy")}},
	}); err != nil {
		t.Fatal(err)
	}
	counter.Reset()

	// Observe only: the spec asks for another class and tags, but nothing
	// is written.
	p := v1alpha1.DBInstanceParameters{Engine: v1alpha1.EnginePostgres, DBInstanceClass: "db.t3.medium", AllocatedStorage: 20, Tags: map[string]string{"owner": "stowage"}}
	d := newDB(ns, "watched", p)
	meta.SetExternalName(d, name)
	d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, d, 3)
	if w := writesTo(name); len(w) != 0 {
		t.Fatalf("observe-only DBInstance got writes: %v", actions(w))
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	if d.Status.AtProvider.ARN != "arn:aws:rds:us-east-1:123456789012:db:"+name {
		t.Errorf("status.atProvider.arn = %q", d.Status.AtProvider.ARN)
	}
	if err := env.Client.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); !kerrors.IsNotFound(err) {
			return fmt.Errorf("still present (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := describe(ctx, name); err != nil {
		t.Fatalf("deleting an observe-only DBInstance removed the instance: %v", err)
	}

	// Full management adopts it: no CreateDBInstance, the spec's class and
	// tags win, and the master username is filled in from RDS.
	counter.Reset()
	adopted := newDB(ns, "adopted", p)
	meta.SetExternalName(adopted, name)
	if err := env.Client.Create(ctx, adopted); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, adopted)
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := describe(ctx, name)
		if err != nil || *db.DBInstanceClass != "db.t3.medium" {
			return fmt.Errorf("not adopted yet (%v)", err)
		}
		tags, err := instanceTags(ctx, name)
		if err != nil {
			return err
		}
		if err := testenv.CheckOwnerTags(tags, "dbinstance", adopted, map[string]string{"owner": "stowage"}); err != nil {
			return fmt.Errorf("tags not adopted: %w", err)
		}
		if len(tags) != 6 {
			return fmt.Errorf("tags %v, want owner=stowage and the five owner tags", tags)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range writesTo(name) {
		if c.Action() == "CreateDBInstance" {
			t.Error("adopting an existing instance called CreateDBInstance")
		}
		if c.Form.Has("MasterUserPassword") {
			t.Error("adopting an instance without masterPasswordSecretRef reset its password")
		}
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(adopted), adopted); err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(adopted.Spec.ForProvider.MasterUsername, ""); got != "legacy" {
		t.Errorf("masterUsername not late-initialised: %q", got)
	}
}

func TestDBInstancePasswordRotation(t *testing.T) {
	ctx, ns := setup(t)
	name := "rotate-" + ns
	pwSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db-pass"}, StringData: map[string]string{"pw": "first-password-1"}}
	if err := env.Client.Create(ctx, pwSecret); err != nil {
		t.Fatal(err)
	}
	p := postgres()
	p.MasterPasswordSecretRef = &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "db-pass"}, Key: "pw"}
	d := newDB(ns, name, p)
	d.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "rotate-conn"}
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, d)
	if _, err := connSecret(ctx, ns, "rotate-conn", func(s *corev1.Secret) error {
		if string(s.Data["password"]) != "first-password-1" {
			return fmt.Errorf("password not published yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	own := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: dbinstance.GeneratedPasswordSecret(name)}, own); err != nil {
		t.Fatalf("the DBInstance's Secret with its HMAC key: %v", err)
	}
	if _, ok := own.Data[dbinstance.GeneratedPasswordKey]; ok || len(own.Data[dbinstance.HMACKeyKey]) != 32 {
		t.Errorf("with masterPasswordSecretRef the DBInstance's Secret holds %v, want only %s", keys(own.Data), dbinstance.HMACKeyKey)
	}
	for _, a := range d.GetAnnotations() {
		if strings.Contains(a, "first-password-1") {
			t.Fatal("an annotation holds the password")
		}
	}

	settled(ctx, t, d)
	counter.Reset()
	pwSecret.StringData = map[string]string{"pw": "second-password-2"}
	if err := env.Client.Update(ctx, pwSecret); err != nil {
		t.Fatal(err)
	}
	if _, err := connSecret(ctx, ns, "rotate-conn", func(s *corev1.Secret) error {
		if string(s.Data["password"]) != "second-password-2" {
			return fmt.Errorf("new password not published yet")
		}
		if !strings.Contains(string(s.Data["uri"]), ":second-password-2@") {
			return fmt.Errorf("uri does not carry the new password")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, d, 3)
	w := writesTo(name)
	if len(w) != 1 || w[0].Action() != "ModifyDBInstance" || w[0].Form.Get("MasterUserPassword") != "second-password-2" {
		t.Errorf("writes after changing the password: %v, want one ModifyDBInstance with the new password", actions(w))
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Status.Conditions {
		if strings.Contains(c.Message, "password-") {
			t.Errorf("condition %s leaks the password: %q", c.Type, c.Message)
		}
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

func TestDBInstanceSchema(t *testing.T) {
	ctx, ns := setup(t)

	// The example applies as written.
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(root + "/examples/aws/rds/dbinstance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ex := &v1alpha1.DBInstance{}
	if err := yaml.Unmarshal(data, ex); err != nil {
		t.Fatal(err)
	}
	ex.Namespace = ns
	if err := env.Client.Create(ctx, ex, client.DryRunAll); err != nil {
		t.Errorf("example rejected: %v", err)
	}

	cases := map[string]struct {
		p    func(*v1alpha1.DBInstanceParameters)
		want string
	}{
		"IOPSWithGP2": {p: func(p *v1alpha1.DBInstanceParameters) {
			p.StorageType = ptr.To(v1alpha1.StorageTypeGP2)
			p.IOPS = ptr.To[int32](3000)
		}, want: "iops needs storageType io1, io2 or gp3"},
		"TooSmall": {p: func(p *v1alpha1.DBInstanceParameters) { p.Engine = v1alpha1.EngineSQLServerEx; p.AllocatedStorage = 10 }, want: "allocatedStorage"},
		"IO1TooSmall": {p: func(p *v1alpha1.DBInstanceParameters) {
			p.StorageType = ptr.To(v1alpha1.StorageTypeIO1)
			p.IOPS = ptr.To[int32](1000)
		}, want: "at least 100 GiB for io1"},
		"BadEngine":   {p: func(p *v1alpha1.DBInstanceParameters) { p.Engine = "oracle-ee" }, want: "Unsupported value"},
		"BadSnapshot": {p: func(p *v1alpha1.DBInstanceParameters) { p.FinalDBSnapshotIdentifier = ptr.To("bad--name") }, want: "finalDBSnapshotIdentifier"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := postgres()
			tc.p(&p)
			err := env.Client.Create(ctx, newDB(ns, strings.ToLower(name), p), client.DryRunAll)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("create error = %v, want one saying %q", err, tc.want)
			}
		})
	}

	// Storage never shrinks, and the engine never changes.
	p := postgres()
	p.AllocatedStorage = 30
	d := newDB(ns, "immutable", p)
	d.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	meta.SetExternalName(d, "nowhere-"+ns)
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*v1alpha1.DBInstanceParameters){
		"allocatedStorage cannot shrink": func(p *v1alpha1.DBInstanceParameters) {
			p.AllocatedStorage = 20
			p.StorageType = nil
			p.AllocatedStorage--
		},
		"engine is immutable": func(p *v1alpha1.DBInstanceParameters) { p.Engine = v1alpha1.EngineMySQL },
	} {
		u := d.DeepCopy()
		change(&u.Spec.ForProvider)
		if err := env.Client.Update(ctx, u, client.DryRunAll); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("update error = %v, want one saying %q", err, name)
		}
	}
}

func TestDBInstanceForeignOwnerNotAdopted(t *testing.T) {
	ctx, ns := setup(t)
	name := "squat-" + ns
	foreign := map[string]string{"team": "other",
		"stowage-cluster": "other-cluster", "stowage-kind": "dbinstance", "stowage-namespace": "other-team",
		"stowage-name": "orders", "stowage-uid": "0b5e55ed-0000-4000-8000-000000000002"}
	in := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: &name, Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("theirs"), MasterUserPassword: aws.String("theirpassword1"),
	}
	for k, v := range foreign {
		in.Tags = append(in.Tags, rdstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := rdsc.CreateDBInstance(ctx, in); err != nil {
		t.Fatal(err)
	}
	counter.Reset()

	// A DBInstance whose generated external name is someone else's instance.
	p := postgres()
	p.DBInstanceClass = "db.t3.small"
	d := newDB(ns, name, p)
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"belongs to dbinstance other-team/orders (uid " + foreign["stowage-uid"] + ") in cluster other-cluster",
		"create a managed resource with the annotation crossplane.io/external-name: " + name} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("Synced=False message %q does not say %q", c.Message, want)
		}
	}
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("a refused DBInstance wrote to the foreign instance: %v", actions(w))
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: dbinstance.GeneratedPasswordSecret(name)}, &corev1.Secret{}); !kerrors.IsNotFound(err) {
		t.Errorf("a refused DBInstance made a password Secret (%v)", err)
	}

	// Deleting the refused DBInstance completes and leaves the instance.
	if err := env.Client.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, d, timeout); err != nil {
		t.Fatal(err)
	}
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("deleting a refused DBInstance wrote to the foreign instance: %v", actions(w))
	}
	tags, err := instanceTags(ctx, name)
	if err != nil {
		t.Fatalf("the foreign instance is gone after deleting the refused DBInstance: %v", err)
	}
	if !maps.Equal(tags, foreign) {
		t.Errorf("tags of the foreign instance changed: %v, want %v", tags, foreign)
	}
}

func TestDBInstanceDeletesWithoutPasswordSecret(t *testing.T) {
	ctx, ns := setup(t)
	cases := map[string]struct {
		ref          bool // masterPasswordSecretRef, else a generated password
		skipSnapshot bool
	}{
		// Each case has its own names: map order is random.
		"RefSecretGone":       {ref: true},
		"GeneratedSecretGone": {skipSnapshot: true},
	}
	for cn, tc := range cases {
		t.Run(cn, func(t *testing.T) {
			name := strings.ToLower(cn) + "-" + ns
			p := postgres()
			p.SkipFinalSnapshot = ptr.To(tc.skipSnapshot)
			pwSecret := dbinstance.GeneratedPasswordSecret(name)
			if tc.ref {
				pwSecret = name + "-pw"
				s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pwSecret}, StringData: map[string]string{"pw": "some-password-1"}}
				if err := env.Client.Create(ctx, s); err != nil {
					t.Fatal(err)
				}
				p.MasterPasswordSecretRef = &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: pwSecret}, Key: "pw"}
			}
			d := newDB(ns, name, p)
			if err := env.Client.Create(ctx, d); err != nil {
				t.Fatal(err)
			}
			waitReady(ctx, t, d)

			// The password Secret goes first, as in a namespace teardown.
			if err := env.Client.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pwSecret}}); err != nil {
				t.Fatal(err)
			}
			if err := env.Client.Delete(ctx, d); err != nil {
				t.Fatal(err)
			}
			if err := testenv.WaitGone(ctx, env.Client, d, timeout); err != nil {
				t.Fatal(err)
			}
			if _, err := describe(ctx, name); err == nil {
				t.Error("instance still in RDS after delete")
			}
			snaps, err := rdsc.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: &name})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range snaps.DBSnapshots {
				ids = append(ids, aws.ToString(s.DBSnapshotIdentifier))
			}
			switch {
			case tc.skipSnapshot && len(ids) != 0:
				t.Errorf("final snapshots %v with skipFinalSnapshot, want none", ids)
			case !tc.skipSnapshot && (len(ids) != 1 || !strings.HasPrefix(ids[0], name+"-final-")):
				t.Errorf("final snapshots %v, want one named %s-final-…", ids, name)
			}
		})
	}
}

func TestDBInstanceEngineDowngradeRefused(t *testing.T) {
	ctx, ns := setup(t)
	name := "downgrade-" + ns
	d := newDB(ns, name, postgres())
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, d)
	running := d.Status.AtProvider.EngineVersion
	if !strings.HasPrefix(running, "16") {
		t.Fatalf("running engine version %q, want 16.x", running)
	}

	// Ask for 15 and a larger class: the class is applied, the downgrade is
	// refused and never sent.
	counter.Reset()
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
			return err
		}
		d.Spec.ForProvider.EngineVersion = ptr.To("15")
		d.Spec.ForProvider.DBInstanceClass = "db.t3.small"
		return env.Client.Update(ctx, d)
	}); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if want := "spec.forProvider.engineVersion: 15 is older than the running " + running + "; RDS cannot downgrade: set 16 or later"; !strings.Contains(c.Message, want) {
		t.Errorf("Synced=False message %q does not say %q", c.Message, want)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := describe(ctx, name)
		if err != nil || aws.ToString(db.DBInstanceClass) != "db.t3.small" {
			return fmt.Errorf("class not modified (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, w := range writesTo(name) {
		if w.Form.Has("EngineVersion") {
			t.Errorf("%s sent EngineVersion=%s: a downgrade must never be sent", w.Action(), w.Form.Get("EngineVersion"))
		}
	}
	if db, err := describe(ctx, name); err != nil || aws.ToString(db.EngineVersion) != running {
		t.Errorf("engine version changed to %v (%v)", db, err)
	}
	// Once the class change went through it is still not synced.
	if _, err := testenv.WaitForCondition(ctx, env.Client, d, xpv2.TypeSynced, corev1.ConditionFalse, timeout); err != nil {
		t.Fatal(err)
	}
}

// watchPolls waits until the provider has read instance id (or listed the
// instances) at least n more
// times, checking at each look that the resource stays Synced, and returns
// the calls about id made meanwhile. Counting reads, not time, makes sure n
// polls really happened.
func watchPolls(ctx context.Context, t *testing.T, d *v1alpha1.DBInstance, n int) []testenv.Call {
	t.Helper()
	id := meta.GetExternalName(d)
	since, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, func(c testenv.Call) bool {
		// A poll reads the instance on its own or, once seen, from a
		// listing of every instance (no identifier).
		return c.Action() == "DescribeDBInstances" && (c.Form.Get("DBInstanceIdentifier") == id || !c.Form.Has("DBInstanceIdentifier"))
	})
	if err != nil {
		t.Fatalf("polls of %s: %v", id, err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	if c := d.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionTrue {
		t.Errorf("Synced is %s (%s: %s) after %d polls, want True", c.Status, c.Reason, c.Message, n)
	}
	var mine []testenv.Call
	for _, c := range since {
		if c.Form.Get("DBInstanceIdentifier") == id || strings.HasSuffix(c.Form.Get("ResourceName"), ":db:"+id) {
			mine = append(mine, c)
		}
	}
	return mine
}

// settled waits until late initialisation has written the spec back, so
// later polls start from a spec that no longer moves.
func settled(ctx context.Context, t *testing.T, d *v1alpha1.DBInstance) {
	t.Helper()
	waitReady(ctx, t, d)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
			return err
		}
		if d.Spec.ForProvider.StorageType == nil {
			return fmt.Errorf("spec.forProvider not late-initialised yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestDBInstanceStorageAutoscaling(t *testing.T) {
	ctx, ns := setup(t)
	name := "autoscale-" + ns
	p := postgres()
	p.MaxAllocatedStorage = ptr.To[int32](100)
	d := newDB(ns, name, p)
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	settled(ctx, t, d)

	// RDS grows the storage by itself, as autoscaling does.
	if _, err := rdsc.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: &name, AllocatedStorage: aws.Int32(50), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if db, err := describe(ctx, name); err != nil || ptr.Deref(db.AllocatedStorage, 0) != 50 {
		t.Fatalf("moto did not grow the storage to 50 GiB: %v", err)
	}

	cs := watchPolls(ctx, t, d, 5)
	if w := writesOf(cs); len(w) != 0 {
		t.Errorf("storage grown by autoscaling got %d write calls, want 0: %v", len(w), actions(w))
	}
	if db, err := describe(ctx, name); err != nil || ptr.Deref(db.AllocatedStorage, 0) != 50 {
		t.Errorf("storage in RDS is not the grown 50 GiB any more: %v", err)
	}
	if got := d.Spec.ForProvider.AllocatedStorage; got != 20 {
		t.Errorf("spec.forProvider.allocatedStorage = %d, want the 20 the user asked for", got)
	}
	if c := d.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
		t.Errorf("Ready is %s (%s), want True", c.Status, c.Message)
	}
}

func TestDBInstanceMajorUpgradeDefaultParameterGroup(t *testing.T) {
	ctx, ns := setup(t)
	name := "upgrade-" + ns
	p := postgres()
	p.EngineVersion = ptr.To("16.4")
	d := newDB(ns, name, p)
	if err := env.Client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	settled(ctx, t, d)
	db, err := describe(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.DBParameterGroups) == 0 || !strings.HasPrefix(aws.ToString(db.DBParameterGroups[0].DBParameterGroupName), "default.") {
		t.Fatalf("moto reports parameter groups %+v, want an RDS default group", db.DBParameterGroups)
	}
	if g := d.Spec.ForProvider.DBParameterGroupName; g != nil {
		t.Errorf("spec.forProvider.dbParameterGroupName = %q, want it left unset: the default group follows the engine version", *g)
	}

	from := len(callsTo(name))
	d.Spec.ForProvider.EngineVersion = ptr.To("17.2")
	if err := env.Client.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		db, err := describe(ctx, name)
		if err != nil || aws.ToString(db.EngineVersion) != "17.2" {
			return fmt.Errorf("not upgraded yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, d)
	watchPolls(ctx, t, d, 5)

	w := writesOf(callsTo(name)[from:])
	if len(w) != 1 || w[0].Action() != "ModifyDBInstance" {
		t.Fatalf("writes for the major upgrade: %v, want exactly one ModifyDBInstance", actions(w))
	}
	f := w[0].Form
	if f.Get("EngineVersion") != "17.2" || f.Get("AllowMajorVersionUpgrade") != "true" || f.Has("DBParameterGroupName") {
		t.Errorf("ModifyDBInstance carried %v, want EngineVersion=17.2 and AllowMajorVersionUpgrade=true without a parameter group", f)
	}
	if db, err := describe(ctx, name); err != nil || aws.ToString(db.DBParameterGroups[0].DBParameterGroupName) != "default.postgres17" {
		t.Errorf("parameter group after the upgrade: %+v (%v), want RDS's default.postgres17", db.DBParameterGroups, err)
	}
	if c := d.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
		t.Errorf("Ready is %s (%s), want True", c.Status, c.Message)
	}
}

func writesOf(cs []testenv.Call) []testenv.Call {
	var out []testenv.Call
	for _, c := range cs {
		if c.Write() {
			out = append(out, c)
		}
	}
	return out
}

// Instances in sync are observed from one listing of the account and region
// per poll, however many there are: no instance is read on its own.
func TestDBInstancesShareOneListing(t *testing.T) {
	ctx, ns := setup(t)
	var ds []*v1alpha1.DBInstance
	for i := range 4 {
		p := postgres()
		p.VPCSecurityGroupIDs = nil
		d := newDB(ns, fmt.Sprintf("shared-%d-%s", i, ns), p)
		if err := env.Client.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	for _, d := range ds {
		settled(ctx, t, d)
	}
	counter.Reset()
	before, err := testenv.Polls(v1alpha1.DBInstanceKind)
	if err != nil {
		t.Fatal(err)
	}
	isListing := func(c testenv.Call) bool {
		return c.Action() == "DescribeDBInstances" && !c.Form.Has("DBInstanceIdentifier")
	}
	if _, err := counter.WaitFor(ctx, timeout, 0, 6, isListing); err != nil {
		t.Fatalf("listings: %v", err)
	}
	after, err := testenv.Polls(v1alpha1.DBInstanceKind)
	if err != nil {
		t.Fatal(err)
	}
	var listings, reads int
	for _, c := range counter.Calls() {
		switch {
		case isListing(c):
			listings++
		case !strings.HasSuffix(c.Form.Get("DBInstanceIdentifier"), ns):
			// Another test's instance, being deleted.
		case c.Action() == "DescribeDBInstances":
			reads++
		default:
			t.Errorf("unexpected call %s while the instances are in sync", c.Action())
		}
	}
	polls := int(after - before)
	t.Logf("%d polls of 4 instances served by %d listings, %d reads of one instance", polls, listings, reads)
	if reads != 0 {
		t.Errorf("%d reads of single instances, want 0: listings serve instances in sync", reads)
	}
	// Four instances poll together: each listing serves about four polls.
	if polls < 2*listings {
		t.Errorf("%d polls for %d listings: listings are not shared", polls, listings)
	}
	for _, d := range ds {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
			t.Fatal(err)
		}
		if c := d.GetCondition(xpv2.TypeSynced); c.Status != corev1.ConditionTrue {
			t.Errorf("%s: Synced %s: %s", d.Name, c.Status, c.Message)
		}
	}
}
