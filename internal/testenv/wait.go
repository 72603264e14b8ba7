package testenv

import (
	"context"
	"fmt"
	"strings"
	"time"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// WaitGone waits until obj is deleted from the API server.
func WaitGone(ctx context.Context, c client.Client, obj client.Object, timeout time.Duration) error {
	return Eventually(ctx, timeout, func() error {
		err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if kerrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("%s %s still exists", obj.GetObjectKind().GroupVersionKind().Kind, client.ObjectKeyFromObject(obj))
	})
}

// CheckOwnerTags checks that a cloud object's tags name mr, a managed
// resource of kind (lowercase, as owner tags spell it), as its owner, and
// carry the user tags want.
func CheckOwnerTags(tags map[string]string, kind string, mr metav1.Object, want map[string]string) error {
	for k, v := range want {
		if tags[k] != v {
			return fmt.Errorf("tag %s = %q, want %q (tags %v)", k, tags[k], v, tags)
		}
	}
	owner := map[string]string{"stowage-kind": kind, "stowage-namespace": mr.GetNamespace(), "stowage-name": mr.GetName(), "stowage-uid": string(mr.GetUID())}
	for k, v := range owner {
		if tags[k] != v {
			return fmt.Errorf("owner tag %s = %q, want %q (tags %v)", k, tags[k], v, tags)
		}
	}
	if tags["stowage-cluster"] == "" {
		return fmt.Errorf("no stowage-cluster owner tag (tags %v)", tags)
	}
	return nil
}

// WaitForEvent waits until obj has an event with reason whose message
// contains text, and returns that message.
func WaitForEvent(ctx context.Context, c client.Client, obj client.Object, reason, text string, timeout time.Duration) (string, error) {
	var msg string
	err := Eventually(ctx, timeout, func() error {
		evs := &corev1.EventList{}
		if err := c.List(ctx, evs, client.InNamespace(obj.GetNamespace())); err != nil {
			return err
		}
		var seen []string
		for _, e := range evs.Items {
			if e.InvolvedObject.UID != obj.GetUID() || e.Reason != reason {
				continue
			}
			if strings.Contains(e.Message, text) {
				msg = e.Message
				return nil
			}
			seen = append(seen, e.Message)
		}
		return fmt.Errorf("no %s event of %s saying %q; saw %q", reason, obj.GetName(), text, seen)
	})
	return msg, err
}
