package apis

import (
	"os"
	"path/filepath"
	"strings"
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

// TestKubectlGetShowsEveryKind checks every generated CRD: a managed kind
// (one with spec.forProvider) is listed by `kubectl get managed` and shows
// the four columns every Crossplane managed resource shows; a claim kind is
// listed by `kubectl get claim` and shows its readiness.
func TestKubectlGetShowsEveryKind(t *testing.T) {
	files, err := filepath.Glob("../package/crds/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs found: %v", err)
	}
	managedColumns := map[string]string{
		"READY":         ".status.conditions[?(@.type=='Ready')].status",
		"SYNCED":        ".status.conditions[?(@.type=='Synced')].status",
		"EXTERNAL-NAME": ".metadata.annotations.crossplane\\.io/external-name",
		"AGE":           ".metadata.creationTimestamp",
	}
	claimColumns := map[string]string{
		"CLASS":  ".spec.className",
		"READY":  ".status.conditions[?(@.type=='Ready')].status",
		"SYNCED": ".status.conditions[?(@.type=='Synced')].status",
		"AGE":    ".metadata.creationTimestamp",
	}
	var managed, claims int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(b, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var wantCategories []string
		var wantColumns map[string]string
		switch {
		case isManaged(crd):
			managed++
			wantCategories = []string{"crossplane", "managed", "stowage", cloudOf(crd.Spec.Group)}
			wantColumns = managedColumns
		case strings.HasSuffix(crd.Spec.Names.Kind, "Claim"):
			claims++
			wantCategories = []string{"crossplane", "claim", "stowage"}
			wantColumns = claimColumns
		default:
			continue
		}
		got := map[string]bool{}
		for _, c := range crd.Spec.Names.Categories {
			got[c] = true
		}
		for _, c := range wantCategories {
			if !got[c] {
				t.Errorf("%s: categories %v lack %q", crd.Name, crd.Spec.Names.Categories, c)
			}
		}
		for _, v := range crd.Spec.Versions {
			cols := map[string]string{}
			for _, c := range v.AdditionalPrinterColumns {
				cols[c.Name] = c.JSONPath
			}
			for name, path := range wantColumns {
				if cols[name] != path {
					t.Errorf("%s %s: column %s has JSONPath %q, want %q", crd.Name, v.Name, name, cols[name], path)
				}
			}
		}
	}
	// Guard the classification itself: if it stopped matching, the loop
	// above would check nothing.
	if managed < 15 || claims != 2 {
		t.Errorf("found %d managed and %d claim CRDs, want at least 15 and 2", managed, claims)
	}
}

func isManaged(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, v := range crd.Spec.Versions {
		if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		if _, ok := v.Schema.OpenAPIV3Schema.Properties["spec"].Properties["forProvider"]; ok {
			return true
		}
	}
	return false
}

// cloudOf is the cloud a group belongs to: rds.aws.stowage.dev is aws.
func cloudOf(group string) string {
	parts := strings.Split(strings.TrimSuffix(group, ".stowage.dev"), ".")
	return parts[len(parts)-1]
}
