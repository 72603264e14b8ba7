package mrsetup

import (
	"context"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
)

// TestStateRecorderListsWithoutCopies checks the client the state recorder
// is given: its lists ask the cache for its own objects, not deep copies.
func TestStateRecorderListsWithoutCopies(t *testing.T) {
	var asked bool
	c := fake.NewClientBuilder().WithScheme(stowageScheme(t)).WithInterceptorFuncs(interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			lo := &client.ListOptions{}
			lo.ApplyOptions(opts)
			asked = lo.UnsafeDisableDeepCopy != nil && *lo.UnsafeDisableDeepCopy
			return c.List(ctx, list, opts...)
		},
	}).Build()
	if err := (uncopiedLists{c}).List(context.Background(), &s3v1.BucketList{}, client.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	if !asked {
		t.Fatal("the state recorder's list asks for deep copies of every cached resource")
	}
}
