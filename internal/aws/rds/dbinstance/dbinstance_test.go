package dbinstance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/ownership"
	"github.com/stowage-dev/stowage/internal/password"
)

// fakeAPI is an API whose methods are the Fn fields; an unset Fn fails the
// test through the returned error.
type fakeAPI struct {
	DescribeFn   func(*rds.DescribeDBInstancesInput) (*rds.DescribeDBInstancesOutput, error)
	CreateFn     func(*rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error)
	ModifyFn     func(*rds.ModifyDBInstanceInput) (*rds.ModifyDBInstanceOutput, error)
	DeleteFn     func(*rds.DeleteDBInstanceInput) (*rds.DeleteDBInstanceOutput, error)
	AddTagsFn    func(*rds.AddTagsToResourceInput) (*rds.AddTagsToResourceOutput, error)
	RemoveTagsFn func(*rds.RemoveTagsFromResourceInput) (*rds.RemoveTagsFromResourceOutput, error)
}

var errUnexpected = errors.New("unexpected call")

func (f *fakeAPI) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	if f.DescribeFn == nil {
		return nil, errUnexpected
	}
	return f.DescribeFn(in)
}

func (f *fakeAPI) CreateDBInstance(_ context.Context, in *rds.CreateDBInstanceInput, _ ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
	if f.CreateFn == nil {
		return nil, errUnexpected
	}
	return f.CreateFn(in)
}

func (f *fakeAPI) ModifyDBInstance(_ context.Context, in *rds.ModifyDBInstanceInput, _ ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error) {
	if f.ModifyFn == nil {
		return nil, errUnexpected
	}
	return f.ModifyFn(in)
}

func (f *fakeAPI) DeleteDBInstance(_ context.Context, in *rds.DeleteDBInstanceInput, _ ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	if f.DeleteFn == nil {
		return nil, errUnexpected
	}
	return f.DeleteFn(in)
}

func (f *fakeAPI) AddTagsToResource(_ context.Context, in *rds.AddTagsToResourceInput, _ ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error) {
	if f.AddTagsFn == nil {
		return nil, errUnexpected
	}
	return f.AddTagsFn(in)
}

func (f *fakeAPI) RemoveTagsFromResource(_ context.Context, in *rds.RemoveTagsFromResourceInput, _ ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error) {
	if f.RemoveTagsFn == nil {
		return nil, errUnexpected
	}
	return f.RemoveTagsFn(in)
}

func describeReturns(db *rdstypes.DBInstance) func(*rds.DescribeDBInstancesInput) (*rds.DescribeDBInstancesOutput, error) {
	return func(*rds.DescribeDBInstancesInput) (*rds.DescribeDBInstancesOutput, error) {
		if db == nil {
			return nil, &rdstypes.DBInstanceNotFoundFault{Message: ptr.To("not found")}
		}
		return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{*db}}, nil
	}
}

func kube(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.SchemeBuilder.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
}

func dbInstance(p v1alpha1.DBInstanceParameters) *v1alpha1.DBInstance {
	cr := &v1alpha1.DBInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db", UID: "uid-1"},
		Spec:       v1alpha1.DBInstanceSpec{ForProvider: p},
	}
	meta.SetExternalName(cr, "db")
	return cr
}

// testCluster is the cluster testOwner names.
var testCluster = ownership.ClusterIDFn(func(context.Context) (string, error) { return testOwner.Cluster, nil })

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func TestObserveStatus(t *testing.T) {
	creating := cloud()
	creating.DBInstanceStatus = ptr.To("creating")
	creating.Endpoint = nil
	modifying := cloud()
	modifying.DBInstanceStatus = ptr.To("modifying")

	type want struct {
		exists, upToDate bool
		ready            xpv2.Condition
	}
	cases := map[string]struct {
		reason string
		db     *rdstypes.DBInstance
		spec   func(*v1alpha1.DBInstanceParameters)
		want   want
	}{
		"NotFound": {
			reason: "DBInstanceNotFound means the instance does not exist.",
			want:   want{ready: xpv2.Condition{Type: xpv2.TypeReady, Status: corev1.ConditionUnknown}},
		},
		"Creating": {
			reason: "A creating instance exists, is Creating, and waits.",
			db:     &creating,
			want:   want{exists: true, upToDate: true, ready: xpv2.Creating().WithMessage("RDS status: creating")},
		},
		"Available": {
			reason: "The same instance once available is Available.",
			db:     ptr.To(cloud()),
			want:   want{exists: true, upToDate: true, ready: xpv2.Available()},
		},
		"ModifyingWaits": {
			reason: "A difference waits while RDS is modifying the instance.",
			db:     &modifying,
			spec:   func(p *v1alpha1.DBInstanceParameters) { p.DBInstanceClass = "db.t3.large" },
			want:   want{exists: true, upToDate: true, ready: xpv2.Available().WithMessage("RDS status: modifying")},
		},
		"AvailableDiffers": {
			reason: "A difference on an available instance needs an update.",
			db:     ptr.To(cloud()),
			spec:   func(p *v1alpha1.DBInstanceParameters) { p.DBInstanceClass = "db.t3.large" },
			want:   want{exists: true, upToDate: false, ready: xpv2.Available()},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := minimal()
			if tc.spec != nil {
				tc.spec(&p)
			}
			cr := dbInstance(p)
			e := &external{api: &fakeAPI{DescribeFn: describeReturns(tc.db)}, kube: kube(t), recorder: event.NewNopRecorder(), cluster: testCluster}
			o, err := e.Observe(context.Background(), cr)
			if err != nil {
				t.Fatal(err)
			}
			got := want{exists: o.ResourceExists, upToDate: o.ResourceUpToDate, ready: cr.GetCondition(xpv2.TypeReady)}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.IgnoreFields(xpv2.Condition{}, "LastTransitionTime")); d != "" {
				t.Errorf("%s\nObserve(...): -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}

func TestObserveCreatingThenAvailable(t *testing.T) {
	db := cloud()
	db.DBInstanceStatus = ptr.To("creating")
	db.Endpoint = nil
	cr := dbInstance(minimal())
	gen := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: GeneratedPasswordSecret("db")}, Data: map[string][]byte{GeneratedPasswordKey: []byte("pw")}}
	e := &external{api: &fakeAPI{DescribeFn: describeReturns(&db)}, kube: kube(t, gen), recorder: event.NewNopRecorder(), cluster: testCluster}

	if _, err := e.Observe(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if c := cr.GetCondition(xpv2.TypeReady); c.Reason != xpv2.ReasonCreating || c.Message != "RDS status: creating" {
		t.Errorf("while creating: Ready condition %+v", c)
	}

	db.DBInstanceStatus = ptr.To("available")
	db.Endpoint = &rdstypes.Endpoint{Address: ptr.To("db.example.com"), Port: ptr.To[int32](5432)}
	o, err := e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if c := cr.GetCondition(xpv2.TypeReady); c.Status != corev1.ConditionTrue {
		t.Errorf("once available: Ready condition %+v", c)
	}
	if got := string(o.ConnectionDetails[contract.KeyPassword]); got != "pw" {
		t.Errorf("generated password not published once the instance exists: %q", got)
	}
	want := v1alpha1.DBInstanceObservation{Address: "db.example.com", Port: 5432, Status: "available", ARN: "arn:aws:rds:us-east-1:123456789012:db:db", EngineVersion: "16.4"}
	if d := cmp.Diff(want, cr.Status.AtProvider); d != "" {
		t.Errorf("status.atProvider: -want, +got:\n%s", d)
	}
}

func TestCreate(t *testing.T) {
	cases := map[string]struct {
		reason   string
		secrets  []client.Object
		ref      bool
		createFn func(*rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error)
		wantErr  string
		wantPW   string // "" means: the generated one
	}{
		"Generates": {
			reason: "A password is generated and stored before the create call.",
			createFn: func(*rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error) {
				return &rds.CreateDBInstanceOutput{}, nil
			},
		},
		"ReusesGenerated": {
			reason:  "A password generated earlier is reused, never replaced.",
			secrets: []client.Object{&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db-master-password"}, Data: map[string][]byte{"password": []byte("earlier")}}},
			// Made before HMAC keys: the key is added beside the password.
			createFn: func(*rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error) {
				return &rds.CreateDBInstanceOutput{}, nil
			},
			wantPW: "earlier",
		},
		"FromRef": {
			reason:  "masterPasswordSecretRef's value is used as is.",
			ref:     true,
			secrets: []client.Object{&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "mine"}, Data: map[string][]byte{"pw": []byte("chosen")}}},
			createFn: func(*rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error) {
				return &rds.CreateDBInstanceOutput{}, nil
			},
			wantPW: "chosen",
		},
		"MissingRef": {
			reason:  "A missing password Secret is a clear error, and nothing is created.",
			ref:     true,
			wantErr: "spec.forProvider.masterPasswordSecretRef: Secret ns/mine not found",
		},
		"AlreadyExists": {
			reason: "DBInstanceAlreadyExists means an earlier create got there.",
			createFn: func(*rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error) {
				return nil, &rdstypes.DBInstanceAlreadyExistsFault{Message: ptr.To("DB instance already exists")}
			},
		},
		"BadClass": {
			reason: "An invalid parameter names the spec field.",
			createFn: func(*rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error) {
				return nil, apiErr("InvalidParameterValue", "Invalid DB Instance class: db.t3.nope")
			},
			wantErr: "spec.forProvider.dbInstanceClass: Invalid DB Instance class: db.t3.nope (InvalidParameterValue)",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := minimal()
			if tc.ref {
				p.MasterPasswordSecretRef = &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "mine"}, Key: "pw"}
			}
			cr := dbInstance(p)
			kc := kube(t, tc.secrets...)
			var sent string
			var tags map[string]string
			api := &fakeAPI{CreateFn: func(in *rds.CreateDBInstanceInput) (*rds.CreateDBInstanceOutput, error) {
				// The generated password and the HMAC key must be stored
				// before RDS sees the password.
				s := &corev1.Secret{}
				if err := kc.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "db-master-password"}, s); err != nil {
					t.Errorf("password Secret not stored before CreateDBInstance: %v", err)
				} else {
					if len(s.Data[HMACKeyKey]) != 32 {
						t.Errorf("HMAC key is %d bytes, want 32", len(s.Data[HMACKeyKey]))
					}
					if !tc.ref && string(s.Data["password"]) != *in.MasterUserPassword {
						t.Error("CreateDBInstance got another password than the stored one")
					}
				}
				sent = *in.MasterUserPassword
				tags = map[string]string{}
				for _, tag := range in.Tags {
					tags[*tag.Key] = *tag.Value
				}
				return tc.createFn(in)
			}}
			e := &external{api: api, kube: kc, recorder: event.NewNopRecorder(), cluster: testCluster}
			_, err := e.Create(context.Background(), cr)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("%s\nCreate(...) error = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nCreate(...): %v", tc.reason, err)
			}
			if tc.wantPW != "" && sent != tc.wantPW {
				t.Errorf("%s\nCreateDBInstance got another password than %q", tc.reason, tc.wantPW)
			}
			if len(sent) == 0 {
				t.Error("no password sent")
			}
			if d := cmp.Diff(testOwner.Tags(), tags); d != "" {
				t.Errorf("%s\nCreateDBInstance tags must be the owner tags: -want, +got:\n%s", tc.reason, d)
			}
			s := &corev1.Secret{}
			if err := kc.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "db-master-password"}, s); err != nil {
				t.Fatal(err)
			}
			if _, ok := s.Data["password"]; tc.ref && ok {
				t.Error("with masterPasswordSecretRef the DBInstance's Secret holds a password; want only the HMAC key")
			}
			if got, want := cr.GetAnnotations()[AnnotationPasswordHMAC], password.MAC(s.Data[HMACKeyKey], sent); got != want {
				t.Errorf("password HMAC annotation = %q, want %q", got, want)
			}
			if strings.Contains(cr.GetAnnotations()[AnnotationPasswordHMAC], sent) {
				t.Error("the annotation contains the password")
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	p := minimal()
	lateInitialize(&p, current(cloud()))
	p.DBInstanceClass = "db.t3.small"
	p.Tags = map[string]string{"a": "1", "c": "3"}
	cr := dbInstance(p)
	var modifies []*rds.ModifyDBInstanceInput
	var added, removed []string
	api := &fakeAPI{
		DescribeFn: describeReturns(ptr.To(cloud())),
		ModifyFn: func(in *rds.ModifyDBInstanceInput) (*rds.ModifyDBInstanceOutput, error) {
			modifies = append(modifies, in)
			return &rds.ModifyDBInstanceOutput{}, nil
		},
		AddTagsFn: func(in *rds.AddTagsToResourceInput) (*rds.AddTagsToResourceOutput, error) {
			for _, t := range in.Tags {
				added = append(added, *t.Key+"="+*t.Value)
			}
			return &rds.AddTagsToResourceOutput{}, nil
		},
		RemoveTagsFn: func(in *rds.RemoveTagsFromResourceInput) (*rds.RemoveTagsFromResourceOutput, error) {
			removed = append(removed, in.TagKeys...)
			return &rds.RemoveTagsFromResourceOutput{}, nil
		},
	}
	var events []event.Event
	rec := eventRecorder(func(e event.Event) { events = append(events, e) })
	e := &external{api: api, kube: kube(t), recorder: rec, cluster: testCluster}
	o, err := e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if o.ResourceUpToDate || !strings.Contains(o.Diff, "spec.forProvider.dbInstanceClass: want db.t3.small, RDS has db.t3.micro") {
		t.Fatalf("Observe(...) = up to date %v, diff %q", o.ResourceUpToDate, o.Diff)
	}
	if _, err := e.Update(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if len(modifies) != 1 || ptr.Deref(modifies[0].DBInstanceClass, "") != "db.t3.small" || modifies[0].AllocatedStorage != nil || modifies[0].MasterUserPassword != nil {
		t.Errorf("ModifyDBInstance calls: %+v, want one carrying only the class", modifies)
	}
	if d := cmp.Diff([]string{"c=3"}, added); d != "" {
		t.Errorf("added tags: -want, +got:\n%s", d)
	}
	if d := cmp.Diff([]string{"b"}, removed); d != "" {
		t.Errorf("removed tags: -want, +got:\n%s", d)
	}
	if len(events) != 1 || events[0].Reason != "UpdateExternalResource" || !strings.Contains(events[0].Message, "dbInstanceClass") {
		t.Errorf("events: %+v, want one UpdateExternalResource naming the difference", events)
	}
}

type eventRecorder func(event.Event)

func (r eventRecorder) Event(_ runtime.Object, e event.Event)    { r(e) }
func (r eventRecorder) WithAnnotations(...string) event.Recorder { return r }

func TestPasswordRotation(t *testing.T) {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "mine"}, Data: map[string][]byte{"pw": []byte("new-one")}}
	p := minimal()
	lateInitialize(&p, current(cloud()))
	p.MasterPasswordSecretRef = &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "mine"}, Key: "pw"}
	cr := dbInstance(p)
	key := []byte("0123456789abcdef0123456789abcdef")
	own := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: GeneratedPasswordSecret("db")}, Data: map[string][]byte{HMACKeyKey: key}}
	cr.SetAnnotations(map[string]string{meta.AnnotationKeyExternalName: "db", AnnotationPasswordHMAC: password.MAC(key, "old-one"), annotationLegacyPasswordHash: "something"})
	kc := kube(t, secret, own, cr.DeepCopy())
	var sent *string
	api := &fakeAPI{
		DescribeFn: describeReturns(ptr.To(cloud())),
		ModifyFn: func(in *rds.ModifyDBInstanceInput) (*rds.ModifyDBInstanceOutput, error) {
			sent = in.MasterUserPassword
			return &rds.ModifyDBInstanceOutput{}, nil
		},
	}
	var events []event.Event
	e := &external{api: api, kube: kc, recorder: eventRecorder(func(e event.Event) { events = append(events, e) }), cluster: testCluster}
	o, err := e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if o.ResourceUpToDate {
		t.Fatal("a changed password Secret is not a difference")
	}
	if _, ok := o.ConnectionDetails[contract.KeyPassword]; ok {
		t.Error("the new password is published before it was applied")
	}
	u, err := e.Update(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(sent, "") != "new-one" {
		t.Errorf("ModifyDBInstance MasterUserPassword = %v", sent)
	}
	if got := string(u.ConnectionDetails[contract.KeyPassword]); got != "new-one" {
		t.Errorf("Update did not publish the new password: %q", got)
	}
	stored := &v1alpha1.DBInstance{}
	if err := kc.Get(context.Background(), client.ObjectKeyFromObject(cr), stored); err != nil {
		t.Fatal(err)
	}
	if got := stored.GetAnnotations()[AnnotationPasswordHMAC]; got != password.MAC(key, "new-one") {
		t.Errorf("the new password's HMAC was not recorded: %q", got)
	}
	if _, ok := stored.GetAnnotations()[annotationLegacyPasswordHash]; ok {
		t.Error("the unkeyed legacy password hash annotation was kept")
	}
	for _, ev := range events {
		if strings.Contains(ev.Message, "new-one") || strings.Contains(ev.Message, "old-one") {
			t.Errorf("event leaks the password: %q", ev.Message)
		}
	}
}

func TestDelete(t *testing.T) {
	protected := cloud()
	protected.DeletionProtection = ptr.To(true)
	deleting := cloud()
	deleting.DBInstanceStatus = ptr.To("deleting")
	cases := map[string]struct {
		reason  string
		db      rdstypes.DBInstance
		spec    func(*v1alpha1.DBInstanceParameters)
		want    *rds.DeleteDBInstanceInput
		wantErr string
	}{
		"FinalSnapshot": {
			reason: "A final snapshot with a stable derived name is taken by default.",
			db:     cloud(),
			want:   &rds.DeleteDBInstanceInput{DBInstanceIdentifier: ptr.To("db"), FinalDBSnapshotIdentifier: ptr.To(finalSnapshotID("db", "uid-1"))},
		},
		"NamedSnapshot": {
			reason: "finalDBSnapshotIdentifier names the snapshot.",
			db:     cloud(),
			spec:   func(p *v1alpha1.DBInstanceParameters) { p.FinalDBSnapshotIdentifier = ptr.To("last") },
			want:   &rds.DeleteDBInstanceInput{DBInstanceIdentifier: ptr.To("db"), FinalDBSnapshotIdentifier: ptr.To("last")},
		},
		"Skip": {
			reason: "skipFinalSnapshot deletes without one.",
			db:     cloud(),
			spec:   func(p *v1alpha1.DBInstanceParameters) { p.SkipFinalSnapshot = ptr.To(true) },
			want:   &rds.DeleteDBInstanceInput{DBInstanceIdentifier: ptr.To("db"), SkipFinalSnapshot: ptr.To(true)},
		},
		"Protected": {
			reason:  "Deletion protection is honoured and explained.",
			db:      protected,
			wantErr: `deletion protection is on for DB instance "db", so nothing was deleted`,
		},
		"AlreadyDeleting": {
			reason: "An instance already being deleted is left alone.",
			db:     deleting,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := minimal()
			if tc.spec != nil {
				tc.spec(&p)
			}
			cr := dbInstance(p)
			var got *rds.DeleteDBInstanceInput
			api := &fakeAPI{DescribeFn: describeReturns(&tc.db), DeleteFn: func(in *rds.DeleteDBInstanceInput) (*rds.DeleteDBInstanceOutput, error) {
				got = in
				return &rds.DeleteDBInstanceOutput{}, nil
			}}
			e := &external{api: api, kube: kube(t), recorder: event.NewNopRecorder(), cluster: testCluster}
			_, err := e.Delete(context.Background(), cr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("%s\nDelete(...) error = %v, want %q", tc.reason, err, tc.wantErr)
				}
			} else if err != nil {
				t.Errorf("%s\nDelete(...): %v", tc.reason, err)
			}
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(rds.DeleteDBInstanceInput{})); d != "" {
				t.Errorf("%s\nDeleteDBInstance input: -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}

func TestConnectionDetails(t *testing.T) {
	cases := map[string]struct {
		ep   endpoint
		want map[string]string
	}{
		"Postgres": {
			ep: endpoint{Engine: v1alpha1.EnginePostgres, Host: "h.example.com", Port: 5432, Database: "app", Username: "admin", Password: "p@ss/w:rd"},
			want: map[string]string{"engine": "postgres", "host": "h.example.com", "port": "5432", "database": "app", "username": "admin", "password": "p@ss/w:rd",
				"uri": "postgresql://admin:p%40ss%2Fw%3Ard@h.example.com:5432/app?sslmode=require", "jdbcUrl": "jdbc:postgresql://h.example.com:5432/app?sslmode=require"},
		},
		"MySQL": {
			ep: endpoint{Engine: v1alpha1.EngineMySQL, Host: "h", Port: 3306, Database: "shop", Username: "u ser", Password: "pw"},
			want: map[string]string{"engine": "mysql", "host": "h", "port": "3306", "database": "shop", "username": "u ser", "password": "pw",
				"uri": "mysql://u%20ser:pw@h:3306/shop", "jdbcUrl": "jdbc:mysql://h:3306/shop?sslMode=REQUIRED"},
		},
		"MariaDB": {
			ep: endpoint{Engine: v1alpha1.EngineMariaDB, Host: "h", Port: 3306, Database: "shop", Username: "u", Password: "pw"},
			want: map[string]string{"engine": "mariadb", "host": "h", "port": "3306", "database": "shop", "username": "u", "password": "pw",
				"uri": "mysql://u:pw@h:3306/shop", "jdbcUrl": "jdbc:mariadb://h:3306/shop?sslMode=verify-full"},
		},
		"SQLServer": {
			ep: endpoint{Engine: v1alpha1.EngineSQLServerEx, Host: "h", Port: 1433, Database: "master", Username: "sa", Password: "pw"},
			want: map[string]string{"engine": "sqlserver", "host": "h", "port": "1433", "database": "master", "username": "sa", "password": "pw",
				"uri": "sqlserver://sa:pw@h:1433?database=master&encrypt=true", "jdbcUrl": "jdbc:sqlserver://h:1433;databaseName=master;encrypt=true"},
		},
		"NoPasswordYet": {
			ep: endpoint{Engine: v1alpha1.EnginePostgres, Host: "h", Port: 5432, Database: "postgres", Username: "admin"},
			want: map[string]string{"engine": "postgres", "host": "h", "port": "5432", "database": "postgres", "username": "admin",
				"uri": "postgresql://admin@h:5432/postgres?sslmode=require", "jdbcUrl": "jdbc:postgresql://h:5432/postgres?sslmode=require"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			for k, v := range connectionDetails(tc.ep) {
				got[k] = string(v)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("connectionDetails(...): -want, +got:\n%s", d)
			}
		})
	}
}

func TestAPIError(t *testing.T) {
	cases := map[string]struct {
		err  error
		want string
	}{
		"Class":   {err: apiErr("InvalidParameterValue", "Invalid DB Instance class: db.x"), want: "spec.forProvider.dbInstanceClass: Invalid DB Instance class: db.x (InvalidParameterValue)"},
		"Storage": {err: apiErr("InvalidParameterValue", "Invalid storage size for engine name postgres and storage type gp2: 5"), want: "spec.forProvider.allocatedStorage: Invalid storage size for engine name postgres and storage type gp2: 5 (InvalidParameterValue)"},
		"Quota":   {err: apiErr("StorageQuotaExceeded", "quota"), want: "spec.forProvider.allocatedStorage: quota (StorageQuotaExceeded)"},
		"Version": {err: apiErr("InvalidParameterCombination", "Cannot find version 99 for postgres"), want: "spec.forProvider.engineVersion: Cannot find version 99 for postgres (InvalidParameterCombination)"},
		"Password": {err: apiErr("InvalidParameterValue", "The parameter MasterUserPassword is not a valid password."),
			want: "spec.forProvider.masterPasswordSecretRef: The parameter MasterUserPassword is not a valid password. (InvalidParameterValue)"},
		"Unknown": {err: apiErr("Throttling", "slow down"), want: "cannot create DB instance db: slow down (Throttling)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := apiError(tc.err, "cannot create DB instance db").Error(); got != tc.want {
				t.Errorf("apiError(...) = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFinalSnapshotID(t *testing.T) {
	a, b := finalSnapshotID("db", "uid-1"), finalSnapshotID("db", "uid-1")
	if a != b || !strings.HasPrefix(a, "db-final-") || len(a) != len("db-final-")+8 {
		t.Errorf("finalSnapshotID = %q and %q, want one stable db-final-<8 hex>", a, b)
	}
}

func TestObserveOwnership(t *testing.T) {
	foreign := cloud()
	userTags := map[string]string{"a": "1", "b": "2"}
	foreign.TagList = tagList(ownership.Merge(userTags, ownership.Owner{Cluster: "c-2", Kind: "dbinstance", Namespace: "other", Name: "db", UID: "uid-2"}))
	untagged := cloud()
	untagged.TagList = tagList(userTags)
	generated := func(cr *v1alpha1.DBInstance) {
		meta.AddAnnotations(cr, map[string]string{ownership.AnnotationGeneratedExternalName: "db"})
	}
	const howToImport = ", so this resource will not manage it: to import it on purpose, create a managed resource with the annotation crossplane.io/external-name: db (or remove the stowage.dev/generated-external-name annotation from this one)"
	type want struct {
		exists bool
		diff   string
		err    string
	}
	cases := map[string]struct {
		reason string
		db     rdstypes.DBInstance
		cr     func(*v1alpha1.DBInstance)
		want   want
	}{
		"Ours": {
			reason: "An instance tagged as ours is observed as usual.",
			db:     cloud(),
			cr:     generated,
			want:   want{exists: true},
		},
		"Foreign": {
			reason: "An instance tagged as someone else's is refused, saying whose it is.",
			db:     foreign,
			cr:     generated,
			want:   want{err: `"db" already exists and belongs to dbinstance other/db (uid uid-2) in cluster c-2` + howToImport},
		},
		"ForeignWhileDeleting": {
			reason: "Deleting a resource refused a foreign instance lets the finalizer go: the instance is never touched.",
			db:     foreign,
			cr: func(cr *v1alpha1.DBInstance) {
				generated(cr)
				cr.SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
			},
			want: want{},
		},
		"UntaggedGenerated": {
			reason: "An untagged instance under a generated name was not created by this resource.",
			db:     untagged,
			cr:     generated,
			want:   want{err: `"db" already exists and has no owner tags: it was not created by Stowage` + howToImport},
		},
		"UntaggedAfterCreate": {
			reason: "An untagged instance this resource created is ours and gets its owner tags.",
			db:     untagged,
			cr: func(cr *v1alpha1.DBInstance) {
				generated(cr)
				meta.SetExternalCreatePending(cr, time.Now())
			},
			want: want{exists: true, diff: "owner tags: want {stowage-cluster=c-1, stowage-kind=dbinstance, stowage-name=db, stowage-namespace=ns, stowage-uid=uid-1}, RDS has no tags"},
		},
		"ExplicitImport": {
			reason: "An explicit external name imports someone else's instance on purpose.",
			db:     foreign,
			want:   want{exists: true, diff: "owner tags: want {stowage-cluster=c-1, stowage-namespace=ns, stowage-uid=uid-1}, RDS has {stowage-cluster=c-2, stowage-namespace=other, stowage-uid=uid-2}"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := minimal()
			lateInitialize(&p, current(cloud()))
			cr := dbInstance(p)
			if tc.cr != nil {
				tc.cr(cr)
			}
			e := &external{api: &fakeAPI{DescribeFn: describeReturns(&tc.db)}, kube: kube(t), recorder: event.NewNopRecorder(), cluster: testCluster}
			o, err := e.Observe(context.Background(), cr)
			got := want{exists: o.ResourceExists, diff: o.Diff}
			if err != nil {
				got.err = err.Error()
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("%s\nObserve(...): -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}

func TestObserveWhileDeleting(t *testing.T) {
	ref := &xpv2.LocalSecretKeySelector{LocalSecretReference: xpv2.LocalSecretReference{Name: "gone"}, Key: "pw"}
	cases := map[string]struct {
		reason string
		ref    *xpv2.LocalSecretKeySelector
		kube   []client.Object
	}{
		"RefSecretGone": {
			reason: "A DBInstance whose masterPasswordSecretRef Secret was deleted first still deletes.",
			ref:    ref,
		},
		"GeneratedSecretGone": {
			reason: "A DBInstance whose own Secret was deleted first still deletes.",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := minimal()
			p.MasterPasswordSecretRef = tc.ref
			cr := dbInstance(p)
			cr.SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
			cr.SetAnnotations(map[string]string{meta.AnnotationKeyExternalName: "db", AnnotationPasswordHMAC: "recorded"})
			// No cluster identity either: deleting must not need it.
			noCluster := ownership.ClusterIDFn(func(context.Context) (string, error) { return "", errors.New("no cluster identity") })
			e := &external{api: &fakeAPI{DescribeFn: describeReturns(ptr.To(cloud()))}, kube: kube(t, tc.kube...), recorder: event.NewNopRecorder(), cluster: noCluster}
			o, err := e.Observe(context.Background(), cr)
			if err != nil || !o.ResourceExists {
				t.Errorf("%s\nObserve(...) = exists %v, %v; want true, nil so Delete runs", tc.reason, o.ResourceExists, err)
			}
		})
	}
}

func TestUpdateDowngrade(t *testing.T) {
	const refused = "spec.forProvider.engineVersion: 15 is older than the running 16.4; RDS cannot downgrade: set 16 or later"
	modifying := cloud()
	modifying.DBInstanceStatus = ptr.To("modifying")
	cases := map[string]struct {
		reason     string
		db         rdstypes.DBInstance
		spec       func(*v1alpha1.DBInstanceParameters)
		wantModify []string // fields of the one ModifyDBInstance, if any
	}{
		"OnlyDowngrade": {
			reason: "A downgrade alone sends nothing and fails.",
			db:     cloud(),
			spec:   func(p *v1alpha1.DBInstanceParameters) { p.EngineVersion = ptr.To("15") },
		},
		"DowngradeAndClass": {
			reason: "The other differences are sent, without the downgrade, and the update still fails.",
			db:     cloud(),
			spec: func(p *v1alpha1.DBInstanceParameters) {
				p.EngineVersion = ptr.To("15")
				p.DBInstanceClass = "db.t3.small"
			},
			wantModify: []string{"DBInstanceClass=db.t3.small"},
		},
		"DowngradeWhileModifying": {
			reason: "While RDS is busy nothing is sent, but the downgrade is still reported.",
			db:     modifying,
			spec: func(p *v1alpha1.DBInstanceParameters) {
				p.EngineVersion = ptr.To("15")
				p.DBInstanceClass = "db.t3.small"
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := minimal()
			lateInitialize(&p, current(cloud()))
			tc.spec(&p)
			cr := dbInstance(p)
			var modified []string
			api := &fakeAPI{DescribeFn: describeReturns(&tc.db), ModifyFn: func(in *rds.ModifyDBInstanceInput) (*rds.ModifyDBInstanceOutput, error) {
				if in.EngineVersion != nil {
					modified = append(modified, "EngineVersion="+*in.EngineVersion)
				}
				if in.DBInstanceClass != nil {
					modified = append(modified, "DBInstanceClass="+*in.DBInstanceClass)
				}
				return &rds.ModifyDBInstanceOutput{}, nil
			}}
			e := &external{api: api, kube: kube(t), recorder: event.NewNopRecorder(), cluster: testCluster}
			o, err := e.Observe(context.Background(), cr)
			if err != nil {
				t.Fatal(err)
			}
			if o.ResourceUpToDate || !strings.Contains(o.Diff, "spec.forProvider.engineVersion: want 15, RDS has 16.4 and cannot downgrade") {
				t.Errorf("%s\nObserve(...) = up to date %v, diff %q; a downgrade must never look synced", tc.reason, o.ResourceUpToDate, o.Diff)
			}
			_, err = e.Update(context.Background(), cr)
			if err == nil || err.Error() != refused {
				t.Errorf("%s\nUpdate(...) error = %v, want %q", tc.reason, err, refused)
			}
			if d := cmp.Diff(tc.wantModify, modified); d != "" {
				t.Errorf("%s\nModifyDBInstance: -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}

func TestStorageAutoscaling(t *testing.T) {
	const aboveLimit = "spec.forProvider.allocatedStorage: 200 GiB is above spec.forProvider.maxAllocatedStorage, 100 GiB, and RDS refuses storage above the autoscaling limit: raise spec.forProvider.maxAllocatedStorage or lower spec.forProvider.allocatedStorage"
	grown := cloud()
	grown.AllocatedStorage = ptr.To[int32](60)
	grown.MaxAllocatedStorage = ptr.To[int32](100)
	cases := map[string]struct {
		reason     string
		spec       func(*v1alpha1.DBInstanceParameters)
		upToDate   bool
		wantErr    string
		wantModify []string // fields of the one ModifyDBInstance, if any
	}{
		"GrownByRDS": {
			reason:   "Storage RDS grew above the spec is in sync: nothing is sent.",
			spec:     func(p *v1alpha1.DBInstanceParameters) {},
			upToDate: true,
		},
		"SpecGrows": {
			reason:     "Growing the spec above what RDS has sends the new size.",
			spec:       func(p *v1alpha1.DBInstanceParameters) { p.AllocatedStorage = 80 },
			wantModify: []string{"AllocatedStorage=80"},
		},
		"AboveLimit": {
			reason:  "Storage above the spec's own limit is never sent, and the update fails naming both fields.",
			spec:    func(p *v1alpha1.DBInstanceParameters) { p.AllocatedStorage = 200 },
			wantErr: aboveLimit,
		},
		"AboveLimitAndClass": {
			reason:     "The other differences are still sent.",
			spec:       func(p *v1alpha1.DBInstanceParameters) { p.AllocatedStorage = 200; p.DBInstanceClass = "db.t3.small" },
			wantErr:    aboveLimit,
			wantModify: []string{"DBInstanceClass=db.t3.small"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := minimal()
			lateInitialize(&p, current(grown))
			tc.spec(&p)
			cr := dbInstance(p)
			var modified []string
			api := &fakeAPI{DescribeFn: describeReturns(&grown), ModifyFn: func(in *rds.ModifyDBInstanceInput) (*rds.ModifyDBInstanceOutput, error) {
				if in.AllocatedStorage != nil {
					modified = append(modified, fmt.Sprintf("AllocatedStorage=%d", *in.AllocatedStorage))
				}
				if in.DBInstanceClass != nil {
					modified = append(modified, "DBInstanceClass="+*in.DBInstanceClass)
				}
				return &rds.ModifyDBInstanceOutput{}, nil
			}}
			e := &external{api: api, kube: kube(t), recorder: event.NewNopRecorder(), cluster: testCluster}
			o, err := e.Observe(context.Background(), cr)
			if err != nil {
				t.Fatal(err)
			}
			if o.ResourceUpToDate != tc.upToDate {
				t.Errorf("%s\nObserve(...) up to date = %v, want %v (diff %q)", tc.reason, o.ResourceUpToDate, tc.upToDate, o.Diff)
			}
			if tc.upToDate {
				return
			}
			_, err = e.Update(context.Background(), cr)
			if got := fmt.Sprint(err); (tc.wantErr == "" && err != nil) || (tc.wantErr != "" && got != tc.wantErr) {
				t.Errorf("%s\nUpdate(...) error = %v, want %q", tc.reason, err, tc.wantErr)
			}
			if d := cmp.Diff(tc.wantModify, modified); d != "" {
				t.Errorf("%s\nModifyDBInstance: -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}
