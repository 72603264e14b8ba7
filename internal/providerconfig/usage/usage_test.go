package usage_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if env, err = testenv.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := env.StartManager(ctx, time.Minute, func(m ctrl.Manager, o controller.Options) error { return usage.Setup(m, o) }); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// TestBurstOfUsagesCountedTogether: forty usages made at once (forty claims
// applied together) are counted by a few status writes of their provider
// config, not one each, and so are their removals; the count is right at
// the end of each burst, and a provider config being deleted still waits for
// its last user.
func TestBurstOfUsagesCountedTogether(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns, err := env.Namespace(ctx, "usage")
	if err != nil {
		t.Fatal(err)
	}
	// No cloud is called: the endpoint only has to parse.
	if err := testenv.AWSProviderConfig(ctx, env.Client, ns, "default", "http://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	pc := &awsv1alpha1.ProviderConfig{}
	key := client.ObjectKey{Namespace: ns, Name: "default"}
	// Counted once before the burst: the finalizer and users 0.
	if err := testenv.Eventually(ctx, time.Minute, func() error {
		if err := env.Client.Get(ctx, key, pc); err != nil {
			return err
		}
		if len(pc.GetFinalizers()) == 0 || pc.Status.Users != 0 {
			return fmt.Errorf("provider config not counted yet: finalizers %v, users %d", pc.GetFinalizers(), pc.Status.Users)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	w, err := wc.Watch(ctx, &awsv1alpha1.ProviderConfigList{}, client.InNamespace(ns), client.MatchingFields{"metadata.name": "default"}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: pc.ResourceVersion}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// writesUntil counts the provider config's writes until its users are
	// want.
	writesUntil := func(want int64) int {
		t.Helper()
		writes := 0
		for {
			select {
			case <-ctx.Done():
				t.Fatalf("users never reached %d after %d writes", want, writes)
			case ev := <-w.ResultChan():
				if ev.Type != watch.Modified {
					continue
				}
				writes++
				if ev.Object.(*awsv1alpha1.ProviderConfig).Status.Users == want {
					return writes
				}
			}
		}
	}

	// The users: any object can control a usage; one without a controller
	// is deleted as stale.
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "user"}}
	if err := env.Client.Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var usages []*awsv1alpha1.ProviderConfigUsage
	for i := range n {
		u := &awsv1alpha1.ProviderConfigUsage{ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: fmt.Sprintf("u-%d", i),
			Labels:          map[string]string{xpv2.LabelKeyProviderName: "default", xpv2.LabelKeyProviderKind: "ProviderConfig"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)}},
		}}
		u.ProviderConfigReference = xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
		u.ResourceReference = xpv2.TypedReference{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name}
		if err := env.Client.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		usages = append(usages, u)
	}
	if got := writesUntil(n); got > 3 {
		t.Errorf("%d usages made together cost %d writes of their provider config, want at most 3", n, got)
	}

	// Deleted while in use: it waits for its last user.
	if err := env.Client.Delete(ctx, pc); err != nil {
		t.Fatal(err)
	}
	for _, u := range usages[:n-1] {
		if err := env.Client.Delete(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// The deletion is a write too, and the status it is answered with.
	if got := writesUntil(1); got > 4 {
		t.Errorf("%d usages removed together cost %d writes of their provider config, want at most 4", n-1, got)
	}
	if err := env.Client.Get(ctx, key, pc); err != nil {
		t.Fatalf("provider config with a user left is gone: %v", err)
	}
	if err := env.Client.Delete(ctx, usages[n-1]); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, pc, time.Minute); err != nil {
		t.Fatal(err)
	}
}
