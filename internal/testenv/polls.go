package testenv

import (
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Polls is how many routine polls of managed resources of kind the
// provider in this process has made (the sample count of
// stowage_poll_interval_seconds), so a test can tell how many observations
// a number of cloud calls served.
func Polls(kind string) (uint64, error) {
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != "stowage_poll_interval_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetHistogram().GetSampleCount(), nil
				}
			}
		}
	}
	return 0, nil
}
