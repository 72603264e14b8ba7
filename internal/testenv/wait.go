package testenv

import (
	"context"
	"fmt"
	"time"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Eventually calls check until it returns nil or timeout passes, and returns
// check's last error.
func Eventually(ctx context.Context, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// A Conditioned object has crossplane conditions.
type Conditioned interface {
	client.Object
	GetCondition(xpv2.ConditionType) xpv2.Condition
}

// WaitForCondition waits until obj's condition ct has status want, and
// returns the condition seen last.
func WaitForCondition(ctx context.Context, c client.Client, obj Conditioned, ct xpv2.ConditionType, want corev1.ConditionStatus, timeout time.Duration) (xpv2.Condition, error) {
	var got xpv2.Condition
	err := Eventually(ctx, timeout, func() error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		got = obj.GetCondition(ct)
		if got.Status != want {
			return fmt.Errorf("%s %s: condition %s is %q (%s: %s), want %q", obj.GetObjectKind().GroupVersionKind().Kind, client.ObjectKeyFromObject(obj), ct, got.Status, got.Reason, got.Message, want)
		}
		return nil
	})
	return got, err
}
