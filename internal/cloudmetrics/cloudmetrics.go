// Package cloudmetrics holds the metrics of every call the provider makes to
// a cloud API. Each cloud records them in one place, where its SDK clients
// are built: an aws-sdk-go-v2 middleware (awsclient), an azcore pipeline
// policy (azureclient) and an http.RoundTripper (gcpclient).
//
// Every attempt is counted, retries included, so a throttled call the SDK
// retried shows as one throttled and one successful request.
//
// Labels are bounded: cloud, service and operation come from the API
// (S3 HeadBucket, Microsoft.Sql PUT servers/databases, sqladmin GET
// instances), never from a resource name, account, subscription or project.
package cloudmetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Clouds, as the cloud label spells them.
const (
	AWS   = "aws"
	Azure = "azure"
	GCP   = "gcp"
)

// An Outcome is how one attempt at a cloud API call ended.
type Outcome string

// Outcomes.
const (
	// Success: a 1xx-3xx answer (AWS: no error).
	Success Outcome = "success"
	// Throttled: the cloud refused the call for its rate limits: HTTP 429,
	// or an AWS throttling error code (Throttling, SlowDown,
	// RequestLimitExceeded... as the SDK's retryer counts them), whatever
	// the status code.
	Throttled Outcome = "throttled"
	// ClientError: any other 4xx, including the 404 an Observe expects for
	// a resource not created yet and the 409 of a busy resource.
	ClientError Outcome = "client_error"
	// ServerError: a 5xx.
	ServerError Outcome = "server_error"
	// NetworkError: no answer at all (connection refused or reset,
	// timeout, cancelled).
	NetworkError Outcome = "network_error"
)

var (
	// Requests counts cloud API call attempts.
	Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stowage_cloud_api_requests_total",
		Help: "Cloud API call attempts (retries included) by cloud, service, operation and outcome (success, throttled, client_error, server_error, network_error).",
	}, []string{"cloud", "service", "operation", "outcome"})

	// Duration is the latency of cloud API call attempts.
	Duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "stowage_cloud_api_request_duration_seconds",
		Help:    "Latency of cloud API call attempts, from sending the request to reading the response headers (AWS: the deserialised response).",
		Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"cloud", "service", "operation"})
)

func init() {
	// controller-runtime serves this registry on the manager's metrics
	// endpoint, next to its own and crossplane-runtime's metrics.
	metrics.Registry.MustRegister(Requests, Duration)
}

// Observe records one attempt.
func Observe(cloud, service, operation string, o Outcome, d time.Duration) {
	Requests.WithLabelValues(cloud, service, operation, string(o)).Inc()
	Duration.WithLabelValues(cloud, service, operation).Observe(d.Seconds())
}

// OfStatus is the outcome of an attempt answered with HTTP status code.
func OfStatus(code int) Outcome {
	switch {
	case code == 429:
		return Throttled
	case code >= 500:
		return ServerError
	case code >= 400:
		return ClientError
	}
	return Success
}
