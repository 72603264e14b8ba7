package testenv

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	azurev1alpha1 "github.com/stowage-dev/stowage/apis/azure/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudbudget"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

// AzureSubscription is the subscription ID the Azure tests use.
const AzureSubscription = "9f8e7d6c-0000-4000-8000-000000000001"

// Azure is the project's local ARM (internal/localcloud/arm) behind its
// fault injector, served on a loopback port: the local Azure.
type Azure struct {
	// ProvisioningDelay of long-running operations; 300 ms when zero.
	ProvisioningDelay time.Duration

	URL    string
	Server *arm.Server
	Faults *fault.Injector

	srv *http.Server
}

var _ LocalCloud = &Azure{}

// Name of the cloud.
func (a *Azure) Name() string { return "azure" }

// Start serves the local ARM on a free loopback port.
func (a *Azure) Start(context.Context) (string, error) {
	d := a.ProvisioningDelay
	if d == 0 {
		d = 300 * time.Millisecond
	}
	a.Server = arm.New(arm.Options{ProvisioningDelay: d})
	a.Faults = fault.New(a.Server, arm.Responder{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	a.srv = &http.Server{Handler: a.Faults, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(l) }()
	a.URL = "http://" + l.Addr().String()
	return a.URL, nil
}

// Reset drops every resource and clears the faults.
func (a *Azure) Reset(context.Context) error {
	a.Server.Reset()
	a.Faults.Clear()
	return nil
}

// Stop the server.
func (a *Azure) Stop() {
	if a.srv != nil {
		_ = a.srv.Close()
	}
}

// IsWrite judges ARM calls: PUT, PATCH, DELETE and POST actions write; GET,
// HEAD and the POST reads (listKeys, checkNameAvailability) do not.
func (a *Azure) IsWrite(r *http.Request, _ Call) bool { return arm.IsWrite(r.Method, r.URL.Path) }

// AzureProviderConfig creates a ProviderConfig named name in ns using no
// credentials against the local ARM at endpoint.
func AzureProviderConfig(ctx context.Context, c client.Client, ns, name, endpoint string) error {
	pc := &azurev1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: azurev1alpha1.ProviderConfigSpec{
			Credentials:    azurev1alpha1.Credentials{Source: azurev1alpha1.CredentialsSourceNone},
			SubscriptionID: AzureSubscription,
			Location:       "westeurope",
			Endpoint:       &azurev1alpha1.Endpoint{ResourceManagerURL: endpoint},
		},
	}
	return c.Create(ctx, pc)
}

// AzureClusterProviderConfig creates the ClusterProviderConfig named name
// using no credentials against the local ARM at endpoint, in location
// westeurope; one that already exists is left as it is.
func AzureClusterProviderConfig(ctx context.Context, c client.Client, name, endpoint string) error {
	pc := &azurev1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: azurev1alpha1.ClusterProviderConfigSpec{ProviderConfigSpec: azurev1alpha1.ProviderConfigSpec{
			Credentials:    azurev1alpha1.Credentials{Source: azurev1alpha1.CredentialsSourceNone},
			SubscriptionID: AzureSubscription,
			Location:       "westeurope",
			Endpoint:       &azurev1alpha1.Endpoint{ResourceManagerURL: endpoint},
		}},
	}
	return client.IgnoreAlreadyExists(c.Create(ctx, pc))
}

// An AzureHarness is a Harness with the local ARM, for the Azure test
// packages.
type AzureHarness struct {
	*Harness
	Azure   *Azure
	Counter *CallCounter
}

// StartAzure starts everything an Azure integration test needs, with the
// controllers setup adds polling every poll and the local ARM's long-running
// operations taking delay (300 ms when zero).
func StartAzure(poll, delay time.Duration, setup func(ctrl.Manager, controller.Options) error) (*AzureHarness, error) {
	a := &Azure{ProvisioningDelay: delay}
	h, err := StartHarness(poll, setup, a)
	if err != nil {
		return nil, err
	}
	return &AzureHarness{Harness: h, Azure: a, Counter: h.Clouds[a.Name()].Counter}, nil
}

// ResourceGroups is a client that talks to the local ARM directly, behind
// the provider's back.
func (a *Azure) ResourceGroups() *armresources.ResourceGroupsClient {
	c, err := armresources.NewResourceGroupsClient(AzureSubscription, arm.Credential, arm.ClientOptions(a.URL))
	if err != nil {
		panic(err) // only for bad options, which these are not
	}
	return c
}

// Accounts is a storage accounts client behind the provider's back.
func (a *Azure) Accounts() *armstorage.AccountsClient {
	c, err := armstorage.NewAccountsClient(AzureSubscription, arm.Credential, arm.ClientOptions(a.URL))
	if err != nil {
		panic(err)
	}
	return c
}

// Containers is a blob containers client behind the provider's back.
func (a *Azure) Containers() *armstorage.BlobContainersClient {
	c, err := armstorage.NewBlobContainersClient(AzureSubscription, arm.Credential, arm.ClientOptions(a.URL))
	if err != nil {
		panic(err)
	}
	return c
}

// TestNamespace makes a namespace for one test, named after prefix, with a
// ProviderConfig "default" pointing at the local ARM through the call
// counter. The returned context ends with the test or after timeout.
func (h *AzureHarness) TestNamespace(t *testing.T, prefix string, timeout time.Duration) (context.Context, string) {
	t.Helper()
	// Each test starts with the call budget of a fresh provider: one
	// that throttled (a 429 storm halves the subscription's rate for half
	// a minute) would otherwise slow the next tests' calls, and their
	// timing, in this shared process.
	cloudbudget.Default = cloudbudget.New()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ns, err := h.Env.Namespace(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := AzureProviderConfig(ctx, h.Env.Client, ns, "default", h.Counter.URL); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}
