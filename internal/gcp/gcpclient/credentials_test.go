package gcpclient

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseServiceAccountKey(t *testing.T) {
	cases := map[string]struct {
		reason  string
		data    string
		want    ServiceAccountKey
		wantErr string
	}{
		"Valid":     {reason: "A service-account key parses.", data: `{"type":"service_account","project_id":"p","client_email":"sa@p.iam.gserviceaccount.com","private_key":"k"}`, want: ServiceAccountKey{Type: "service_account", ProjectID: "p", ClientEmail: "sa@p.iam.gserviceaccount.com", PrivateKey: "k"}},
		"NotJSON":   {reason: "Garbage is named as such.", data: `nope`, wantErr: "not a JSON service-account key (as written by `gcloud iam service-accounts keys create`)"},
		"UserCreds": {reason: "A user's ADC file is not a service-account key.", data: `{"type":"authorized_user"}`, wantErr: `key type is "authorized_user", want "service_account"`},
		"NoKey":     {reason: "A missing private key is named.", data: `{"type":"service_account","client_email":"e"}`, wantErr: "service-account key has no private_key"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseServiceAccountKey([]byte(tc.data))
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
