package bucket

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	storagev1 "google.golang.org/api/storage/v1"
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

// Public access prevention as the JSON API spells it.
const (
	papEnforced  = "enforced"
	papInherited = "inherited"
)

// fromBucket reads the bucket Google returned.
func fromBucket(b *storagev1.Bucket) observed {
	o := observed{
		Location:       strings.ToUpper(b.Location),
		LocationType:   b.LocationType,
		StorageClass:   strings.ToUpper(b.StorageClass),
		PAP:            v1alpha1.PublicAccessPreventionInherited,
		Versioning:     b.Versioning != nil && b.Versioning.Enabled,
		Lifecycle:      fromLifecycle(b.Lifecycle),
		Labels:         b.Labels,
		Metageneration: b.Metageneration,
		ProjectNumber:  b.ProjectNumber,
	}
	if iam := b.IamConfiguration; iam != nil {
		o.UBLA = iam.UniformBucketLevelAccess != nil && iam.UniformBucketLevelAccess.Enabled
		if iam.PublicAccessPrevention == papEnforced {
			o.PAP = v1alpha1.PublicAccessPreventionEnforced
		}
	}
	// A policy in force has its effective time; Google reports none
	// without one.
	if rp := b.RetentionPolicy; rp != nil && rp.EffectiveTime != "" && rp.RetentionPeriod > 0 {
		o.Retention = ptr.To(rp.RetentionPeriod)
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

// toUpdate is the one patch that makes Google match the spec in the parts
// ds names, and nothing else: labels are set and deleted one by one, so
// labels already right are not sent. The location cannot be updated.
//
// A patch sends only the fields it carries: false, zero and empty values
// the spec asks for are forced into it (ForceSendFields), and what is to be
// removed is sent as null (NullFields).
func toUpdate(ds []difference, p v1alpha1.BucketParameters, o observed, owner *ownership.Owner) *storagev1.Bucket {
	u := &storagev1.Bucket{}
	iam := func() *storagev1.BucketIamConfiguration {
		if u.IamConfiguration == nil {
			u.IamConfiguration = &storagev1.BucketIamConfiguration{}
		}
		return u.IamConfiguration
	}
	setLabel := func(k, v string) {
		if u.Labels == nil {
			u.Labels = map[string]string{}
		}
		u.Labels[k] = v
	}
	var deleted []string
	for _, d := range ds {
		switch d.Part {
		case partStorageClass:
			u.StorageClass = string(*p.StorageClass)
		case partUBLA:
			iam().UniformBucketLevelAccess = &storagev1.BucketIamConfigurationUniformBucketLevelAccess{
				Enabled: *p.UniformBucketLevelAccess, ForceSendFields: []string{"Enabled"},
			}
		case partPAP:
			iam().PublicAccessPrevention = papInherited
			if *p.PublicAccessPrevention == v1alpha1.PublicAccessPreventionEnforced {
				iam().PublicAccessPrevention = papEnforced
			}
		case partVersioning:
			u.Versioning = &storagev1.BucketVersioning{Enabled: *p.Versioning, ForceSendFields: []string{"Enabled"}}
		case partLifecycle:
			// No rules is an empty list, which removes them all.
			u.Lifecycle = toLifecycle(p.Lifecycle)
			u.ForceSendFields = append(u.ForceSendFields, "Lifecycle")
		case partRetention:
			if s := p.RetentionPolicy.RetentionPeriodSeconds; s > 0 {
				u.RetentionPolicy = &storagev1.BucketRetentionPolicy{RetentionPeriod: s}
			} else {
				// A period of zero removes the policy.
				u.NullFields = append(u.NullFields, "RetentionPolicy")
			}
		case partLabels:
			user := ownership.UserTags(o.Labels)
			for k, v := range v1alpha1.LabelsOf(p.Labels) {
				if got, ok := user[k]; !ok || got != v {
					setLabel(k, v)
				}
			}
			for k := range user {
				if _, ok := p.Labels[k]; !ok {
					deleted = append(deleted, k)
				}
			}
		case partOwnerLabels:
			want, _ := ownership.TagsToFix(o.Labels, *owner)
			for k, v := range want {
				setLabel(k, v)
			}
		}
	}
	if len(deleted) > 0 {
		if u.Labels == nil {
			// Only deletions: the labels object is sent for its nulls.
			u.Labels = map[string]string{}
			u.ForceSendFields = append(u.ForceSendFields, "Labels")
		}
		slices.Sort(deleted)
		for _, k := range deleted {
			u.NullFields = append(u.NullFields, "Labels."+k)
		}
	}
	return u
}

// createAttrs is the bucket Create asks for. owner is the owner as labels
// name it.
func createAttrs(p v1alpha1.BucketParameters, location string, owner ownership.Owner) *storagev1.Bucket {
	if location == "" {
		// What Google chooses without a location; a bucket with lifecycle
		// rules (here always sent, if empty) must name one.
		location = "US"
	}
	b := &storagev1.Bucket{
		Location:         location,
		StorageClass:     string(ptr.Deref(p.StorageClass, "")),
		Labels:           ownership.Merge(v1alpha1.LabelsOf(p.Labels), owner),
		IamConfiguration: &storagev1.BucketIamConfiguration{PublicAccessPrevention: papEnforced},
		Lifecycle:        toLifecycle(p.Lifecycle),
	}
	if ptr.Deref(p.UniformBucketLevelAccess, true) {
		b.IamConfiguration.UniformBucketLevelAccess = &storagev1.BucketIamConfigurationUniformBucketLevelAccess{Enabled: true}
	}
	if ptr.Deref(p.PublicAccessPrevention, v1alpha1.PublicAccessPreventionEnforced) == v1alpha1.PublicAccessPreventionInherited {
		b.IamConfiguration.PublicAccessPrevention = papInherited
	}
	// New buckets have versioning off.
	if ptr.Deref(p.Versioning, false) {
		b.Versioning = &storagev1.BucketVersioning{Enabled: true}
	}
	if p.RetentionPolicy != nil {
		b.RetentionPolicy = &storagev1.BucketRetentionPolicy{RetentionPeriod: p.RetentionPolicy.RetentionPeriodSeconds}
	}
	return b
}

const dateLayout = "2006-01-02"

// toLifecycle is the rules in the JSON API's form; never nil, and with no
// rules an empty list, so it says there are none.
func toLifecycle(rules []v1alpha1.LifecycleRule) *storagev1.BucketLifecycle {
	l := &storagev1.BucketLifecycle{}
	if len(rules) == 0 {
		l.ForceSendFields = []string{"Rule"}
	}
	for _, r := range rules {
		c := r.Condition
		sc := &storagev1.BucketLifecycleRuleCondition{
			NumNewerVersions:        ptr.Deref(c.NumNewerVersions, 0),
			MatchesPrefix:           c.MatchesPrefix,
			MatchesSuffix:           c.MatchesSuffix,
			DaysSinceNoncurrentTime: ptr.Deref(c.DaysSinceNoncurrentTime, 0),
		}
		switch age := ptr.Deref(c.AgeDays, -1); {
		case age == 0:
			// Age 0 is every object, and is sent.
			sc.Age, sc.ForceSendFields = ptr.To[int64](0), []string{"Age"}
		case age > 0:
			sc.Age = ptr.To(age)
		}
		for _, s := range c.MatchesStorageClass {
			sc.MatchesStorageClass = append(sc.MatchesStorageClass, string(s))
		}
		if c.CreatedBefore != nil {
			// The schema checks the form; a date that does not exist
			// (2024-02-30) is left out of the condition.
			if t, err := time.Parse(dateLayout, *c.CreatedBefore); err == nil {
				sc.CreatedBefore = t.Format(dateLayout)
			}
		}
		switch ptr.Deref(c.WithState, "") {
		case v1alpha1.ObjectStateLive:
			sc.IsLive = ptr.To(true)
		case v1alpha1.ObjectStateArchived:
			sc.IsLive = ptr.To(false)
		}
		l.Rule = append(l.Rule, &storagev1.BucketLifecycleRule{
			Action:    &storagev1.BucketLifecycleRuleAction{Type: string(r.Action.Type), StorageClass: string(ptr.Deref(r.Action.StorageClass, ""))},
			Condition: sc,
		})
	}
	return l
}

func fromLifecycle(l *storagev1.BucketLifecycle) []v1alpha1.LifecycleRule {
	if l == nil {
		return nil
	}
	var out []v1alpha1.LifecycleRule
	for _, r := range l.Rule {
		a, c := r.Action, r.Condition
		if a == nil {
			a = &storagev1.BucketLifecycleRuleAction{}
		}
		if c == nil {
			c = &storagev1.BucketLifecycleRuleCondition{}
		}
		lr := v1alpha1.LifecycleRule{
			Action: v1alpha1.LifecycleAction{Type: v1alpha1.LifecycleActionType(a.Type)},
			Condition: v1alpha1.LifecycleCondition{
				NumNewerVersions:        nonZero(c.NumNewerVersions),
				MatchesPrefix:           c.MatchesPrefix,
				MatchesSuffix:           c.MatchesSuffix,
				DaysSinceNoncurrentTime: nonZero(c.DaysSinceNoncurrentTime),
			},
		}
		if a.StorageClass != "" {
			lr.Action.StorageClass = ptr.To(v1alpha1.StorageClass(strings.ToUpper(a.StorageClass)))
		}
		if c.Age != nil && *c.Age >= 0 {
			lr.Condition.AgeDays = ptr.To(*c.Age)
		}
		for _, sc := range c.MatchesStorageClass {
			lr.Condition.MatchesStorageClass = append(lr.Condition.MatchesStorageClass, v1alpha1.StorageClass(strings.ToUpper(sc)))
		}
		if t, err := time.Parse(dateLayout, c.CreatedBefore); err == nil {
			lr.Condition.CreatedBefore = ptr.To(t.Format(dateLayout))
		}
		if c.IsLive != nil {
			lr.Condition.WithState = ptr.To(v1alpha1.ObjectStateArchived)
			if *c.IsLive {
				lr.Condition.WithState = ptr.To(v1alpha1.ObjectStateLive)
			}
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

// canonical is a rule in one form per meaning: through the JSON API's form
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
