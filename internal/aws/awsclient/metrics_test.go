package awsclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/cloudmetrics"
)

// answered is err as the SDK returns it for an HTTP answer with status.
func answered(status int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      err,
	}}
}

func TestOutcome(t *testing.T) {
	cases := map[string]struct {
		err  error
		want cloudmetrics.Outcome
	}{
		"Success":          {nil, cloudmetrics.Success},
		"S3SlowDown":       {answered(503, &smithy.GenericAPIError{Code: "SlowDown"}), cloudmetrics.Throttled},
		"RDSThrottling":    {answered(400, &smithy.GenericAPIError{Code: "Throttling"}), cloudmetrics.Throttled},
		"RequestLimit":     {answered(503, &smithy.GenericAPIError{Code: "RequestLimitExceeded"}), cloudmetrics.Throttled},
		"TooManyRequests":  {answered(429, errors.New("no code")), cloudmetrics.Throttled},
		"NotFound":         {answered(404, &smithy.GenericAPIError{Code: "NoSuchBucket"}), cloudmetrics.ClientError},
		"InternalError":    {answered(500, &smithy.GenericAPIError{Code: "InternalError"}), cloudmetrics.ServerError},
		"ConnectionFailed": {&smithyhttp.RequestSendError{Err: errors.New("connection refused")}, cloudmetrics.NetworkError},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, outcome(tc.err)); diff != "" {
				t.Errorf("outcome(%v): -want, +got:\n%s", tc.err, diff)
			}
		})
	}
}

// TestConfigCountsEveryAttempt checks the middleware sits where it counts
// each attempt: a SlowDown the SDK retries is counted as throttled, its
// retry as a success.
func TestConfigCountsEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
			return
		}
		_, _ = w.Write([]byte(`<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>`))
	}))
	defer srv.Close()
	spec := v1alpha1.ProviderConfigSpec{
		Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
		Endpoint:    &v1alpha1.Endpoint{URL: srv.URL},
	}
	cfg, err := newConfig(context.Background(), spec, nil, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	count := func(o cloudmetrics.Outcome) float64 {
		return testutil.ToFloat64(cloudmetrics.Requests.WithLabelValues(cloudmetrics.AWS, "S3", "ListBuckets", string(o)))
	}
	throttled, success := count(cloudmetrics.Throttled), count(cloudmetrics.Success)
	if _, err := client.ListBuckets(context.Background(), &s3.ListBucketsInput{}); err != nil {
		t.Fatal(err)
	}
	got := []float64{count(cloudmetrics.Throttled) - throttled, count(cloudmetrics.Success) - success}
	if diff := cmp.Diff([]float64{1, 1}, got); diff != "" {
		t.Errorf("throttled and successful attempts counted: -want, +got:\n%s", diff)
	}
}
