package azureclient

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseServicePrincipal(t *testing.T) {
	cases := map[string]struct {
		reason  string
		data    string
		want    ServicePrincipal
		wantErr string
	}{
		"Valid":    {reason: "An --sdk-auth document parses.", data: `{"clientId":"c","clientSecret":"s","tenantId":"t","subscriptionId":"sub","activeDirectoryEndpointUrl":"x"}`, want: ServicePrincipal{ClientID: "c", ClientSecret: "s", TenantID: "t", SubscriptionID: "sub"}},
		"NotJSON":  {reason: "Garbage is named as such without echoing it.", data: `clientSecret=hunter2`, wantErr: "not a JSON service principal (want clientId, clientSecret, tenantId, subscriptionId as printed by `az ad sp create-for-rbac --sdk-auth`)"},
		"NoSecret": {reason: "A missing field is named.", data: `{"clientId":"c","tenantId":"t"}`, wantErr: "service principal has no clientSecret"},
		"NoTenant": {reason: "A missing tenant is named.", data: `{"clientId":"c","clientSecret":"s"}`, wantErr: "service principal has no tenantId"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseServicePrincipal([]byte(tc.data))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("%s\nerror: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
