package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MotoInstall tells a person how to get moto_server.
const MotoInstall = "moto_server not found on PATH: install moto 5.2.1 with its server extras, e.g. `pip install 'moto[server]==5.2.1'` (or `make moto`)"

// Moto is a moto_server process, the local AWS (S3, RDS) the AWS tests use.
type Moto struct {
	URL string
	cmd *exec.Cmd
}

var _ LocalCloud = &Moto{}

// Name of the cloud moto stands in for.
func (m *Moto) Name() string { return "aws" }

// Start moto_server; see StartMoto.
func (m *Moto) Start(ctx context.Context) (string, error) {
	started, err := StartMoto(ctx)
	if err != nil {
		return "", err
	}
	*m = *started
	return m.URL, nil
}

// IsWrite judges AWS calls: the Query protocol (RDS) sends every call as a
// POST, so its Action decides (Describe* and List* only read); REST (S3)
// goes by method.
func (m *Moto) IsWrite(r *http.Request, c Call) bool {
	if a := c.Action(); a != "" {
		return !strings.HasPrefix(a, "Describe") && !strings.HasPrefix(a, "List")
	}
	return MethodIsWrite(r, c)
}

// MotoEnv is the environment moto_server runs with wherever the project
// starts it (tests, sandbox, bench). Moto takes an automated snapshot of
// every new DB instance and counts it against its manual-snapshot quota
// (MOTO_RDS_SNAPSHOT_LIMIT, 1,000): the 1,001st CreateDBInstance stores the
// instance, then fails with SnapshotQuotaExceeded. In RDS automated backups
// do not count against that quota, so it is lifted.
var MotoEnv = []string{"MOTO_RDS_SNAPSHOT_LIMIT=1000000000"}

// StartMoto starts moto_server on a free loopback port and waits until it
// answers. It fails, never skips, when moto is not installed.
func StartMoto(ctx context.Context) (*Moto, error) {
	bin := os.Getenv("MOTO_SERVER")
	if bin == "" {
		p, err := exec.LookPath("moto_server")
		if err != nil {
			return nil, errors.New(MotoInstall)
		}
		bin = p
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), MotoEnv...)
	cmd.Stdout, cmd.Stderr = nil, nil
	// Its own process group, so Stop also ends the workers it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start moto_server: %w", err)
	}
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	if err := waitHTTP(ctx, m.URL+"/moto-api/", 60*time.Second); err != nil {
		m.Stop()
		return nil, fmt.Errorf("moto_server did not start: %w", err)
	}
	return m, nil
}

// Reset drops every resource moto holds.
func (m *Moto) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Stop ends moto_server.
func (m *Moto) Stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		_ = m.cmd.Wait()
	}
}

// FreePort returns a loopback TCP port nothing listens on.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return last
}
