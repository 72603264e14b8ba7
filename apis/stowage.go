// Package apis contains every Stowage API group.
package apis

import (
	"k8s.io/apimachinery/pkg/runtime"

	rdsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1alpha1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	azuremysqlv1alpha1 "github.com/stowage-dev/stowage/apis/azure/dbformysql/v1alpha1"
	azurepostgresv1alpha1 "github.com/stowage-dev/stowage/apis/azure/dbforpostgresql/v1alpha1"
	azureresourcesv1alpha1 "github.com/stowage-dev/stowage/apis/azure/resources/v1alpha1"
	azuresqlv1alpha1 "github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	azurestoragev1alpha1 "github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	azurev1alpha1 "github.com/stowage-dev/stowage/apis/azure/v1alpha1"
	databasev1alpha1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	gcpsqlv1alpha1 "github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	gcpstoragev1alpha1 "github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	gcpv1alpha1 "github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
	storagev1alpha1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
)

// AddToSchemes may be used to add all resources defined in the project to a Scheme.
var AddToSchemes = runtime.SchemeBuilder{
	awsv1alpha1.AddToScheme,
	azurev1alpha1.AddToScheme,
	azureresourcesv1alpha1.AddToScheme,
	azuresqlv1alpha1.AddToScheme,
	azurestoragev1alpha1.AddToScheme,
	azurepostgresv1alpha1.AddToScheme,
	azuremysqlv1alpha1.AddToScheme,
	gcpv1alpha1.AddToScheme,
	gcpstoragev1alpha1.AddToScheme,
	gcpsqlv1alpha1.AddToScheme,
	rdsv1alpha1.AddToScheme,
	s3v1alpha1.AddToScheme,
	databasev1alpha1.AddToScheme,
	storagev1alpha1.AddToScheme,
}

// AddToScheme adds all Resources to the Scheme.
func AddToScheme(s *runtime.Scheme) error {
	return AddToSchemes.AddToScheme(s)
}
