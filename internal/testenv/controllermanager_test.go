package testenv

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// The local control plane deletes like a real cluster: the garbage collector
// removes dependents of a deleted owner, and a deleted namespace is emptied
// and goes away. Tests of Retain and cascades rely on both.
func TestControlPlaneDeletesLikeACluster(t *testing.T) {
	env, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	c := env.Client

	ns, err := env.Namespace(ctx, "kcm")
	if err != nil {
		t.Fatal(err)
	}
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "owner"}}
	if err := c.Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	dependent := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dependent"}}
	if err := controllerutil.SetControllerReference(owner, dependent, env.Scheme); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, dependent); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if err := WaitGone(ctx, c, dependent, time.Minute); err != nil {
		t.Errorf("garbage collector: %v", err)
	}

	kept := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kept"}}
	if err := c.Create(ctx, kept); err != nil {
		t.Fatal(err)
	}
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	start := time.Now()
	if err := c.Delete(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := WaitGone(ctx, c, n, time.Minute); err != nil {
		t.Errorf("namespace controller: %v", err)
	}
	t.Logf("namespace deleted in %s", time.Since(start).Round(100*time.Millisecond))
}
