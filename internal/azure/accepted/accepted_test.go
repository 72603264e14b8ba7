package accepted

import (
	"context"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
)

func TestPending(t *testing.T) {
	now := time.Now()
	cases := map[string]struct {
		reason    string
		createdAt time.Time
		ready     *xpv2.Condition
		synced    error
		want      bool
	}{
		"NeverCreated":    {reason: "No create was accepted: a 404 means there is nothing.", want: false},
		"JustAccepted":    {reason: "A create accepted a moment ago and never shown is still coming.", createdAt: now.Add(-time.Second), ready: ptr.To(xpv2.Creating()), want: true},
		"AcceptedLongAgo": {reason: "Past the visibility window a 404 means gone.", createdAt: now.Add(-Visibility - time.Second), ready: ptr.To(xpv2.Creating()), want: false},
		"SeenReady":       {reason: "Once Ready, a 404 means it was deleted behind our back.", createdAt: now.Add(-time.Second), ready: ptr.To(xpv2.Available()), want: false},
		"DeleteSent":      {reason: "After the DELETE was sent, a 404 means the delete finished.", createdAt: now.Add(-time.Second), ready: ptr.To(xpv2.Deleting()), want: false},
		"WaitingToDelete": {reason: "A delete that sent nothing, waiting for the create to show, keeps waiting: the reconciler marks it Deleting all the same.", createdAt: now.Add(-time.Second), ready: ptr.To(xpv2.Deleting()), synced: WaitToDelete(context.Background(), "database"), want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := &v1alpha1.Account{}
			if !tc.createdAt.IsZero() {
				meta.SetExternalCreateSucceeded(a, tc.createdAt)
			}
			if tc.ready != nil {
				a.SetConditions(*tc.ready)
			}
			if tc.synced != nil {
				a.SetConditions(xpv2.ReconcileError(tc.synced))
			}
			if got := Pending(a); got != tc.want {
				t.Errorf("%s\nPending() = %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestNotShown(t *testing.T) {
	cases := map[string]struct {
		reason  string
		deleted bool
		want    xpv2.ConditionReason
	}{
		"Creating": {reason: "A resource not being deleted says it waits for its create.", want: xpv2.ReasonCreating},
		"Deleting": {reason: "A resource being deleted keeps its conditions: its Delete says what it waits for.", deleted: true, want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := &v1alpha1.Account{}
			if tc.deleted {
				a.SetDeletionTimestamp(&metav1.Time{Time: time.Now()})
			}
			obs := NotShown(a, "account")
			if !obs.ResourceExists || !obs.ResourceUpToDate {
				t.Errorf("%s\nobservation %+v: want existing and up to date", tc.reason, obs)
			}
			if diff := cmp.Diff(tc.want, a.GetCondition(xpv2.TypeReady).Reason); diff != "" {
				t.Errorf("%s\nReady reason: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
