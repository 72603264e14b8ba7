package v1alpha1

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// Package type metadata.
const (
	Group   = "dbformysql.azure.stowage.dev"
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

// FlexibleServer type metadata.
var (
	FlexibleServerKind             = reflect.TypeOf(FlexibleServer{}).Name()
	FlexibleServerGroupKind        = schema.GroupKind{Group: Group, Kind: FlexibleServerKind}.String()
	FlexibleServerGroupVersionKind = SchemeGroupVersion.WithKind(FlexibleServerKind)
)

// Database type metadata.
var (
	DatabaseKind             = reflect.TypeOf(Database{}).Name()
	DatabaseGroupKind        = schema.GroupKind{Group: Group, Kind: DatabaseKind}.String()
	DatabaseGroupVersionKind = SchemeGroupVersion.WithKind(DatabaseKind)
)

func init() {
	SchemeBuilder.Register(&FlexibleServer{}, &FlexibleServerList{}, &Database{}, &DatabaseList{})
}
