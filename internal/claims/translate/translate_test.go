package translate_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsclaims "github.com/stowage-dev/stowage/internal/aws/claims"
	"github.com/stowage-dev/stowage/internal/claims/translate"
)

func TestRegistry(t *testing.T) {
	r := &translate.Registry{}
	if _, ok := r.Database("aws"); ok {
		t.Fatal("empty registry has an aws translation")
	}
	awsclaims.Register(r)
	if _, ok := r.Database("aws"); !ok {
		t.Error("no aws database translation after Register")
	}
	if _, ok := r.Bucket("aws"); !ok {
		t.Error("no aws bucket translation after Register")
	}
	if _, ok := r.Bucket("gcp"); ok {
		t.Error("a gcp bucket translation appeared")
	}
	if diff := cmp.Diff([]client.Object{&rdsv1.DBInstance{}}, r.DatabaseTypes()); diff != "" {
		t.Errorf("DatabaseTypes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]client.Object{&s3v1.Bucket{}}, r.BucketTypes()); diff != "" {
		t.Errorf("BucketTypes (-want +got):\n%s", diff)
	}
	if _, ok := translate.Default.Database("aws"); !ok {
		t.Error("importing the aws package does not register with the default registry")
	}
}
