package azureclient

import (
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

// recordCalls is the per-retry pipeline policy that counts and times every
// attempt at an ARM call, so a 429 the SDK retried stays visible.
type recordCalls struct{}

func (recordCalls) Do(req *policy.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := req.Next()
	o := cloudmetrics.NetworkError
	if resp != nil {
		o = cloudmetrics.OfStatus(resp.StatusCode)
	}
	service, operation := armOperation(req.Raw().Method, req.Raw().URL.Path)
	cloudmetrics.Observe(cloudmetrics.Azure, service, operation, o, time.Since(start))
	return resp, err
}

// armOperation names an ARM call by its resource provider and its method
// and resource type, dropping every name and ID in the path:
//
//	PUT /subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/a/databases/b
//	→ Microsoft.Sql, "PUT servers/databases"
//
// Resource groups (no provider in the path) belong to Microsoft.Resources.
func armOperation(method, path string) (service, operation string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	// subscriptions/{id}/resourcegroups/{name}: drop the subscription.
	service, rest := "Microsoft.Resources", segs
	if len(rest) >= 2 && strings.EqualFold(rest[0], "subscriptions") {
		rest = rest[2:]
	}
	// The last provider: an extension resource's path holds two.
	for i := len(segs) - 2; i >= 0; i-- {
		if strings.EqualFold(segs[i], "providers") {
			service, rest = segs[i+1], segs[i+2:]
			break
		}
	}
	// Types and names alternate: keep the types (and a trailing action
	// such as listKeys).
	var types []string
	for i := 0; i < len(rest); i += 2 {
		t := rest[i]
		if strings.EqualFold(t, "resourcegroups") {
			t = "resourceGroups" // the SDKs spell it both ways
		}
		types = append(types, t)
	}
	if len(types) == 0 {
		types = []string{"subscriptions"}
	}
	return service, method + " " + strings.Join(types, "/")
}
