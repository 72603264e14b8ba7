// Package armtags compares and writes the ARM tags of Azure objects, owner
// tags included, the same way for every Azure kind that takes tags.
package armtags

import (
	"fmt"
	"maps"

	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// FromARM turns the SDK's tag map into a plain one; nil stays nil.
func FromARM(t map[string]*string) map[string]string {
	if t == nil {
		return nil
	}
	out := make(map[string]string, len(t))
	for k, v := range t {
		if v != nil {
			out[k] = *v
		} else {
			out[k] = ""
		}
	}
	return out
}

// ToARM turns a plain tag map into the SDK's.
func ToARM(t map[string]string) map[string]*string {
	out := make(map[string]*string, len(t))
	for k, v := range t {
		out[k] = &v
	}
	return out
}

// A Difference between the tags of the spec (or the owner tags) and the
// cloud's.
type Difference struct {
	Owner    bool
	Want     string
	Got      string
	Resource string // what the cloud object is called in messages, e.g. "Azure"
}

func (d Difference) String() string {
	if d.Owner {
		return fmt.Sprintf("owner tags: want %s, %s has %s", d.Want, d.Resource, d.Got)
	}
	return fmt.Sprintf("spec.forProvider.tags: want %s, %s has %s", d.Want, d.Resource, d.Got)
}

// Diff lists how the cloud's tags differ from the spec's (unset spec tags
// never differ) and, when owner is set, from the owner tags.
func Diff(spec, cloud map[string]string, owner *ownership.Owner) []Difference {
	var ds []Difference
	if user := ownership.UserTags(cloud); spec != nil && !maps.Equal(spec, user) && !(len(spec) == 0 && len(user) == 0) {
		ds = append(ds, Difference{Want: compare.Tags(spec), Got: compare.Tags(user), Resource: "Azure"})
	}
	if owner != nil {
		if want, got := ownership.TagsToFix(cloud, *owner); len(want) > 0 {
			ds = append(ds, Difference{Owner: true, Want: compare.Tags(want), Got: compare.Tags(got), Resource: "Azure"})
		}
	}
	return ds
}

// Desired is the object's full tag set: the spec's tags (or, when the spec
// leaves them unset, the user tags the cloud has) and the owner tags.
func Desired(spec, cloud map[string]string, owner ownership.Owner) map[string]string {
	user := spec
	if user == nil {
		user = ownership.UserTags(cloud)
	}
	return ownership.Merge(user, owner)
}

// LateInit copies the cloud's user tags into an unset spec, never the
// owner tags, and says whether it did.
func LateInit(spec *map[string]string, cloud map[string]string) bool {
	if user := ownership.UserTags(cloud); *spec == nil && len(user) > 0 {
		*spec = user
		return true
	}
	return false
}
