package azureclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/stowage-dev/stowage/apis/azure/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudbudget"
)

func TestSubscriptionOf(t *testing.T) {
	cases := map[string]struct{ path, want string }{
		"Group":        {"/subscriptions/AbC/resourcegroups/rg", "AbC"},
		"Provider":     {"/subscriptions/abc/providers/Microsoft.Sql/locations/x/asyncoperations/1", "abc"},
		"Subscription": {"/subscriptions/abc", "abc"},
		"None":         {"/providers/Microsoft.Resources/operations", "config"},
		"Empty":        {"/subscriptions//resourcegroups", "config"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := subscriptionOf(tc.path, "config"); got != tc.want {
				t.Errorf("subscriptionOf(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

// TestSessionSpendsBudget checks every attempt, retries included, takes a
// token of its subscription's budget before it is sent, and a 429 halves
// that budget's rate.
func TestSessionSpendsBudget(t *testing.T) {
	old := cloudbudget.Default
	t.Cleanup(func() { cloudbudget.Default = old })
	// Two calls at once, then one every 100 s: the third attempt waits.
	cloudbudget.Override(0.01, 2)

	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"slow down"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"/subscriptions/budget-sub/resourceGroups/rg","name":"rg","location":"westeurope"}`))
	}))
	defer srv.Close()
	s, err := newSession(context.Background(), v1alpha1.ProviderConfigSpec{
		SubscriptionID: "Budget-Sub",
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
	// A 429 and its retry: both attempts spend the burst.
	if _, err := groups.Get(context.Background(), "rg", nil); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("attempts sent: got %d, want 2", n)
	}
	k := BudgetKey("budget-sub")
	// Halved, then climbing back linearly over 30 s.
	if r, _ := cloudbudget.Default.Limit(k); r < 0.005 || r > 0.006 {
		t.Errorf("rate after a 429: got %v, want about 0.005 (halved)", r)
	}
	// The budget is spent: the next attempt waits instead of being sent.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = groups.Get(ctx, "rg", nil)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		t.Errorf("a call past the budget: got %v, want it to wait until its context ends", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("attempts sent once the budget was spent: got %d, want still 2", n)
	}
}
