package database

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// observed is what one Observe read of a database found.
type observed struct {
	Status string
	// CurrentObjective is the service objective the database runs at
	// (S0, GP_Gen5_2); RequestedObjective the one it is moving to, which
	// counts as its value while a scale runs.
	CurrentObjective   string
	RequestedObjective string
	Tier               string
	MaxSizeBytes       *int64
	ZoneRedundant      *bool
	Collation          *string
	RequestedBackup    *string
	CurrentBackup      string
	EarliestRestore    string
	Tags               map[string]string
}

func observe(d armsql.Database) observed {
	o := observed{Tags: armtags.FromARM(d.Tags)}
	if d.SKU != nil {
		o.Tier = ptr.Deref(d.SKU.Tier, "")
	}
	if p := d.Properties; p != nil {
		o.Status = string(ptr.Deref(p.Status, ""))
		o.CurrentObjective = ptr.Deref(p.CurrentServiceObjectiveName, "")
		o.RequestedObjective = ptr.Deref(p.RequestedServiceObjectiveName, "")
		o.MaxSizeBytes = p.MaxSizeBytes
		o.ZoneRedundant = p.ZoneRedundant
		o.Collation = compare.NonEmpty(p.Collation)
		o.RequestedBackup = compare.NonEmpty((*string)(p.RequestedBackupStorageRedundancy))
		o.CurrentBackup = string(ptr.Deref(p.CurrentBackupStorageRedundancy, ""))
		if p.EarliestRestoreDate != nil {
			o.EarliestRestore = p.EarliestRestoreDate.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	return o
}

// objective is the service objective the database has or is moving to.
func (o observed) objective() string {
	if o.RequestedObjective != "" {
		return o.RequestedObjective
	}
	return o.CurrentObjective
}

// Objective is the service objective a SKU asks for: its name, or a vCore
// family name with its capacity (GP_Gen5 and 2 are GP_Gen5_2).
func Objective(s v1alpha1.SKU) string {
	if s.Capacity == nil {
		return s.Name
	}
	if i := strings.LastIndex(s.Name, "_"); i > 0 {
		if _, err := strconv.Atoi(s.Name[i+1:]); err == nil {
			return s.Name
		}
	}
	return fmt.Sprintf("%s_%d", s.Name, *s.Capacity)
}

// lateInitialize fills fields the user left empty with what Azure chose,
// and says whether anything changed. An unset SKU takes the service
// objective's name (S0, GP_Gen5_2): Azure reports sku.name as the edition
// (Standard) for DTU databases, which it refuses as input.
func lateInitialize(p *v1alpha1.DatabaseParameters, o observed) bool {
	c := false
	if p.SKU == nil && o.CurrentObjective != "" {
		p.SKU = &v1alpha1.SKU{Name: o.CurrentObjective, Tier: compare.NonEmpty(&o.Tier)}
		c = true
	}
	c = compare.LateInit(&p.MaxSizeBytes, o.MaxSizeBytes) || c
	c = compare.LateInit(&p.ZoneRedundant, o.ZoneRedundant) || c
	c = compare.LateInit(&p.Collation, o.Collation) || c
	c = compare.LateInit(&p.RequestedBackupStorageRedundancy, o.RequestedBackup) || c
	c = armtags.LateInit(&p.Tags, o.Tags) || c
	return c
}

// A difference is one field whose spec and Azure values differ.
type difference struct {
	Field string
	Want  string
	Got   string
}

func (d difference) String() string {
	return fmt.Sprintf("spec.forProvider.%s: want %s, Azure has %s", d.Field, d.Want, d.Got)
}

func str[T any](v *T) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

// diff lists where Azure differs from the spec (unset fields never
// differ), and returns the PATCH that sends exactly those differences.
// owner, when set, are the owner tags the database must carry too.
func diff(p v1alpha1.DatabaseParameters, o observed, owner *ownership.Owner) ([]fmt.Stringer, armsql.DatabaseUpdate) {
	var ds []fmt.Stringer
	var up armsql.DatabaseUpdate
	props := &armsql.DatabaseUpdateProperties{}
	changed := false
	if s := p.SKU; s != nil {
		want := Objective(*s)
		tierDiffers := s.Tier != nil && o.Tier != "" && !strings.EqualFold(*s.Tier, o.Tier)
		if !strings.EqualFold(want, o.objective()) || tierDiffers {
			got := compare.OrNone(o.objective())
			if o.Tier != "" {
				got += " (" + o.Tier + ")"
			}
			w := want
			if s.Tier != nil {
				w += " (" + *s.Tier + ")"
			}
			ds = append(ds, difference{"sku", w, got})
			up.SKU = &armsql.SKU{Name: ptr.To(s.Name), Tier: s.Tier, Capacity: s.Capacity}
		}
	}
	if p.MaxSizeBytes != nil && *p.MaxSizeBytes != ptr.Deref(o.MaxSizeBytes, 0) {
		ds = append(ds, difference{"maxSizeBytes", fmt.Sprint(*p.MaxSizeBytes), str(o.MaxSizeBytes)})
		props.MaxSizeBytes, changed = ptr.To(*p.MaxSizeBytes), true
	}
	if p.ZoneRedundant != nil && *p.ZoneRedundant != ptr.Deref(o.ZoneRedundant, false) {
		ds = append(ds, difference{"zoneRedundant", fmt.Sprint(*p.ZoneRedundant), str(o.ZoneRedundant)})
		props.ZoneRedundant, changed = ptr.To(*p.ZoneRedundant), true
	}
	if p.RequestedBackupStorageRedundancy != nil && !strings.EqualFold(*p.RequestedBackupStorageRedundancy, ptr.Deref(o.RequestedBackup, "")) {
		ds = append(ds, difference{"requestedBackupStorageRedundancy", *p.RequestedBackupStorageRedundancy, str(o.RequestedBackup)})
		props.RequestedBackupStorageRedundancy, changed = ptr.To(armsql.BackupStorageRedundancy(*p.RequestedBackupStorageRedundancy)), true
	}
	if changed {
		up.Properties = props
	}
	if td := armtags.Diff(p.Tags, o.Tags, owner); len(td) > 0 {
		for _, d := range td {
			ds = append(ds, d)
		}
		up.Tags = armtags.ToARM(desiredTags(p.Tags, o.Tags, owner))
	}
	return ds, up
}

// desiredTags is the database's full tag set, as ARM's PATCH replaces the
// whole set: the spec's tags and the owner tags (or, without an owner to
// write, the owner tags the database has).
func desiredTags(spec, cloud map[string]string, owner *ownership.Owner) map[string]string {
	if owner != nil {
		return armtags.Desired(spec, cloud, *owner)
	}
	out := map[string]string{}
	for k, v := range cloud {
		if ownership.IsReserved(k) {
			out[k] = v
		}
	}
	user := spec
	if user == nil {
		user = ownership.UserTags(cloud)
	}
	for k, v := range user {
		out[k] = v
	}
	return out
}
