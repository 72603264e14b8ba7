//go:build tools

// Package tools pins the code generators in a module of their own, so their
// dependencies never move the provider's k8s.io versions.
package tools

import (
	_ "github.com/crossplane/crossplane-tools/cmd/angryjet"
	_ "github.com/elastic/crd-ref-docs"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
