package awsclient

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCredentials(t *testing.T) {
	cases := map[string]struct {
		reason  string
		data    string
		want    StaticCredentials
		wantErr string
	}{
		"Default": {
			reason: "The [default] profile is read; other profiles are ignored.",
			data:   "[other]\naws_access_key_id = NO\n\n# comment\n[default]\naws_access_key_id = AK\naws_secret_access_key=SK\naws_session_token = ST\n",
			want:   StaticCredentials{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "ST"},
		},
		"NoDefault": {
			reason:  "A file with no [default] profile says so.",
			data:    "[prod]\naws_access_key_id = AK\n",
			wantErr: "no [default] profile: expected an AWS shared-credentials file with aws_access_key_id and aws_secret_access_key",
		},
		"NoSecret": {
			reason:  "A missing secret key is named, and no value is echoed.",
			data:    "[default]\naws_access_key_id = AK\n",
			wantErr: "the [default] profile has no aws_secret_access_key",
		},
		"NotKeyValue": {
			reason:  "A malformed line is reported by number, not content.",
			data:    "[default]\nAKIDONLY\n",
			wantErr: "line 2 of the [default] profile is not key = value",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseCredentials([]byte(tc.data))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("%s\nParseCredentials(...) error: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nParseCredentials(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
