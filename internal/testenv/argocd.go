package testenv

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// ArgoCDConfigMap is the argocd-cm patch users apply, relative to the
// repository root: the health checks tests run are read from it.
const ArgoCDConfigMap = "examples/argocd/argocd-cm.yaml"

const (
	argoHealthKeyPrefix = "resource.customizations.health."
	argoCustomizations  = "resource.customizations"
)

// ArgoCDHealthChecks are the Lua health checks of an argocd-cm ConfigMap,
// each under the group/kind pattern Argo CD matches it against.
type ArgoCDHealthChecks map[string]string

// LoadArgoCDHealthChecks reads the health checks from the ConfigMap at file
// the way Argo CD does: keys resource.customizations.health.<group>_<kind>,
// and the health.lua entries of the resource.customizations block, whose
// group/kind keys may hold wildcards.
func LoadArgoCDHealthChecks(file string) (ArgoCDHealthChecks, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(data, cm); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if cm.Kind != "ConfigMap" || cm.Name != "argocd-cm" {
		return nil, fmt.Errorf("%s: %s %s is not the argocd-cm ConfigMap", file, cm.Kind, cm.Name)
	}
	out := ArgoCDHealthChecks{}
	for k, v := range cm.Data {
		switch {
		case strings.HasPrefix(k, argoHealthKeyPrefix):
			gk := strings.TrimPrefix(k, argoHealthKeyPrefix)
			i := strings.LastIndex(gk, "_")
			if i < 0 {
				return nil, fmt.Errorf("%s: key %s is not %s<group>_<kind>", file, k, argoHealthKeyPrefix)
			}
			out[gk[:i]+"/"+gk[i+1:]] = v
		case k == argoCustomizations:
			block := map[string]struct {
				HealthLua string `json:"health.lua"`
			}{}
			if err := yaml.UnmarshalStrict([]byte(v), &block); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", file, k, err)
			}
			for gk, c := range block {
				if c.HealthLua != "" {
					out[gk] = c.HealthLua
				}
			}
		}
	}
	return out, nil
}

// LoadRepoArgoCDHealthChecks loads the health checks Stowage ships.
func LoadRepoArgoCDHealthChecks() (ArgoCDHealthChecks, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return LoadArgoCDHealthChecks(filepath.Join(root, ArgoCDConfigMap))
}

// For returns the script for group and kind: an exact group/kind key first,
// else the one wildcard pattern that matches.
func (h ArgoCDHealthChecks) For(group, kind string) (string, bool) {
	if s, ok := h[group+"/"+kind]; ok {
		return s, true
	}
	var found []string
	for pattern := range h {
		g, k, _ := strings.Cut(pattern, "/")
		gm, err1 := path.Match(g, group)
		km, err2 := path.Match(k, kind)
		if err1 == nil && err2 == nil && gm && km {
			found = append(found, pattern)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return h[found[0]], true
}

// An ArgoCDHealth is what a health check returns.
type ArgoCDHealth struct {
	Status  string
	Message string
}

// argoHealthStatuses are the statuses Argo CD accepts from a health check.
var argoHealthStatuses = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true}

// Health runs the health check for u's group and kind the way Argo CD's
// Lua VM does: the object as the global obj, the script's return value a
// table with status and message.
func (h ArgoCDHealthChecks) Health(u *unstructured.Unstructured) (ArgoCDHealth, error) {
	gvk := u.GroupVersionKind()
	script, ok := h.For(gvk.Group, gvk.Kind)
	if !ok {
		return ArgoCDHealth{}, fmt.Errorf("no health check (or more than one) for %s/%s", gvk.Group, gvk.Kind)
	}
	return RunArgoCDHealth(script, u.Object)
}

// RunArgoCDHealth runs one health script on obj.
func RunArgoCDHealth(script string, obj map[string]any) (ArgoCDHealth, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	// The libraries Argo CD opens for health checks.
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		l.Push(l.NewFunction(lib.open))
		l.Push(lua.LString(lib.name))
		l.Call(1, 0)
	}
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return ArgoCDHealth{}, err
	}
	t, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return ArgoCDHealth{}, errors.New("the health check returned no table")
	}
	out := ArgoCDHealth{Status: lua.LVAsString(t.RawGetString("status")), Message: lua.LVAsString(t.RawGetString("message"))}
	if !argoHealthStatuses[out.Status] {
		return out, fmt.Errorf("the health check returned status %q, which Argo CD does not know", out.Status)
	}
	return out, nil
}

// toLua converts a JSON value to Lua as Argo CD does: objects and arrays
// become tables (arrays indexed from 1), numbers LNumber.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := l.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	case []any:
		t := l.NewTable()
		for _, e := range v {
			t.Append(toLua(l, e))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	}
	return lua.LString(fmt.Sprint(v))
}
