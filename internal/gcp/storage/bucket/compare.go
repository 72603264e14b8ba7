package bucket

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/gcp/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// observed is what one Observe read from Cloud Storage.
type observed struct {
	Location       string // upper case, as Google reports it
	LocationType   string
	StorageClass   string
	UBLA           bool
	PAP            v1alpha1.PublicAccessPrevention
	Versioning     bool
	Lifecycle      []v1alpha1.LifecycleRule
	Retention      *int64            // seconds; nil without a retention policy
	Labels         map[string]string // every label, owner labels included
	Metageneration int64
	ProjectNumber  uint64
}

// fromAttrs reads the bucket Google returned.
func fromAttrs(a *storage.BucketAttrs) observed {
	o := observed{
		Location:       strings.ToUpper(a.Location),
		LocationType:   a.LocationType,
		StorageClass:   strings.ToUpper(a.StorageClass),
		UBLA:           a.UniformBucketLevelAccess.Enabled,
		PAP:            v1alpha1.PublicAccessPreventionInherited,
		Versioning:     a.VersioningEnabled,
		Lifecycle:      fromLifecycle(a.Lifecycle),
		Labels:         a.Labels,
		Metageneration: a.MetaGeneration,
		ProjectNumber:  a.ProjectNumber,
	}
	if a.PublicAccessPrevention == storage.PublicAccessPreventionEnforced {
		o.PAP = v1alpha1.PublicAccessPreventionEnforced
	}
	if a.RetentionPolicy != nil && a.RetentionPolicy.RetentionPeriod > 0 {
		o.Retention = ptr.To(int64(a.RetentionPolicy.RetentionPeriod / time.Second))
	}
	return o
}

// lateInitialize fills fields the user left empty with what Google chose,
// so they are visible in the spec and compare equal from then on. It
// reports whether anything changed.
func lateInitialize(p *v1alpha1.BucketParameters, o observed) bool {
	changed := false
	if p.Location == nil && o.Location != "" {
		p.Location, changed = ptr.To(o.Location), true
	}
	if p.StorageClass == nil && o.StorageClass != "" {
		p.StorageClass, changed = ptr.To(v1alpha1.StorageClass(o.StorageClass)), true
	}
	if p.UniformBucketLevelAccess == nil {
		p.UniformBucketLevelAccess, changed = ptr.To(o.UBLA), true
	}
	if p.PublicAccessPrevention == nil {
		p.PublicAccessPrevention, changed = ptr.To(o.PAP), true
	}
	if p.Versioning == nil {
		p.Versioning, changed = ptr.To(o.Versioning), true
	}
	if p.Lifecycle == nil && len(o.Lifecycle) > 0 {
		p.Lifecycle, changed = o.Lifecycle, true
	}
	if p.RetentionPolicy == nil && o.Retention != nil {
		p.RetentionPolicy, changed = &v1alpha1.RetentionPolicy{RetentionPeriodSeconds: *o.Retention}, true
	}
	// Owner labels are Stowage's, never the user's: they stay out of the spec.
	if user := ownership.UserTags(o.Labels); p.Labels == nil && len(user) > 0 {
		p.Labels, changed = v1alpha1.ToLabels(user), true
	}
	return changed
}

// Parts of a bucket that can differ. Each is one field of the bucket
// resource, so an update sends exactly these.
const (
	partLocation     = "location"
	partStorageClass = "storageClass"
	partUBLA         = "uniformBucketLevelAccess"
	partPAP          = "publicAccessPrevention"
	partVersioning   = "versioning"
	partLifecycle    = "lifecycle"
	partRetention    = "retentionPolicy"
	partLabels       = "labels"
	partOwnerLabels  = "ownerLabels"
)

// A difference is one part of a bucket whose spec and Google's state differ.
type difference struct {
	Part string
	Want string
	Got  string
}

func (d difference) String() string {
	if d.Part == partOwnerLabels {
		return fmt.Sprintf("owner labels: want %s, Google has %s", d.Want, d.Got)
	}
	return fmt.Sprintf("spec.forProvider.%s: want %s, Google has %s", d.Part, d.Want, d.Got)
}

// diff lists where Google differs from the spec. Unset spec fields never
// differ. owner, when set, is the owner as its labels name it
// (labels.Owner), whose labels the bucket must carry too.
func diff(p v1alpha1.BucketParameters, o observed, owner *ownership.Owner) []difference {
	var ds []difference
	if p.Location != nil && !strings.EqualFold(*p.Location, o.Location) {
		ds = append(ds, difference{Part: partLocation, Want: *p.Location, Got: o.Location})
	}
	if p.StorageClass != nil && !strings.EqualFold(string(*p.StorageClass), o.StorageClass) {
		ds = append(ds, difference{Part: partStorageClass, Want: string(*p.StorageClass), Got: compare.OrNone(o.StorageClass)})
	}
	if p.UniformBucketLevelAccess != nil && *p.UniformBucketLevelAccess != o.UBLA {
		ds = append(ds, difference{Part: partUBLA, Want: fmt.Sprint(*p.UniformBucketLevelAccess), Got: fmt.Sprint(o.UBLA)})
	}
	if p.PublicAccessPrevention != nil && *p.PublicAccessPrevention != o.PAP {
		ds = append(ds, difference{Part: partPAP, Want: string(*p.PublicAccessPrevention), Got: string(o.PAP)})
	}
	if p.Versioning != nil && *p.Versioning != o.Versioning {
		ds = append(ds, difference{Part: partVersioning, Want: fmt.Sprint(*p.Versioning), Got: fmt.Sprint(o.Versioning)})
	}
	if p.Lifecycle != nil && !sameRules(p.Lifecycle, o.Lifecycle) {
		ds = append(ds, difference{Part: partLifecycle, Want: describeRules(p.Lifecycle), Got: describeRules(o.Lifecycle)})
	}
	if p.RetentionPolicy != nil && (o.Retention == nil || *o.Retention != p.RetentionPolicy.RetentionPeriodSeconds) {
		got := "none"
		if o.Retention != nil {
			got = fmt.Sprintf("%ds", *o.Retention)
		}
		ds = append(ds, difference{Part: partRetention, Want: fmt.Sprintf("%ds", p.RetentionPolicy.RetentionPeriodSeconds), Got: got})
	}
	if want, user := v1alpha1.LabelsOf(p.Labels), ownership.UserTags(o.Labels); want != nil && !maps.Equal(want, user) && !(len(want) == 0 && len(user) == 0) {
		ds = append(ds, difference{Part: partLabels, Want: compare.Tags(want), Got: compare.Tags(user)})
	}
	if owner != nil {
		if want, got := ownership.TagsToFix(o.Labels, *owner); len(want) > 0 {
			ds = append(ds, difference{Part: partOwnerLabels, Want: compare.Tags(want), Got: compare.Tags(got)})
		}
	}
	return ds
}

// toUpdate is the one update that makes Google match the spec in the parts
// ds names, and nothing else: labels are set and deleted one by one, so
// labels already right are not sent. The location cannot be updated.
func toUpdate(ds []difference, p v1alpha1.BucketParameters, o observed, owner *ownership.Owner) storage.BucketAttrsToUpdate {
	u := storage.BucketAttrsToUpdate{}
	for _, d := range ds {
		switch d.Part {
		case partStorageClass:
			u.StorageClass = string(*p.StorageClass)
		case partUBLA:
			u.UniformBucketLevelAccess = &storage.UniformBucketLevelAccess{Enabled: *p.UniformBucketLevelAccess}
		case partPAP:
			u.PublicAccessPrevention = storage.PublicAccessPreventionInherited
			if *p.PublicAccessPrevention == v1alpha1.PublicAccessPreventionEnforced {
				u.PublicAccessPrevention = storage.PublicAccessPreventionEnforced
			}
		case partVersioning:
			u.VersioningEnabled = *p.Versioning
		case partLifecycle:
			u.Lifecycle = ptr.To(toLifecycle(p.Lifecycle))
		case partRetention:
			u.RetentionPolicy = &storage.RetentionPolicy{RetentionPeriod: time.Duration(p.RetentionPolicy.RetentionPeriodSeconds) * time.Second}
		case partLabels:
			user := ownership.UserTags(o.Labels)
			for k, v := range v1alpha1.LabelsOf(p.Labels) {
				if got, ok := user[k]; !ok || got != v {
					u.SetLabel(k, v)
				}
			}
			for k := range user {
				if _, ok := p.Labels[k]; !ok {
					u.DeleteLabel(k)
				}
			}
		case partOwnerLabels:
			want, _ := ownership.TagsToFix(o.Labels, *owner)
			for k, v := range want {
				u.SetLabel(k, v)
			}
		}
	}
	return u
}

// createAttrs is the bucket Create asks for. owner is the owner as labels
// name it.
func createAttrs(p v1alpha1.BucketParameters, location string, owner ownership.Owner) *storage.BucketAttrs {
	a := &storage.BucketAttrs{
		Location:                 location,
		StorageClass:             string(ptr.Deref(p.StorageClass, "")),
		Labels:                   ownership.Merge(v1alpha1.LabelsOf(p.Labels), owner),
		UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: ptr.Deref(p.UniformBucketLevelAccess, true)},
		PublicAccessPrevention:   storage.PublicAccessPreventionEnforced,
		VersioningEnabled:        ptr.Deref(p.Versioning, false),
		Lifecycle:                toLifecycle(p.Lifecycle),
	}
	if ptr.Deref(p.PublicAccessPrevention, v1alpha1.PublicAccessPreventionEnforced) == v1alpha1.PublicAccessPreventionInherited {
		a.PublicAccessPrevention = storage.PublicAccessPreventionInherited
	}
	if p.RetentionPolicy != nil {
		a.RetentionPolicy = &storage.RetentionPolicy{RetentionPeriod: time.Duration(p.RetentionPolicy.RetentionPeriodSeconds) * time.Second}
	}
	return a
}

const dateLayout = "2006-01-02"

func toLifecycle(rules []v1alpha1.LifecycleRule) storage.Lifecycle {
	l := storage.Lifecycle{}
	for _, r := range rules {
		c := r.Condition
		sr := storage.LifecycleRule{
			Action: storage.LifecycleAction{Type: string(r.Action.Type), StorageClass: string(ptr.Deref(r.Action.StorageClass, ""))},
			Condition: storage.LifecycleCondition{
				AgeInDays:               ptr.Deref(c.AgeDays, 0),
				AllObjects:              c.AgeDays != nil && *c.AgeDays == 0,
				NumNewerVersions:        ptr.Deref(c.NumNewerVersions, 0),
				MatchesPrefix:           c.MatchesPrefix,
				MatchesSuffix:           c.MatchesSuffix,
				DaysSinceNoncurrentTime: ptr.Deref(c.DaysSinceNoncurrentTime, 0),
			},
		}
		for _, sc := range c.MatchesStorageClass {
			sr.Condition.MatchesStorageClasses = append(sr.Condition.MatchesStorageClasses, string(sc))
		}
		if c.CreatedBefore != nil {
			// The schema checks the form; a date that does not exist
			// (2024-02-30) is sent as Google's zero, which Google refuses.
			sr.Condition.CreatedBefore, _ = time.Parse(dateLayout, *c.CreatedBefore)
		}
		switch ptr.Deref(c.WithState, "") {
		case v1alpha1.ObjectStateLive:
			sr.Condition.Liveness = storage.Live
		case v1alpha1.ObjectStateArchived:
			sr.Condition.Liveness = storage.Archived
		}
		l.Rules = append(l.Rules, sr)
	}
	return l
}

func fromLifecycle(l storage.Lifecycle) []v1alpha1.LifecycleRule {
	var out []v1alpha1.LifecycleRule
	for _, r := range l.Rules {
		c := r.Condition
		lr := v1alpha1.LifecycleRule{
			Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleActionType(r.Action.Type)},
			Condition: v1alpha1.LifecycleCondition{
				NumNewerVersions:        nonZero(c.NumNewerVersions),
				MatchesPrefix:           c.MatchesPrefix,
				MatchesSuffix:           c.MatchesSuffix,
				DaysSinceNoncurrentTime: nonZero(c.DaysSinceNoncurrentTime),
			},
		}
		if r.Action.StorageClass != "" {
			lr.Action.StorageClass = ptr.To(v1alpha1.StorageClass(strings.ToUpper(r.Action.StorageClass)))
		}
		if c.AgeInDays > 0 || c.AllObjects {
			lr.Condition.AgeDays = ptr.To(c.AgeInDays)
		}
		for _, sc := range c.MatchesStorageClasses {
			lr.Condition.MatchesStorageClass = append(lr.Condition.MatchesStorageClass, v1alpha1.StorageClass(strings.ToUpper(sc)))
		}
		if !c.CreatedBefore.IsZero() {
			lr.Condition.CreatedBefore = ptr.To(c.CreatedBefore.Format(dateLayout))
		}
		switch c.Liveness {
		case storage.Live:
			lr.Condition.WithState = ptr.To(v1alpha1.ObjectStateLive)
		case storage.Archived:
			lr.Condition.WithState = ptr.To(v1alpha1.ObjectStateArchived)
		}
		out = append(out, lr)
	}
	return out
}

func nonZero(i int64) *int64 {
	if i == 0 {
		return nil
	}
	return ptr.To(i)
}

// canonical is a rule in one form per meaning: through the client's form
// and back (so age 0, dates and storage class case read the same), with
// its lists sorted.
func canonical(r v1alpha1.LifecycleRule) string {
	c := fromLifecycle(toLifecycle([]v1alpha1.LifecycleRule{r}))[0]
	slices.Sort(c.Condition.MatchesStorageClass)
	slices.Sort(c.Condition.MatchesPrefix)
	slices.Sort(c.Condition.MatchesSuffix)
	b, _ := json.Marshal(c)
	return string(b)
}

// sameRules reports whether two rule lists mean the same, in any order:
// Google applies every rule whose condition holds.
func sameRules(a, b []v1alpha1.LifecycleRule) bool {
	x, y := make([]string, len(a)), make([]string, len(b))
	for i, r := range a {
		x[i] = canonical(r)
	}
	for i, r := range b {
		y[i] = canonical(r)
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func describeRules(rs []v1alpha1.LifecycleRule) string {
	if len(rs) == 0 {
		return "no rules"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = canonical(r)
	}
	slices.Sort(s)
	return "[" + strings.Join(s, ", ") + "]"
}
