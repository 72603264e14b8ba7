package claims_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/googleapi"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	sqlv1 "github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/testenv"
)

func TestDatabaseClaimOnGoogle(t *testing.T) {
	ctx, ns := setup(t, nil)
	gcpClusterProviderConfig(ctx, t)
	// The example class, as the sandbox applies it, except that this test
	// deletes what it makes.
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(root + "/examples/classes/gcp-standard-database.yaml")
	if err != nil {
		t.Fatal(err)
	}
	class := &dbv1.DatabaseClass{}
	if err := yaml.Unmarshal(data, class); err != nil {
		t.Fatal(err)
	}
	class.Name = "gcp-postgres"
	class.Spec.ReclaimPolicy = dbv1.ReclaimDelete
	class.Spec.GCP.DeletionProtection, class.Spec.GCP.SkipFinalBackup = ptr.To(false), ptr.To(true)
	claim := dbClaim(ns, "orders-gcp", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)

	noUpdates(ctx, t, claim)
	name := translate.Name(claim)
	if claim.Status.Endpoint == "" || claim.Status.Port != 5432 || claim.Status.EngineVersion != "16.4" || len(claim.Status.ResourceRefs) != 3 {
		t.Errorf("claim status: endpoint %q port %d version %q refs %v", claim.Status.Endpoint, claim.Status.Port, claim.Status.EngineVersion, claim.Status.ResourceRefs)
	}

	inst := &sqlv1.Instance{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, inst); err != nil {
		t.Fatal(err)
	}
	if p := inst.Spec.ForProvider; p.DatabaseVersion != "POSTGRES_16" || p.Tier != "db-custom-1-3840" || ptr.Deref(p.DiskSizeGB, 0) != 20 || !metav1.IsControlledBy(inst, claim) {
		t.Errorf("Instance forProvider: version %s tier %s disk %v; controlled by the claim: %t", p.DatabaseVersion, p.Tier, p.DiskSizeGB, metav1.IsControlledBy(inst, claim))
	}

	// The Instance came first, the Database once it was Ready, the User once
	// the Database was.
	mdb, musr := &sqlv1.Database{}, &sqlv1.User{}
	for _, o := range []client.Object{mdb, musr} {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, o); err != nil {
			t.Fatal(err)
		}
	}
	instReady, dbReady := inst.GetCondition(xpv2.TypeReady).LastTransitionTime, mdb.GetCondition(xpv2.TypeReady).LastTransitionTime
	if mdb.CreationTimestamp.Before(&instReady) || musr.CreationTimestamp.Before(&dbReady) {
		t.Errorf("Database made at %s (Instance ready at %s), User made at %s (Database ready at %s)", mdb.CreationTimestamp, instReady, musr.CreationTimestamp, dbReady)
	}
	// One insert of the instance and of the database. The user's insert
	// may be refused while the database's insert operation still runs
	// (Cloud SQL runs one operation per instance at a time) and is sent
	// again: never a second user.
	var instInserts, dbInserts int
	for _, c := range sqlCloud.Counter.Calls() {
		switch {
		case c.Method != http.MethodPost:
		case strings.HasSuffix(c.Path, "/instances") && strings.Contains(string(c.Body), `"name":"`+name+`"`):
			instInserts++
		case strings.HasSuffix(c.Path, "/instances/"+name+"/databases"):
			dbInserts++
		}
	}
	if instInserts != 1 || dbInserts != 1 {
		t.Errorf("%d instance and %d database inserts, want one each", instInserts, dbInserts)
	}

	// The secret has every contract key and no other, each filled in, the
	// CA Cloud SQL hands out included.
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "orders-gcp-db"}, s); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(contract.DatabaseKeys)), keys(s.Data)); diff != "" {
		t.Errorf("connection secret keys: -want +got:\n%s", diff)
	}
	for _, k := range contract.DatabaseKeys {
		if len(s.Data[k]) == 0 {
			t.Errorf("connection secret key %q is empty", k)
		}
	}
	want := map[string]string{
		contract.KeyEngine: "postgres", contract.KeyHost: claim.Status.Endpoint, contract.KeyPort: "5432",
		contract.KeyDatabase: "orders_gcp", contract.KeyUsername: "stowage",
	}
	for k, v := range want {
		if got := string(s.Data[k]); got != v {
			t.Errorf("connection secret %s = %q, want %q", k, got, v)
		}
	}
	if block, _ := pem.Decode(s.Data[contract.KeyCACert]); block == nil {
		t.Error("caCert is not PEM")
	} else if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		t.Errorf("caCert: %v", err)
	}
	u, err := url.Parse(string(s.Data[contract.KeyURI]))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	if u.Scheme != "postgresql" || u.Host != claim.Status.Endpoint+":5432" || u.User.Username() != "stowage" || pw != string(s.Data[contract.KeyPassword]) || u.Path != "/orders_gcp" {
		t.Errorf("uri is not postgresql://stowage:<password>@%s:5432/orders_gcp (scheme %s host %s user %s path %s; password matches: %t)", claim.Status.Endpoint, u.Scheme, u.Host, u.User.Username(), u.Path, pw == string(s.Data[contract.KeyPassword]))
	}
	// The password is the User's, not the instance's root password.
	us := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name + "-user-connection"}, us); err != nil {
		t.Fatal(err)
	}
	if string(us.Data[contract.KeyPassword]) != string(s.Data[contract.KeyPassword]) {
		t.Error("the claim's password is not its User's")
	}

	// Cloud SQL has the instance, labelled with its owner, its database and
	// its user.
	api, err := sqlCloud.LocalCloud.(*testenv.CloudSQL).SQLAdmin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := api.Instances.Get(testenv.CloudSQLProject, name).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	if st := db.Settings; db.State != "RUNNABLE" || st.IpConfiguration.SslMode != "ENCRYPTED_ONLY" || st.DeletionProtectionEnabled || st.Edition != "ENTERPRISE" ||
		st.MaintenanceWindow == nil || st.MaintenanceWindow.Day != 7 || !st.BackupConfiguration.PointInTimeRecoveryEnabled || st.BackupConfiguration.StartTime != "02:00" {
		t.Errorf("Cloud SQL instance: state %s, settings %+v", db.State, st)
	}
	if err := testenv.CheckOwnerTags(db.Settings.UserLabels, "sqlinstance", inst, map[string]string{"managed-by": "stowage"}); err != nil {
		t.Error(err)
	}
	if _, err := api.Databases.Get(testenv.CloudSQLProject, name, "orders_gcp").Context(ctx).Do(); err != nil {
		t.Errorf("database orders_gcp: %v", err)
	}
	users, err := api.Users.List(testenv.CloudSQLProject, name).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	var stowage int
	for _, u := range users.Items {
		if u.Name == "stowage" {
			stowage++
		}
	}
	if stowage != 1 {
		t.Errorf("%d users named stowage, want 1", stowage)
	}
	for want, o := range map[string]client.Object{"orders_gcp": &sqlv1.Database{}, "stowage": &sqlv1.User{}} {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, o); err != nil {
			t.Fatal(err)
		}
		if n := meta.GetExternalName(o); n != want {
			t.Errorf("%T external name %q, want %q", o, n, want)
		}
	}

	// The class's reclaim policy is Delete and it does not protect its
	// instances: the instance goes with the claim.
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(inst), inst); !kerrors.IsNotFound(err) {
		t.Errorf("Instance after claim deletion with reclaim policy Delete: %v", err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		_, err := api.Instances.Get(testenv.CloudSQLProject, name).Context(ctx).Do()
		var ge *googleapi.Error
		if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
			return nil
		}
		return fmt.Errorf("instance still there (%v)", err)
	}); err != nil {
		t.Error(err)
	}
}
