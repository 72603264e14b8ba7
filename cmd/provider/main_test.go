package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildTags are the tags the provider is built with (Makefile, image, bench):
// grpcnotrace keeps gRPC from importing x/net/trace, whose html/template
// would turn dead-method elimination off (below).
const buildTags = "grpcnotrace"

// TestDeadMethodElimination builds the provider as the image does and fails
// if anything reachable calls a method by reflection (text/template,
// go-cmp, reflect.Value.Method). One such call makes the linker keep every
// exported method of every type that can reach an interface, and the
// binary grows from 47 MB to 72 MB, most of it resident: the 100 MiB RSS
// budget at 1,000 managed resources is lost to code nobody runs.
func TestDeadMethodElimination(t *testing.T) {
	if testing.Short() {
		t.Skip("links the provider")
	}
	cmd := exec.Command("go", "build", "-tags="+buildTags, "-trimpath", "-ldflags=-s -w -dumpdep", "-o", filepath.Join(t.TempDir(), "provider"), ".")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// -dumpdep prints every reachability edge, "from -> to", marking a
	// function that calls a method by reflection with <ReflectMethod>. The
	// first edge that reaches a function names who made it reachable.
	const mark = " <ReflectMethod>"
	reachedFrom := map[string]string{}
	var culprits []string
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " -> ")
		if !ok {
			continue
		}
		if strings.HasSuffix(from, mark) {
			f := strings.TrimSuffix(from, mark)
			if _, seen := reachedFrom[f+mark]; !seen {
				reachedFrom[f+mark] = ""
				culprits = append(culprits, f)
			}
		}
		to = strings.TrimSuffix(to, mark)
		if _, seen := reachedFrom[to]; !seen {
			reachedFrom[to] = strings.TrimSuffix(from, mark)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	for _, c := range culprits {
		path := []string{c}
		for n := reachedFrom[c]; n != "" && len(path) < 15; n = reachedFrom[n] {
			path = append(path, n)
		}
		t.Errorf("%s calls methods by reflection, which turns off dead-method elimination; reached by\n\t%s", c, strings.Join(path, "\n\t<- "))
	}
	if len(culprits) == 0 {
		if fi, err := os.Stat(filepath.Join(filepath.Dir(cmd.Args[len(cmd.Args)-2]), "provider")); err == nil {
			t.Logf("provider binary: %.1f MB", float64(fi.Size())/1e6)
		}
	}
}
