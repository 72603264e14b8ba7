package azureclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stowage-dev/stowage/apis/azure/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

func TestARMOperation(t *testing.T) {
	cases := map[string]struct {
		method, path       string
		service, operation string
	}{
		"ResourceGroup":  {"PUT", "/subscriptions/9f8e/resourcegroups/rg-a", "Microsoft.Resources", "PUT resourceGroups"},
		"Server":         {"GET", "/subscriptions/9f8e/resourceGroups/rg-a/providers/Microsoft.Sql/servers/srv-1", "Microsoft.Sql", "GET servers"},
		"Database":       {"PATCH", "/subscriptions/9f8e/resourceGroups/rg/providers/Microsoft.Sql/servers/s/databases/d", "Microsoft.Sql", "PATCH servers/databases"},
		"Action":         {"POST", "/subscriptions/9f8e/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct/listKeys", "Microsoft.Storage", "POST storageAccounts/listKeys"},
		"AsyncOperation": {"GET", "/subscriptions/9f8e/providers/Microsoft.DBforPostgreSQL/locations/westeurope/azureAsyncOperation/0c6e", "Microsoft.DBforPostgreSQL", "GET locations/azureAsyncOperation"},
		"Register":       {"POST", "/subscriptions/9f8e/providers/Microsoft.Sql/register", "Microsoft.Sql", "POST register"},
		"Extension":      {"GET", "/subscriptions/9f8e/resourceGroups/rg/providers/Microsoft.Sql/servers/s/providers/Microsoft.Authorization/locks/l", "Microsoft.Authorization", "GET locks"},
		"Subscription":   {"GET", "/subscriptions/9f8e", "Microsoft.Resources", "GET subscriptions"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			service, op := armOperation(tc.method, tc.path)
			if diff := cmp.Diff([]string{tc.service, tc.operation}, []string{service, op}); diff != "" {
				t.Errorf("armOperation(%s %s): -want, +got:\n%s", tc.method, tc.path, diff)
			}
		})
	}
}

// TestSessionCountsEveryAttempt checks the policy sits where it counts each
// attempt: a 429 the SDK retries is counted as throttled, its retry as a
// success.
func TestSessionCountsEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"slow down"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"/subscriptions/s/resourceGroups/metrics-rg","name":"metrics-rg","location":"westeurope"}`))
	}))
	defer srv.Close()
	s, err := newSession(context.Background(), v1alpha1.ProviderConfigSpec{
		SubscriptionID: "s",
		Credentials:    v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
		Endpoint:       &v1alpha1.Endpoint{ResourceManagerURL: srv.URL},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := armresources.NewResourceGroupsClient(s.SubscriptionID, s.Credential, s.ClientOptions)
	if err != nil {
		t.Fatal(err)
	}
	count := func(o cloudmetrics.Outcome) float64 {
		return testutil.ToFloat64(cloudmetrics.Requests.WithLabelValues(cloudmetrics.Azure, "Microsoft.Resources", "GET resourceGroups", string(o)))
	}
	throttled, success := count(cloudmetrics.Throttled), count(cloudmetrics.Success)
	if _, err := groups.Get(context.Background(), "metrics-rg", nil); err != nil {
		t.Fatal(err)
	}
	got := []float64{count(cloudmetrics.Throttled) - throttled, count(cloudmetrics.Success) - success}
	if diff := cmp.Diff([]float64{1, 1}, got); diff != "" {
		t.Errorf("throttled and successful attempts counted: -want, +got:\n%s", diff)
	}
}
