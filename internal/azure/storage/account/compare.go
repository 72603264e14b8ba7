package account

import (
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// observed is what one Observe read of an account found.
type observed struct {
	Location              string
	Kind                  string
	SKU                   string
	AccessTier            *string
	HTTPSOnly             *bool
	MinimumTLSVersion     *string
	AllowBlobPublicAccess *bool
	PublicNetworkAccess   *string
	Tags                  map[string]string
	State                 string
	BlobEndpoint          string
	// Created is when Azure made the account: one made again has new keys.
	Created *time.Time
}

func observe(a armstorage.Account) observed {
	o := observed{Location: ptr.Deref(a.Location, ""), Tags: armtags.FromARM(a.Tags)}
	if a.Kind != nil {
		o.Kind = string(*a.Kind)
	}
	if a.SKU != nil && a.SKU.Name != nil {
		o.SKU = string(*a.SKU.Name)
	}
	if p := a.Properties; p != nil {
		o.AccessTier = (*string)(p.AccessTier)
		o.HTTPSOnly = p.EnableHTTPSTrafficOnly
		o.MinimumTLSVersion = (*string)(p.MinimumTLSVersion)
		o.AllowBlobPublicAccess = p.AllowBlobPublicAccess
		o.PublicNetworkAccess = (*string)(p.PublicNetworkAccess)
		o.Created = p.CreationTime
		if p.ProvisioningState != nil {
			o.State = string(*p.ProvisioningState)
		}
		if p.PrimaryEndpoints != nil {
			o.BlobEndpoint = ptr.Deref(p.PrimaryEndpoints.Blob, "")
		}
	}
	return o
}

// lateInitialize fills fields the user left empty with what Azure chose,
// and says whether anything changed.
func lateInitialize(p *v1alpha1.AccountParameters, o observed) bool {
	c := false
	c = compare.LateInit(&p.Location, compare.NonEmpty(&o.Location)) || c
	c = compare.LateInit(&p.Kind, compare.NonEmpty(&o.Kind)) || c
	c = compare.LateInit(&p.SKU, compare.NonEmpty(&o.SKU)) || c
	c = compare.LateInit(&p.AccessTier, o.AccessTier) || c
	c = compare.LateInit(&p.HTTPSOnly, o.HTTPSOnly) || c
	c = compare.LateInit(&p.MinimumTLSVersion, o.MinimumTLSVersion) || c
	c = compare.LateInit(&p.AllowBlobPublicAccess, o.AllowBlobPublicAccess) || c
	c = compare.LateInit(&p.PublicNetworkAccess, o.PublicNetworkAccess) || c
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
// owner, when set, are the owner tags the account must carry too.
func diff(p v1alpha1.AccountParameters, o observed, owner *ownership.Owner) ([]fmt.Stringer, armstorage.AccountUpdateParameters) {
	var ds []fmt.Stringer
	var up armstorage.AccountUpdateParameters
	props := &armstorage.AccountPropertiesUpdateParameters{}
	changedProps := false
	if p.SKU != nil && *p.SKU != o.SKU {
		ds = append(ds, difference{"sku", *p.SKU, compare.OrNone(o.SKU)})
		up.SKU = &armstorage.SKU{Name: ptr.To(armstorage.SKUName(*p.SKU))}
	}
	if p.Kind != nil && *p.Kind != o.Kind {
		ds = append(ds, difference{"kind", *p.Kind, compare.OrNone(o.Kind)})
		up.Kind = ptr.To(armstorage.Kind(*p.Kind))
	}
	if p.AccessTier != nil && *p.AccessTier != ptr.Deref(o.AccessTier, "") {
		ds = append(ds, difference{"accessTier", *p.AccessTier, str(o.AccessTier)})
		props.AccessTier, changedProps = ptr.To(armstorage.AccessTier(*p.AccessTier)), true
	}
	if p.HTTPSOnly != nil && (o.HTTPSOnly == nil || *p.HTTPSOnly != *o.HTTPSOnly) {
		ds = append(ds, difference{"httpsOnly", fmt.Sprint(*p.HTTPSOnly), str(o.HTTPSOnly)})
		props.EnableHTTPSTrafficOnly, changedProps = ptr.To(*p.HTTPSOnly), true
	}
	if p.MinimumTLSVersion != nil && *p.MinimumTLSVersion != ptr.Deref(o.MinimumTLSVersion, "") {
		ds = append(ds, difference{"minimumTlsVersion", *p.MinimumTLSVersion, str(o.MinimumTLSVersion)})
		props.MinimumTLSVersion, changedProps = ptr.To(armstorage.MinimumTLSVersion(*p.MinimumTLSVersion)), true
	}
	if p.AllowBlobPublicAccess != nil && *p.AllowBlobPublicAccess != ptr.Deref(o.AllowBlobPublicAccess, false) {
		ds = append(ds, difference{"allowBlobPublicAccess", fmt.Sprint(*p.AllowBlobPublicAccess), str(o.AllowBlobPublicAccess)})
		props.AllowBlobPublicAccess, changedProps = ptr.To(*p.AllowBlobPublicAccess), true
	}
	if p.PublicNetworkAccess != nil && *p.PublicNetworkAccess != ptr.Deref(o.PublicNetworkAccess, "Enabled") {
		ds = append(ds, difference{"publicNetworkAccess", *p.PublicNetworkAccess, str(o.PublicNetworkAccess)})
		props.PublicNetworkAccess, changedProps = ptr.To(armstorage.PublicNetworkAccess(*p.PublicNetworkAccess)), true
	}
	if changedProps {
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

// desiredTags is the account's full tag set, as ARM's PATCH replaces the
// whole set: the spec's tags and the owner tags (or, without an owner to
// write, the owner tags the account has).
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
