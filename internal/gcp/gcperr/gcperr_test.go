package gcperr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/googleapi"
)

func gerr(code int, reason string, h http.Header) error {
	return fmt.Errorf("cannot get instance: %w", &googleapi.Error{Code: code, Message: "msg", Header: h, Errors: []googleapi.ErrorItem{{Reason: reason, Message: "msg"}}})
}

func TestClassify(t *testing.T) {
	type want struct {
		NotFound, InProgress, Throttled bool
		After                           time.Duration
		Code                            int
	}
	cases := map[string]struct {
		reason string
		err    error
		want   want
	}{
		"NotFound":   {reason: "a 404 means gone", err: gerr(404, "instanceDoesNotExist", nil), want: want{NotFound: true, Code: 404}},
		"InProgress": {reason: "Cloud SQL's 409 operationInProgress means wait", err: gerr(409, "operationInProgress", nil), want: want{InProgress: true, Code: 409}},
		"Exists":     {reason: "another 409 is not a busy instance", err: gerr(409, "instanceAlreadyExists", nil), want: want{Code: 409}},
		"Throttled":  {reason: "a 429 advises its delay", err: gerr(429, "rateLimitExceeded", http.Header{"Retry-After": {"7"}}), want: want{Throttled: true, After: 7 * time.Second, Code: 429}},
		"ThrottledNoHeader": {reason: "a 429 without Retry-After waits the default", err: gerr(429, "rateLimitExceeded", nil),
			want: want{Throttled: true, After: DefaultRetryAfter, Code: 429}},
		"RateLimit403": {reason: "the older 403 rateLimitExceeded is throttling too", err: gerr(403, "rateLimitExceeded", nil),
			want: want{Throttled: true, After: DefaultRetryAfter, Code: 403}},
		"Plain": {reason: "other errors are none of these", err: errors.New("boom"), want: want{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			after, th := Throttled(tc.err)
			got := want{NotFound: IsNotFound(tc.err), InProgress: IsOperationInProgress(tc.err), Throttled: th, After: after, Code: Code(tc.err)}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	if got := Message(gerr(400, "invalid", nil)); got != "msg" {
		t.Errorf("Message = %q, want the API's message without the client's prefix", got)
	}
	if got := Message(errors.New("boom")); got != "boom" {
		t.Errorf("Message = %q", got)
	}
}
