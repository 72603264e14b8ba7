package account_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/storage/account"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	delay   = 2 * time.Second
	timeout = 60 * time.Second
)

var (
	harness *testenv.AzureHarness
	env     *testenv.Env
	counter *testenv.CallCounter
	accts   *armstorage.AccountsClient
)

func TestMain(m *testing.M) {
	// Keys are read when an account is new or made again, and at the drift
	// check interval: longer than any test here, so TestAccountsListed's
	// steady state has none due.
	cloudlist.DriftCheck = time.Hour
	h, err := testenv.StartAzure(poll, delay, func(mgr ctrl.Manager, o controller.Options) error {
		if err := usage.Setup(mgr, o); err != nil {
			return err
		}
		return account.Setup(mgr, o)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness, env, counter = h, h.Env, h.Counter
	accts = h.Azure.Accounts()
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

// setup makes a namespace with a ProviderConfig "default" pointing at the
// local ARM through the call counter, and a resource group of the same name
// made behind the provider's back.
func setup(t *testing.T) (context.Context, string) {
	t.Helper()
	ctx, ns := harness.TestNamespace(t, "acct", 3*time.Minute)
	if _, err := harness.Azure.ResourceGroups().CreateOrUpdate(ctx, ns, armresources.ResourceGroup{Location: ptr.To("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}

func newAccount(ns, name string, p v1alpha1.AccountParameters) *v1alpha1.Account {
	if p.ResourceGroupName == nil {
		p.ResourceGroupName = ptr.To(ns)
	}
	a := &v1alpha1.Account{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.AccountSpec{ForProvider: p}}
	a.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return a
}

func waitReady(ctx context.Context, t *testing.T, a *v1alpha1.Account) {
	t.Helper()
	for _, c := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
		if _, err := testenv.WaitForCondition(ctx, env.Client, a, c, corev1.ConditionTrue, timeout); err != nil {
			t.Fatal(err)
		}
	}
}

func accountPath(rg, name string) string {
	return strings.ToLower(arm.AccountID(testenv.AzureSubscription, rg, name))
}

// callsTo are the counted calls on the account (its listKeys included).
func callsTo(calls []testenv.Call, rg, name string, method string) []testenv.Call {
	var out []testenv.Call
	for _, c := range calls {
		if c.Method == method && strings.HasPrefix(strings.ToLower(c.Path), accountPath(rg, name)) {
			out = append(out, c)
		}
	}
	return out
}

// listPath is a group's list of accounts, which serves its Accounts' polls.
func listPath(rg string) string {
	return arm.GroupID(testenv.AzureSubscription, rg) + "/providers/Microsoft.Storage/storageAccounts"
}

// watchPolls waits until the provider has read the account n more times
// (one GET a poll) and returns the calls made meanwhile.
func watchPolls(ctx context.Context, t *testing.T, rg, name string, n int) []testenv.Call {
	t.Helper()
	calls, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, func(c testenv.Call) bool {
		// A poll reads the account alone, or its group's listing.
		return c.Method == http.MethodGet && (strings.ToLower(c.Path) == accountPath(rg, name) || strings.EqualFold(c.Path, listPath(rg)))
	})
	if err != nil {
		t.Fatalf("polls of account %s: %v", name, err)
	}
	return calls
}

func TestAccountLifecycle(t *testing.T) {
	ctx, ns := setup(t)
	a := newAccount(ns, "lifecycle-"+ns, v1alpha1.AccountParameters{Tags: map[string]string{"team": "shop"}})
	a.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "lifecycle-conn"}
	if err := env.Client.Create(ctx, a); err != nil {
		t.Fatal(err)
	}

	// The account goes Ready through Azure's provisioning states, which the
	// status shows while they last.
	seen := map[string]bool{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(a), a); err != nil {
			return err
		}
		seen[a.Status.AtProvider.ProvisioningState] = true
		if a.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue {
			return fmt.Errorf("not ready: %v", a.GetCondition(xpv2.TypeReady))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !seen["Creating"] && !seen["ResolvingDNS"] {
		t.Errorf("provisioning states seen %v: want Creating or ResolvingDNS before Succeeded", seen)
	}
	waitReady(ctx, t, a)
	name := meta.GetExternalName(a)
	if name != account.NameFor(ns, a.Name) || !account.ValidName.MatchString(name) || a.GetAnnotations()["stowage.dev/generated-external-name"] != name {
		t.Fatalf("external name %q (annotations %v): want the generated, valid %q", name, a.GetAnnotations(), account.NameFor(ns, a.Name))
	}
	// The provider started the create and never polled its operation.
	all := counter.Calls()
	if puts := callsTo(all, ns, name, http.MethodPut); len(puts) != 1 {
		t.Errorf("%d PUTs of the account, want 1", len(puts))
	}
	for _, c := range all {
		if strings.Contains(strings.ToLower(c.Path), "/asyncoperations/") {
			t.Errorf("the provider polled a long-running operation (%s %s): it must read the account instead", c.Method, c.Path)
		}
	}

	// Defaults and owner tags reached Azure; cloud defaults came back.
	got, err := accts.GetProperties(ctx, ns, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Properties
	if diff := cmp.Diff([]any{true, "TLS1_2", false, "Standard_LRS", "StorageV2"}, []any{*p.EnableHTTPSTrafficOnly, string(*p.MinimumTLSVersion), *p.AllowBlobPublicAccess, string(*got.SKU.Name), string(*got.Kind)}); diff != "" {
		t.Errorf("account settings: -want, +got:\n%s", diff)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "account", a, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}
	if ptr.Deref(a.Spec.ForProvider.AccessTier, "") != "Hot" || ptr.Deref(a.Spec.ForProvider.Location, "") != "westeurope" {
		t.Errorf("late-initialised accessTier %v, location %v: want Hot, westeurope", a.Spec.ForProvider.AccessTier, a.Spec.ForProvider.Location)
	}

	// The connection secret has the blob endpoint and a connection string.
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lifecycle-conn"}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	keys, err := accts.ListKeys(ctx, ns, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCS := "DefaultEndpointsProtocol=https;AccountName=" + name + ";AccountKey=" + *keys.Keys[0].Value + ";EndpointSuffix=core.windows.net"
	if diff := cmp.Diff(map[string]string{"endpoint": "https://" + name + ".blob.core.windows.net/", "connectionString": wantCS, "provider": "azure"},
		map[string]string{"endpoint": string(sec.Data["endpoint"]), "connectionString": string(sec.Data["connectionString"]), "provider": string(sec.Data["provider"])}); diff != "" {
		t.Errorf("connection secret: -want, +got:\n%s", diff)
	}

	// In sync: five polls, no writes.
	from := len(counter.Calls())
	calls := watchPolls(ctx, t, ns, name, 5)
	for _, c := range calls {
		if c.Write() {
			t.Errorf("write while in sync: %s %s", c.Method, c.Path)
		}
	}
	_ = from

	// A change behind the provider's back is reverted with one PATCH that
	// carries only the difference.
	if _, err := accts.Update(ctx, ns, name, armstorage.AccountUpdateParameters{Properties: &armstorage.AccountPropertiesUpdateParameters{AccessTier: ptr.To(armstorage.AccessTierCool)}}, nil); err != nil {
		t.Fatal(err)
	}
	mark := len(counter.Calls())
	calls, err = counter.WaitFor(ctx, timeout, mark, 1, func(c testenv.Call) bool { return c.Method == http.MethodPatch })
	if err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, ns, name, 3)
	patches := callsTo(counter.Calls()[mark:], ns, name, http.MethodPatch)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes, want 1", len(patches))
	}
	var body map[string]any
	if err := json.Unmarshal(patches[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"properties": map[string]any{"accessTier": "Hot"}}, body); diff != "" {
		t.Errorf("PATCH body: -want, +got:\n%s", diff)
	}
	_ = calls
	if got, err := accts.GetProperties(ctx, ns, name, nil); err != nil || *got.Properties.AccessTier != armstorage.AccessTierHot {
		t.Errorf("access tier not reverted: %v", err)
	}

	// Deleting the resource deletes the account.
	if err := env.Client.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, a, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := accts.GetProperties(ctx, ns, name, nil); err == nil {
		t.Error("the account is still in Azure")
	}
}

func TestAccountImport(t *testing.T) {
	ctx, ns := setup(t)
	// Account names are global: one per test run.
	name := "imp" + strings.ReplaceAll(ns, "-", "")
	if _, err := accts.BeginCreate(ctx, ns, name, armstorage.AccountCreateParameters{
		Location: ptr.To("westeurope"), Kind: ptr.To(armstorage.KindStorageV2), SKU: &armstorage.SKU{Name: ptr.To(armstorage.SKUNameStandardGRS)},
		Tags: map[string]*string{"origin": ptr.To("by-hand")},
	}, nil); err != nil {
		t.Fatal(err)
	}
	a := newAccount(ns, "imported", v1alpha1.AccountParameters{})
	meta.SetExternalName(a, name)
	if err := env.Client.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, a)
	if ptr.Deref(a.Spec.ForProvider.SKU, "") != "Standard_GRS" {
		t.Errorf("sku %v: an imported account keeps its SKU", a.Spec.ForProvider.SKU)
	}
	got, err := accts.GetProperties(ctx, ns, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "account", a, map[string]string{"origin": "by-hand"}); err != nil {
		t.Errorf("an imported account is tagged as this resource's and keeps its tags: %v", err)
	}
	if a.Spec.ForProvider.Tags["origin"] != "by-hand" {
		t.Errorf("tags %v: want the account's own tags late-initialised", a.Spec.ForProvider.Tags)
	}
	if puts := callsTo(counter.Calls(), ns, name, http.MethodPut); len(puts) != 0 {
		t.Errorf("an import made %d PUTs, want none", len(puts))
	}
}

func TestAccountNameTaken(t *testing.T) {
	ctx, ns := setup(t)
	name := account.NameFor(ns, "taken")
	harness.Azure.Server.Reserve(arm.StorageAccountType, name)
	a := newAccount(ns, name, v1alpha1.AccountParameters{})
	if err := env.Client.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	c, err := testenv.WaitForCondition(ctx, env.Client, a, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "already taken") || !strings.Contains(c.Message, name) {
		t.Errorf("Synced=False message %q: want it to say the name is taken", c.Message)
	}
	// Later reconciles check the name (a read) and never create again.
	if _, err := counter.WaitFor(ctx, timeout, 0, 3, func(c testenv.Call) bool {
		return strings.HasSuffix(strings.ToLower(c.Path), "/checknameavailability")
	}); err != nil {
		t.Fatal(err)
	}
	if puts := callsTo(counter.Calls(), ns, name, http.MethodPut); len(puts) != 1 {
		t.Errorf("%d create calls for a taken name, want 1", len(puts))
	}
}

// TestAccountsListed shows four accounts in one group polled from the
// group's listing, in pages of three: about one list call a poll between them and no GET of
// any one account; a change behind the provider's back is still reverted;
// an account deleted behind its back is confirmed gone with a GET and made
// again, and its connection secret gets its new key; deleting the
// resources deletes the accounts. The keys, which no listing returns, are
// not read every poll.
func TestAccountsListed(t *testing.T) {
	ctx, ns := setup(t)
	const k = 4
	var as []*v1alpha1.Account
	var paths []string
	for i := range k {
		a := newAccount(ns, fmt.Sprintf("listed-%d", i), v1alpha1.AccountParameters{Location: ptr.To("westeurope")})
		// Keys are in no listing: they are read at the drift check
		// interval, not every poll.
		a.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: a.Name + "-conn"}
		if err := env.Client.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	for _, a := range as {
		waitReady(ctx, t, a)
		paths = append(paths, arm.AccountID(testenv.AzureSubscription, ns, meta.GetExternalName(a)))
	}
	// Pages of three: each listing of the four follows nextLink once.
	harness.Azure.Server.SetListPageSize(3)
	t.Cleanup(func() { harness.Azure.Server.SetListPageSize(0) })
	testenv.ListingCheck{
		Counter: counter, Poll: poll, Timeout: timeout, ListPath: listPath(ns), ObjectPaths: paths, PageSize: 3,
		// A GET and a listKeys each.
		Before: 2 * k,
		Drift: func(ctx context.Context) error {
			_, err := accts.Update(ctx, ns, meta.GetExternalName(as[0]), armstorage.AccountUpdateParameters{Properties: &armstorage.AccountPropertiesUpdateParameters{AccessTier: ptr.To(armstorage.AccessTierCool)}}, nil)
			return err
		},
		DeleteBehind: func(ctx context.Context) error {
			_, err := accts.Delete(ctx, ns, meta.GetExternalName(as[1]), nil)
			return err
		},
	}.Run(ctx, t)
	// The account made again has new keys, and its secret has them.
	if err := testenv.Eventually(ctx, timeout, func() error {
		keys, err := accts.ListKeys(ctx, ns, meta.GetExternalName(as[1]), nil)
		if err != nil {
			return err
		}
		sec := &corev1.Secret{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: as[1].Name + "-conn"}, sec); err != nil {
			return err
		}
		if !strings.Contains(string(sec.Data["connectionString"]), *keys.Keys[0].Value) {
			return fmt.Errorf("the secret of the account made again has not its new key")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	for _, a := range as {
		if err := env.Client.Delete(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range as {
		if err := testenv.WaitGone(ctx, env.Client, a, timeout); err != nil {
			t.Fatal(err)
		}
		if _, err := accts.GetProperties(ctx, ns, meta.GetExternalName(a), nil); err == nil {
			t.Errorf("account %s is still in Azure", meta.GetExternalName(a))
		}
	}
}
