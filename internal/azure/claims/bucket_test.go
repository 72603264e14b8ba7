package claims

import (
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	azstoragev1 "github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/azure/storage/account"
	"github.com/stowage-dev/stowage/internal/azure/storage/container"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// Azure's rules for storage account and container names, as the
// controllers check them.
var (
	validAccountName   = account.ValidName
	wantContainerValid = container.ValidName
)

func claim(name, uid string, opts ...func(*storagev1.BucketClaim)) *storagev1.BucketClaim {
	c := &storagev1.BucketClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: types.UID(uid)}}
	for _, o := range opts {
		o(c)
	}
	return c
}

func class(t *storagev1.AzureBucketTemplate) *storagev1.BucketClass {
	return &storagev1.BucketClass{ObjectMeta: metav1.ObjectMeta{Name: "azure-standard"}, Spec: storagev1.BucketClassSpec{Azure: t}}
}

func TestRegistered(t *testing.T) {
	b, ok := translate.Default.Bucket("azure")
	if !ok {
		t.Fatal("no azure bucket translation registered")
	}
	if _, ok := b.(Bucket); !ok {
		t.Errorf("azure bucket translation is %T", b)
	}
	if cl := class(&storagev1.AzureBucketTemplate{ResourceGroupName: "rg"}); cl.Cloud() != "azure" {
		t.Errorf("a class with an azure template says cloud %q", cl.Cloud())
	}
	if b, ok := translate.Default.BucketFor(&azstoragev1.Container{}); !ok || b != (Bucket{}) {
		t.Errorf("the translation of a Container is %v", b)
	}
}

func TestAccountName(t *testing.T) {
	cases := map[string]struct {
		reason string
		claim  *storagev1.BucketClaim
	}{
		"Plain":      {reason: "A claim's account is named from its UID.", claim: claim("assets", "0b6f3a52-1111-4c1e-9d55-5f0f1a2b3c4d")},
		"SameName":   {reason: "A claim of the same name elsewhere gets another account.", claim: claim("assets", "7c1d2e3f-2222-4c1e-9d55-5f0f1a2b3c4d")},
		"LongDotted": {reason: "The claim's name does not matter.", claim: claim(strings.Repeat("a.", 100), "9a8b7c6d-3333-4c1e-9d55-5f0f1a2b3c4d")},
	}
	seen := map[string]string{}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got := AccountName(tc.claim)
			if !validAccountName.MatchString(got) || len(got) != 24 || !strings.HasPrefix(got, "st") {
				t.Errorf("%s\nAccountName = %q, want st and 22 hex digits", tc.reason, got)
			}
			if again := AccountName(tc.claim); again != got {
				t.Errorf("%s\nAccountName is not stable: %q then %q", tc.reason, got, again)
			}
			if prev, ok := seen[got]; ok {
				t.Errorf("%s\nAccountName = %q, the same as case %s", tc.reason, got, prev)
			}
			seen[got] = n
		})
	}
}

func TestContainerName(t *testing.T) {
	cases := map[string]struct {
		reason string
		claim  *storagev1.BucketClaim
		want   string
	}{
		"Plain":  {reason: "A valid claim name is the container's.", claim: claim("azure-assets", "u1"), want: "azure-assets"},
		"Dotted": {reason: "Dots become single hyphens.", claim: claim("site.v2..static", "u1"), want: "site-v2-static"},
		"Long":   {reason: "A long name is cut to 63 without a trailing hyphen.", claim: claim(strings.Repeat("a", 62)+"-b", "u1"), want: strings.Repeat("a", 62)},
		"Short":  {reason: "A name too short for a container falls back to translate.Name.", claim: claim("ab", "u1"), want: translate.Name(claim("ab", "u1"))},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got := ContainerName(tc.claim)
			if got != tc.want || !wantContainerValid.MatchString(got) {
				t.Errorf("%s\nContainerName = %q, want %q, a valid container name", tc.reason, got, tc.want)
			}
		})
	}
}

func TestBucketPlan(t *testing.T) {
	const uid = "0b6f3a52-1111-4c1e-9d55-5f0f1a2b3c4d"
	base := claim("azure-assets", uid)
	name, account := translate.Name(base), AccountName(base)
	wantAccount := func(mutate func(*azstoragev1.AccountParameters)) *azstoragev1.Account {
		a := &azstoragev1.Account{
			TypeMeta: metav1.TypeMeta{APIVersion: "storage.azure.stowage.dev/v1alpha1", Kind: "Account"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Annotations: map[string]string{
				meta.AnnotationKeyExternalName: account, ownership.AnnotationGeneratedExternalName: account,
			}},
			Spec: azstoragev1.AccountSpec{ForProvider: azstoragev1.AccountParameters{
				ResourceGroupName: ptr.To("platform-storage"), Location: ptr.To("westeurope"),
				Kind: ptr.To("StorageV2"), SKU: ptr.To("Standard_LRS"), HTTPSOnly: ptr.To(true), MinimumTLSVersion: ptr.To("TLS1_2"),
				AllowBlobPublicAccess: ptr.To(false), Tags: map[string]string{"team": "platform"},
			}},
		}
		a.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}
		a.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-connection"}
		if mutate != nil {
			mutate(&a.Spec.ForProvider)
		}
		return a
	}
	wantContainer := func(access string) *azstoragev1.Container {
		c := &azstoragev1.Container{
			TypeMeta: metav1.TypeMeta{APIVersion: "storage.azure.stowage.dev/v1alpha1", Kind: "Container"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Annotations: map[string]string{
				meta.AnnotationKeyExternalName: "azure-assets", ownership.AnnotationGeneratedExternalName: "azure-assets",
			}},
			Spec: azstoragev1.ContainerSpec{ForProvider: azstoragev1.ContainerParameters{
				AccountNameRef: &xpv2.NamespacedReference{Name: name}, PublicAccess: ptr.To(access),
			}},
		}
		c.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}
		c.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: name + "-container-connection"}
		return c
	}
	ready := &azstoragev1.Account{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}
	ready.SetConditions(xpv2.Available())
	tmpl := &storagev1.AzureBucketTemplate{ResourceGroupName: "platform-storage", Location: ptr.To("westeurope"), Tags: map[string]string{"team": "platform"}}
	waiting := "Container waits for storage Account " + name + " to be ready"

	cases := map[string]struct {
		reason   string
		claim    *storagev1.BucketClaim
		tmpl     *storagev1.AzureBucketTemplate
		existing []client.Object
		want     translate.Plan
	}{
		"New": {
			reason: "A new claim gets its Account only: HTTPS and TLS 1.2 only, no public blob access, the class's tags; the Container waits.",
			claim:  base,
			tmpl:   tmpl,
			want:   translate.Plan{Resources: []client.Object{wantAccount(nil)}, Waiting: waiting},
		},
		"AccountNotReady": {
			reason:   "An Account still being made keeps the Container waiting.",
			claim:    base,
			tmpl:     tmpl,
			existing: []client.Object{&azstoragev1.Account{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}},
			want:     translate.Plan{Resources: []client.Object{wantAccount(nil)}, Waiting: waiting},
		},
		"AccountReady": {
			reason:   "A ready Account gets its private Container.",
			claim:    base,
			tmpl:     tmpl,
			existing: []client.Object{ready},
			want:     translate.Plan{Resources: []client.Object{wantAccount(nil), wantContainer("None")}},
		},
		"ContainerExists": {
			reason:   "A Container made earlier stays planned while its Account is not ready.",
			claim:    base,
			tmpl:     tmpl,
			existing: []client.Object{&azstoragev1.Container{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}},
			want:     translate.Plan{Resources: []client.Object{wantAccount(nil), wantContainer("None")}},
		},
		"PublicVersionedClassSettings": {
			reason: "A public claim gets public blob access; every class setting reaches the Account; versioning is reported as not applied.",
			claim:  claim("azure-assets", uid, func(c *storagev1.BucketClaim) { c.Spec.PublicAccess, c.Spec.Versioning = true, true }),
			tmpl: &storagev1.AzureBucketTemplate{
				ResourceGroupName: "platform-storage", AccountKind: ptr.To("BlockBlobStorage"), SKUName: ptr.To("Premium_ZRS"),
				AccessTier: ptr.To("Premium"), PublicNetworkAccess: ptr.To("Disabled"), MinimumTLSVersion: ptr.To("TLS1_3"),
			},
			existing: []client.Object{ready},
			want: translate.Plan{
				Resources: []client.Object{wantAccount(func(p *azstoragev1.AccountParameters) {
					p.Location, p.Kind, p.SKU, p.AccessTier = nil, ptr.To("BlockBlobStorage"), ptr.To("Premium_ZRS"), ptr.To("Premium")
					p.PublicNetworkAccess, p.MinimumTLSVersion, p.AllowBlobPublicAccess = ptr.To("Disabled"), ptr.To("TLS1_3"), ptr.To(true)
					p.Tags = map[string]string{}
				}), wantContainer("Blob")},
				NotApplied: []string{"versioning: blob versioning is not managed on Azure yet; the container is made without it"},
			},
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			got, err := Bucket{}.Plan(tc.claim, class(tc.tmpl), tc.existing)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nPlan: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
	if _, err := (Bucket{}).Plan(base, &storagev1.BucketClass{ObjectMeta: metav1.ObjectMeta{Name: "aws-only"}}, nil); err == nil {
		t.Error("a class without an azure template planned an account")
	}
}

func TestBucketUpdate(t *testing.T) {
	account := func(mutate func(*azstoragev1.Account)) *azstoragev1.Account {
		a := &azstoragev1.Account{Spec: azstoragev1.AccountSpec{ForProvider: azstoragev1.AccountParameters{
			ResourceGroupName: ptr.To("platform-storage"), Location: ptr.To("westeurope"),
			Kind: ptr.To("StorageV2"), SKU: ptr.To("Standard_LRS"), AccessTier: ptr.To("Hot"), HTTPSOnly: ptr.To(true), MinimumTLSVersion: ptr.To("TLS1_2"),
			AllowBlobPublicAccess: ptr.To(false), PublicNetworkAccess: ptr.To("Enabled"), Tags: map[string]string{"team": "platform"},
		}}}
		a.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}
		if mutate != nil {
			mutate(a)
		}
		return a
	}
	container := func(access string) *azstoragev1.Container {
		return &azstoragev1.Container{Spec: azstoragev1.ContainerSpec{ForProvider: azstoragev1.ContainerParameters{PublicAccess: ptr.To(access)}}}
	}
	cases := map[string]struct {
		reason         string
		existing       client.Object
		desired        client.Object
		want           client.Object
		wantChanged    bool
		wantNotApplied []string
	}{
		"InSync": {
			reason:   "What the controller late-initialised (access tier, public network access) is no difference.",
			existing: account(nil),
			desired: account(func(a *azstoragev1.Account) {
				a.Spec.ForProvider.AccessTier, a.Spec.ForProvider.PublicNetworkAccess = nil, nil
			}),
			want: account(nil),
		},
		"ClassEdits": {
			reason:   "SKU, access tier, public network access, TLS, tags and public blob access follow the class and claim.",
			existing: account(nil),
			desired: account(func(a *azstoragev1.Account) {
				p := &a.Spec.ForProvider
				p.SKU, p.AccessTier, p.PublicNetworkAccess, p.MinimumTLSVersion = ptr.To("Standard_ZRS"), ptr.To("Cool"), ptr.To("Disabled"), ptr.To("TLS1_3")
				p.Tags, p.AllowBlobPublicAccess = map[string]string{"team": "data"}, ptr.To(true)
			}),
			want: account(func(a *azstoragev1.Account) {
				p := &a.Spec.ForProvider
				p.SKU, p.AccessTier, p.PublicNetworkAccess, p.MinimumTLSVersion = ptr.To("Standard_ZRS"), ptr.To("Cool"), ptr.To("Disabled"), ptr.To("TLS1_3")
				p.Tags, p.AllowBlobPublicAccess = map[string]string{"team": "data"}, ptr.To(true)
			}),
			wantChanged: true,
		},
		"LocationCase": {
			reason:   "Azure spells locations two ways.",
			existing: account(nil),
			desired:  account(func(a *azstoragev1.Account) { a.Spec.ForProvider.Location = ptr.To("West Europe") }),
			want:     account(nil),
		},
		"Immovable": {
			reason:   "Another location, resource group or provider config is reported, not applied.",
			existing: account(nil),
			desired: account(func(a *azstoragev1.Account) {
				a.Spec.ForProvider.Location, a.Spec.ForProvider.ResourceGroupName = ptr.To("northeurope"), ptr.To("other")
				a.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "other"}
			}),
			want: account(nil),
			wantNotApplied: []string{
				"location northeurope (account in westeurope): an account cannot move",
				"resourceGroupName other (account in platform-storage): an account cannot move between resource groups",
				"providerConfigRef ClusterProviderConfig/other (in use: ClusterProviderConfig/default) would move the account to other credentials, possibly another subscription",
			},
		},
		"ContainerPublic": {
			reason:      "A claim turning public access on opens the container to anonymous reads of blobs.",
			existing:    container("None"),
			desired:     container("Blob"),
			want:        container("Blob"),
			wantChanged: true,
		},
		"ContainerInSync": {
			reason:   "A container as the claim wants it is left alone.",
			existing: container("None"),
			desired:  container("None"),
			want:     container("None"),
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			changed, notApplied := Bucket{}.Update(tc.existing, tc.desired)
			if changed != tc.wantChanged {
				t.Errorf("%s\nchanged = %t, want %t", tc.reason, changed, tc.wantChanged)
			}
			if diff := cmp.Diff(tc.wantNotApplied, notApplied); diff != "" {
				t.Errorf("%s\nnotApplied: -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, tc.existing); diff != "" {
				t.Errorf("%s\nafter Update: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBucketStatus(t *testing.T) {
	a := &azstoragev1.Account{Spec: azstoragev1.AccountSpec{ForProvider: azstoragev1.AccountParameters{Location: ptr.To("westeurope")}}}
	a.Status.AtProvider.PrimaryBlobEndpoint = "https://st0123.blob.core.windows.net/"
	c := &azstoragev1.Container{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{meta.AnnotationKeyExternalName: "azure-assets"}}}
	cases := map[string]struct {
		reason string
		obs    []client.Object
		want   translate.BucketStatus
	}{
		"Both": {
			reason: "The container's name, the account's location and blob endpoint.",
			obs:    []client.Object{a, c},
			want:   translate.BucketStatus{Bucket: "azure-assets", Region: "westeurope", Endpoint: "https://st0123.blob.core.windows.net/"},
		},
		"AccountOnly": {
			reason: "No bucket before the container is made.",
			obs:    []client.Object{a},
			want:   translate.BucketStatus{Region: "westeurope", Endpoint: "https://st0123.blob.core.windows.net/"},
		},
	}
	for n, tc := range cases {
		t.Run(n, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Bucket{}.Status(claim("azure-assets", "u1"), tc.obs)); diff != "" {
				t.Errorf("%s\nStatus: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
