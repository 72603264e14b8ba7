// Package examples_test keeps every example honest: each YAML document under
// examples/ is applied (server-side, dry run) to a real API server with
// Stowage's and Crossplane's CRDs, the Crossplane compositions' patches are
// checked against the schemas they read and write, and the Argo CD health
// checks are run on crafted objects (internal/claims runs them on real ones).
package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// crossplaneModule holds the CRDs of the Crossplane release the compositions
// are written for (cluster/crds in its module zip). It is downloaded through
// the Go module proxy, not required by go.mod.
const crossplaneModule = "github.com/crossplane/crossplane/v2@v2.3.4"

// crossplaneCRDs are the Crossplane CRDs the examples use.
var crossplaneCRDs = []string{
	"apiextensions.crossplane.io_compositeresourcedefinitions.yaml",
	"apiextensions.crossplane.io_compositions.yaml",
	"pkg.crossplane.io_deploymentruntimeconfigs.yaml",
	"pkg.crossplane.io_providers.yaml",
}

var env *testenv.Env

// sandboxURLs are what cluster/local/sandbox.sh puts in place of the local
// clouds' placeholders in examples/sandbox before applying them.
var sandboxURLs = strings.NewReplacer(
	"MOTO_URL", "http://127.0.0.1:5000",
	"AZURE_URL", "http://127.0.0.1:5001",
	"GCS_URL", "http://127.0.0.1:5002",
	"SQLADMIN_URL", "http://127.0.0.1:5003",
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	dir, err := moduleDir(crossplaneModule)
	if err != nil {
		return 0, err
	}
	env, err = testenv.Start()
	if err != nil {
		return 0, err
	}
	defer func() { _ = env.Stop() }()
	// To read the CRDs' schemas.
	if err := apiextensionsv1.AddToScheme(env.Scheme); err != nil {
		return 0, err
	}
	paths := make([]string, 0, len(crossplaneCRDs))
	for _, f := range crossplaneCRDs {
		paths = append(paths, filepath.Join(dir, "cluster", "crds", f))
	}
	if _, err := envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{Paths: paths, ErrorIfPathMissing: true}); err != nil {
		return 0, fmt.Errorf("cannot install Crossplane's CRDs from %s: %w", dir, err)
	}
	return m.Run(), nil
}

// moduleDir downloads mod@version into the module cache (or finds it there)
// and returns its directory.
func moduleDir(modVersion string) (string, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command("go", "mod", "download", "-json", modVersion)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out.Bytes(), &info); jerr != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %v %s %s", modVersion, err, info.Error, stderr.String())
	}
	return info.Dir, nil
}

// A document is one YAML document of an example file.
type document struct {
	File  string // relative to examples/
	Index int    // of the object in its file, from 0
	Obj   *unstructured.Unstructured
}

func (d document) String() string {
	return fmt.Sprintf("%s document %d (%s %s)", d.File, d.Index, d.Obj.GetKind(), d.Obj.GetName())
}

// documents reads every YAML document of every .yaml or .yml file under
// examples/, walking the tree so a new example is picked up by itself.
func documents(t *testing.T) []document {
	t.Helper()
	var docs []document
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(path, "sandbox"+string(filepath.Separator)) {
			data = []byte(sandboxURLs.Replace(string(data)))
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for i := 0; ; i++ {
			raw, err := r.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s document %d: %w", path, i, err)
			}
			m := map[string]any{}
			if err := yaml.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("%s document %d: %w", path, i, err)
			}
			if len(m) == 0 {
				// Only comments: not an object.
				i--
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			if u.GetAPIVersion() == "" || u.GetKind() == "" {
				return fmt.Errorf("%s document %d has no apiVersion or kind", path, i)
			}
			docs = append(docs, document{File: path, Index: i, Obj: u})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no example documents found")
	}
	return docs
}

// TestEveryExampleApplies applies every document under examples/ to the
// API server, server-side with dry run: namespaces (and the namespaces the
// documents name) are created first, since a dry run makes nothing.
func TestEveryExampleApplies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	docs := documents(t)
	namespaces := map[string]bool{}
	for _, d := range docs {
		if d.Obj.GetKind() == "Namespace" && d.Obj.GetAPIVersion() == "v1" {
			namespaces[d.Obj.GetName()] = true
		}
		if ns := d.Obj.GetNamespace(); ns != "" {
			namespaces[ns] = true
		}
	}
	for ns := range namespaces {
		err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		if err != nil && !kerrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	kinds := map[string]int{}
	for _, d := range docs {
		obj := d.Obj.DeepCopy()
		if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.DryRunAll, client.FieldOwner("examples-test"), client.ForceOwnership); err != nil {
			t.Errorf("%s: %v", d, err)
			continue
		}
		kinds[d.Obj.GetKind()]++
	}
	t.Logf("applied %d documents (dry run): %v", len(docs), kinds)
}

// patch is one function-patch-and-transform patch, decoded strictly so a
// misspelt field fails here as it would not in Crossplane (the function's
// input is not validated by the Composition CRD).
type patch struct {
	Type          string          `json:"type"`
	FromFieldPath string          `json:"fromFieldPath,omitempty"`
	ToFieldPath   string          `json:"toFieldPath,omitempty"`
	PatchSetName  string          `json:"patchSetName,omitempty"`
	Transforms    json.RawMessage `json:"transforms,omitempty"`
	Policy        json.RawMessage `json:"policy,omitempty"`
	Combine       *struct {
		Variables []struct {
			FromFieldPath string `json:"fromFieldPath"`
		} `json:"variables"`
		Strategy string          `json:"strategy"`
		String   json.RawMessage `json:"string,omitempty"`
	} `json:"combine,omitempty"`
}

type ptInput struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Resources  []struct {
		Name              string          `json:"name"`
		Base              map[string]any  `json:"base"`
		Patches           []patch         `json:"patches,omitempty"`
		ReadinessChecks   json.RawMessage `json:"readinessChecks,omitempty"`
		ConnectionDetails json.RawMessage `json:"connectionDetails,omitempty"`
	} `json:"resources"`
}

type composition struct {
	Spec struct {
		CompositeTypeRef struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		} `json:"compositeTypeRef"`
		Mode     string `json:"mode"`
		Pipeline []struct {
			Step        string `json:"step"`
			FunctionRef struct {
				Name string `json:"name"`
			} `json:"functionRef"`
			Input json.RawMessage `json:"input"`
		} `json:"pipeline"`
	} `json:"spec"`
}

type xrd struct {
	Spec struct {
		Group string `json:"group"`
		Scope string `json:"scope"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema *apiextensionsv1.JSONSchemaProps `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

func convert(t *testing.T, from any, to any, strict bool) error {
	t.Helper()
	b, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	if strict {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		return d.Decode(to)
	}
	return json.Unmarshal(b, to)
}

// crdSchema is the schema the API server serves for group/version, kind.
func crdSchema(ctx context.Context, t *testing.T, apiVersion, kind string) (*apiextensionsv1.JSONSchemaProps, error) {
	t.Helper()
	group, version, _ := strings.Cut(apiVersion, "/")
	l := &apiextensionsv1.CustomResourceDefinitionList{}
	if err := env.Client.List(ctx, l); err != nil {
		t.Fatal(err)
	}
	for _, crd := range l.Items {
		if crd.Spec.Group != group || crd.Spec.Names.Kind != kind {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Name == version && v.Schema != nil {
				return v.Schema.OpenAPIV3Schema, nil
			}
		}
	}
	return nil, fmt.Errorf("no CRD serves %s %s", apiVersion, kind)
}

// TestCompositions checks each Composition under compositions/: it is for an
// XRD of the examples, it runs function-patch-and-transform with Resources
// input, each resource's base is a valid Stowage managed resource in a
// namespace (server-side dry run), and every patch reads and writes fields
// that exist: XR fields in the XRD's schema, composed fields in the Stowage
// CRD's schema.
func TestCompositions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns, err := env.Namespace(ctx, "compositions")
	if err != nil {
		t.Fatal(err)
	}
	xrds := map[string]*apiextensionsv1.JSONSchemaProps{} // apiVersion kind -> schema
	var comps []document
	for _, d := range documents(t) {
		if !strings.HasPrefix(d.File, "compositions"+string(filepath.Separator)) {
			continue
		}
		switch d.Obj.GetKind() {
		case "CompositeResourceDefinition":
			x := &xrd{}
			if err := convert(t, d.Obj.Object, x, false); err != nil {
				t.Fatalf("%s: %v", d, err)
			}
			if x.Spec.Scope != "Namespaced" || d.Obj.GetAPIVersion() != "apiextensions.crossplane.io/v2" {
				t.Errorf("%s: %s scope %q; want apiextensions.crossplane.io/v2, Namespaced (Stowage's managed resources are namespaced)", d, d.Obj.GetAPIVersion(), x.Spec.Scope)
			}
			for _, v := range x.Spec.Versions {
				xrds[x.Spec.Group+"/"+v.Name+" "+x.Spec.Names.Kind] = v.Schema.OpenAPIV3Schema
			}
		case "Composition":
			comps = append(comps, d)
		}
	}
	if len(comps) == 0 {
		t.Fatal("no Compositions under compositions/")
	}
	composed := map[string]bool{}
	for _, d := range comps {
		t.Run(strings.TrimSuffix(filepath.Base(d.File), filepath.Ext(d.File)), func(t *testing.T) {
			c := &composition{}
			if err := convert(t, d.Obj.Object, c, false); err != nil {
				t.Fatalf("%s: %v", d, err)
			}
			ref := c.Spec.CompositeTypeRef
			xrSchema, ok := xrds[ref.APIVersion+" "+ref.Kind]
			if !ok {
				t.Fatalf("%s: composes %s %s, which no XRD under compositions/ defines", d, ref.APIVersion, ref.Kind)
			}
			if c.Spec.Mode != "Pipeline" || len(c.Spec.Pipeline) == 0 {
				t.Fatalf("%s: mode %q with %d steps, want a Pipeline", d, c.Spec.Mode, len(c.Spec.Pipeline))
			}
			for _, step := range c.Spec.Pipeline {
				if step.FunctionRef.Name != "function-patch-and-transform" {
					t.Errorf("%s: step %s runs %s; this test knows function-patch-and-transform's input only", d, step.Step, step.FunctionRef.Name)
					continue
				}
				in := &ptInput{}
				dec := json.NewDecoder(bytes.NewReader(step.Input))
				dec.DisallowUnknownFields()
				if err := dec.Decode(in); err != nil {
					t.Errorf("%s: step %s input: %v", d, step.Step, err)
					continue
				}
				if in.APIVersion != "pt.fn.crossplane.io/v1beta1" || in.Kind != "Resources" {
					t.Errorf("%s: step %s input is %s %s, want pt.fn.crossplane.io/v1beta1 Resources", d, step.Step, in.APIVersion, in.Kind)
				}
				for _, r := range in.Resources {
					base := &unstructured.Unstructured{Object: r.Base}
					where := fmt.Sprintf("%s: step %s resource %s (%s %s)", d, step.Step, r.Name, base.GetAPIVersion(), base.GetKind())
					composed[base.GetAPIVersion()+" "+base.GetKind()] = true
					target, err := crdSchema(ctx, t, base.GetAPIVersion(), base.GetKind())
					if err != nil {
						t.Errorf("%s: %v", where, err)
						continue
					}
					// A namespaced XR composes into its own namespace; the
					// name is usually a patch's, else Crossplane's.
					obj := base.DeepCopy()
					obj.SetNamespace(ns)
					obj.SetName("composed-" + r.Name)
					if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.DryRunAll, client.FieldOwner("examples-test"), client.ForceOwnership); err != nil {
						t.Errorf("%s: base does not apply: %v", where, err)
					}
					if len(r.Patches) == 0 {
						t.Errorf("%s: no patches: nothing of the XR reaches it", where)
					}
					for i, p := range r.Patches {
						for _, e := range patchErrors(p, xrSchema, target) {
							t.Errorf("%s: patch %d (%s): %s", where, i, p.Type, e)
						}
					}
				}
			}
		})
	}
	t.Logf("compositions compose %v", slices.Sorted(func(yield func(string) bool) {
		for k := range composed {
			if !yield(k) {
				return
			}
		}
	}))
}

// patchErrors says what is wrong with p's field paths: from XR to composed
// resource, or back.
func patchErrors(p patch, xr, composed *apiextensionsv1.JSONSchemaProps) []string {
	var errs []string
	check := func(what, path string, s *apiextensionsv1.JSONSchemaProps) {
		if path == "" {
			errs = append(errs, what+" is empty")
			return
		}
		if err := resolve(s, path); err != nil {
			errs = append(errs, fmt.Sprintf("%s %s: %v", what, path, err))
		}
	}
	switch p.Type {
	case "", "FromCompositeFieldPath":
		check("fromFieldPath (XR)", p.FromFieldPath, xr)
		check("toFieldPath (composed)", p.ToFieldPath, composed)
	case "ToCompositeFieldPath":
		check("fromFieldPath (composed)", p.FromFieldPath, composed)
		check("toFieldPath (XR)", p.ToFieldPath, xr)
	case "CombineFromComposite":
		if p.Combine == nil || len(p.Combine.Variables) == 0 {
			return []string{"no combine variables"}
		}
		for _, v := range p.Combine.Variables {
			check("combine fromFieldPath (XR)", v.FromFieldPath, xr)
		}
		check("toFieldPath (composed)", p.ToFieldPath, composed)
	default:
		errs = append(errs, "this test does not know the patch type; teach patchErrors its field paths")
	}
	return errs
}

// segments splits a Crossplane field path (spec.a[0].b, metadata.labels[x/y])
// into its fields, keys and indexes.
func segments(path string) ([]string, error) {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		case '[':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			out = append(out, "["+strings.Trim(path[i+1:i+end], `'"`)+"]")
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return out, nil
}

// resolve checks that path names a field of s. metadata is the object
// metadata every resource has, whatever its schema says of it.
func resolve(s *apiextensionsv1.JSONSchemaProps, path string) error {
	segs, err := segments(path)
	if err != nil {
		return err
	}
	if segs[0] == "metadata" {
		switch {
		case len(segs) == 2 && slices.Contains([]string{"name", "namespace", "uid", "generateName"}, segs[1]):
			return nil
		case len(segs) == 3 && (segs[1] == "labels" || segs[1] == "annotations"):
			return nil
		}
		return fmt.Errorf("not a metadata field a patch can use")
	}
	for i, seg := range segs {
		if s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields {
			return nil
		}
		if strings.HasPrefix(seg, "[") {
			switch {
			case s.Items != nil && s.Items.Schema != nil:
				s = s.Items.Schema
			case s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil:
				s = s.AdditionalProperties.Schema
			default:
				return fmt.Errorf("%s: %s is neither a list nor a map", seg, strings.Join(segs[:i], "."))
			}
			continue
		}
		p, ok := s.Properties[seg]
		if !ok {
			known := make([]string, 0, len(s.Properties))
			for k := range s.Properties {
				known = append(known, k)
			}
			sort.Strings(known)
			return fmt.Errorf("no field %q under %q (has %v)", seg, strings.Join(segs[:i], "."), known)
		}
		s = &p
	}
	return nil
}
