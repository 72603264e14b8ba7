// Package claims translates portable claims into Azure managed resources. A
// BucketClaim becomes a storage Account of its own and a blob Container in
// it; a DatabaseClaim a server of its own (a PostgreSQL or MySQL flexible
// server, or an Azure SQL server) and a database in it.
package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	azstoragev1 "github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// Cloud is the name of the Azure template in a class.
const Cloud = "azure"

// Defaults of an Azure bucket class.
const (
	DefaultAccountKind       = "StorageV2"
	DefaultSKUName           = "Standard_LRS"
	DefaultMinimumTLSVersion = "TLS1_2"
)

func init() {
	translate.Default.RegisterBucket(Cloud, Bucket{})
}

// Bucket translates BucketClaims into a storage Account and a Container.
type Bucket struct{}

var _ translate.Bucket = Bucket{}

// AccountName is the storage account of a claim: "st" and 22 hex digits of
// a hash of the claim's UID. Account names are global, 3-24 lower-case
// letters and digits; the UID makes them unique per claim (two claims of
// the same name anywhere, or one applied again after a Retain delete, get
// two accounts), and 88 bits make a clash with anyone else's unlikely.
func AccountName(claim metav1.Object) string {
	sum := sha256.Sum256([]byte(claim.GetUID()))
	return "st" + hex.EncodeToString(sum[:])[:22]
}

// validContainerName is Azure's rule for container names.
var validContainerName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// ContainerName is the claim's blob container: the claim's name where it
// is a valid container name (3-63 lower-case letters, digits and single
// hyphens), else the claim's letters and digits joined by single hyphens,
// else translate.Name. The account is the claim's own, so the container
// needs no hash.
func ContainerName(claim metav1.Object) string {
	var b strings.Builder
	for _, r := range strings.ToLower(claim.GetName()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteRune('-')
		}
	}
	n := b.String()
	if len(n) > 63 {
		n = n[:63]
	}
	n = strings.TrimRight(n, "-")
	if !validContainerName.MatchString(n) {
		return translate.Name(claim)
	}
	return n
}

// Connection secret names of a claim's Account and Container, both named
// name; the claim controller merges them, the Account's first.
func accountSecretName(name string) string   { return name + "-connection" }
func containerSecretName(name string) string { return name + "-container-connection" }

// Types the bucket translation creates.
func (Bucket) Types() []client.Object {
	return []client.Object{&azstoragev1.Account{}, &azstoragev1.Container{}}
}

// Plan is the Account, then the Container once the Account is ready (or
// once the Container exists): Azure refuses a container in an account
// still being made.
func (Bucket) Plan(c *storagev1.BucketClaim, cl *storagev1.BucketClass, existing []client.Object) (translate.Plan, error) {
	t := cl.Spec.Azure
	if t == nil {
		return translate.Plan{}, fmt.Errorf("class %s has no azure template", cl.Name)
	}
	name := translate.Name(c)
	pc := translate.ProviderConfigRef(cl.Spec.ProviderConfigRef.Kind, cl.Spec.ProviderConfigRef.Name)
	acct := &azstoragev1.Account{
		TypeMeta:   metav1.TypeMeta{APIVersion: azstoragev1.SchemeGroupVersion.String(), Kind: azstoragev1.AccountKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name, Annotations: ownership.GeneratedName(AccountName(c))},
		Spec: azstoragev1.AccountSpec{ForProvider: azstoragev1.AccountParameters{
			ResourceGroupName:     ptr.To(t.ResourceGroupName),
			Location:              t.Location,
			Kind:                  ptr.To(ptr.Deref(t.AccountKind, DefaultAccountKind)),
			SKU:                   ptr.To(ptr.Deref(t.SKUName, DefaultSKUName)),
			AccessTier:            t.AccessTier,
			HTTPSOnly:             ptr.To(true),
			MinimumTLSVersion:     ptr.To(ptr.Deref(t.MinimumTLSVersion, DefaultMinimumTLSVersion)),
			AllowBlobPublicAccess: ptr.To(c.Spec.PublicAccess),
			PublicNetworkAccess:   t.PublicNetworkAccess,
			Tags:                  maps.Clone(t.Tags),
		}},
	}
	if acct.Spec.ForProvider.Tags == nil {
		acct.Spec.ForProvider.Tags = map[string]string{}
	}
	acct.Spec.ProviderConfigReference = pc
	acct.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: accountSecretName(name)}

	access := "None"
	if c.Spec.PublicAccess {
		access = "Blob"
	}
	ctr := &azstoragev1.Container{
		TypeMeta:   metav1.TypeMeta{APIVersion: azstoragev1.SchemeGroupVersion.String(), Kind: azstoragev1.ContainerKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name, Annotations: ownership.GeneratedName(ContainerName(c))},
		Spec: azstoragev1.ContainerSpec{ForProvider: azstoragev1.ContainerParameters{
			AccountNameRef: &xpv2.NamespacedReference{Name: name},
			PublicAccess:   ptr.To(access),
		}},
	}
	ctr.Spec.ProviderConfigReference = pc.DeepCopy()
	ctr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: containerSecretName(name)}

	var notApplied []string
	if c.Spec.Versioning {
		notApplied = append(notApplied, "versioning: blob versioning is not managed on Azure yet; the container is made without it")
	}
	ready, made := false, false
	for _, o := range existing {
		switch mr := o.(type) {
		case *azstoragev1.Account:
			if mr.Name == name {
				ready = mr.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue
			}
		case *azstoragev1.Container:
			made = made || mr.Name == name
		}
	}
	if !ready && !made {
		return translate.Plan{
			Resources:  []client.Object{acct},
			Waiting:    fmt.Sprintf("Container waits for storage Account %s to be ready", name),
			NotApplied: notApplied,
		}, nil
	}
	return translate.Plan{Resources: []client.Object{acct, ctr}, NotApplied: notApplied}, nil
}

// Update applies what a claim or its class may change of an account: kind,
// SKU, access tier, TLS, public network and blob access, tags; and the
// container's public access. A location, resource group or provider config
// change is reported, not applied: an account cannot move, and other
// credentials may reach another subscription.
func (Bucket) Update(existing, desired client.Object) (bool, []string) {
	switch e := existing.(type) {
	case *azstoragev1.Account:
		d, ok := desired.(*azstoragev1.Account)
		if !ok {
			return false, nil
		}
		return updateAccount(e, d)
	case *azstoragev1.Container:
		d, ok := desired.(*azstoragev1.Container)
		if !ok {
			return false, nil
		}
		ep, dp := &e.Spec.ForProvider, d.Spec.ForProvider
		if dp.PublicAccess != nil && !ptr.Equal(ep.PublicAccess, dp.PublicAccess) {
			ep.PublicAccess = ptr.To(*dp.PublicAccess)
			return true, nil
		}
	}
	return false, nil
}

func updateAccount(e, d *azstoragev1.Account) (bool, []string) {
	ep, dp := &e.Spec.ForProvider, d.Spec.ForProvider
	var changed bool
	set := func(have **string, want *string) {
		if want != nil && !ptr.Equal(*have, want) {
			*have, changed = ptr.To(*want), true
		}
	}
	set(&ep.Kind, dp.Kind)
	set(&ep.SKU, dp.SKU)
	set(&ep.AccessTier, dp.AccessTier)
	set(&ep.MinimumTLSVersion, dp.MinimumTLSVersion)
	set(&ep.PublicNetworkAccess, dp.PublicNetworkAccess)
	if dp.HTTPSOnly != nil && !ptr.Equal(ep.HTTPSOnly, dp.HTTPSOnly) {
		ep.HTTPSOnly, changed = ptr.To(*dp.HTTPSOnly), true
	}
	if dp.AllowBlobPublicAccess != nil && !ptr.Equal(ep.AllowBlobPublicAccess, dp.AllowBlobPublicAccess) {
		ep.AllowBlobPublicAccess, changed = ptr.To(*dp.AllowBlobPublicAccess), true
	}
	if dp.Tags != nil && !maps.Equal(ep.Tags, dp.Tags) {
		ep.Tags, changed = maps.Clone(dp.Tags), true
	}
	var notApplied []string
	if dp.Location != nil && ep.Location != nil && !azureclient.SameLocation(*dp.Location, *ep.Location) {
		notApplied = append(notApplied, fmt.Sprintf("location %s (account in %s): an account cannot move", *dp.Location, *ep.Location))
	}
	if dp.ResourceGroupName != nil && ep.ResourceGroupName != nil && !strings.EqualFold(*dp.ResourceGroupName, *ep.ResourceGroupName) {
		notApplied = append(notApplied, fmt.Sprintf("resourceGroupName %s (account in %s): an account cannot move between resource groups", *dp.ResourceGroupName, *ep.ResourceGroupName))
	}
	if have, want := e.Spec.ProviderConfigReference, d.Spec.ProviderConfigReference; have != nil && want != nil && *have != *want {
		notApplied = append(notApplied, fmt.Sprintf("providerConfigRef %s/%s (in use: %s/%s) would move the account to other credentials, possibly another subscription", want.Kind, want.Name, have.Kind, have.Name))
	}
	return changed, notApplied
}

// Status reads the container's name and the account's location and blob
// endpoint.
func (Bucket) Status(_ *storagev1.BucketClaim, observed []client.Object) translate.BucketStatus {
	var st translate.BucketStatus
	for _, obj := range observed {
		switch mr := obj.(type) {
		case *azstoragev1.Account:
			st.Region = ptr.Deref(mr.Spec.ForProvider.Location, "")
			st.Endpoint = mr.Status.AtProvider.PrimaryBlobEndpoint
		case *azstoragev1.Container:
			st.Bucket = meta.GetExternalName(mr)
		}
	}
	return st
}
