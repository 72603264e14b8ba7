package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// controllerManagerControllers are the kube-controller-manager controllers
// the local control plane runs: the garbage collector (owner references,
// foreground and background cascades) and the namespace controller (a
// deleted namespace is emptied and removed). With them, deleting a claim, a
// managed resource or a whole namespace behaves as on a real cluster.
var controllerManagerControllers = "garbage-collector-controller,namespace-controller"

// A controllerManager is a running kube-controller-manager.
type controllerManager struct {
	cmd  *exec.Cmd
	dir  string
	done chan error
}

// startControllerManager runs kube-controller-manager from assets against
// env's API server, as a cluster administrator. Its log goes to a file in a
// temporary directory, or to stderr with TEST_DEBUG set.
func startControllerManager(env *envtest.Environment, assets string) (*controllerManager, error) {
	bin := filepath.Join(assets, "kube-controller-manager")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("KUBEBUILDER_ASSETS=%s has no kube-controller-manager: run `make control-plane` to build it", assets)
	}
	user, err := env.AddUser(envtest.User{Name: "system:kube-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot add a kube-controller-manager user: %w", err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "stowage-kcm-")
	if err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--kubeconfig="+kubeconfig,
		"--controllers="+controllerManagerControllers,
		"--leader-elect=false",
		// No serving endpoint: nothing scrapes it, and it would need a port.
		"--secure-port=0",
		// Namespaces are emptied as soon as they are deleted; this is only the
		// resync of namespaces whose teardown is waiting on finalizers.
		"--namespace-sync-period=2s",
	)
	if os.Getenv("TEST_DEBUG") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	} else {
		log, err := os.Create(filepath.Join(dir, "kube-controller-manager.log"))
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = log, log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start kube-controller-manager: %w", err)
	}
	cm := &controllerManager{cmd: cmd, dir: dir, done: make(chan error, 1)}
	go func() { cm.done <- cmd.Wait() }()
	return cm, nil
}

// Stop asks kube-controller-manager to exit and waits for it.
func (cm *controllerManager) Stop() error {
	if cm == nil {
		return nil
	}
	defer os.RemoveAll(cm.dir)
	_ = cm.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-cm.done:
		return nil
	case <-time.After(10 * time.Second):
		_ = cm.cmd.Process.Kill()
		<-cm.done
		return errors.New("kube-controller-manager did not exit on SIGTERM; killed it")
	}
}
