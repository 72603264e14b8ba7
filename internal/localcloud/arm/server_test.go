package arm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"github.com/google/go-cmp/cmp"

	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

const sub = "00000000-0000-0000-0000-000000000001"

// clock is a test's own time: the state machine moves only when the test
// moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	srv    *Server
	faults *fault.Injector
	clock  *clock
	url    string
	groups *armresources.ResourceGroupsClient
	accts  *armstorage.AccountsClient
	conts  *armstorage.BlobContainersClient
}

const delay = 10 * time.Second

func start(t *testing.T) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(Options{ProvisioningDelay: delay, Now: c.Now})
	f := fault.New(s, Responder{})
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	e := &env{srv: s, faults: f, clock: c, url: hs.URL}
	var err error
	if e.groups, err = armresources.NewResourceGroupsClient(sub, Credential, ClientOptions(hs.URL)); err != nil {
		t.Fatal(err)
	}
	if e.accts, err = armstorage.NewAccountsClient(sub, Credential, ClientOptions(hs.URL)); err != nil {
		t.Fatal(err)
	}
	if e.conts, err = armstorage.NewBlobContainersClient(sub, Credential, ClientOptions(hs.URL)); err != nil {
		t.Fatal(err)
	}
	return e
}

func code(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

func status(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func (e *env) group(t *testing.T, name string) {
	t.Helper()
	if _, err := e.groups.CreateOrUpdate(context.Background(), name, armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
}

// account creates an account and moves the clock until it is provisioned.
func (e *env) account(t *testing.T, rg, name string) {
	t.Helper()
	p, err := e.accts.BeginCreate(context.Background(), rg, name, armstorage.AccountCreateParameters{
		Location: to.Ptr("westeurope"), Kind: to.Ptr(armstorage.KindStorageV2), SKU: &armstorage.SKU{Name: to.Ptr(armstorage.SKUNameStandardLRS)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(delay)
	if _, err := p.Poll(context.Background()); err != nil || !p.Done() {
		t.Fatalf("account %s not provisioned after the delay: %v", name, err)
	}
}

func raw(t *testing.T, method, url, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, resp.Header, m
}

func TestAPIVersion(t *testing.T) {
	e := start(t)
	e.group(t, "rg")
	cases := map[string]struct {
		reason   string
		path     string
		wantCode int
		wantErr  string
	}{
		"Missing": {
			reason:   "ARM refuses a request without api-version.",
			path:     "/subscriptions/" + sub + "/resourcegroups/rg",
			wantCode: http.StatusBadRequest,
			wantErr:  "MissingApiVersionParameter",
		},
		"Unknown": {
			reason:   "ARM refuses an api-version the resource provider does not serve.",
			path:     "/subscriptions/" + sub + "/resourcegroups/rg?api-version=2099-01-01",
			wantCode: http.StatusBadRequest,
			wantErr:  "InvalidApiVersionParameter",
		},
		"StorageVersionOnGroups": {
			reason:   "Each provider has its own api-versions: Microsoft.Storage's do not serve resource groups.",
			path:     "/subscriptions/" + sub + "/resourcegroups/rg?api-version=2024-01-01",
			wantCode: http.StatusBadRequest,
			wantErr:  "InvalidApiVersionParameter",
		},
		"CaseInsensitive": {
			reason:   "Segment names and resource names match in any case.",
			path:     "/SUBSCRIPTIONS/" + sub + "/resourceGroups/RG?api-version=2021-04-01",
			wantCode: http.StatusOK,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, h, body := raw(t, http.MethodGet, e.url+tc.path, "")
			if got != tc.wantCode {
				t.Errorf("%s\nstatus: got %d, want %d", tc.reason, got, tc.wantCode)
			}
			var gotErr string
			if m, ok := body["error"].(map[string]any); ok {
				gotErr, _ = m["code"].(string)
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("%s\nerror code: -want, +got:\n%s", tc.reason, diff)
			}
			for _, k := range []string{"x-ms-request-id", "x-ms-correlation-request-id", "x-ms-ratelimit-remaining-subscription-reads"} {
				if h.Get(k) == "" {
					t.Errorf("%s\nno %s header", tc.reason, k)
				}
			}
		})
	}
}

func TestResourceGroupLifecycle(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	got, err := e.groups.CreateOrUpdate(ctx, "Stowage-RG", armresources.ResourceGroup{Location: to.Ptr("West Europe"), Tags: map[string]*string{"team": to.Ptr("a")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("westeurope/Succeeded", *got.Location+"/"+*got.Properties.ProvisioningState); diff != "" {
		t.Errorf("create: -want, +got:\n%s", diff)
	}
	if _, err := e.groups.CreateOrUpdate(ctx, "stowage-rg", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); code(err) != "InvalidResourceGroupLocation" {
		t.Errorf("moving a group: got %q, want InvalidResourceGroupLocation", code(err))
	}
	up, err := e.groups.Update(ctx, "stowage-rg", armresources.ResourceGroupPatchable{Tags: map[string]*string{"team": to.Ptr("b")}}, nil)
	if err != nil || *up.Tags["team"] != "b" {
		t.Fatalf("patch tags: %v %v", err, up.Tags)
	}
	e.account(t, "stowage-rg", "inside1")

	p, err := e.groups.BeginDelete(ctx, "stowage-rg", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Done() {
		t.Fatal("a resource group delete finished at once; ARM takes time")
	}
	g, err := e.groups.Get(ctx, "stowage-rg", nil)
	if err != nil || *g.Properties.ProvisioningState != "Deleting" {
		t.Fatalf("while deleting: %v %v", err, g.Properties)
	}
	if _, err := e.accts.BeginCreate(ctx, "stowage-rg", "inside2", armstorage.AccountCreateParameters{Location: to.Ptr("westeurope"), Kind: to.Ptr(armstorage.KindStorageV2), SKU: &armstorage.SKU{Name: to.Ptr(armstorage.SKUNameStandardLRS)}}, nil); code(err) != "ResourceGroupBeingDeleted" {
		t.Errorf("create in a group being deleted: got %q, want ResourceGroupBeingDeleted", code(err))
	}
	if _, err := p.Poll(ctx); err != nil || p.Done() {
		t.Fatalf("delete done before the delay: %v", err)
	}
	e.clock.Add(delay)
	if _, err := p.Poll(ctx); err != nil || !p.Done() {
		t.Fatalf("delete not done after the delay: %v", err)
	}
	if _, err := e.groups.Get(ctx, "stowage-rg", nil); code(err) != "ResourceGroupNotFound" {
		t.Errorf("deleted group: got %q, want ResourceGroupNotFound", code(err))
	}
	if avail, err := e.accts.CheckNameAvailability(ctx, armstorage.AccountCheckNameAvailabilityParameters{Name: to.Ptr("inside1"), Type: to.Ptr(StorageAccountType)}, nil); err != nil || !*avail.NameAvailable {
		t.Errorf("the account in a deleted group is gone with it: %v %v", err, avail)
	}
}

func TestStorageAccountLifecycle(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.group(t, "rg")
	p, err := e.accts.BeginCreate(ctx, "rg", "stowageacct1", armstorage.AccountCreateParameters{
		Location: to.Ptr("westeurope"), Kind: to.Ptr(armstorage.KindStorageV2), SKU: &armstorage.SKU{Name: to.Ptr(armstorage.SKUNameStandardLRS)},
		Tags:       map[string]*string{"a": to.Ptr("b")},
		Properties: &armstorage.AccountPropertiesCreateParameters{MinimumTLSVersion: to.Ptr(armstorage.MinimumTLSVersionTLS12)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	states := []string{}
	for i := 0; i < 3; i++ {
		a, err := e.accts.GetProperties(ctx, "rg", "StowageAcct1", nil)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, string(*a.Properties.ProvisioningState))
		if i == 0 {
			if _, err := e.accts.Update(ctx, "rg", "stowageacct1", armstorage.AccountUpdateParameters{Tags: map[string]*string{}}, nil); code(err) != "StorageAccountIsNotProvisioned" {
				t.Errorf("PATCH while creating: got %q, want StorageAccountIsNotProvisioned", code(err))
			}
			if _, err := e.accts.ListKeys(ctx, "rg", "stowageacct1", nil); code(err) != "StorageAccountIsNotProvisioned" {
				t.Errorf("listKeys while creating: got %q, want StorageAccountIsNotProvisioned", code(err))
			}
		}
		e.clock.Add(delay / 2)
	}
	if diff := cmp.Diff([]string{"Creating", "ResolvingDNS", "Succeeded"}, states); diff != "" {
		t.Errorf("provisioning states: -want, +got:\n%s", diff)
	}
	res, err := p.Poll(ctx)
	if err != nil || !p.Done() {
		t.Fatalf("create not done: %v", err)
	}
	res.Body.Close()
	final, err := p.Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pr := final.Properties
	got := map[string]any{
		"https": *pr.EnableHTTPSTrafficOnly, "tls": string(*pr.MinimumTLSVersion), "public": *pr.AllowBlobPublicAccess,
		"tier": string(*pr.AccessTier), "blob": *pr.PrimaryEndpoints.Blob, "sku": string(*final.SKU.Name), "tags": *final.Tags["a"],
	}
	want := map[string]any{"https": true, "tls": "TLS1_2", "public": false, "tier": "Hot", "blob": "https://stowageacct1.blob.core.windows.net/", "sku": "Standard_LRS", "tags": "b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created account: -want, +got:\n%s", diff)
	}

	up, err := e.accts.Update(ctx, "rg", "stowageacct1", armstorage.AccountUpdateParameters{Properties: &armstorage.AccountPropertiesUpdateParameters{AccessTier: to.Ptr(armstorage.AccessTierCool)}}, nil)
	if err != nil || *up.Properties.AccessTier != armstorage.AccessTierCool || *up.Tags["a"] != "b" {
		t.Fatalf("PATCH changes only what it sends: %v", err)
	}
	keys, err := e.accts.ListKeys(ctx, "rg", "stowageacct1", nil)
	if err != nil || len(keys.Keys) != 2 || *keys.Keys[0].Value == "" {
		t.Fatalf("listKeys: %v", err)
	}
	pager := e.accts.NewListByResourceGroupPager("rg", nil)
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Value) != 1 {
		t.Fatalf("list: %v %d", err, len(page.Value))
	}

	if _, err := e.accts.Delete(ctx, "rg", "stowageacct1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.accts.GetProperties(ctx, "rg", "stowageacct1", nil); code(err) != "ResourceNotFound" {
		t.Errorf("deleted account: got %q, want ResourceNotFound", code(err))
	}
	if _, err := e.accts.Delete(ctx, "rg", "stowageacct1", nil); err != nil {
		t.Errorf("deleting what is gone answers 204: %v", err)
	}
}

func TestStorageAccountErrors(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.group(t, "rg")
	e.group(t, "other")
	e.account(t, "other", "inother")
	e.srv.Reserve(StorageAccountType, "takenelsewhere")
	params := armstorage.AccountCreateParameters{Location: to.Ptr("westeurope"), Kind: to.Ptr(armstorage.KindStorageV2), SKU: &armstorage.SKU{Name: to.Ptr(armstorage.SKUNameStandardLRS)}}
	cases := map[string]struct {
		reason     string
		rg, name   string
		params     armstorage.AccountCreateParameters
		wantCode   string
		wantStatus int
		wantAvail  string
	}{
		"NameInvalid": {
			reason: "Account names are 3-24 lower-case letters and digits.", rg: "rg", name: "Not_Valid", params: params,
			wantCode: "AccountNameInvalid", wantStatus: 400, wantAvail: "AccountNameInvalid",
		},
		"TakenElsewhere": {
			reason: "A name taken in another subscription is taken.", rg: "rg", name: "takenelsewhere", params: params,
			wantCode: "StorageAccountAlreadyTaken", wantStatus: 409, wantAvail: "AlreadyExists",
		},
		"InAnotherGroup": {
			reason: "A name used in another resource group of the subscription is taken too.", rg: "rg", name: "inother", params: params,
			wantCode: "StorageAccountInAnotherResourceGroup", wantStatus: 409, wantAvail: "AlreadyExists",
		},
		"NoGroup": {
			reason: "An account needs its resource group.", rg: "nogroup", name: "fine123", params: params,
			wantCode: "ResourceGroupNotFound", wantStatus: 404,
		},
		"BadSKU": {
			reason: "The storage provider checks the SKU.", rg: "rg", name: "fine123",
			params:   armstorage.AccountCreateParameters{Location: to.Ptr("westeurope"), Kind: to.Ptr(armstorage.KindStorageV2), SKU: &armstorage.SKU{Name: to.Ptr(armstorage.SKUName("Gold"))}},
			wantCode: "InvalidParameter", wantStatus: 400,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.accts.BeginCreate(ctx, tc.rg, tc.name, tc.params, nil)
			if diff := cmp.Diff(tc.wantCode, code(err)); diff != "" {
				t.Errorf("%s\ncode: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantStatus, status(err)); diff != "" {
				t.Errorf("%s\nstatus: -want, +got:\n%s", tc.reason, diff)
			}
			if tc.wantAvail == "" {
				return
			}
			a, err := e.accts.CheckNameAvailability(ctx, armstorage.AccountCheckNameAvailabilityParameters{Name: &tc.name, Type: to.Ptr(StorageAccountType)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantAvail, string(*a.Reason)); diff != "" || *a.NameAvailable {
				t.Errorf("%s\ncheckNameAvailability: available %v, reason -want, +got:\n%s", tc.reason, *a.NameAvailable, diff)
			}
		})
	}
	if _, err := e.accts.GetProperties(ctx, "rg", "nosuchacct", nil); code(err) != "ResourceNotFound" {
		t.Errorf("missing account: got %q, want ResourceNotFound", code(err))
	}
}

func TestContainers(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.group(t, "rg")
	if _, err := e.conts.Create(ctx, "rg", "noaccount", "c1", armstorage.BlobContainer{}, nil); code(err) != "ParentResourceNotFound" {
		t.Errorf("container without account: got %q, want ParentResourceNotFound", code(err))
	}
	e.account(t, "rg", "acct1")
	c, err := e.conts.Create(ctx, "rg", "acct1", "data", armstorage.BlobContainer{ContainerProperties: &armstorage.ContainerProperties{Metadata: map[string]*string{"team": to.Ptr("a")}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("None", string(*c.ContainerProperties.PublicAccess)); diff != "" {
		t.Errorf("default public access: -want, +got:\n%s", diff)
	}
	if _, err := e.conts.Update(ctx, "rg", "acct1", "data", armstorage.BlobContainer{ContainerProperties: &armstorage.ContainerProperties{PublicAccess: to.Ptr(armstorage.PublicAccessBlob)}}, nil); code(err) != "PublicAccessNotPermitted" {
		t.Errorf("public container on a private account: got %q, want PublicAccessNotPermitted", code(err))
	}
	if _, err := e.conts.Create(ctx, "rg", "acct1", "Bad--Name", armstorage.BlobContainer{}, nil); code(err) != "InvalidParameter" {
		t.Errorf("bad container name: got %q, want InvalidParameter", code(err))
	}
	page, err := e.conts.NewListPager("rg", "acct1", nil).NextPage(ctx)
	if err != nil || len(page.Value) != 1 {
		t.Fatalf("list: %v", err)
	}
	if _, err := e.conts.Delete(ctx, "rg", "acct1", "data", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.conts.Get(ctx, "rg", "acct1", "data", nil); code(err) != "ContainerNotFound" {
		t.Errorf("deleted container: got %q, want ContainerNotFound", code(err))
	}
}

func TestAsyncOperationStatus(t *testing.T) {
	// The Azure-AsyncOperation status resource other providers (SQL,
	// flexible servers) point their clients at.
	e := start(t)
	e.srv.Handle(http.MethodPut, "/subscriptions/{sub}/providers/Test.Provider/things/{name}", nil, func(w http.ResponseWriter, req *Request) {
		id := e.srv.StartOperation(req, req.URL.Path, req.Now.Add(delay))
		w.Header().Set("Azure-AsyncOperation", OperationURL(req, "/subscriptions/"+req.Param("sub")+"/providers/Test.Provider/locations/westeurope", AsyncOperation, id))
		RetryAfter(w, req, req.Now.Add(delay))
		w.WriteHeader(http.StatusCreated)
	})
	st, h, _ := raw(t, http.MethodPut, e.url+"/subscriptions/"+sub+"/providers/Test.Provider/things/x?api-version=1", "{}")
	if st != http.StatusCreated || h.Get("Retry-After") != "10" {
		t.Fatalf("start: %d, Retry-After %q", st, h.Get("Retry-After"))
	}
	var got []string
	for range 2 {
		_, _, body := raw(t, http.MethodGet, h.Get("Azure-AsyncOperation"), "")
		got = append(got, body["status"].(string))
		e.clock.Add(delay)
	}
	if diff := cmp.Diff([]string{"InProgress", "Succeeded"}, got); diff != "" {
		t.Errorf("operation status: -want, +got:\n%s", diff)
	}
}

func TestThrottled(t *testing.T) {
	e := start(t)
	e.faults.Set(fault.Faults{Throttle: 1, RetryAfter: 3 * time.Second})
	st, h, body := raw(t, http.MethodGet, e.url+"/subscriptions/"+sub+"/resourcegroups/rg?api-version=2021-04-01", "")
	got := map[string]any{"status": st, "retry": h.Get("Retry-After"), "remaining": h.Get("x-ms-ratelimit-remaining-subscription-reads"), "code": body["error"].(map[string]any)["code"]}
	want := map[string]any{"status": 429, "retry": "3", "remaining": "0", "code": "TooManyRequests"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("throttled: -want, +got:\n%s", diff)
	}
	e.faults.Set(fault.Faults{ServerError: 1})
	_, err := e.groups.Get(context.Background(), "rg", nil)
	if diff := cmp.Diff("InternalServerError", code(err)); diff != "" {
		t.Errorf("server error: -want, +got:\n%s", diff)
	}
}

func TestIsWrite(t *testing.T) {
	cases := map[string]struct {
		reason string
		method string
		path   string
		want   bool
	}{
		"Get":       {reason: "GET reads.", method: "GET", path: "/subscriptions/s/resourcegroups/rg", want: false},
		"Put":       {reason: "PUT writes.", method: "PUT", path: "/subscriptions/s/resourcegroups/rg", want: true},
		"ListKeys":  {reason: "listKeys is a POST that reads.", method: "POST", path: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/listKeys", want: false},
		"CheckName": {reason: "checkNameAvailability reads.", method: "POST", path: "/subscriptions/s/providers/Microsoft.Storage/checkNameAvailability", want: false},
		"Action":    {reason: "Other POST actions write.", method: "POST", path: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/regenerateKey", want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := IsWrite(tc.method, tc.path); got != tc.want {
				t.Errorf("%s\nIsWrite: got %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}
