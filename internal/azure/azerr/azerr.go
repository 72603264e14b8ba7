// Package azerr reads the errors the Azure SDK returns (*azcore.ResponseError
// carrying ARM's {"error":{"code","message"}} body), the same way for every
// Azure kind.
package azerr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/stowage-dev/stowage/internal/mrsetup"
)

// notFoundCodes are the codes ARM and its providers give a missing object.
var notFoundCodes = []string{"ResourceNotFound", "ResourceGroupNotFound", "ParentResourceNotFound", "ContainerNotFound", "NotFound"}

func responseError(err error) *azcore.ResponseError {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// Code is the ARM error code of err, or "".
func Code(err error) string {
	if re := responseError(err); re != nil {
		return re.ErrorCode
	}
	return ""
}

// HasCode reports whether err is an ARM error with one of codes.
func HasCode(err error, codes ...string) bool {
	c := Code(err)
	for _, want := range codes {
		if c != "" && strings.EqualFold(c, want) {
			return true
		}
	}
	return false
}

// Status is the HTTP status of the response that failed, or 0.
func Status(err error) int {
	if re := responseError(err); re != nil {
		return re.StatusCode
	}
	return 0
}

// NotFound reports whether err says the object (or the group or parent it
// would be in) does not exist.
func NotFound(err error) bool {
	return Status(err) == http.StatusNotFound || HasCode(err, notFoundCodes...)
}

// GroupNotFound reports whether err says the resource group does not exist.
func GroupNotFound(err error) bool { return HasCode(err, "ResourceGroupNotFound") }

// Throttled reports whether the cloud refused err's call for its rate
// limits (after the SDK's own retries).
func Throttled(err error) bool { return Status(err) == http.StatusTooManyRequests }

// RetryAfter is the delay the cloud advised with a throttled or failed
// answer (Retry-After in seconds or as an HTTP date, retry-after-ms,
// x-ms-retry-after-ms), and whether it advised one.
func RetryAfter(err error) (time.Duration, bool) {
	re := responseError(err)
	if re == nil || re.RawResponse == nil {
		return 0, false
	}
	h := re.RawResponse.Header
	for _, k := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if ms, err := strconv.Atoi(h.Get(k)); err == nil && ms > 0 {
			return time.Duration(ms) * time.Millisecond, true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d, true
		}
	}
	return 0, false
}

// Message is ARM's own message of err (the body's error.message), without
// the SDK's multi-line request dump, or err's text when it is no ARM error.
func Message(err error) string {
	re := responseError(err)
	if re == nil {
		return err.Error()
	}
	if re.RawResponse != nil {
		if body, perr := runtime.Payload(re.RawResponse); perr == nil {
			var b struct {
				Error *struct {
					Code, Message, Target string
				} `json:"error"`
				// Some providers answer the inner error at the top level.
				Code, Message string
			}
			if json.Unmarshal(body, &b) == nil {
				switch {
				case b.Error != nil && b.Error.Message != "":
					return b.Error.Message
				case b.Message != "":
					return b.Message
				}
			}
		}
	}
	if re.ErrorCode != "" {
		return fmt.Sprintf("%s (HTTP %d)", re.ErrorCode, re.StatusCode)
	}
	return fmt.Sprintf("HTTP %d", re.StatusCode)
}

// Describe is a short, one-line account of err for a condition or an event:
// "CODE: message". The SDK's own text spans lines and repeats the request.
func Describe(err error) string {
	if re := responseError(err); re != nil && re.ErrorCode != "" {
		return re.ErrorCode + ": " + Message(err)
	}
	return Message(err)
}

// Wrap returns err as "what: CODE: message", or nil for a nil err.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return &wrapped{msg: what + ": " + Describe(err), err: err}
}

// Field returns err naming the spec field a bad request was about, for the
// codes ARM gives bad input (InvalidParameter, …): "spec.forProvider.sku:
// CODE: message". Other errors are wrapped with what.
func Field(err error, what, field string) error {
	if err == nil {
		return nil
	}
	if BadRequest(err) {
		return &wrapped{msg: what + ": " + field + " was refused: " + Describe(err), err: err}
	}
	return Wrap(err, what)
}

// BadRequest reports whether the cloud refused err's call for its input.
func BadRequest(err error) bool {
	return Status(err) == http.StatusBadRequest || HasCode(err, "InvalidParameter", "InvalidRequestContent", "LinkedInvalidPropertyId", "InvalidResourceName")
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// Requeue reports a throttled call in *err to the reconcile running in ctx
// (mrsetup.Throttled), so the resource comes back after the delay the cloud
// advised rather than after the error backoff. Use it deferred:
//
//	defer azerr.Requeue(ctx, &err)
func Requeue(ctx context.Context, err *error) {
	if err == nil || *err == nil || !Throttled(*err) {
		return
	}
	d, ok := RetryAfter(*err)
	if !ok {
		d = 5 * time.Second
	}
	mrsetup.Throttled(ctx, d)
}
