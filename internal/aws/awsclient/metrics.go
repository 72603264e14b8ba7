package awsclient

import (
	"context"
	"errors"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

// recordCalls adds the call metrics to a client's stack right after the
// retryer, so each attempt is counted and timed on its own and a throttled
// attempt the SDK retried stays visible.
func recordCalls(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("StowageCloudAPIMetrics",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleFinalize(ctx, in)
			cloudmetrics.Observe(cloudmetrics.AWS, awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), outcome(err), time.Since(start))
			return out, md, err
		}), "Retry", middleware.After)
}

// outcome classifies an attempt's error. The throttling codes are the ones
// the SDK's own retryer treats as throttling; S3 answers SlowDown with a 503
// and RDS Throttling with a 400, so the code decides before the status.
func outcome(err error) cloudmetrics.Outcome {
	if err == nil {
		return cloudmetrics.Success
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		if _, ok := retry.DefaultThrottleErrorCodes[api.ErrorCode()]; ok {
			return cloudmetrics.Throttled
		}
	}
	// Any answer: smithy's ResponseError, or the aws one that embeds it.
	var resp interface{ HTTPStatusCode() int }
	if errors.As(err, &resp) && resp.HTTPStatusCode() > 0 {
		return cloudmetrics.OfStatus(resp.HTTPStatusCode())
	}
	return cloudmetrics.NetworkError
}
