package azerr

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/google/go-cmp/cmp"
)

// armError makes the error the SDK returns for an ARM error answer.
func armError(status int, body string, headers map[string]string) error {
	req, _ := http.NewRequest(http.MethodGet, "https://management.azure.com/subscriptions/s", nil)
	resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
	for k, v := range headers {
		resp.Header.Set(k, v)
	}
	return fmt.Errorf("cannot get: %w", runtime.NewResponseError(resp))
}

func TestReading(t *testing.T) {
	type want struct {
		Code       string
		NotFound   bool
		Throttled  bool
		RetryAfter time.Duration
		Describe   string
	}
	cases := map[string]struct {
		reason string
		err    error
		want   want
	}{
		"ResourceNotFound": {
			reason: "ARM's 404 with its code and message.",
			err:    armError(404, `{"error":{"code":"ResourceNotFound","message":"The Resource 'x' was not found."}}`, nil),
			want:   want{Code: "ResourceNotFound", NotFound: true, Describe: "ResourceNotFound: The Resource 'x' was not found."},
		},
		"ContainerNotFound": {
			reason: "The storage provider's own not-found code counts.",
			err:    armError(404, `{"error":{"code":"ContainerNotFound","message":"The specified container does not exist."}}`, nil),
			want:   want{Code: "ContainerNotFound", NotFound: true, Describe: "ContainerNotFound: The specified container does not exist."},
		},
		"Throttled": {
			reason: "A 429 advises its Retry-After in seconds.",
			err:    armError(429, `{"error":{"code":"TooManyRequests","message":"slow down"}}`, map[string]string{"Retry-After": "7"}),
			want:   want{Code: "TooManyRequests", Throttled: true, RetryAfter: 7 * time.Second, Describe: "TooManyRequests: slow down"},
		},
		"RetryAfterMs": {
			reason: "retry-after-ms wins over Retry-After.",
			err:    armError(429, `{"error":{"code":"TooManyRequests","message":"m"}}`, map[string]string{"Retry-After": "7", "retry-after-ms": "1500"}),
			want:   want{Code: "TooManyRequests", Throttled: true, RetryAfter: 1500 * time.Millisecond, Describe: "TooManyRequests: m"},
		},
		"NoBody": {
			reason: "A bare 404 (HEAD) is still not found.",
			err:    armError(404, ``, nil),
			want:   want{NotFound: true, Describe: "HTTP 404"},
		},
		"NotARMError": {
			reason: "Other errors pass through.",
			err:    errors.New("dial tcp: refused"),
			want:   want{Describe: "dial tcp: refused"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d, _ := RetryAfter(tc.err)
			got := want{Code: Code(tc.err), NotFound: NotFound(tc.err), Throttled: Throttled(tc.err), RetryAfter: d, Describe: Describe(tc.err)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestField(t *testing.T) {
	cases := map[string]struct {
		reason string
		err    error
		want   string
	}{
		"InvalidParameter": {
			reason: "Bad input names the field.",
			err:    armError(400, `{"error":{"code":"InvalidParameter","message":"Values for request parameters are invalid: sku.name 'Gold'."}}`, nil),
			want:   "cannot create storage account: spec.forProvider.sku was refused: InvalidParameter: Values for request parameters are invalid: sku.name 'Gold'.",
		},
		"Other": {
			reason: "Other errors are only wrapped.",
			err:    armError(500, `{"error":{"code":"InternalServerError","message":"oops"}}`, nil),
			want:   "cannot create storage account: InternalServerError: oops",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Field(tc.err, "cannot create storage account", "spec.forProvider.sku").Error()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
