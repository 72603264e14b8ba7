// Command controlplane runs a local kube-apiserver, etcd and
// kube-controller-manager (the binaries in KUBEBUILDER_ASSETS) with Stowage's
// CRDs installed, writes an admin kubeconfig, and keeps running until it
// receives SIGTERM or SIGINT. It is what `make sandbox` uses in place of a
// real cluster.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stowage-dev/stowage/internal/testenv"
)

func main() {
	kubeconfig := flag.String("write-kubeconfig", ".sandbox/kubeconfig", "Where to write the admin kubeconfig.")
	flag.Parse()

	env, err := testenv.Start()
	if err != nil {
		fail(err)
	}
	user, err := env.Env().AddUser(envtest.User{Name: "sandbox-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		fail(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*kubeconfig, kc, 0o600); err != nil {
		fail(err)
	}
	fmt.Printf("control plane ready at %s; kubeconfig %s\n", env.Config.Host, *kubeconfig)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	if err := env.Stop(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "controlplane:", err)
	os.Exit(1)
}
