// Command localclouds runs the project's own local clouds (the ARM emulator
// today; Google's later) on loopback addresses for the sandbox and the
// benchmarks. Each cloud registers itself in its own file of this package
// with the flags it takes; every cloud also serves its fault-injection
// switch under /_stowage/faults (GET stats, PUT faults, DELETE to clear) and
// a state reset under /_stowage/reset (POST).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

// A started cloud: what to serve, and how to reset it.
type started struct {
	handler  http.Handler
	injector *fault.Injector
	reset    func()
}

// A cloud is one local cloud: its name, the flag holding its listen address
// (empty: not started) and how to start it once flags are parsed.
type cloud struct {
	name  string
	addr  *string
	start func() (started, error)
}

// clouds are registered by each cloud's file in init.
var clouds []cloud

// provisioningDelay is how long every local cloud's long-running operations
// take (ARM provisioning, Cloud SQL operations).
var provisioningDelay = flag.Duration("provisioning-delay", 2*time.Second, "How long the local clouds' long-running operations take.")

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var servers []*http.Server
	for _, c := range clouds {
		if *c.addr == "" {
			continue
		}
		s, err := c.start()
		if err != nil {
			log.Fatalf("%s: %v", c.name, err)
		}
		l, err := net.Listen("tcp", *c.addr)
		if err != nil {
			log.Fatalf("%s: %v", c.name, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/_stowage/faults", s.injector.ControlHandler())
		mux.HandleFunc("POST /_stowage/reset", func(w http.ResponseWriter, _ *http.Request) {
			s.reset()
			s.injector.Clear()
			w.WriteHeader(http.StatusNoContent)
		})
		mux.Handle("/", s.handler)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Fatalf("%s: %v", c.name, err)
			}
		}()
		// The sandbox reads these lines to find the clouds.
		fmt.Printf("%s http://%s\n", c.name, l.Addr())
	}
	if len(servers) == 0 {
		log.Fatal("no cloud to run: set at least one --<cloud>-addr")
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(sctx)
	}
}
