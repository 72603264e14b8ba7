package azureclient

import (
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/stowage-dev/stowage/internal/cloudbudget"
	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

// BudgetService is the service every ARM call counts against: Azure Resource
// Manager throttles a subscription's calls together, whatever the resource
// provider.
const BudgetService = "arm"

// budgetCalls is the per-retry pipeline policy that makes every attempt at
// an ARM call, retries included, wait for its subscription's budget
// (package cloudbudget), and halves that budget when ARM answers 429. It
// runs before recordCalls, so the time spent waiting is not counted as
// ARM's latency.
type budgetCalls struct {
	// subscription is the provider config's, for a call whose path names
	// none.
	subscription string
}

func (b budgetCalls) Do(req *policy.Request) (*http.Response, error) {
	k := BudgetKey(subscriptionOf(req.Raw().URL.Path, b.subscription))
	if err := cloudbudget.Default.Wait(req.Raw().Context(), k); err != nil {
		return nil, err
	}
	resp, err := req.Next()
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		cloudbudget.Default.Throttled(k)
	}
	return resp, err
}

// BudgetKey is the budget the calls in subscription count against.
func BudgetKey(subscription string) cloudbudget.Key {
	return cloudbudget.Key{Cloud: cloudmetrics.Azure, Account: strings.ToLower(subscription), Service: BudgetService}
}

// subscriptionOf is the subscription an ARM path names
// (/subscriptions/{id}/...), else def: the subscription a call counts
// against is the one it acts in.
func subscriptionOf(path, def string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") && segs[1] != "" {
		return segs[1]
	}
	return def
}
