package testenv

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"google.golang.org/api/option"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gcpv1alpha1 "github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	"github.com/stowage-dev/stowage/internal/localcloud/gcs"
)

// GCSProject is the project the local Cloud Storage's provider configs name.
const GCSProject = "stowage-local"

// GCS is the local Google Cloud Storage (fake-gcs-server in process, see
// internal/localcloud/gcs) as a LocalCloud. It is a cloud of its own beside
// the local Cloud SQL Admin ("gcp"): a provider config points at both
// through spec.endpoints.
type GCS struct {
	// Server is the local Cloud Storage; its Faults inject throttling.
	Server *gcs.Server
	URL    string
	srv    *http.Server
}

var _ LocalCloud = &GCS{}

// Name of the local cloud.
func (g *GCS) Name() string { return "gcs" }

// Start serves the local Cloud Storage on a free loopback port.
func (g *GCS) Start(context.Context) (string, error) {
	s, err := gcs.New()
	if err != nil {
		return "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Stop()
		return "", err
	}
	g.Server, g.URL = s, "http://"+l.Addr().String()
	g.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = g.srv.Serve(l) }()
	return g.URL, nil
}

// Reset drops every bucket and object.
func (g *GCS) Reset(context.Context) error { return g.Server.Reset() }

// Stop the server.
func (g *GCS) Stop() {
	if g.srv != nil {
		_ = g.srv.Close()
	}
	if g.Server != nil {
		g.Server.Stop()
	}
}

// IsWrite judges Cloud Storage calls by method: the JSON API is REST.
func (g *GCS) IsWrite(r *http.Request, c Call) bool { return MethodIsWrite(r, c) }

// Storage is a Cloud Storage client of the local cloud itself, behind the
// provider's back; it does not retry, so a test sees errors as they are.
func (g *GCS) Storage(ctx context.Context) (*storage.Client, error) {
	c, err := storage.NewClient(ctx, option.WithEndpoint(g.URL+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		return nil, err
	}
	c.SetRetry(storage.WithMaxAttempts(1))
	return c, nil
}

// GCSProviderConfig creates a ProviderConfig named name in ns that reaches
// the Cloud Storage at endpoint without credentials, in project
// GCSProject and region region.
func GCSProviderConfig(ctx context.Context, c client.Client, ns, name, endpoint, region string) error {
	return c.Create(ctx, &gcpv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID:   GCSProject,
			Region:      region,
			Credentials: gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceNone},
			Endpoints:   &gcpv1alpha1.Endpoints{Storage: endpoint},
		},
	})
}

// A GCSHarness is a Harness with the local Cloud Storage, for the Cloud
// Storage test packages.
type GCSHarness struct {
	*Harness
	GCS     *GCS
	Counter *CallCounter
}

// StartGCS starts everything a Cloud Storage integration test needs, with
// the controllers setup adds polling every poll.
func StartGCS(poll time.Duration, setup func(ctrl.Manager, controller.Options) error) (*GCSHarness, error) {
	g := &GCS{}
	h, err := StartHarness(poll, setup, g)
	if err != nil {
		return nil, err
	}
	c, ok := h.Clouds[g.Name()]
	if !ok {
		h.Stop()
		return nil, errors.New("the local Cloud Storage did not start")
	}
	return &GCSHarness{Harness: h, GCS: g, Counter: c.Counter}, nil
}

// TestNamespace makes a namespace for one test, named after prefix, with a
// ProviderConfig "default" pointing at the local Cloud Storage through the
// call counter, in region europe-west1. The returned context ends with the
// test or after timeout.
func (h *GCSHarness) TestNamespace(t *testing.T, prefix string, timeout time.Duration) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ns, err := h.Env.Namespace(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := GCSProviderConfig(ctx, h.Env.Client, ns, "default", h.Counter.URL, "europe-west1"); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}
