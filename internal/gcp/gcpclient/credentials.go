// Package gcpclient turns a Google Cloud ProviderConfig into credentials for the
// Google API clients.
package gcpclient

import (
	"encoding/json"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
)

// ServiceAccountKey is the part of a service-account JSON key the provider
// checks before handing the whole key to the Google client libraries.
type ServiceAccountKey struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
}

// ParseServiceAccountKey checks a service-account JSON key from a
// credentials Secret. Errors say what is missing, never what is there.
func ParseServiceAccountKey(data []byte) (ServiceAccountKey, error) {
	var k ServiceAccountKey
	if err := json.Unmarshal(data, &k); err != nil {
		return ServiceAccountKey{}, errors.New("not a JSON service-account key (as written by `gcloud iam service-accounts keys create`)")
	}
	switch {
	case k.Type != "service_account":
		return ServiceAccountKey{}, errors.Errorf("key type is %q, want \"service_account\"", k.Type)
	case k.ClientEmail == "":
		return ServiceAccountKey{}, errors.New("service-account key has no client_email")
	case k.PrivateKey == "":
		return ServiceAccountKey{}, errors.New("service-account key has no private_key")
	}
	return k, nil
}
