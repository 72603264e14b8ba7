package sqlapi

import (
	"context"
	"time"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"

	"github.com/stowage-dev/stowage/internal/gcp/gcperr"
	"github.com/stowage-dev/stowage/internal/mrsetup"
)

// BusyWait is how soon a resource whose instance is busy is looked at
// again.
const BusyWait = 2 * time.Second

// Wait makes the resource of the reconcile in ctx come back after BusyWait:
// its instance runs another operation (Cloud SQL runs one at a time) or is
// not RUNNABLE yet.
func Wait(ctx context.Context) { mrsetup.Throttled(ctx, BusyWait) }

// Busy reports whether Cloud SQL refused a call because the instance is
// busy or not running yet: the call should wait, not fail.
func Busy(err error) bool {
	return gcperr.IsOperationInProgress(err) || (gcperr.Code(err) == 400 && gcperr.HasReason(err, "invalidState"))
}

// Fail wraps an API error; a throttled call requeues after the delay Google
// advised.
func Fail(ctx context.Context, err error, format string, args ...any) error {
	if d, ok := gcperr.Throttled(err); ok {
		mrsetup.Throttled(ctx, d)
	}
	return xperrors.Wrapf(err, format, args...)
}
