package awsclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudbudget"
	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

// budgetCalls makes every attempt at a call, retries included, wait for its
// account's budget (package cloudbudget), keyed as AWS counts its limits:
// per account, region and service. A throttled answer halves that budget.
// It runs right after the retryer, before the call metrics, so the time
// spent waiting is not counted as the cloud's latency.
func budgetCalls(account string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("StowageCloudBudget",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				k := budgetKey(account, awsmiddleware.GetRegion(ctx), awsmiddleware.GetServiceID(ctx))
				if err := cloudbudget.Default.Wait(ctx, k); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				out, md, err := next.HandleFinalize(ctx, in)
				if outcome(err) == cloudmetrics.Throttled {
					cloudbudget.Default.Throttled(k)
				}
				return out, md, err
			}), "Retry", middleware.After)
	}
}

// budgetKey is the budget of service's calls for account in region.
func budgetKey(account, region, service string) cloudbudget.Key {
	return cloudbudget.Key{Cloud: cloudmetrics.AWS, Account: account + "/" + region, Service: service}
}

// BudgetKey is the budget this Session's calls to service (an SDK service
// ID: S3, RDS) count against.
func (s Session) BudgetKey(service string) cloudbudget.Key {
	return budgetKey(s.Account, s.Config.Region, service)
}

// accountOf names the AWS account a provider config's calls count against,
// without calling AWS: the account of the role it assumes, or else a
// fingerprint of its access key (metrics show it; the key is not shown).
func accountOf(spec v1alpha1.ProviderConfigSpec, secret []byte) string {
	if arn := spec.Credentials.AssumeRoleARN; arn != nil {
		// arn:aws:iam::123456789012:role/name
		if f := strings.Split(*arn, ":"); len(f) > 4 && f[4] != "" {
			return f[4]
		}
	}
	if c, err := ParseCredentials(secret); err == nil && c.AccessKeyID != "" {
		sum := sha256.Sum256([]byte(c.AccessKeyID))
		return "key-" + hex.EncodeToString(sum[:4])
	}
	return "ambient"
}
