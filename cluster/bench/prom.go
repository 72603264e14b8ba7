package main

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// A sample is one series of a scrape. Histograms are flattened into their
// _bucket (with le), _count and _sum series, as the text format shows them.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

type scrape struct {
	at      time.Time
	samples []sample
}

func scrapeMetrics(url string) (scrape, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return scrape{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return scrape{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return scrape{}, fmt.Errorf("cannot parse %s: %w", url, err)
	}
	s := scrape{at: time.Now()}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			add := func(n string, extra map[string]string, v float64) {
				ll := l
				if extra != nil {
					ll = map[string]string{}
					for k, v := range l {
						ll[k] = v
					}
					for k, v := range extra {
						ll[k] = v
					}
				}
				s.samples = append(s.samples, sample{name: n, labels: ll, value: v})
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				add(name, nil, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(name, nil, m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				add(name, nil, m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					add(name+"_bucket", map[string]string{"le": formatLE(b.GetUpperBound())}, float64(b.GetCumulativeCount()))
				}
				add(name+"_bucket", map[string]string{"le": "+Inf"}, float64(h.GetSampleCount()))
				add(name+"_count", nil, float64(h.GetSampleCount()))
				add(name+"_sum", nil, h.GetSampleSum())
			}
		}
	}
	return s, nil
}

func formatLE(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// has reports whether the scrape holds any series of name.
func (s scrape) has(name string) bool {
	for _, x := range s.samples {
		if x.name == name {
			return true
		}
	}
	return false
}

// sum adds up the series of name, grouped by key (nil key: one group "").
func (s scrape) sum(name string, key func(map[string]string) string) map[string]float64 {
	out := map[string]float64{}
	for _, x := range s.samples {
		if x.name != name {
			continue
		}
		k := ""
		if key != nil {
			k = key(x.labels)
		}
		out[k] += x.value
	}
	return out
}

// delta is b − a for each group of a counter (a counter that appeared
// between the scrapes started at 0).
func delta(a, b scrape, name string, key func(map[string]string) string) map[string]float64 {
	before, after := a.sum(name, key), b.sum(name, key)
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func labelKey(names ...string) func(map[string]string) string {
	return func(l map[string]string) string {
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = l[n]
		}
		return strings.Join(parts, "\x00")
	}
}

func splitKey(k string) []string { return strings.Split(k, "\x00") }

// A histogram is the cumulative buckets of one series over an interval.
type histogram struct {
	les    []float64 // upper bounds, ascending, +Inf last
	counts []float64 // cumulative
}

// histogramDelta is the histogram name observed between a and b, per value
// of the label by.
func histogramDelta(a, b scrape, name, by string) map[string]*histogram {
	d := delta(a, b, name+"_bucket", labelKey(by, "le"))
	byKey := map[string]map[float64]float64{}
	for k, v := range d {
		p := splitKey(k)
		le, err := strconv.ParseFloat(p[1], 64)
		if err != nil {
			continue
		}
		if byKey[p[0]] == nil {
			byKey[p[0]] = map[float64]float64{}
		}
		byKey[p[0]][le] = v
	}
	// delta drops zero buckets: take the bounds from the later scrape.
	bounds := map[string][]float64{}
	for _, x := range b.samples {
		if x.name != name+"_bucket" {
			continue
		}
		if le, err := strconv.ParseFloat(x.labels["le"], 64); err == nil {
			bounds[x.labels[by]] = append(bounds[x.labels[by]], le)
		}
	}
	out := map[string]*histogram{}
	for k, m := range byKey {
		les := bounds[k]
		sort.Float64s(les)
		h := &histogram{}
		for _, le := range les {
			h.les = append(h.les, le)
			h.counts = append(h.counts, m[le])
		}
		out[k] = h
	}
	return out
}

func (h *histogram) total() float64 {
	if len(h.counts) == 0 {
		return 0
	}
	return h.counts[len(h.counts)-1]
}

// quantile interpolates linearly within the bucket holding q, as
// Prometheus's histogram_quantile does.
func (h *histogram) quantile(q float64) float64 {
	n := h.total()
	if n == 0 {
		return math.NaN()
	}
	rank := q * n
	prevLE, prevCount := 0.0, 0.0
	for i, le := range h.les {
		if h.counts[i] >= rank {
			if math.IsInf(le, 1) {
				return prevLE // beyond the last finite bound: say the bound
			}
			in := h.counts[i] - prevCount
			if in == 0 {
				return le
			}
			return prevLE + (le-prevLE)*(rank-prevCount)/in
		}
		prevLE, prevCount = le, h.counts[i]
	}
	return prevLE
}

// maxBucket is the upper bound of the highest bucket holding an
// observation (+Inf when some passed the last bound).
func (h *histogram) maxBucket() float64 {
	n := h.total()
	for i, le := range h.les {
		if h.counts[i] >= n {
			return le
		}
	}
	return math.Inf(1)
}
