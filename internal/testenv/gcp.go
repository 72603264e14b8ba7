package testenv

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gcpv1alpha1 "github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	"github.com/stowage-dev/stowage/internal/localcloud/cloudsql"
)

// CloudSQLProject is the project the local Cloud SQL's provider configs
// name.
const CloudSQLProject = "stowage-local"

// CloudSQL is the local Cloud SQL Admin API (internal/localcloud/cloudsql)
// as a LocalCloud named gcp.
type CloudSQL struct {
	// OperationDelay is how long its operations run; see cloudsql.Options.
	OperationDelay time.Duration
	// Cloud is the local Cloud SQL; its Injector injects faults.
	Cloud *cloudsql.Cloud
	URL   string
	srv   *http.Server
}

var _ LocalCloud = &CloudSQL{}

// Name of the local cloud.
func (c *CloudSQL) Name() string { return "gcp" }

// Start serves the local Cloud SQL Admin API on a free loopback port.
func (c *CloudSQL) Start(context.Context) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	c.URL = "http://" + l.Addr().String()
	c.Cloud = cloudsql.New(cloudsql.Options{OperationDelay: c.OperationDelay})
	c.srv = &http.Server{Handler: c.Cloud, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(l) }()
	return c.URL, nil
}

// Reset drops every instance, operation and backup.
func (c *CloudSQL) Reset(context.Context) error {
	c.Cloud.Reset()
	return nil
}

// Stop the server.
func (c *CloudSQL) Stop() {
	if c.srv != nil {
		_ = c.srv.Close()
	}
}

// IsWrite judges Cloud SQL Admin calls: GET reads; POST, PATCH, PUT and
// DELETE write.
func (c *CloudSQL) IsWrite(r *http.Request, call Call) bool { return MethodIsWrite(r, call) }

// SQLAdmin is a Cloud SQL Admin client of the local cloud itself, behind
// the provider's back.
func (c *CloudSQL) SQLAdmin(ctx context.Context) (*sqladmin.Service, error) {
	return sqladmin.NewService(ctx, option.WithEndpoint(c.URL+"/"), option.WithoutAuthentication())
}

// CloudSQLProviderConfig creates a ProviderConfig named name in ns that
// reaches the Cloud SQL Admin API at endpoint without credentials, in
// project CloudSQLProject and region region.
func CloudSQLProviderConfig(ctx context.Context, c client.Client, ns, name, endpoint, region string) error {
	return c.Create(ctx, &gcpv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: gcpv1alpha1.ProviderConfigSpec{
			ProjectID:   CloudSQLProject,
			Region:      region,
			Credentials: gcpv1alpha1.Credentials{Source: gcpv1alpha1.CredentialsSourceNone},
			Endpoints:   &gcpv1alpha1.Endpoints{SQLAdmin: endpoint},
		},
	})
}

// A CloudSQLHarness is a Harness with the local Cloud SQL, for the Cloud
// SQL test packages.
type CloudSQLHarness struct {
	*Harness
	SQL     *CloudSQL
	Counter *CallCounter
}

// StartCloudSQL starts everything a Cloud SQL integration test needs: the
// local Cloud SQL with operations that take delay, and the controllers
// setup adds polling every poll.
func StartCloudSQL(poll, delay time.Duration, setup func(ctrl.Manager, controller.Options) error) (*CloudSQLHarness, error) {
	c := &CloudSQL{OperationDelay: delay}
	h, err := StartHarness(poll, setup, c)
	if err != nil {
		return nil, err
	}
	cl, ok := h.Clouds[c.Name()]
	if !ok {
		h.Stop()
		return nil, errors.New("the local Cloud SQL did not start")
	}
	return &CloudSQLHarness{Harness: h, SQL: c, Counter: cl.Counter}, nil
}

// TestNamespace makes a namespace for one test, named after prefix, with a
// ProviderConfig "default" pointing at the local Cloud SQL through the call
// counter, in region europe-west1. The returned context ends with the test
// or after timeout.
func (h *CloudSQLHarness) TestNamespace(t *testing.T, prefix string, timeout time.Duration) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ns, err := h.Env.Namespace(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := CloudSQLProviderConfig(ctx, h.Env.Client, ns, "default", h.Counter.URL+"/", "europe-west1"); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}
