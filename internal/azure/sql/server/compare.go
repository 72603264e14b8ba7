package server

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// observed is what one Observe read of a server found.
type observed struct {
	Location            string
	AdministratorLogin  *string
	Version             *string
	MinimalTLSVersion   *string
	PublicNetworkAccess *string
	Tags                map[string]string
	State               string
	FQDN                string
}

func observe(s armsql.Server) observed {
	o := observed{Location: ptr.Deref(s.Location, ""), Tags: armtags.FromARM(s.Tags)}
	if p := s.Properties; p != nil {
		o.AdministratorLogin = compare.NonEmpty(p.AdministratorLogin)
		o.Version = compare.NonEmpty(p.Version)
		o.MinimalTLSVersion = compare.NonEmpty(p.MinimalTLSVersion)
		o.PublicNetworkAccess = compare.NonEmpty((*string)(p.PublicNetworkAccess))
		o.State = ptr.Deref(p.State, "")
		o.FQDN = ptr.Deref(p.FullyQualifiedDomainName, "")
	}
	return o
}

// lateInitialize fills fields the user left empty with what Azure chose,
// and says whether anything changed.
func lateInitialize(p *v1alpha1.ServerParameters, o observed) bool {
	c := compare.LateInit(&p.Location, compare.NonEmpty(&o.Location))
	c = compare.LateInit(&p.AdministratorLogin, o.AdministratorLogin) || c
	c = compare.LateInit(&p.Version, o.Version) || c
	c = compare.LateInit(&p.MinimalTLSVersion, o.MinimalTLSVersion) || c
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

func str(v *string) string {
	if v == nil {
		return "none"
	}
	return *v
}

// diff lists where Azure differs from the spec (unset fields never
// differ), and returns the PATCH that sends exactly those differences.
// owner, when set, are the owner tags the server must carry too; password,
// when set, is a new administrator password to send (it never appears in
// the differences).
func diff(p v1alpha1.ServerParameters, o observed, owner *ownership.Owner, password string) ([]fmt.Stringer, armsql.ServerUpdate) {
	var ds []fmt.Stringer
	var up armsql.ServerUpdate
	props := &armsql.ServerProperties{}
	changed := false
	if p.MinimalTLSVersion != nil && *p.MinimalTLSVersion != ptr.Deref(o.MinimalTLSVersion, "") {
		ds = append(ds, difference{"minimalTlsVersion", *p.MinimalTLSVersion, str(o.MinimalTLSVersion)})
		props.MinimalTLSVersion, changed = ptr.To(*p.MinimalTLSVersion), true
	}
	if p.PublicNetworkAccess != nil && *p.PublicNetworkAccess != ptr.Deref(o.PublicNetworkAccess, "Enabled") {
		ds = append(ds, difference{"publicNetworkAccess", *p.PublicNetworkAccess, str(o.PublicNetworkAccess)})
		props.PublicNetworkAccess, changed = ptr.To(armsql.ServerNetworkAccessFlag(*p.PublicNetworkAccess)), true
	}
	if password != "" {
		ds = append(ds, difference{"passwordSecretRef", "the password in the Secret", "an older password"})
		props.AdministratorLoginPassword, changed = ptr.To(password), true
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
