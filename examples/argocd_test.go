package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/stowage-dev/stowage/internal/testenv"
)

func argoChecks(t *testing.T) testenv.ArgoCDHealthChecks {
	t.Helper()
	h, err := testenv.LoadArgoCDHealthChecks(filepath.Join("argocd", "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestArgoCDHealthChecksCoverStowage checks that the argocd-cm patch gives
// every claim and managed resource kind in package/crds a health check, and
// none to classes and provider configs (they report no Ready), and that
// every script in it is health.lua as shipped next to it.
func TestArgoCDHealthChecksCoverStowage(t *testing.T) {
	h := argoChecks(t)
	lua, err := os.ReadFile(filepath.Join("argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	for pattern, script := range h {
		if diff := cmp.Diff(string(lua), script); diff != "" {
			t.Errorf("argocd-cm.yaml's script for %s is not argocd/health.lua (-file +configmap):\n%s", pattern, diff)
		}
	}
	files, err := filepath.Glob(filepath.Join("..", "package", "crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in package/crds: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(data, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		group, kind := crd.Spec.Group, crd.Spec.Names.Kind
		managed := strings.Count(group, ".") == 3 // e.g. rds.aws.stowage.dev
		claim := strings.HasSuffix(kind, "Claim")
		_, covered := h.For(group, kind)
		if want := managed || claim; covered != want {
			t.Errorf("%s/%s: has a health check %t, want %t", group, kind, covered, want)
		}
	}
}

func object(y string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		panic(err)
	}
	return u
}

// TestArgoCDHealth runs the shipped health check on crafted objects for each
// state (internal/claims runs it on real claims and managed resources).
func TestArgoCDHealth(t *testing.T) {
	h := argoChecks(t)
	const mr = "apiVersion: rds.aws.stowage.dev/v1alpha1\nkind: DBInstance\nmetadata: {name: db, namespace: shop, generation: 2}\n"
	const claim = "apiVersion: database.stowage.dev/v1alpha1\nkind: DatabaseClaim\nmetadata: {name: orders, namespace: shop, generation: 3}\n"
	cases := map[string]struct {
		obj  string
		want testenv.ArgoCDHealth
	}{
		"NoStatusYet": {
			obj:  mr + "spec: {forProvider: {engine: postgres}}\n",
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "Waiting for the controller to report status"},
		},
		"Creating": {
			obj: mr + `status:
  conditions:
  - {type: Ready, status: "False", reason: Creating, message: "RDS status: creating"}
  - {type: Synced, status: "True", reason: ReconcileSuccess, observedGeneration: 2}
`,
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "RDS status: creating"},
		},
		"Ready": {
			obj: mr + `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess, observedGeneration: 2}
`,
			want: testenv.ArgoCDHealth{Status: "Healthy", Message: "Available"},
		},
		"ReadyButSpecNotActedOn": {
			obj: mr + `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess, observedGeneration: 1}
`,
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "Waiting for the controller to act on generation 2"},
		},
		"NotSynced": {
			obj: mr + `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "False", reason: ReconcileError, message: "cannot update: InvalidParameterCombination", observedGeneration: 2}
`,
			want: testenv.ArgoCDHealth{Status: "Degraded", Message: "cannot update: InvalidParameterCombination"},
		},
		"Unavailable": {
			obj: mr + `status:
  conditions:
  - {type: Ready, status: "False", reason: Unavailable, message: "RDS status: storage-full"}
  - {type: Synced, status: "True", reason: ReconcileSuccess, observedGeneration: 2}
`,
			want: testenv.ArgoCDHealth{Status: "Degraded", Message: "RDS status: storage-full"},
		},
		"Deleting": {
			obj: "apiVersion: rds.aws.stowage.dev/v1alpha1\nkind: DBInstance\nmetadata: {name: db, generation: 2, deletionTimestamp: \"2026-01-01T00:00:00Z\"}\n" + `status:
  conditions:
  - {type: Ready, status: "False", reason: Deleting}
`,
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "Being deleted"},
		},
		"Paused": {
			obj: "apiVersion: s3.aws.stowage.dev/v1alpha1\nkind: Bucket\nmetadata: {name: b, generation: 1, annotations: {crossplane.io/paused: \"true\"}}\n" + `status:
  conditions:
  - {type: Synced, status: "False", reason: ReconcilePaused}
`,
			want: testenv.ArgoCDHealth{Status: "Suspended", Message: "Paused (crossplane.io/paused: true)"},
		},
		"ObserveOnly": {
			obj: "apiVersion: storage.gcp.stowage.dev/v1alpha1\nkind: Bucket\nmetadata: {name: b, generation: 1}\nspec: {managementPolicies: [Observe]}\n" + `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess, observedGeneration: 1}
`,
			want: testenv.ArgoCDHealth{Status: "Suspended", Message: "Observe only (managementPolicies: [Observe])"},
		},
		"RetainPoliciesAreNotSuspended": {
			obj: "apiVersion: storage.azure.stowage.dev/v1alpha1\nkind: Container\nmetadata: {name: c, generation: 1}\nspec: {managementPolicies: [Observe, Create, Update, LateInitialize]}\n" + `status:
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess, observedGeneration: 1}
`,
			want: testenv.ArgoCDHealth{Status: "Healthy", Message: "Available"},
		},
		"ClaimNotObservedYet": {
			obj:  claim + "status: {observedGeneration: 0}\n",
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "Waiting for the controller to report status"},
		},
		"ClaimEdited": {
			obj: claim + `status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess}
`,
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "Waiting for the controller to act on generation 3"},
		},
		"ClaimWaitingForResources": {
			obj: claim + `status:
  observedGeneration: 3
  conditions:
  - {type: Ready, status: "False", reason: WaitingForResources, message: "DBInstance orders-1 is not ready: Creating"}
  - {type: Synced, status: "True", reason: ReconcileSuccess}
  - {type: Reconciling, status: "True", reason: WaitingForResources, message: "DBInstance orders-1 is not ready: Creating"}
`,
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "DBInstance orders-1 is not ready: Creating"},
		},
		"ClaimReady": {
			obj: claim + `status:
  observedGeneration: 3
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess}
  - {type: Reconciling, status: "False", reason: Available}
  - {type: Stalled, status: "False", reason: Available}
`,
			want: testenv.ArgoCDHealth{Status: "Healthy", Message: "Available"},
		},
		"ClaimReadyResourcesNotDone": {
			obj: claim + `status:
  observedGeneration: 3
  conditions:
  - {type: Ready, status: "True", reason: Available}
  - {type: Synced, status: "True", reason: ReconcileSuccess}
  - {type: Reconciling, status: "True", reason: ManagedResourceGenerationNotObserved, message: "FlexibleServer orders-1 has not acted on generation 4 yet"}
  - {type: Stalled, status: "False", reason: ManagedResourceGenerationNotObserved}
`,
			want: testenv.ArgoCDHealth{Status: "Progressing", Message: "FlexibleServer orders-1 has not acted on generation 4 yet"},
		},
		"ClaimStalled": {
			obj: "apiVersion: storage.stowage.dev/v1alpha1\nkind: BucketClaim\nmetadata: {name: assets, generation: 1}\n" + `status:
  observedGeneration: 1
  conditions:
  - {type: Ready, status: "False", reason: Unbound, message: "BucketClass \"x\" does not exist; waiting for it"}
  - {type: Synced, status: "False", reason: ClassNotFound, message: "BucketClass \"x\" does not exist; waiting for it"}
  - {type: Stalled, status: "True", reason: ClassNotFound, message: "BucketClass \"x\" does not exist; waiting for it"}
`,
			want: testenv.ArgoCDHealth{Status: "Degraded", Message: `BucketClass "x" does not exist; waiting for it`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := h.Health(object(tc.obj))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}
