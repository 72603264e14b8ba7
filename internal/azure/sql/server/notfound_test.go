package server

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
)

// nameAPI answers checkNameAvailability and counts the calls; nothing else
// may be called.
type nameAPI struct {
	API
	available bool
	checks    int
}

func (a *nameAPI) CheckNameAvailability(context.Context, armsql.CheckNameAvailabilityRequest, *armsql.ServersClientCheckNameAvailabilityOptions) (armsql.ServersClientCheckNameAvailabilityResponse, error) {
	a.checks++
	r := armsql.ServersClientCheckNameAvailabilityResponse{}
	r.Available = ptr.To(a.available)
	if !a.available {
		r.Reason = ptr.To(armsql.CheckNameAvailabilityReasonAlreadyExists)
	}
	return r, nil
}

func TestNotFound(t *testing.T) {
	cases := map[string]struct {
		reason     string
		accepted   time.Duration // how long ago Azure accepted the create; 0 for never
		ready      bool
		taken      bool // the name-taken annotation names the server
		available  bool
		wantExists bool
		wantErr    bool
		wantChecks int
	}{
		"JustAccepted": {
			reason:   "A 404 soon after Azure accepted the create is a server Azure has not shown yet: it exists, and nothing is created again.",
			accepted: 10 * time.Second, wantExists: true,
		},
		"NeverCreated": {
			reason: "A 404 before any create is no server: create it.",
		},
		"GoneAfterReady": {
			reason:   "A server that was Ready and is now missing is gone, even soon after the create; its name is still free.",
			accepted: 10 * time.Second, ready: true, available: true, wantChecks: 1,
		},
		"FailedCreateNameTaken": {
			reason:   "Long after an accepted create that never showed, a taken name means Azure failed the create for it: say so, create nothing.",
			accepted: 10 * time.Minute, wantErr: true, wantChecks: 1,
		},
		"RefusedName": {
			reason: "A name refused at create time is checked (a read), and still taken is an error.",
			taken:  true, wantErr: true, wantChecks: 1,
		},
		"RefusedNameFreed": {
			reason: "A refused name that became free is created.",
			taken:  true, available: true, wantChecks: 1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cr := &v1alpha1.Server{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}}
			meta.SetExternalName(cr, "s")
			if tc.accepted != 0 {
				meta.SetExternalCreateSucceeded(cr, time.Now().Add(-tc.accepted))
			}
			if tc.ready {
				cr.SetConditions(xpv2.Available())
			}
			if tc.taken {
				meta.AddAnnotations(cr, map[string]string{AnnotationNameTaken: "s"})
			}
			api := &nameAPI{available: tc.available}
			e := &external{api: api}
			obs, err := e.notFound(context.Background(), cr, "s")
			got := map[string]any{"exists": obs.ResourceExists, "err": err != nil, "checks": api.checks}
			want := map[string]any{"exists": tc.wantExists, "err": tc.wantErr, "checks": tc.wantChecks}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s (error %v)", tc.reason, diff, err)
			}
		})
	}
}
