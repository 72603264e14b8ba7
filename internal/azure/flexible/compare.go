package flexible

import (
	"fmt"
	"strings"

	"k8s.io/utils/ptr"

	flexv1alpha1 "github.com/stowage-dev/stowage/apis/azure/flexible/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// Defaults of a new server the spec says nothing about.
const (
	DefaultSKUName            = "Standard_B1ms"
	DefaultSKUTier            = "Burstable"
	DefaultAdministratorLogin = "stowage"
)

// lateInitialize fills the settings the user left unset with what Azure
// chose, and says whether anything changed.
func lateInitialize(s *flexv1alpha1.ServerSettings, o Server) bool {
	c := compare.LateInit(&s.Location, compare.NonEmpty(&o.Location))
	c = compare.LateInit(&s.Version, compare.NonEmpty(&o.Version)) || c
	if s.SKU == nil && o.SKUName != "" && o.SKUTier != "" {
		s.SKU, c = &flexv1alpha1.SKU{Name: o.SKUName, Tier: o.SKUTier}, true
	}
	if o.StorageGB != nil || o.AutoGrow != nil {
		if s.Storage == nil {
			s.Storage = &flexv1alpha1.Storage{}
		}
		c = compare.LateInit(&s.Storage.SizeGB, o.StorageGB) || c
		c = compare.LateInit(&s.Storage.AutoGrow, o.AutoGrow) || c
	}
	if s.HighAvailability == nil && o.HAMode != "" {
		s.HighAvailability, c = &flexv1alpha1.HighAvailability{Mode: o.HAMode}, true
	}
	if o.RetentionDays != nil || o.GeoRedundantBackup != nil {
		if s.Backup == nil {
			s.Backup = &flexv1alpha1.Backup{}
		}
		c = compare.LateInit(&s.Backup.RetentionDays, o.RetentionDays) || c
		c = compare.LateInit(&s.Backup.GeoRedundantBackup, o.GeoRedundantBackup) || c
	}
	c = compare.LateInit(&s.AdministratorLogin, compare.NonEmpty(&o.AdministratorLogin)) || c
	c = compare.LateInit(&s.PublicNetworkAccess, compare.NonEmpty(&o.PublicNetworkAccess)) || c
	c = armtags.LateInit(&s.Tags, o.Tags) || c
	return c
}

// A difference is one field whose spec and Azure values differ. Refused,
// when set, says why Stowage will not send it: Azure cannot make that
// change.
type difference struct {
	Field   string
	Want    string
	Got     string
	Refused string
}

func (d difference) String() string {
	s := fmt.Sprintf("spec.forProvider.%s: want %s, Azure has %s", d.Field, d.Want, d.Got)
	if d.Refused != "" {
		s += " (" + d.Refused + ")"
	}
	return s
}

// Field names of differences.
const (
	fieldVersion             = "version"
	fieldSKU                 = "sku"
	fieldStorageSize         = "storage.sizeGB"
	fieldAutoGrow            = "storage.autoGrow"
	fieldHAMode              = "highAvailability.mode"
	fieldRetentionDays       = "backup.retentionDays"
	fieldGeoRedundantBackup  = "backup.geoRedundantBackup"
	fieldAdministratorLogin  = "administratorLogin"
	fieldPublicNetworkAccess = "publicNetworkAccess"
	fieldTags                = "tags"
	fieldPassword            = "administratorPasswordSecretRef"
)

func str[T any](v *T) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

// diff lists where Azure differs from the spec (unset fields never differ)
// and returns the PATCH that sends exactly the differences Azure can apply.
// owner, when set, are the owner tags the server must carry too.
func diff(e Engine, s flexv1alpha1.ServerSettings, o Server, owner *ownership.Owner) ([]difference, Patch) {
	var ds []difference
	var p Patch
	if v := ptr.Deref(s.Version, ""); v != "" {
		switch CompareVersions(v, o.Version) {
		case -1:
			ds = append(ds, difference{Field: fieldVersion, Want: v, Got: o.Version, Refused: "Azure cannot downgrade a server: set it back to " + o.Version})
		case 1:
			ds = append(ds, difference{Field: fieldVersion, Want: v, Got: o.Version, Refused: "the " + e.Name + " API version Stowage uses cannot upgrade a server in place: upgrade it in Azure, or set it back to " + o.Version})
		}
	}
	if k := s.SKU; k != nil && (k.Name != o.SKUName || k.Tier != o.SKUTier) {
		ds = append(ds, difference{Field: fieldSKU, Want: k.Tier + "/" + k.Name, Got: compare.OrNone(o.SKUTier) + "/" + compare.OrNone(o.SKUName)})
		p.SKUName, p.SKUTier = ptr.To(k.Name), ptr.To(k.Tier)
	}
	if st := s.Storage; st != nil {
		if gb := st.SizeGB; gb != nil && *gb != ptr.Deref(o.StorageGB, 0) {
			d := difference{Field: fieldStorageSize, Want: fmt.Sprint(*gb), Got: str(o.StorageGB)}
			if o.StorageGB != nil && *gb < *o.StorageGB {
				d.Refused = fmt.Sprintf("Azure cannot shrink storage: set it to %d or more", *o.StorageGB)
			} else {
				p.StorageGB = ptr.To(*gb)
			}
			ds = append(ds, d)
		}
		if ag := st.AutoGrow; ag != nil && (o.AutoGrow == nil || *ag != *o.AutoGrow) {
			d := difference{Field: fieldAutoGrow, Want: fmt.Sprint(*ag), Got: str(o.AutoGrow)}
			if o.AutoGrow == nil {
				d.Refused = "the " + e.Name + " API version Stowage uses has no storage autogrow"
			} else {
				p.AutoGrow = ptr.To(*ag)
			}
			ds = append(ds, d)
		}
	}
	if ha := s.HighAvailability; ha != nil && ha.Mode != o.HAMode && !(ha.Mode == "Disabled" && o.HAMode == "") {
		ds = append(ds, difference{Field: fieldHAMode, Want: ha.Mode, Got: compare.OrNone(o.HAMode)})
		p.HAMode = ptr.To(ha.Mode)
	}
	if b := s.Backup; b != nil {
		if r := b.RetentionDays; r != nil && *r != ptr.Deref(o.RetentionDays, 0) {
			ds = append(ds, difference{Field: fieldRetentionDays, Want: fmt.Sprint(*r), Got: str(o.RetentionDays)})
			p.RetentionDays = ptr.To(*r)
		}
		if g := b.GeoRedundantBackup; g != nil && *g != ptr.Deref(o.GeoRedundantBackup, false) {
			ds = append(ds, difference{Field: fieldGeoRedundantBackup, Want: fmt.Sprint(*g), Got: str(o.GeoRedundantBackup), Refused: "Azure chooses geo-redundant backup only when a server is created"})
		}
	}
	if l := ptr.Deref(s.AdministratorLogin, ""); l != "" && o.AdministratorLogin != "" && l != o.AdministratorLogin {
		ds = append(ds, difference{Field: fieldAdministratorLogin, Want: l, Got: o.AdministratorLogin, Refused: "Azure chooses the administrator login only when a server is created: set it back to " + o.AdministratorLogin})
	}
	if n := ptr.Deref(s.PublicNetworkAccess, ""); n != "" && o.PublicNetworkAccess != "" && !strings.EqualFold(n, o.PublicNetworkAccess) {
		ds = append(ds, difference{Field: fieldPublicNetworkAccess, Want: n, Got: o.PublicNetworkAccess, Refused: "in the " + e.Name + " API version Stowage uses it follows the server's virtual network integration and cannot be set"})
	}
	if td := armtags.Diff(s.Tags, o.Tags, owner); len(td) > 0 {
		for _, d := range td {
			f := fieldTags
			if d.Owner {
				f += " (owner tags)"
			}
			ds = append(ds, difference{Field: f, Want: d.Want, Got: d.Got})
		}
		p.Tags = desiredTags(s.Tags, o.Tags, owner)
	}
	return ds, p
}

// desiredTags is the server's full tag set, as ARM's PATCH replaces the
// whole set: the spec's tags and the owner tags (or, without an owner to
// write, the owner tags the server has).
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

func splitRefused(ds []difference) (fixable, refused []difference) {
	for _, d := range ds {
		if d.Refused != "" {
			refused = append(refused, d)
			continue
		}
		fixable = append(fixable, d)
	}
	return fixable, refused
}
