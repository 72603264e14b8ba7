//go:build generate

// Code generation for every API group: `make generate` builds the pinned tools
// from hack/tools into bin/ and runs this file.

// Remove existing CRDs so deleted kinds disappear too.
//go:generate rm -rf ../package/crds

// Deepcopy method sets and CRD manifests.
//go:generate ../bin/controller-gen object:headerFile=../hack/boilerplate.go.txt paths=./... crd:crdVersions=v1 output:artifacts:config=../package/crds

// crossplane-runtime method sets (resource.ModernManaged, ProviderConfig, usages).
//go:generate ../bin/angryjet generate-methodsets --header-file=../hack/boilerplate.go.txt ./...

package apis
