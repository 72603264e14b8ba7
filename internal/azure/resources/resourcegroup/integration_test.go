package resourcegroup_test

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

	"github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
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
	groups  *armresources.ResourceGroupsClient
)

func TestMain(m *testing.M) {
	h, err := testenv.StartAzure(poll, delay, func(mgr ctrl.Manager, o controller.Options) error {
		if err := usage.Setup(mgr, o); err != nil {
			return err
		}
		return resourcegroup.Setup(mgr, o)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness, env, counter = h, h.Env, h.Counter
	groups = h.Azure.ResourceGroups()
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

func newGroup(ns, name string, p v1alpha1.ResourceGroupParameters) *v1alpha1.ResourceGroup {
	g := &v1alpha1.ResourceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.ResourceGroupSpec{ForProvider: p}}
	g.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return g
}

func waitReady(ctx context.Context, t *testing.T, g *v1alpha1.ResourceGroup) {
	t.Helper()
	for _, c := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
		if _, err := testenv.WaitForCondition(ctx, env.Client, g, c, corev1.ConditionTrue, timeout); err != nil {
			t.Fatal(err)
		}
	}
}

func groupPath(name string) string {
	return strings.ToLower(arm.GroupID(testenv.AzureSubscription, name))
}

func callsTo(calls []testenv.Call, name, method string) []testenv.Call {
	var out []testenv.Call
	for _, c := range calls {
		if c.Method == method && strings.ToLower(c.Path) == groupPath(name) {
			out = append(out, c)
		}
	}
	return out
}

// listPath is the subscription's list of groups, which serves every
// ResourceGroup's polls.
var listPath = "/subscriptions/" + testenv.AzureSubscription + "/resourcegroups"

func watchPolls(ctx context.Context, t *testing.T, name string, n int) []testenv.Call {
	t.Helper()
	calls, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, func(c testenv.Call) bool {
		// A poll reads the group alone, or the subscription's listing.
		return c.Method == http.MethodGet && (strings.ToLower(c.Path) == groupPath(name) || strings.EqualFold(c.Path, listPath))
	})
	if err != nil {
		t.Fatalf("polls of group %s: %v", name, err)
	}
	return calls
}

func TestResourceGroupLifecycle(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "rg", 3*time.Minute)
	g := newGroup(ns, "lifecycle-"+ns, v1alpha1.ResourceGroupParameters{Location: ptr.To("westeurope"), Tags: map[string]string{"team": "shop"}})
	if err := env.Client.Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, g)
	name := meta.GetExternalName(g)
	got, err := groups.Get(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "resourcegroup", g, map[string]string{"team": "shop"}); err != nil {
		t.Error(err)
	}

	// In sync: five polls, no writes.
	for _, c := range watchPolls(ctx, t, name, 5) {
		if c.Write() {
			t.Errorf("write while in sync: %s %s", c.Method, c.Path)
		}
	}

	// A tag changed behind the provider's back is reverted with one PATCH
	// carrying only the tags.
	if _, err := groups.Update(ctx, name, armresources.ResourceGroupPatchable{Tags: map[string]*string{"team": ptr.To("other")}}, nil); err != nil {
		t.Fatal(err)
	}
	mark := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, timeout, mark, 1, func(c testenv.Call) bool { return c.Method == http.MethodPatch }); err != nil {
		t.Fatal(err)
	}
	watchPolls(ctx, t, name, 3)
	patches := callsTo(counter.Calls()[mark:], name, http.MethodPatch)
	if len(patches) != 1 {
		t.Fatalf("%d PATCHes, want 1", len(patches))
	}
	var body map[string]map[string]string
	if err := json.Unmarshal(patches[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 1 || body["tags"]["team"] != "shop" || body["tags"]["stowage-uid"] != string(g.UID) {
		t.Errorf("PATCH body %s: want only the tags, team=shop and the owner tags", patches[0].Body)
	}

	// Deleting waits for Azure: the group shows Deleting, takes what is in
	// it along, and the resource goes only when the group has.
	if _, err := harness.Azure.Accounts().BeginCreate(ctx, name, "inside"+strings.ReplaceAll(ns[len(ns)-5:], "-", ""), armstorage.AccountCreateParameters{
		Location: ptr.To("westeurope"), Kind: ptr.To(armstorage.KindStorageV2), SKU: &armstorage.SKU{Name: ptr.To(armstorage.SKUNameStandardLRS)},
	}, nil); err != nil {
		t.Fatal(err)
	}
	mark = len(counter.Calls())
	if err := env.Client.Delete(ctx, g); err != nil {
		t.Fatal(err)
	}
	sawDeleting := false
	if err := testenv.Eventually(ctx, timeout, func() error {
		if r, err := groups.Get(ctx, name, nil); err == nil && ptr.Deref(r.Properties.ProvisioningState, "") == "Deleting" {
			sawDeleting = true
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(g), &v1alpha1.ResourceGroup{}); err != nil {
				return fmt.Errorf("the resource went while Azure was still deleting the group: %w", err)
			}
		}
		return testenv.WaitGone(ctx, env.Client, g, 0)
	}); err != nil {
		t.Fatal(err)
	}
	if !sawDeleting {
		t.Error("never saw the group Deleting")
	}
	if _, err := groups.Get(ctx, name, nil); err == nil {
		t.Error("the group is still in Azure")
	}
	if deletes := callsTo(counter.Calls()[mark:], name, http.MethodDelete); len(deletes) != 1 {
		t.Errorf("%d DELETEs, want 1 (later polls watch the operation through the group)", len(deletes))
	}
}

func TestResourceGroupImport(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "rg", 2*time.Minute)
	name := "imported-" + ns
	if _, err := groups.CreateOrUpdate(ctx, name, armresources.ResourceGroup{Location: ptr.To("northeurope"), Tags: map[string]*string{"origin": ptr.To("by-hand")}}, nil); err != nil {
		t.Fatal(err)
	}
	g := newGroup(ns, "imported", v1alpha1.ResourceGroupParameters{})
	meta.SetExternalName(g, name)
	if err := env.Client.Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, g)
	if diff := cmp.Diff("northeurope", ptr.Deref(g.Spec.ForProvider.Location, "")); diff != "" {
		t.Errorf("late-initialised location: -want, +got:\n%s", diff)
	}
	got, err := groups.Get(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(armtags.FromARM(got.Tags), "resourcegroup", g, map[string]string{"origin": "by-hand"}); err != nil {
		t.Errorf("an imported group is tagged as this resource's and keeps its tags: %v", err)
	}
	if puts := callsTo(counter.Calls(), name, http.MethodPut); len(puts) != 0 {
		t.Errorf("an import made %d PUTs, want none", len(puts))
	}
}

// TestResourceGroupsListed shows five groups polled from the subscription's
// listing: about one list call a poll between them and no GET of any one
// group; a tag changed behind the provider's back is still put back; a
// group deleted behind its back is confirmed gone with a GET and made
// again; deleting the resources deletes the groups.
func TestResourceGroupsListed(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "rg", 3*time.Minute)
	const k = 5
	var gs []*v1alpha1.ResourceGroup
	var paths []string
	for i := range k {
		g := newGroup(ns, fmt.Sprintf("listed-%d-%s", i, ns), v1alpha1.ResourceGroupParameters{Location: ptr.To("westeurope"), Tags: map[string]string{"team": "shop"}})
		if err := env.Client.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	for _, g := range gs {
		waitReady(ctx, t, g)
		paths = append(paths, arm.GroupID(testenv.AzureSubscription, meta.GetExternalName(g)))
	}
	testenv.ListingCheck{
		Counter: counter, Poll: poll, Timeout: timeout, ListPath: listPath, ObjectPaths: paths,
		Drift: func(ctx context.Context) error {
			_, err := groups.Update(ctx, meta.GetExternalName(gs[0]), armresources.ResourceGroupPatchable{Tags: map[string]*string{"team": ptr.To("other")}}, nil)
			return err
		},
		DeleteBehind: func(ctx context.Context) error {
			_, err := groups.BeginDelete(ctx, meta.GetExternalName(gs[1]), nil)
			return err
		},
	}.Run(ctx, t)
	for _, g := range gs {
		if err := env.Client.Delete(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range gs {
		if err := testenv.WaitGone(ctx, env.Client, g, timeout); err != nil {
			t.Fatal(err)
		}
		if _, err := groups.Get(ctx, meta.GetExternalName(g), nil); err == nil {
			t.Errorf("group %s is still in Azure", meta.GetExternalName(g))
		}
	}
}
