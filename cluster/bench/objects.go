package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// runLabel marks every object of one run, so the harness's informers see
// only those.
const runLabel = "bench.stowage.dev/run"

// readYAML reads every document of the files (or directories) under root,
// after replacing each old string of repl with its new one.
func readYAML(root string, paths []string, repl ...string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	r := strings.NewReplacer(repl...)
	for _, p := range paths {
		files := []string{filepath.Join(root, p)}
		if fi, err := os.Stat(files[0]); err == nil && fi.IsDir() {
			if files, err = filepath.Glob(filepath.Join(root, p, "*.yaml")); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(r.Replace(string(b)))), 4096)
			for {
				u := &unstructured.Unstructured{}
				if err := d.Decode(&u.Object); err == io.EOF {
					break
				} else if err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				if len(u.Object) > 0 {
					out = append(out, u)
				}
			}
		}
	}
	return out, nil
}

// templates are the examples the harness copies, by kind and API group
// (e.g. "Bucket.s3.aws.stowage.dev").
type templates map[string]*unstructured.Unstructured

func loadTemplates(root string) (templates, error) {
	objs, err := readYAML(root, []string{
		"examples/aws/s3", "examples/aws/rds",
		"examples/azure/resources", "examples/azure/storage", "examples/azure/sql",
		"examples/azure/dbforpostgresql", "examples/azure/dbformysql",
		"examples/gcp/storage", "examples/gcp/sql",
	})
	if err != nil {
		return nil, err
	}
	t := templates{}
	for _, o := range objs {
		t[groupKind(o)] = o
	}
	for _, c := range []string{"claims", "claims/azure", "claims/gcp"} {
		objs, err := readYAML(root, []string{"examples/" + c})
		if err != nil {
			return nil, err
		}
		cloud := strings.TrimPrefix(strings.TrimPrefix(c, "claims"), "/")
		if cloud == "" {
			cloud = "aws"
		}
		for _, o := range objs {
			t[o.GetKind()+"/"+cloud] = o
		}
	}
	return t, nil
}

func groupKind(o *unstructured.Unstructured) string {
	return o.GetKind() + "." + o.GroupVersionKind().Group
}

// instance is a copy of the template key, named name in namespace ns and
// labelled for run, with its connection secret (if it writes one) named
// after it.
func (t templates) instance(key, run, ns, name string) *unstructured.Unstructured {
	tmpl, ok := t[key]
	if !ok {
		panic("no example for " + key)
	}
	o := tmpl.DeepCopy()
	o.SetName(name)
	o.SetNamespace(ns)
	o.SetLabels(map[string]string{runLabel: run})
	if _, ok, _ := unstructured.NestedString(o.Object, "spec", "writeConnectionSecretToRef", "name"); ok {
		_ = unstructured.SetNestedField(o.Object, name+"-conn", "spec", "writeConnectionSecretToRef", "name")
	}
	return o
}

func setRef(o *unstructured.Unstructured, field, name string) {
	_ = unstructured.SetNestedField(o.Object, name, "spec", "forProvider", field, "name")
}

// Mixes of managed resources: 80% storage, 20% databases, as the issue's
// 800 buckets + 200 RDS instances.
var mixes = []string{"aws", "azure", "gcp"}

// resourceGroupName is the Azure resource group of namespace ns in run.
func resourceGroupName(run, ns string) string { return "bench-" + run + "-" + ns }

// managedResources builds n managed resources of mix (aws, azure, gcp, or
// all: n split between the three) spread over namespaces. Names carry run:
// bucket, storage account and server names are global in the clouds and
// their local stand-ins.
func (t templates) managedResources(mix, run string, n int, namespaces []string) ([]*unstructured.Unstructured, error) {
	if mix == "all" {
		var out []*unstructured.Unstructured
		for i, m := range mixes {
			share := n / len(mixes)
			if i < n%len(mixes) {
				share++
			}
			objs, err := t.managedResources(m, run, share, namespaces)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
		return out, nil
	}
	var out []*unstructured.Unstructured
	for i := range n {
		// Groups of five share a namespace: an Azure Container must be in
		// its Account's.
		ns := namespaces[(i/5)%len(namespaces)]
		db := i%5 == 4
		switch mix {
		case "aws":
			if db {
				out = append(out, t.instance("DBInstance.rds.aws.stowage.dev", run, ns, fmt.Sprintf("rds-%s-%d", run, i)))
			} else {
				out = append(out, t.instance("Bucket.s3.aws.stowage.dev", run, ns, fmt.Sprintf("s3-%s-%d", run, i)))
			}
		case "gcp":
			if db {
				out = append(out, t.instance("Instance.sql.gcp.stowage.dev", run, ns, fmt.Sprintf("csql-%s-%d", run, i)))
			} else {
				out = append(out, t.instance("Bucket.storage.gcp.stowage.dev", run, ns, fmt.Sprintf("gcs-%s-%d", run, i)))
			}
		case "azure":
			// Per five: two storage accounts, a container in each, and a
			// database server (PostgreSQL, MySQL, SQL in turn).
			rg := resourceGroupName(run, ns)
			var o *unstructured.Unstructured
			switch {
			case db:
				kind, prefix := []string{
					"FlexibleServer.dbforpostgresql.azure.stowage.dev",
					"FlexibleServer.dbformysql.azure.stowage.dev",
					"Server.sql.azure.stowage.dev",
				}[(i/5)%3], []string{"pg", "my", "sql"}[(i/5)%3]
				o = t.instance(kind, run, ns, fmt.Sprintf("%s-%s-%d", prefix, run, i))
				setRef(o, "resourceGroupNameRef", rg)
			case i%5%2 == 0: // i%5 is 0 or 2
				// Account names: 3-24 lower-case letters and digits.
				o = t.instance("Account.storage.azure.stowage.dev", run, ns, fmt.Sprintf("st%s%d", run, i))
				setRef(o, "resourceGroupNameRef", rg)
			default:
				o = t.instance("Container.storage.azure.stowage.dev", run, ns, fmt.Sprintf("c-%s-%d", run, i))
				setRef(o, "accountNameRef", fmt.Sprintf("st%s%d", run, i-1))
			}
			out = append(out, o)
		default:
			return nil, fmt.Errorf("unknown mix %q: aws, azure, gcp or all", mix)
		}
	}
	return out, nil
}

// resourceGroups are the Azure resource groups the azure mix needs, one
// per namespace.
func (t templates) resourceGroups(run string, namespaces []string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, ns := range namespaces {
		out = append(out, t.instance("ResourceGroup.resources.azure.stowage.dev", run, ns, resourceGroupName(run, ns)))
	}
	return out
}

// claims builds n claims on cloud, half DatabaseClaims and half
// BucketClaims, as examples/claims (and its azure and gcp directories) show
// them; prefix tells the existing claims from the measured ones.
func (t templates) claims(cloud, run, prefix string, n int, namespaces []string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for i := range n {
		ns := namespaces[i%len(namespaces)]
		if i%2 == 0 {
			out = append(out, t.instance("DatabaseClaim/"+cloud, run, ns, fmt.Sprintf("%sdb-%d", prefix, i)))
		} else {
			out = append(out, t.instance("BucketClaim/"+cloud, run, ns, fmt.Sprintf("%sbkt-%d", prefix, i)))
		}
	}
	return out
}
