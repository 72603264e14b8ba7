package ownership

import (
	"context"
	"sync"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// A ClusterID tells which cluster Stowage runs in.
type ClusterID interface {
	ID(ctx context.Context) (string, error)
}

// A ClusterIDFn is a ClusterID function.
type ClusterIDFn func(ctx context.Context) (string, error)

// ID calls fn.
func (fn ClusterIDFn) ID(ctx context.Context) (string, error) { return fn(ctx) }

// A Cluster identifies the cluster by the UID of its kube-system namespace,
// which lives as long as the cluster and is never reused.
type Cluster struct {
	reader client.Reader

	mu sync.Mutex
	id string
}

// NewCluster reads the cluster identity through reader. Pass an uncached
// reader (mgr.GetAPIReader()): the identity is read once, and a cache would
// start a watch on every namespace for it.
func NewCluster(reader client.Reader) *Cluster {
	return &Cluster{reader: reader}
}

// ID is the UID of the kube-system namespace. Only a successful read is
// remembered, so a failed one is retried next time.
func (c *Cluster) ID(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.id != "" {
		return c.id, nil
	}
	ns := &corev1.Namespace{}
	if err := c.reader.Get(ctx, types.NamespacedName{Name: "kube-system"}, ns); err != nil {
		return "", errors.Wrap(err, "cannot read the kube-system namespace, whose UID identifies this cluster in owner tags")
	}
	if ns.UID == "" {
		return "", errors.New("the kube-system namespace has no UID")
	}
	c.id = string(ns.UID)
	return c.id, nil
}
