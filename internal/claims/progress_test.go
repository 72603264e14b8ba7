package claims

import (
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
)

// TestProgressConditions checks the kstatus conditions a claim gets from its
// Ready and Synced conditions: Reconciling=True while it is on its way,
// Stalled=True only when blocked, both False when done.
func TestProgressConditions(t *testing.T) {
	type want struct{ Reconciling, Stalled corev1.ConditionStatus }
	cases := map[string]struct {
		conditions []xpv2.Condition
		pending    string
		block      *blocked
		want       want
	}{
		"New":            {want: want{Reconciling: corev1.ConditionTrue, Stalled: corev1.ConditionFalse}},
		"Creating":       {conditions: []xpv2.Condition{notReady(ReasonWaiting, "DBInstance x is not ready"), xpv2.ReconcileSuccess()}, want: want{Reconciling: corev1.ConditionTrue, Stalled: corev1.ConditionFalse}},
		"ReadyNotSynced": {conditions: []xpv2.Condition{xpv2.Available(), synced(corev1.ConditionFalse, ReasonResourceNotSynced, "x")}, want: want{Reconciling: corev1.ConditionTrue, Stalled: corev1.ConditionFalse}},
		"ReadyPending":   {conditions: []xpv2.Condition{xpv2.Available(), xpv2.ReconcileSuccess()}, pending: "DBInstance x has not acted on generation 2 yet", want: want{Reconciling: corev1.ConditionTrue, Stalled: corev1.ConditionFalse}},
		"Done":           {conditions: []xpv2.Condition{xpv2.Available(), xpv2.ReconcileSuccess()}, want: want{Reconciling: corev1.ConditionFalse, Stalled: corev1.ConditionFalse}},
		"Blocked":        {conditions: []xpv2.Condition{notReady(ReasonUnbound, "no class")}, block: &blocked{ReasonClassNotFound, "no class"}, want: want{Reconciling: corev1.ConditionFalse, Stalled: corev1.ConditionTrue}},
		"ReadyBlocked":   {conditions: []xpv2.Condition{xpv2.Available(), xpv2.ReconcileSuccess()}, block: &blocked{ReasonClassDeleted, "class gone"}, want: want{Reconciling: corev1.ConditionFalse, Stalled: corev1.ConditionTrue}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := &dbv1.DatabaseClaim{}
			cr.SetConditions(tc.conditions...)
			r := &reconciler{record: event.NewNopRecorder()}
			if tc.block != nil {
				r.block(cr, tc.block)
			} else {
				setProgress(cr, tc.pending)
			}
			got := want{Reconciling: cr.GetCondition(TypeReconciling).Status, Stalled: cr.GetCondition(TypeStalled).Status}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}
