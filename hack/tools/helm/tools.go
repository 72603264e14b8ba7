//go:build tools

// Package tools pins helm, which the chart tests render with, in a module of
// its own: its k8s.io versions move independently of the code generators'.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
