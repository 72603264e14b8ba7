package v1alpha1

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// Package type metadata.
const (
	Group   = "storage.azure.stowage.dev"
	Version = "v1alpha1"
)

var (
	// SchemeGroupVersion is group version used to register these objects.
	SchemeGroupVersion = schema.GroupVersion{Group: Group, Version: Version}

	// SchemeBuilder is used to add go types to the GroupVersionKind scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: SchemeGroupVersion}

	// AddToScheme adds the types in this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Account type metadata.
var (
	AccountKind             = reflect.TypeOf(Account{}).Name()
	AccountGroupKind        = schema.GroupKind{Group: Group, Kind: AccountKind}.String()
	AccountGroupVersionKind = SchemeGroupVersion.WithKind(AccountKind)
)

// Container type metadata.
var (
	ContainerKind             = reflect.TypeOf(Container{}).Name()
	ContainerGroupKind        = schema.GroupKind{Group: Group, Kind: ContainerKind}.String()
	ContainerGroupVersionKind = SchemeGroupVersion.WithKind(ContainerKind)
)

func init() {
	SchemeBuilder.Register(&Account{}, &AccountList{}, &Container{}, &ContainerList{})
}
