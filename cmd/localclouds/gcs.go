package main

import (
	"flag"

	"github.com/stowage-dev/stowage/internal/localcloud/gcs"
)

func init() {
	addr := flag.String("gcs-addr", "", "Listen address of the local Google Cloud Storage (fake-gcs-server in process), e.g. 127.0.0.1:4443 (empty: not started).")
	clouds = append(clouds, cloud{name: "gcs", addr: addr, start: func() (started, error) {
		s, err := gcs.New()
		if err != nil {
			return started{}, err
		}
		return started{handler: s.Handler(), injector: s.Faults, reset: func() { _ = s.Reset() }}, nil
	}})
}
