package claims_test

import (
	"context"
	"errors"
	"testing"

	"cloud.google.com/go/storage"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gcsv1 "github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/contract"
	gcpclaims "github.com/stowage-dev/stowage/internal/gcp/claims"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// gcsCloud and sqlCloud are the local Cloud Storage and Cloud SQL Admin
// TestMain starts beside moto.
var gcsCloud, sqlCloud *testenv.Cloud

// gcpClusterProviderConfig makes the Google ClusterProviderConfig
// "default" the Google classes use, pointing at the local Cloud Storage and
// Cloud SQL Admin through their call counters.
func gcpClusterProviderConfig(ctx context.Context, t *testing.T) {
	t.Helper()
	err := env.Client.Create(ctx, &gcpv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: gcpv1alpha1.ClusterProviderConfigSpec{ProviderConfigSpec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID:   testenv.GCSProject,
			Region:      "us-central1",
			Credentials: gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceNone},
			Endpoints:   &gcpv1alpha1.Endpoints{Storage: gcsCloud.Counter.URL, SQLAdmin: sqlCloud.Counter.URL + "/"},
		}},
	})
	if err != nil && !kerrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

func TestBucketClaimOnGoogle(t *testing.T) {
	ctx, ns := setup(t, nil)
	gcpClusterProviderConfig(ctx, t)
	class := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: "gcp-standard"},
		Spec: storagev1.BucketClassSpec{GCP: &storagev1.GCPBucketTemplate{
			Location:     ptr.To("europe-west1"),
			StorageClass: ptr.To(gcsv1.StorageClassStandard),
			Labels:       map[string]gcsv1.LabelValue{"platform": "stowage"},
		}},
	}
	claim := &storagev1.BucketClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "google-assets"},
		Spec: storagev1.BucketClaimSpec{
			ClassName:                  ptr.To(class.Name),
			Versioning:                 true,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "assets-gcs"},
		},
	}
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)

	name := gcpclaims.BucketName(claim)
	if claim.Status.Bucket != name || claim.Status.Region != "europe-west1" || claim.Status.Endpoint != gcsCloud.Counter.URL {
		t.Errorf("claim status: bucket %q region %q endpoint %q, want %q europe-west1 %q", claim.Status.Bucket, claim.Status.Region, claim.Status.Endpoint, name, gcsCloud.Counter.URL)
	}
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "assets-gcs"}, s); err != nil {
		t.Fatal(err)
	}
	// Every key of the contract, and no other; connectionString is empty:
	// Cloud Storage hands out no credentials with a bucket. The binding's
	// type is bucket, its provider gcp.
	want := map[string]string{
		contract.KeyProvider: "gcp", contract.KeyBucket: name, contract.KeyRegion: "europe-west1",
		contract.KeyEndpoint: gcsCloud.Counter.URL, contract.KeyURL: "gs://" + name, contract.KeyConnectionString: "",
		contract.KeyType: "bucket",
	}
	got := map[string]string{}
	for k, v := range s.Data {
		got[k] = string(v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("connection secret: -want +got:\n%s", diff)
	}
	if len(contract.BucketKeys) != len(want) {
		t.Errorf("the contract has keys %v; this test checks %v", contract.BucketKeys, keys(s.Data))
	}

	// The bucket is in Cloud Storage as the class and claim asked, labelled
	// with its owner.
	gcs, err := gcsCloud.LocalCloud.(*testenv.GCS).Storage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Close() //nolint:errcheck // test client
	a, err := gcs.Bucket(name).Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mr := &gcsv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(mr), mr); err != nil {
		t.Fatal(err)
	}
	if !a.VersioningEnabled || a.Location != "EUROPE-WEST1" || a.PublicAccessPrevention != storage.PublicAccessPreventionEnforced || !a.UniformBucketLevelAccess.Enabled {
		t.Errorf("bucket %s: versioning %t, location %s, public access prevention %s, uniform access %t", name, a.VersioningEnabled, a.Location, a.PublicAccessPrevention, a.UniformBucketLevelAccess.Enabled)
	}
	if err := testenv.CheckOwnerTags(a.Labels, "bucket", mr, map[string]string{"platform": "stowage"}); err != nil {
		t.Error(err)
	}

	// The class's reclaim policy defaults to Delete: the bucket goes with
	// the claim.
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if _, err := gcs.Bucket(name).Attrs(ctx); !errors.Is(err, storage.ErrBucketNotExist) {
			return errors.New("bucket still exists")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}
