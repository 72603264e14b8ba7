// Package accepted tells, for Azure kinds, a create that ARM accepted but
// does not show yet from an object that is gone. ARM answers a create with
// 201/202 and may answer GETs with 404 until the object appears; treating
// that 404 as "gone" would create twice, or let a delete finish while Azure
// is still making the object it was meant to delete.
package accepted

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/stowage-dev/stowage/internal/mrsetup"
)

// Visibility is how long after an accepted create a "not found" means the
// object is still coming.
const Visibility = 2 * time.Minute

// waitingToDelete is in the Synced message of a resource being deleted
// whose object Azure accepted and does not show yet. The managed reconciler
// marks every resource it deleted as Ready=Deleting, whether or not a DELETE
// was sent; this message is how the next Observe tells the two apart.
const waitingToDelete = "waiting to delete: Azure accepted the "

// Pending reports whether a "not found" for mg means a create Azure
// accepted less than Visibility ago and has not shown yet: mg was never
// Ready since, and no delete of it was sent.
func Pending(mg resource.Managed) bool {
	t := meta.GetExternalCreateSucceeded(mg)
	if t.IsZero() || time.Since(t) >= Visibility {
		return false
	}
	ready := mg.GetCondition(xpv2.TypeReady)
	switch {
	case ready.Status == corev1.ConditionTrue:
		return false
	case ready.Reason == xpv2.ReasonDeleting:
		return WaitingToDelete(mg)
	default:
		return true
	}
}

// NotShown is the observation of an object Azure accepted and does not show
// yet (Pending). It exists: a resource not being deleted waits for it
// rather than creating it again, and a resource being deleted waits for it
// to show, then deletes it — its Delete must send nothing until Observe has
// seen the object, and return WaitToDelete.
func NotShown(mg resource.Managed, what string) managed.ExternalObservation {
	if !meta.WasDeleted(mg) {
		mg.SetConditions(xpv2.Creating().WithMessage("Azure accepted the " + what + " and has not shown it yet"))
	}
	return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}
}

// WaitingToDelete reports whether mg's last Delete sent nothing because
// Azure had not shown the object yet (WaitToDelete): its Ready=Deleting
// does not mean a delete is running.
func WaitingToDelete(mg resource.Managed) bool {
	// The reconciler wraps the error Delete returned.
	return strings.Contains(mg.GetCondition(xpv2.TypeSynced).Message, waitingToDelete)
}

// WaitToDelete is what Delete returns for an object Azure accepted and does
// not show yet: nothing was sent, and the reconcile is retried soon.
func WaitToDelete(ctx context.Context, what string) error {
	mrsetup.Throttled(ctx, time.Second)
	return errors.New(waitingToDelete + what + " and has not shown it yet; it is deleted once it shows")
}
