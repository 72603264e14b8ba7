package claims_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	azstoragev1 "github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	azclaims "github.com/stowage-dev/stowage/internal/azure/claims"
	"github.com/stowage-dev/stowage/internal/claims"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// azure is the local ARM TestMain starts beside moto; azureCloud is it
// behind its call counter.
var (
	azure      *testenv.Azure
	azureCloud *testenv.Cloud
)

func TestBucketClaimOnAzure(t *testing.T) {
	ctx, ns := setup(t, nil)
	if err := testenv.AzureClusterProviderConfig(ctx, env.Client, "default", azureCloud.Counter.URL); err != nil {
		t.Fatal(err)
	}
	// The platform team's resource group: it exists before any claim, and
	// no claim makes or deletes it.
	rg := "platform-" + ns
	if _, err := azure.ResourceGroups().CreateOrUpdate(ctx, rg, armresources.ResourceGroup{Location: ptr.To("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	class := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: "azure-test"},
		Spec: storagev1.BucketClassSpec{Azure: &storagev1.AzureBucketTemplate{
			ResourceGroupName: rg,
			Location:          ptr.To("westeurope"),
			AccessTier:        ptr.To("Cool"),
			Tags:              map[string]string{"platform": "stowage"},
		}},
	}
	claim := &storagev1.BucketClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "azure-assets"},
		Spec: storagev1.BucketClaimSpec{
			ClassName:                  ptr.To(class.Name),
			Versioning:                 true,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: "azure-assets-storage"},
		},
	}
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)

	// Versioning is not managed on Azure yet: the claim is Ready and says so.
	if c := claim.GetCondition(xpv2.TypeSynced); c.Reason != claims.ReasonNotApplied || !strings.Contains(c.Message, "versioning") {
		t.Errorf("Synced: %s: %s, want %s about versioning", c.Reason, c.Message, claims.ReasonNotApplied)
	}
	noUpdates(ctx, t, claim)
	name, account := translate.Name(claim), azclaims.AccountName(claim)
	if claim.Status.Bucket != "azure-assets" || claim.Status.Region != "westeurope" || claim.Status.Endpoint == "" || len(claim.Status.ResourceRefs) != 2 {
		t.Errorf("claim status: bucket %q region %q endpoint %q refs %v", claim.Status.Bucket, claim.Status.Region, claim.Status.Endpoint, claim.Status.ResourceRefs)
	}

	// Exactly the contract's bucket keys, the connection string included.
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "azure-assets-storage"}, s); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(contract.BucketKeys)), keys(s.Data)); diff != "" {
		t.Errorf("connection secret keys: -want +got:\n%s", diff)
	}
	want := map[string]string{
		contract.KeyProvider: "azure", contract.KeyBucket: "azure-assets", contract.KeyRegion: "westeurope",
		contract.KeyEndpoint: claim.Status.Endpoint, contract.KeyURL: strings.TrimSuffix(claim.Status.Endpoint, "/") + "/azure-assets",
	}
	for k, v := range want {
		if got := string(s.Data[k]); got != v {
			t.Errorf("connection secret %s = %q, want %q", k, got, v)
		}
	}
	// The connection string is a credential: checked, never printed.
	cs := string(s.Data[contract.KeyConnectionString])
	if !strings.Contains(cs, "AccountName="+account+";") || !strings.Contains(cs, "AccountKey=") || strings.Contains(cs, "AccountKey=;") {
		t.Errorf("connectionString does not name account %s with a key", account)
	}

	// Azure has the claim's account, private and tagged with its owner, in
	// the platform team's group, and the container in it.
	a, err := azure.Accounts().GetProperties(ctx, rg, account, nil)
	if err != nil {
		t.Fatal(err)
	}
	mr := &azstoragev1.Account{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, mr); err != nil {
		t.Fatal(err)
	}
	if p := a.Properties; !ptr.Deref(p.EnableHTTPSTrafficOnly, false) || ptr.Deref(p.AllowBlobPublicAccess, true) || ptr.Deref(p.AccessTier, "") != armstorage.AccessTierCool || ptr.Deref(p.MinimumTLSVersion, "") != armstorage.MinimumTLSVersionTLS12 {
		t.Errorf("account %s: httpsOnly %v allowBlobPublicAccess %v accessTier %v minimumTLS %v", account, p.EnableHTTPSTrafficOnly, p.AllowBlobPublicAccess, p.AccessTier, p.MinimumTLSVersion)
	}
	tags := map[string]string{}
	for k, v := range a.Tags {
		tags[k] = ptr.Deref(v, "")
	}
	if err := testenv.CheckOwnerTags(tags, "account", mr, map[string]string{"platform": "stowage"}); err != nil {
		t.Error(err)
	}
	c, err := azure.Containers().Get(ctx, rg, account, "azure-assets", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(c.ContainerProperties.PublicAccess, ""); got != armstorage.PublicAccessNone {
		t.Errorf("container public access %s, want None", got)
	}

	// Bucket classes reclaim with Delete by default: the account goes with
	// the claim, the platform team's group stays.
	if err := env.Client.Delete(ctx, claim); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, claim)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if _, err := azure.Accounts().GetProperties(ctx, rg, account, nil); !azerr.NotFound(err) {
			return errors.New("storage account still exists")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if _, err := azure.ResourceGroups().Get(ctx, rg, nil); err != nil {
		t.Errorf("resource group %s after the claim was deleted: %v", rg, err)
	}
}

// noUpdates checks the claim never updated its managed resources: what their
// controllers late-initialised is no difference to the claim.
func noUpdates(ctx context.Context, t *testing.T, claim client.Object) {
	t.Helper()
	l := &corev1.EventList{}
	if err := env.Client.List(ctx, l, client.InNamespace(claim.GetNamespace())); err != nil {
		t.Fatal(err)
	}
	for _, e := range l.Items {
		if e.InvolvedObject.UID == claim.GetUID() && e.Reason == "UpdatedManagedResource" {
			t.Errorf("the claim updated a managed resource it made: %s", e.Message)
		}
	}
}
