// Package accepted tells, for Azure kinds, a create that ARM accepted but
// does not show yet from an object that is gone. ARM answers a create with
// 201/202 and may answer GETs with 404 until the object appears; treating
// that 404 as "gone" would create twice, or let a delete finish while Azure
// is still making the object it was meant to delete.
package accepted

import (
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Visibility is how long after an accepted create a "not found" means the
// object is still coming.
const Visibility = 2 * time.Minute

// ReasonWaitingForCreate is the Ready reason of a resource being deleted
// whose object Azure accepted and does not show yet.
const ReasonWaitingForCreate xpv2.ConditionReason = "WaitingForCreate"

// Pending reports whether a "not found" for mg means a create Azure
// accepted less than Visibility ago and has not shown yet: mg was never
// Ready since, and no delete of it was sent.
func Pending(mg resource.Managed) bool {
	t := meta.GetExternalCreateSucceeded(mg)
	c := mg.GetCondition(xpv2.TypeReady)
	return !t.IsZero() && time.Since(t) < Visibility && c.Status != corev1.ConditionTrue && c.Reason != xpv2.ReasonDeleting
}

// NotShown is the observation of an object Azure accepted and does not show
// yet (Pending). It exists: a resource not being deleted waits for it
// rather than creating it again, and a resource being deleted waits for it
// to show, then deletes it — its Delete must send nothing until Observe has
// seen the object.
func NotShown(mg resource.Managed, what string) managed.ExternalObservation {
	if meta.WasDeleted(mg) {
		mg.SetConditions(xpv2.Condition{
			Type: xpv2.TypeReady, Status: corev1.ConditionFalse, Reason: ReasonWaitingForCreate, LastTransitionTime: metav1.Now(),
			Message: "Azure accepted the " + what + " and has not shown it yet: deleting it once it shows",
		})
	} else {
		mg.SetConditions(xpv2.Creating().WithMessage("Azure accepted the " + what + " and has not shown it yet"))
	}
	return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}
}
