package container_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

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

	rgv1alpha1 "github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	"github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/resources/resourcegroup"
	"github.com/stowage-dev/stowage/internal/azure/storage/account"
	"github.com/stowage-dev/stowage/internal/azure/storage/container"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	delay   = time.Second
	timeout = 90 * time.Second
)

var (
	harness *testenv.AzureHarness
	env     *testenv.Env
	counter *testenv.CallCounter
)

// driftCheck is how often a container's metadata, which no listing
// returns, is read (the provider's --drift-check-interval): long enough
// that the steady-state window of TestContainersListed reads none.
const driftCheck = 20 * time.Second

func TestMain(m *testing.M) {
	cloudlist.DriftCheck = driftCheck
	h, err := testenv.StartAzure(poll, delay, func(mgr ctrl.Manager, o controller.Options) error {
		for _, s := range []func(ctrl.Manager, controller.Options) error{usage.Setup, resourcegroup.Setup, account.Setup, container.Setup} {
			if err := s(mgr, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness, env, counter = h, h.Env, h.Counter
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

var pc = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}

// stack makes a ResourceGroup, an Account in it and a Container in the
// Account, each pointing at the one before by reference, all named after
// name.
func stack(ns, name string) (*rgv1alpha1.ResourceGroup, *v1alpha1.Account, *v1alpha1.Container) {
	g := &rgv1alpha1.ResourceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	g.Spec.ProviderConfigReference = pc
	a := &v1alpha1.Account{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.AccountSpec{ForProvider: v1alpha1.AccountParameters{
		ResourceGroupNameRef: &xpv2.NamespacedReference{Name: name},
	}}}
	a.Spec.ProviderConfigReference = pc
	a.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-account"}
	c := &v1alpha1.Container{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.ContainerSpec{ForProvider: v1alpha1.ContainerParameters{
		AccountNameRef: &xpv2.NamespacedReference{Name: name},
		Metadata:       map[string]string{"team": "shop"},
	}}}
	c.Spec.ProviderConfigReference = pc
	c.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-container"}
	return g, a, c
}

func create(ctx context.Context, t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
}

func waitReady(ctx context.Context, t *testing.T, objs ...testenv.Conditioned) {
	t.Helper()
	for _, o := range objs {
		for _, c := range []xpv2.ConditionType{xpv2.TypeReady, xpv2.TypeSynced} {
			if _, err := testenv.WaitForCondition(ctx, env.Client, o, c, corev1.ConditionTrue, timeout); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func isContainer(c testenv.Call, name string) bool {
	return strings.HasSuffix(c.Path, "/blobServices/default/containers/"+name)
}

// isPoll is a read a poll of the container makes: the container alone, or
// its account's listing.
func isPoll(c testenv.Call, name string) bool {
	return c.Method == http.MethodGet && (isContainer(c, name) || strings.HasSuffix(c.Path, "/blobServices/default/containers"))
}

func TestContainerLifecycle(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "cont", 3*time.Minute)
	g, a, c := stack(ns, "data-"+ns)
	create(ctx, t, g, a, c)
	waitReady(ctx, t, g, a, c)
	acct, rg, name := meta.GetExternalName(a), meta.GetExternalName(g), meta.GetExternalName(c)
	// The resource group comes from the referenced Account and is recorded
	// in the spec (late initialisation), so the container can still be
	// found once the Account is gone.
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
			return err
		}
		if got := ptr.Deref(c.Spec.ForProvider.ResourceGroupName, ""); got != rg {
			return fmt.Errorf("spec.forProvider.resourceGroupName %q, want %q from the Account", got, rg)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := harness.Azure.Containers().Get(ctx, rg, acct, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"None", "shop"}, []string{string(*got.ContainerProperties.PublicAccess), *got.ContainerProperties.Metadata["team"]}); diff != "" {
		t.Errorf("container: -want, +got:\n%s", diff)
	}

	// The connection secret is the bucket contract.
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: c.Name + "-container"}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	wantURL := "https://" + acct + ".blob.core.windows.net/" + name
	gotKeys := map[string]string{}
	for k, v := range sec.Data {
		gotKeys[k] = string(v)
	}
	if diff := cmp.Diff(map[string]string{"provider": "azure", "bucket": name, "region": "westeurope", "endpoint": "https://" + acct + ".blob.core.windows.net/", "url": wantURL}, gotKeys); diff != "" {
		t.Errorf("connection secret: -want, +got:\n%s", diff)
	}

	// In sync: five polls of the container, no writes at all.
	calls, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), 5, func(cl testenv.Call) bool { return isPoll(cl, name) })
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range calls {
		if cl.Write() {
			t.Errorf("write while in sync: %s %s", cl.Method, cl.Path)
		}
	}

	// Metadata changed behind the provider's back comes back with one PATCH
	// of only the metadata, at the next drift check: no listing shows it.
	if _, err := harness.Azure.Containers().Update(ctx, rg, acct, name, armstorage.BlobContainer{ContainerProperties: &armstorage.ContainerProperties{Metadata: map[string]*string{"team": ptr.To("other")}}}, nil); err != nil {
		t.Fatal(err)
	}
	mark := len(counter.Calls())
	if _, err := counter.WaitFor(ctx, timeout, mark, 1, func(cl testenv.Call) bool { return cl.Method == http.MethodPatch }); err != nil {
		t.Fatal(err)
	}
	if _, err := counter.WaitFor(ctx, timeout, mark, 3, func(cl testenv.Call) bool { return isPoll(cl, name) }); err != nil {
		t.Fatal(err)
	}
	var patches []testenv.Call
	for _, cl := range counter.Calls()[mark:] {
		if cl.Method == http.MethodPatch {
			patches = append(patches, cl)
		}
	}
	if len(patches) != 1 || !isContainer(patches[0], name) {
		t.Fatalf("PATCHes %v, want one of the container", patches)
	}
	var body map[string]any
	if err := json.Unmarshal(patches[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"properties": map[string]any{"metadata": map[string]any{"team": "shop"}}}, body); diff != "" {
		t.Errorf("PATCH body: -want, +got:\n%s", diff)
	}

	// Deleting removes the container from Azure.
	if err := env.Client.Delete(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, c, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := harness.Azure.Containers().Get(ctx, rg, acct, name, nil); err == nil {
		t.Error("the container is still in Azure")
	}
}

func TestContainerImport(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "cont", 3*time.Minute)
	g, a, _ := stack(ns, "imp-"+ns)
	create(ctx, t, g, a)
	waitReady(ctx, t, g, a)
	acct, rg := meta.GetExternalName(a), meta.GetExternalName(g)
	if _, err := harness.Azure.Containers().Create(ctx, rg, acct, "existing", armstorage.BlobContainer{}, nil); err != nil {
		t.Fatal(err)
	}
	c := &v1alpha1.Container{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "imported"}, Spec: v1alpha1.ContainerSpec{ForProvider: v1alpha1.ContainerParameters{AccountName: &acct, ResourceGroupName: &rg}}}
	c.Spec.ProviderConfigReference = pc
	meta.SetExternalName(c, "existing")
	create(ctx, t, c)
	waitReady(ctx, t, c)
	// The container was made behind the provider's back: the provider
	// never PUT it.
	for _, cl := range counter.Calls() {
		if cl.Method == http.MethodPut && isContainer(cl, "existing") {
			t.Errorf("an import created the container again: %s %s", cl.Method, cl.Path)
		}
	}
}

// TestThrottlingStorm throttles 30% of the provider's calls while a resource
// group, an account and a container are made: every one becomes Ready, with
// no duplicate, once the storm passes.
func TestThrottlingStorm(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "storm", 3*time.Minute)
	harness.Azure.Faults.Set(fault.Faults{Throttle: 0.3, RetryAfter: time.Second})
	t.Cleanup(harness.Azure.Faults.Clear)
	var objs []testenv.Conditioned
	for i := range 2 {
		g, a, c := stack(ns, fmt.Sprintf("storm%d-%s", i, ns))
		create(ctx, t, g, a, c)
		objs = append(objs, g, a, c)
	}
	// The storm lasts until the provider has made 60 calls through it.
	if _, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), 60, func(testenv.Call) bool { return true }); err != nil {
		t.Fatal(err)
	}
	st := harness.Azure.Faults.Stats()
	harness.Azure.Faults.Clear()
	if st.Throttled == 0 {
		t.Fatalf("no call was throttled (%+v)", st)
	}
	waitReady(ctx, t, objs...)
	for i := range 2 {
		rg := fmt.Sprintf("storm%d-%s", i, ns)
		pager := harness.Azure.Accounts().NewListByResourceGroupPager(rg, nil)
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Value) != 1 {
			t.Errorf("resource group %s holds %d accounts, want 1", rg, len(page.Value))
		}
		conts, err := harness.Azure.Containers().NewListPager(rg, *page.Value[0].Name, nil).NextPage(ctx)
		if err != nil || len(conts.Value) != 1 {
			t.Errorf("account holds %d containers (%v), want 1", len(conts.Value), err)
		}
	}
	t.Logf("storm: %+v", st)
}

// TestContainerDeletedAfterItsAccount deletes the Account first, as a claim
// deleting both at once may: the container, gone with its account in Azure,
// must still be found gone and its resource released, not wait for a
// resource group only the Account knew.
func TestContainerDeletedAfterItsAccount(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "contacct", 3*time.Minute)
	g, a, c := stack(ns, "gone-"+ns)
	create(ctx, t, g, a, c)
	waitReady(ctx, t, g, a, c)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
			return err
		}
		if c.Spec.ForProvider.ResourceGroupName == nil {
			return errors.New("resourceGroupName not recorded yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	acct, rg, name := meta.GetExternalName(a), meta.GetExternalName(g), meta.GetExternalName(c)
	if err := env.Client.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, a, timeout); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, c, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := harness.Azure.Containers().Get(ctx, rg, acct, name, nil); err == nil {
		t.Error("the container is still in Azure")
	}
}

// TestContainersListed shows four containers in one account polled from
// the account's listing: about one list call a poll between them and no
// GET of any one container (their metadata, which the listing lacks, is
// read at the drift check interval); a public access level changed behind
// the provider's back is still put back; a container deleted behind its
// back is confirmed gone with a GET and made again; deleting the resources
// deletes the containers.
func TestContainersListed(t *testing.T) {
	ctx, ns := harness.TestNamespace(t, "contlist", 3*time.Minute)
	g, a, _ := stack(ns, "list-"+ns)
	a.Spec.ForProvider.AllowBlobPublicAccess = ptr.To(true)
	create(ctx, t, g, a)
	waitReady(ctx, t, g, a)
	acct, rg := meta.GetExternalName(a), meta.GetExternalName(g)
	const k = 4
	var cs []*v1alpha1.Container
	var paths []string
	for i := range k {
		c := &v1alpha1.Container{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("listed-%d", i)}, Spec: v1alpha1.ContainerSpec{ForProvider: v1alpha1.ContainerParameters{
			AccountNameRef: &xpv2.NamespacedReference{Name: a.Name},
			PublicAccess:   ptr.To("None"),
			Metadata:       map[string]string{"team": "shop"},
		}}}
		c.Spec.ProviderConfigReference = pc
		create(ctx, t, c)
		cs = append(cs, c)
	}
	for _, c := range cs {
		waitReady(ctx, t, c)
		paths = append(paths, arm.AccountID(testenv.AzureSubscription, rg, acct)+"/blobServices/default/containers/"+meta.GetExternalName(c))
	}
	conts := harness.Azure.Containers()
	testenv.ListingCheck{
		Counter: counter, Poll: poll, Timeout: timeout,
		ListPath:    arm.AccountID(testenv.AzureSubscription, rg, acct) + "/blobServices/default/containers",
		ObjectPaths: paths,
		Drift: func(ctx context.Context) error {
			_, err := conts.Update(ctx, rg, acct, meta.GetExternalName(cs[0]), armstorage.BlobContainer{ContainerProperties: &armstorage.ContainerProperties{PublicAccess: ptr.To(armstorage.PublicAccessBlob)}}, nil)
			return err
		},
		DeleteBehind: func(ctx context.Context) error {
			_, err := conts.Delete(ctx, rg, acct, meta.GetExternalName(cs[1]), nil)
			return err
		},
	}.Run(ctx, t)
	if got, err := conts.Get(ctx, rg, acct, meta.GetExternalName(cs[1]), nil); err != nil || *got.ContainerProperties.Metadata["team"] != "shop" {
		t.Errorf("the container made again: %v", err)
	}
	for _, c := range cs {
		if err := env.Client.Delete(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cs {
		if err := testenv.WaitGone(ctx, env.Client, c, timeout); err != nil {
			t.Fatal(err)
		}
		if _, err := conts.Get(ctx, rg, acct, meta.GetExternalName(c), nil); err == nil {
			t.Errorf("container %s is still in Azure", meta.GetExternalName(c))
		}
	}
}
