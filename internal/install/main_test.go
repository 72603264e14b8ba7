// Package install_test tests the ways Stowage is installed: the Helm chart
// (rendered with the pinned helm and applied with server-side dry run), the
// least-privilege RBAC it grants (against what the controllers really do)
// and the Crossplane package.
package install_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// root is the repository root; helm is the pinned helm `make tools` builds.
var root, helm string

func TestMain(m *testing.M) {
	var err error
	if root, err = testenv.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	helm = filepath.Join(root, "bin", "helm")
	if _, err := os.Stat(helm); err != nil {
		fmt.Fprintf(os.Stderr, "%s is missing: run `make tools` (make test does), which builds the pinned helm from hack/tools/helm\n", helm)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// render runs `helm template` on the chart with the values files given and
// returns the objects, CRDs included.
func render(t *testing.T, valuesFiles ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", "stowage", filepath.Join(root, "cluster", "charts", "stowage"), "--namespace", "stowage-system", "--include-crds"}
	for _, f := range valuesFiles {
		args = append(args, "--values", f)
	}
	out, err := exec.Command(helm, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("helm %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	objs, err := decodeAll(out)
	if err != nil {
		t.Fatalf("helm template output: %v", err)
	}
	return objs
}

// decodeAll decodes a stream of YAML documents, skipping empty ones.
func decodeAll(b []byte) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	for i := 0; ; i++ {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		objs = append(objs, u)
	}
}
