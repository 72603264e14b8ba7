package testenv

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Polls is how many routine polls of managed resources of kind the
// provider in this process has made (the sample count of
// stowage_poll_interval_seconds), so a test can tell how many observations
// a number of cloud calls served.
func Polls(kind string) (uint64, error) {
	v, err := byKind("stowage_poll_interval_seconds", kind)
	return uint64(v), err
}

// Served is how many observations of kind the provider's shared listings
// have served so far (stowage_cloud_listing_observations_total).
func Served(t *testing.T, kind string) float64 {
	t.Helper()
	v, err := byKind("stowage_cloud_listing_observations_total", kind)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// byKind is the value of the series of metric name whose kind label is
// kind: a counter's value or a histogram's sample count; 0 if none.
func byKind(name, kind string) (float64, error) {
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "kind" || l.GetValue() != kind {
					continue
				}
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount()), nil
				}
				return m.GetCounter().GetValue(), nil
			}
		}
	}
	return 0, nil
}
