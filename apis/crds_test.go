package apis

import (
	"os"
	"path/filepath"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestReferencesStayInTheirNamespace checks every generated CRD: a reference
// or selector to another managed resource that could name a namespace must
// refuse one, so a tenant can never resolve (and so read or build on)
// another namespace's resources.
func TestReferencesStayInTheirNamespace(t *testing.T) {
	files, err := filepath.Glob("../package/crds/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs found: %v", err)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(b, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range crd.Spec.Versions {
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			spec, ok := v.Schema.OpenAPIV3Schema.Properties["spec"]
			if !ok {
				continue
			}
			walk(spec, "spec", func(path string, s apiextensionsv1.JSONSchemaProps) {
				_, hasNS := s.Properties["namespace"]
				_, hasPolicy := s.Properties["policy"]
				if !hasNS || !hasPolicy {
					return // not a managed resource reference or selector
				}
				checked++
				for _, r := range s.XValidations {
					if r.Rule == "!has(self.__namespace__)" {
						return
					}
				}
				t.Errorf("%s %s: %s may name another namespace; mark it +kubebuilder:validation:XValidation:rule=\"!has(self.__namespace__)\"", crd.Name, v.Name, path)
			})
		}
	}
	if checked == 0 {
		t.Error("no managed resource references found in the CRDs; the walk is broken")
	}
}

func walk(s apiextensionsv1.JSONSchemaProps, path string, visit func(string, apiextensionsv1.JSONSchemaProps)) {
	visit(path, s)
	for name, p := range s.Properties {
		walk(p, path+"."+name, visit)
	}
	if s.Items != nil && s.Items.Schema != nil {
		walk(*s.Items.Schema, path+"[]", visit)
	}
}
