package main

import (
	"flag"

	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/localcloud/fault"
)

func init() {
	addr := flag.String("azure-addr", "", "Listen address of the local Azure Resource Manager, e.g. 127.0.0.1:8790 (empty: not started).")
	reserved := flag.String("azure-reserved-storage-account", "", "A storage account name to treat as taken in another subscription (for trying the name-taken path).")
	clouds = append(clouds, cloud{name: "azure", addr: addr, start: func() (started, error) {
		s := arm.New(arm.Options{ProvisioningDelay: *provisioningDelay})
		reserve := func() {
			if *reserved != "" {
				s.Reserve(arm.StorageAccountType, *reserved)
			}
		}
		reserve()
		inj := fault.New(s, arm.Responder{})
		return started{handler: inj, injector: inj, reset: func() { s.Reset(); reserve() }}, nil
	}})
}
