// Package azureclient turns an Azure ProviderConfig into credentials for the ARM
// SDK clients.
package azureclient

import (
	"encoding/json"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
)

// ServicePrincipal is a service principal as `az ad sp create-for-rbac
// --sdk-auth` prints it.
type ServicePrincipal struct {
	ClientID       string `json:"clientId"`
	ClientSecret   string `json:"clientSecret"`
	TenantID       string `json:"tenantId"`
	SubscriptionID string `json:"subscriptionId"`
}

// ParseServicePrincipal reads a service principal from a credentials Secret
// value. Errors say what is missing, never what is there.
func ParseServicePrincipal(data []byte) (ServicePrincipal, error) {
	var sp ServicePrincipal
	if err := json.Unmarshal(data, &sp); err != nil {
		return ServicePrincipal{}, errors.New("not a JSON service principal (want clientId, clientSecret, tenantId, subscriptionId as printed by `az ad sp create-for-rbac --sdk-auth`)")
	}
	switch {
	case sp.ClientID == "":
		return ServicePrincipal{}, errors.New("service principal has no clientId")
	case sp.ClientSecret == "":
		return ServicePrincipal{}, errors.New("service principal has no clientSecret")
	case sp.TenantID == "":
		return ServicePrincipal{}, errors.New("service principal has no tenantId")
	}
	return sp, nil
}
