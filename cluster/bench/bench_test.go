package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestIsWrite(t *testing.T) {
	cases := map[[2]string]bool{
		{"aws", "HeadBucket"}:                                       false,
		{"aws", "DescribeDBInstances"}:                              false,
		{"aws", "GetBucketTagging"}:                                 false,
		{"aws", "CreateBucket"}:                                     true,
		{"aws", "ModifyDBInstance"}:                                 true,
		{"aws", "AddTagsToResource"}:                                true,
		{"azure", "GET storageAccounts"}:                            false,
		{"azure", "POST storageAccounts/listKeys"}:                  false,
		{"azure", "PUT servers/databases"}:                          true,
		{"azure", "PATCH flexibleServers"}:                          true,
		{"gcp", "GET instances"}:                                    false,
		{"gcp", "POST b"}:                                           true,
		{"gcp", "PATCH b"}:                                          true,
		{"azure", "DELETE storageAccounts/blobServices/containers"}: true,
	}
	for c, want := range cases {
		if got := isWrite(c[0], c[1]); got != want {
			t.Errorf("isWrite(%q, %q) = %v, want %v", c[0], c[1], got, want)
		}
	}
}

func sampleOf(name string, v float64, kv ...string) sample {
	l := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return sample{name: name, labels: l, value: v}
}

func TestBudgetBound(t *testing.T) {
	req := func(n float64, service string) sample {
		return sampleOf(requestsMetric, n, "cloud", "aws", "service", service, "operation", "X", "outcome", "success")
	}
	before := scrape{samples: []sample{req(10, "S3"), req(0, "RDS")}}
	after := scrape{samples: []sample{
		req(1010, "S3"), req(300, "RDS"),
		sampleOf("stowage_cloud_budget_rate", 10, "cloud", "aws", "account", "1", "service", "S3"),
		sampleOf("stowage_cloud_budget_burst", 100, "cloud", "aws", "account", "1", "service", "S3"),
		sampleOf("stowage_cloud_budget_rate", 5, "cloud", "aws", "account", "1", "service", "RDS"),
		sampleOf("stowage_cloud_budget_burst", 100, "cloud", "aws", "account", "1", "service", "RDS"),
	}}
	r := &report{AllReadySeconds: 108}
	r.createPhase(before, after, nil, nil)
	// S3: (1000-100)/10 = 90 s; RDS: (300-100)/5 = 40 s.
	if !r.Budget.Exported || r.Budget.BoundSeconds != 90 || math.Abs(r.Budget.Ratio-1.2) > 1e-9 {
		t.Errorf("budget = %+v, want bound 90 s and ratio 1.2", r.Budget)
	}

	r = &report{AllReadySeconds: 10}
	r.createPhase(before, scrape{samples: after.samples[:2]}, nil, nil)
	if r.Budget.Exported {
		t.Errorf("budget exported without budget metrics: %+v", r.Budget)
	}
	var sb strings.Builder
	r.print(&sb)
	if !strings.Contains(sb.String(), "no budget exported") {
		t.Errorf("report does not say there is no budget:\n%s", sb.String())
	}
}

func TestPollHistogram(t *testing.T) {
	bucket := func(le string, v float64) sample {
		return sampleOf("stowage_poll_interval_seconds_bucket", v, "kind", "Bucket", "le", le)
	}
	a := scrape{at: time.Unix(0, 0), samples: []sample{bucket("30", 0), bucket("60", 0), bucket("120", 0), bucket("+Inf", 0)}}
	// 100 polls in the window: 90 at most 60 s apart, 10 at most 120 s.
	b := scrape{at: time.Unix(180, 0), samples: []sample{bucket("30", 0), bucket("60", 90), bucket("120", 100), bucket("+Inf", 100)}}
	h := histogramDelta(a, b, "stowage_poll_interval_seconds", "kind")["Bucket"]
	if h == nil || h.total() != 100 {
		t.Fatalf("histogram = %+v, want 100 observations", h)
	}
	if got := h.quantile(.5); math.Abs(got-(30+30*50.0/90)) > 1e-9 {
		t.Errorf("p50 = %v", got)
	}
	if got := h.quantile(.99); math.Abs(got-(60+60*9.0/10)) > 1e-9 {
		t.Errorf("p99 = %v", got)
	}
	if got := h.maxBucket(); got != 120 {
		t.Errorf("max bucket = %v, want 120", got)
	}
}
