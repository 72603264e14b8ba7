package main

import (
	"flag"

	"github.com/stowage-dev/stowage/internal/localcloud/cloudsql"
)

func init() {
	addr := flag.String("sqladmin-addr", "", "Listen address of the local Cloud SQL Admin API, e.g. 127.0.0.1:4582 (empty: not started).")
	clouds = append(clouds, cloud{name: "cloudsql", addr: addr, start: func() (started, error) {
		c := cloudsql.New(cloudsql.Options{OperationDelay: *provisioningDelay})
		return started{handler: c, injector: c.Injector, reset: c.Reset}, nil
	}})
}
