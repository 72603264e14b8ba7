package claims_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// The claims an application team writes, once: only className changes from
// cloud to cloud.
const (
	threeCloudsDatabaseClaim = `
apiVersion: database.stowage.dev/v1alpha1
kind: DatabaseClaim
metadata:
  name: orders
spec:
  className: %s
  engine: postgres
  version: "16"
  size: small
  storageGB: 20
  writeConnectionSecretToRef:
    name: orders-db
`
	threeCloudsBucketClaim = `
apiVersion: storage.stowage.dev/v1alpha1
kind: BucketClaim
metadata:
  name: assets
spec:
  className: %s
  writeConnectionSecretToRef:
    name: assets-bucket
`
)

// example decodes the example file (under examples/) into obj.
func example(t *testing.T, file string, obj client.Object) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(root + "/examples/" + file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, obj); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// TestOneClaimThreeClouds applies the same DatabaseClaim and BucketClaim to
// AWS (moto), Azure (the local ARM) and Google (the local Cloud SQL and
// Cloud Storage) through the example classes, only className differing, and
// checks all six become Ready with secrets that have exactly the same keys:
// the contract's.
func TestOneClaimThreeClouds(t *testing.T) {
	ctx, _ := setup(t, nil)
	gcpClusterProviderConfig(ctx, t)
	rg := "three-clouds"

	// The platform team's classes, as the sandbox applies them, renamed so
	// they do not meet other tests' classes, none of them a default.
	awsDB, awsBucket := &dbv1.DatabaseClass{}, &storagev1.BucketClass{}
	example(t, "classes/aws-standard-database.yaml", awsDB)
	example(t, "classes/aws-standard-bucket.yaml", awsBucket)
	azureDB := azureDatabaseClass(ctx, t, "three-azure", rg) // makes the resource group and the Azure provider config
	azureBucket := &storagev1.BucketClass{}
	example(t, "classes/azure-standard-bucket.yaml", azureBucket)
	azureBucket.Spec.Azure.ResourceGroupName = rg
	gcpDB, gcpBucket := &dbv1.DatabaseClass{}, &storagev1.BucketClass{}
	example(t, "classes/gcp-standard-database.yaml", gcpDB)
	example(t, "classes/gcp-standard-bucket.yaml", gcpBucket)
	for cloud, cls := range map[string][]client.Object{"aws": {awsDB, awsBucket}, "azure": {azureDB, azureBucket}, "gcp": {gcpDB, gcpBucket}} {
		for _, cl := range cls {
			cl.SetName("three-" + cloud)
		}
	}
	awsDB.Spec.Default, awsBucket.Spec.Default = false, false
	create(ctx, t, awsDB, awsBucket, azureDB, azureBucket, gcpDB, gcpBucket)

	// The same YAML, three times, each in a namespace of its own.
	type applied struct {
		db     *dbv1.DatabaseClaim
		bucket *storagev1.BucketClaim
	}
	clouds := []string{"aws", "azure", "gcp"}
	claims := map[string]applied{}
	for _, cloud := range clouds {
		_, ns := setup(t, nil)
		a := applied{db: &dbv1.DatabaseClaim{}, bucket: &storagev1.BucketClaim{}}
		if err := yaml.Unmarshal(fmt.Appendf(nil, threeCloudsDatabaseClaim, "three-"+cloud), a.db); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(fmt.Appendf(nil, threeCloudsBucketClaim, "three-"+cloud), a.bucket); err != nil {
			t.Fatal(err)
		}
		a.db.Namespace, a.bucket.Namespace = ns, ns
		create(ctx, t, a.db, a.bucket)
		claims[cloud] = a
	}

	dbKeys, bucketKeys := map[string][]string{}, map[string][]string{}
	for _, cloud := range clouds {
		a := claims[cloud]
		waitReady(ctx, t, a.db)
		waitReady(ctx, t, a.bucket)
		t.Logf("%s: DatabaseClaim Ready through %v; BucketClaim Ready through %v", cloud, kinds(a.db.Status.ResourceRefs), bucketKinds(a.bucket.Status.ResourceRefs))

		db := secret(ctx, t, a.db.Namespace, "orders-db")
		dbKeys[cloud] = keys(db)
		// A Service Binding Provisioned Service on every cloud: the claim
		// names its Secret in status.binding, the Secret's type is
		// servicebinding.io/postgresql, its type and provider keys say
		// postgresql and the cloud, and jdbc-url is the JDBC URL.
		checkBinding(ctx, t, cloud, a.db, a.db.Status.Binding, "orders-db", "postgresql")
		if string(db[contract.KeyBindingJDBCURL]) != string(db[contract.KeyJDBCURL]) || !strings.HasPrefix(string(db[contract.KeyBindingJDBCURL]), "jdbc:postgresql://") {
			t.Errorf("%s: jdbc-url %q, jdbcUrl %q", cloud, db[contract.KeyBindingJDBCURL], db[contract.KeyJDBCURL])
		}
		// The same application reads the same values on every cloud: a
		// postgres database named after the claim, reached by a uri that
		// parses and agrees with the other keys.
		if string(db[contract.KeyEngine]) != "postgres" || string(db[contract.KeyDatabase]) != "orders" || string(db[contract.KeyPort]) != "5432" {
			t.Errorf("%s: engine %q database %q port %q, want postgres orders 5432", cloud, db[contract.KeyEngine], db[contract.KeyDatabase], db[contract.KeyPort])
		}
		u, err := url.Parse(string(db[contract.KeyURI]))
		if err != nil {
			t.Errorf("%s: uri does not parse: %v", cloud, err)
			continue
		}
		pw, _ := u.User.Password()
		if u.Scheme != "postgresql" || u.Hostname() != string(db[contract.KeyHost]) || u.User.Username() != string(db[contract.KeyUsername]) || pw == "" || pw != string(db[contract.KeyPassword]) || u.Path != "/orders" {
			t.Errorf("%s: uri scheme %s host %s user %s path %s does not agree with the secret's keys (password matches: %t)", cloud, u.Scheme, u.Hostname(), u.User.Username(), u.Path, pw != "" && pw == string(db[contract.KeyPassword]))
		}

		b := secret(ctx, t, a.bucket.Namespace, "assets-bucket")
		bucketKeys[cloud] = keys(b)
		checkBinding(ctx, t, cloud, a.bucket, bindingOf(a.bucket.Status.Binding), "assets-bucket", "bucket")
		if got := string(b[contract.KeyProvider]); got != cloud {
			t.Errorf("%s: bucket secret provider = %q", cloud, got)
		}
		for _, k := range []string{contract.KeyBucket, contract.KeyURL, contract.KeyEndpoint} {
			if len(b[k]) == 0 {
				t.Errorf("%s: bucket secret %s is empty", cloud, k)
			}
		}
	}

	// Exactly the same keys on every cloud, and exactly the contract's.
	for _, cloud := range clouds[1:] {
		if diff := cmp.Diff(dbKeys["aws"], dbKeys[cloud]); diff != "" {
			t.Errorf("database secret keys, aws -want %s +got:\n%s", cloud, diff)
		}
		if diff := cmp.Diff(bucketKeys["aws"], bucketKeys[cloud]); diff != "" {
			t.Errorf("bucket secret keys, aws -want %s +got:\n%s", cloud, diff)
		}
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(contract.DatabaseKeys)), dbKeys["aws"]); diff != "" {
		t.Errorf("database secret keys: -contract +aws:\n%s", diff)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(contract.BucketKeys)), bucketKeys["aws"]); diff != "" {
		t.Errorf("bucket secret keys: -contract +aws:\n%s", diff)
	}
}

// checkBinding checks that claim is a Provisioned Service whose
// status.binding names its connection Secret name, of Secret type
// servicebinding.io/<typ>, whose type key is typ and whose provider key is
// the cloud.
func checkBinding(ctx context.Context, t *testing.T, cloud string, claim client.Object, binding *dbv1.BindingReference, name, typ string) {
	t.Helper()
	if binding == nil || binding.Name != name {
		t.Errorf("%s: %T %s: status.binding %+v, want name %s", cloud, claim, claim.GetName(), binding, name)
	}
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: claim.GetNamespace(), Name: name}, s); err != nil {
		t.Fatal(err)
	}
	if s.Type != corev1.SecretType("servicebinding.io/"+typ) || string(s.Data[contract.KeyType]) != typ || string(s.Data[contract.KeyProvider]) != cloud {
		t.Errorf("%s: Secret %s: type %s, type key %q, provider key %q; want servicebinding.io/%s, %s, %s", cloud, name, s.Type, s.Data[contract.KeyType], s.Data[contract.KeyProvider], typ, typ, cloud)
	}
}

// bindingOf is a BucketClaim's status.binding as checkBinding takes it.
func bindingOf(b *storagev1.BindingReference) *dbv1.BindingReference {
	if b == nil {
		return nil
	}
	return &dbv1.BindingReference{Name: b.Name}
}

func secret(ctx context.Context, t *testing.T, ns, name string) map[string][]byte {
	t.Helper()
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s); err != nil {
		t.Fatal(err)
	}
	return s.Data
}

func kinds(refs []dbv1.ResourceReference) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.APIVersion+" "+r.Kind)
	}
	return out
}

func bucketKinds(refs []storagev1.ResourceReference) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.APIVersion+" "+r.Kind)
	}
	return out
}
