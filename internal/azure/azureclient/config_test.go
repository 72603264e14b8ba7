package azureclient

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/google/go-cmp/cmp"

	"github.com/stowage-dev/stowage/apis/azure/v1alpha1"
)

func TestNewSession(t *testing.T) {
	const sub = "00000000-0000-0000-0000-000000000001"
	sp := []byte(`{"clientId":"c","clientSecret":"s","tenantId":"t","subscriptionId":"` + sub + `"}`)
	secretRef := &v1alpha1.SecretKeySelector{Name: "azure", Key: "credentials"}
	type want struct {
		err            string
		subscription   string
		armEndpoint    string
		insecureHTTP   bool
		noRegistration bool
	}
	cases := map[string]struct {
		reason string
		spec   v1alpha1.ProviderConfigSpec
		secret []byte
		want   want
	}{
		"ServicePrincipal": {
			reason: "A service principal Secret gives the subscription it names and the public cloud.",
			spec:   v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef}},
			secret: sp,
			want:   want{subscription: sub, armEndpoint: cloud.AzurePublic.Services[cloud.ResourceManager].Endpoint},
		},
		"SpecSubscriptionWins": {
			reason: "spec.subscriptionID overrides the Secret's subscriptionId.",
			spec:   v1alpha1.ProviderConfigSpec{SubscriptionID: "other", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef}},
			secret: sp,
			want:   want{subscription: "other", armEndpoint: cloud.AzurePublic.Services[cloud.ResourceManager].Endpoint},
		},
		"BadSecret": {
			reason: "A Secret that is not a service principal is an error naming the Secret and key, never its content.",
			spec:   v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef}},
			secret: []byte(`hunter2`),
			want:   want{err: `credentials Secret azure key "credentials": not a JSON service principal (want clientId, clientSecret, tenantId, subscriptionId as printed by ` + "`az ad sp create-for-rbac --sdk-auth`)"},
		},
		"LocalEndpoint": {
			reason: "The None source with an http endpoint talks to a local cloud: no token, plain HTTP allowed, no RP registration.",
			spec: v1alpha1.ProviderConfigSpec{
				SubscriptionID: sub,
				Credentials:    v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
				Endpoint:       &v1alpha1.Endpoint{ResourceManagerURL: "http://127.0.0.1:9000"},
			},
			want: want{subscription: sub, armEndpoint: "http://127.0.0.1:9000", insecureHTTP: true, noRegistration: true},
		},
		"NoneWithoutEndpoint": {
			reason: "The None source is refused for the real cloud.",
			spec:   v1alpha1.ProviderConfigSpec{SubscriptionID: sub, Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone}},
			want:   want{err: "spec.credentials.source None is only for a local endpoint: set spec.endpoint.resourceManagerURL"},
		},
		"NoSubscription": {
			reason: "Without a subscription anywhere there is nothing to create resources in.",
			spec: v1alpha1.ProviderConfigSpec{
				Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
				Endpoint:    &v1alpha1.Endpoint{ResourceManagerURL: "http://127.0.0.1:9000"},
			},
			want: want{err: "no subscription: set spec.subscriptionID (or subscriptionId in the service principal Secret)"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := newSession(context.Background(), tc.spec, tc.secret)
			got := want{}
			if err != nil {
				got.err = err.Error()
			} else {
				got = want{
					subscription:   s.SubscriptionID,
					armEndpoint:    s.ClientOptions.Cloud.Services[cloud.ResourceManager].Endpoint,
					insecureHTTP:   s.ClientOptions.InsecureAllowCredentialWithHTTP,
					noRegistration: s.ClientOptions.DisableRPRegistration,
				}
				if s.Credential == nil {
					t.Errorf("%s\nno credential", tc.reason)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
