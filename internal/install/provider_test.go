package install_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestProviderStarts builds cmd/provider and runs it, with the chart's
// default arguments, against a real API server: it must become ready and
// start its controllers. Everything else tests the controllers through
// internal/controller; this is the binary users install.
func TestProviderStarts(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	user, err := env.Env().AddUser(envtest.User{Name: "provider", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "provider")
	if out, err := exec.Command("go", "build", "-tags=grpcnotrace", "-o", bin, filepath.Join(root, "cmd", "provider")).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	metricsPort, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	probePort, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs strings.Builder
	cmd := exec.CommandContext(ctx, bin, "--poll=1m", "--sync=1h", "--drift-check-interval=10m", "--kube-api-qps=500", "--kube-api-burst=1000", "--poll-state-metric=5s",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort), fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", probePort))
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := sync.OnceFunc(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	defer stop()

	// Ready, and its controllers started: the safe-start gate saw the CRDs
	// and every managed resource controller reports a reconcile metric.
	err = testenv.Eventually(ctx, time.Minute, func() error {
		select {
		case <-exited:
			return fmt.Errorf("the provider exited: %v", waitErr)
		default:
		}
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", probePort))
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		resp, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		var b strings.Builder
		if _, err := io.Copy(&b, resp.Body); err != nil {
			return err
		}
		for _, c := range []string{"managed/bucket.s3.aws.stowage.dev", "managed/flexibleserver.dbforpostgresql.azure.stowage.dev", "managed/instance.sql.gcp.stowage.dev", "claims/databaseclaim", "claims/bucketclaim"} {
			if !strings.Contains(b.String(), `controller_runtime_active_workers{controller="`+c+`"}`) {
				return fmt.Errorf("controller %s has not started", c)
			}
		}
		return nil
	})
	if err != nil {
		stop() // so the logs are complete and no longer written
		t.Fatalf("%v\nprovider logs:\n%s", err, logs.String())
	}
}
