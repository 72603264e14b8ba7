// Package gcperr reads the errors Google API clients return
// (*googleapi.Error): the HTTP code, the reasons Google puts in the body,
// and what they mean for a reconcile (gone, busy, throttled).
package gcperr

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"google.golang.org/api/googleapi"
)

// DefaultRetryAfter is the delay assumed when a throttled answer advises
// none.
const DefaultRetryAfter = 5 * time.Second

// As returns err as a *googleapi.Error, or nil.
func As(err error) *googleapi.Error {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge
	}
	return nil
}

// Code is the HTTP status of a Google API error, or 0.
func Code(err error) int {
	if ge := As(err); ge != nil {
		return ge.Code
	}
	return 0
}

// Reasons are the reasons of a Google API error's items, e.g.
// instanceDoesNotExist or operationInProgress.
func Reasons(err error) []string {
	ge := As(err)
	if ge == nil {
		return nil
	}
	out := make([]string, 0, len(ge.Errors))
	for _, e := range ge.Errors {
		out = append(out, e.Reason)
	}
	return out
}

// HasReason reports whether a Google API error carries one of reasons.
func HasReason(err error, reasons ...string) bool {
	for _, r := range Reasons(err) {
		if slices.Contains(reasons, r) {
			return true
		}
	}
	return false
}

// Message is a Google API error's message without the client's "googleapi:
// Error 409:" prefix; err.Error() for other errors.
func Message(err error) string {
	if ge := As(err); ge != nil && ge.Message != "" {
		return ge.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool { return Code(err) == http.StatusNotFound }

// IsConflict reports whether err is a 409.
func IsConflict(err error) bool { return Code(err) == http.StatusConflict }

// IsOperationInProgress reports whether Cloud SQL refused a call because
// another operation runs on the instance: the call should wait, not fail.
func IsOperationInProgress(err error) bool {
	return HasReason(err, "operationInProgress")
}

// Throttled reports whether Google refused a call for its rate limits or
// quotas, and the delay it advised (Retry-After), or DefaultRetryAfter.
func Throttled(err error) (time.Duration, bool) {
	ge := As(err)
	if ge == nil {
		return 0, false
	}
	if ge.Code != http.StatusTooManyRequests && !HasReason(err, "rateLimitExceeded", "userRateLimitExceeded") {
		return 0, false
	}
	return retryAfter(ge.Header.Get("Retry-After")), true
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return DefaultRetryAfter
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return DefaultRetryAfter
}
