package mrsetup

import (
	"testing"
	"time"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	s3v1alpha1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
)

func TestJitteredPoll(t *testing.T) {
	poll := time.Minute
	ready := &s3v1alpha1.Bucket{}
	ready.SetConditions(xpv2.Available())
	for range 100 {
		if d := jitteredPoll(ready, poll); d > poll || d < poll*9/10 {
			t.Fatalf("Ready: poll in %v, want within the last tenth of %v", d, poll)
		}
	}

	young := &s3v1alpha1.Bucket{}
	young.SetCreationTimestamp(metav1.NewTime(time.Now().Add(-3 * time.Second)))
	if d := jitteredPoll(young, poll); d > time.Second {
		t.Errorf("created 3s ago, not Ready: poll in %v, want at most a second", d)
	}

	creating := &s3v1alpha1.Bucket{}
	creating.SetCreationTimestamp(metav1.NewTime(time.Now().Add(-time.Hour)))
	c := xpv2.Creating()
	c.LastTransitionTime = metav1.NewTime(time.Now().Add(-100 * time.Second))
	creating.SetConditions(c)
	if d := jitteredPoll(creating, poll); d > 10*time.Second || d < 9*time.Second {
		t.Errorf("not Ready for 100s: poll in %v, want about 10s", d)
	}

	old := &s3v1alpha1.Bucket{}
	old.SetCreationTimestamp(metav1.NewTime(time.Now().Add(-time.Hour)))
	if d := jitteredPoll(old, poll); d < poll*9/10 {
		t.Errorf("not Ready for an hour: poll in %v, want the poll interval", d)
	}
}
