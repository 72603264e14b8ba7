package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	ctrl "sigs.k8s.io/controller-runtime"
)

// A Harness is what an integration test package runs against: an API server
// with the CRDs and kube-controller-manager, any mix of local clouds each
// behind a call counter (which the provider configs point at), and a manager
// running the controllers.
type Harness struct {
	Env *Env
	// Clouds by name (aws, azure, gcp).
	Clouds map[string]*Cloud

	stops []func()
}

// StartHarness starts clouds, the control plane and the controllers setup
// adds, polling every poll.
func StartHarness(poll time.Duration, setup func(ctrl.Manager, controller.Options) error, clouds ...LocalCloud) (*Harness, error) {
	h := &Harness{Clouds: map[string]*Cloud{}}
	for _, lc := range clouds {
		c, err := StartCloud(context.Background(), lc)
		if err != nil {
			h.Stop()
			return nil, err
		}
		h.Clouds[lc.Name()] = c
		h.stops = append(h.stops, c.Stop)
	}
	var err error
	if h.Env, err = Start(); err != nil {
		h.Stop()
		return nil, err
	}
	h.stops = append(h.stops, func() { _ = h.Env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	// The manager stops before the API server, so it exits quietly.
	h.stops = append(h.stops, cancel)
	if err := h.Env.StartManager(ctx, poll, setup); err != nil {
		h.Stop()
		return nil, err
	}
	return h, nil
}

// Stop ends everything StartHarness started, last started first.
func (h *Harness) Stop() {
	for i := len(h.stops) - 1; i >= 0; i-- {
		h.stops[i]()
	}
	h.stops = nil
}

// An AWSHarness is a Harness with moto, for the AWS test packages.
type AWSHarness struct {
	*Harness
	Moto    *Moto
	Counter *CallCounter
}

// StartAWS starts everything an AWS integration test needs, with the
// controllers setup adds polling every poll.
func StartAWS(poll time.Duration, setup func(ctrl.Manager, controller.Options) error) (*AWSHarness, error) {
	m := &Moto{}
	h, err := StartHarness(poll, setup, m)
	if err != nil {
		return nil, err
	}
	return &AWSHarness{Harness: h, Moto: m, Counter: h.Clouds[m.Name()].Counter}, nil
}

// motoCredentials sign requests the way moto accepts.
var motoCredentials = credentials.NewStaticCredentialsProvider("testing", "testing", "")

// S3 is a client that talks to moto directly, behind the provider's back.
func (h *AWSHarness) S3() *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(h.Moto.URL), UsePathStyle: true, Credentials: motoCredentials})
}

// RDS is a client that talks to moto directly, behind the provider's back.
func (h *AWSHarness) RDS() *rds.Client {
	return rds.New(rds.Options{Region: "us-east-1", BaseEndpoint: aws.String(h.Moto.URL), Credentials: motoCredentials})
}

// TestNamespace makes a namespace for one test, named after prefix, with a
// ProviderConfig "default" pointing at moto through the call counter. The
// returned context ends with the test or after timeout.
func (h *AWSHarness) TestNamespace(t *testing.T, prefix string, timeout time.Duration) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ns, err := h.Env.Namespace(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := AWSProviderConfig(ctx, h.Env.Client, ns, "default", h.Counter.URL); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}
