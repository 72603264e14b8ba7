package account

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/azure/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/ownership"
)

func TestNameFor(t *testing.T) {
	cases := map[string]struct {
		reason    string
		namespace string
		name      string
		want      string
	}{
		"Valid":    {reason: "A valid account name is used as it is.", namespace: "shop", name: "assets01", want: "assets01"},
		"Hyphens":  {reason: "A claim's name-hash is valid once its hyphens go.", namespace: "shop", name: "orders-3f9a1c2b7d4e", want: "orders3f9a1c2b7d4e"},
		"TooLong":  {reason: "A long name keeps 14 characters and gains a hash.", namespace: "shop", name: "a-very-long-storage-account-name", want: "averylongstora" + "43ac1d8e3c"},
		"TooShort": {reason: "A name too short gains a hash.", namespace: "shop", name: "a-b", want: "ab" + "0fd3bc4cc4"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := NameFor(tc.namespace, tc.name)
			if !ValidName.MatchString(got) {
				t.Errorf("%s\nNameFor = %q is not a valid account name", tc.reason, got)
			}
			if tc.name == "a-very-long-storage-account-name" || tc.name == "a-b" {
				// The hash part is checked for shape and stability only.
				if got[:len(got)-10] != tc.want[:len(tc.want)-10] || NameFor(tc.namespace, tc.name) != got || NameFor("other", tc.name) == got {
					t.Errorf("%s\nNameFor = %q: want prefix %q, stable, and different in another namespace", tc.reason, got, tc.want[:len(tc.want)-10])
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	owner := ownership.Owner{Cluster: "c", Kind: "account", Namespace: "ns", Name: "n", UID: "u"}
	tagged := ownership.Merge(map[string]string{"team": "a"}, owner)
	base := observed{Location: "westeurope", Kind: "StorageV2", SKU: "Standard_LRS", AccessTier: ptr.To("Hot"), HTTPSOnly: ptr.To(true),
		MinimumTLSVersion: ptr.To("TLS1_2"), AllowBlobPublicAccess: ptr.To(false), Tags: tagged}
	cases := map[string]struct {
		reason    string
		spec      v1alpha1.AccountParameters
		obs       observed
		wantDiffs int
		wantPatch string
	}{
		"InSync": {
			reason:    "Unset fields never differ; set ones that match do not either.",
			spec:      v1alpha1.AccountParameters{SKU: ptr.To("Standard_LRS"), HTTPSOnly: ptr.To(true), Tags: map[string]string{"team": "a"}},
			obs:       base,
			wantPatch: `{}`,
		},
		"AccessTier": {
			reason:    "Only the differing property is in the PATCH.",
			spec:      v1alpha1.AccountParameters{AccessTier: ptr.To("Cool"), MinimumTLSVersion: ptr.To("TLS1_2")},
			obs:       base,
			wantDiffs: 1,
			wantPatch: `{"properties":{"accessTier":"Cool"}}`,
		},
		"SKUAndTags": {
			reason:    "A SKU and a tag change go in one PATCH with the full tag set, owner tags included.",
			spec:      v1alpha1.AccountParameters{SKU: ptr.To("Standard_GRS"), Tags: map[string]string{"team": "b"}},
			obs:       base,
			wantDiffs: 2,
			wantPatch: `{"sku":{"name":"Standard_GRS"},"tags":{"stowage-cluster":"c","stowage-kind":"account","stowage-name":"n","stowage-namespace":"ns","stowage-uid":"u","team":"b"}}`,
		},
		"OwnerTagsMissing": {
			reason:    "An account without its owner tags gets them, keeping its user tags.",
			spec:      v1alpha1.AccountParameters{},
			obs:       observed{SKU: "Standard_LRS", Tags: map[string]string{"team": "a"}},
			wantDiffs: 1,
			wantPatch: `{"tags":{"stowage-cluster":"c","stowage-kind":"account","stowage-name":"n","stowage-namespace":"ns","stowage-uid":"u","team":"a"}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ds, patch := diff(tc.spec, tc.obs, &owner)
			if len(ds) != tc.wantDiffs {
				t.Errorf("%s\ndifferences %v, want %d", tc.reason, ds, tc.wantDiffs)
			}
			b, err := json.Marshal(patch)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPatch, string(b)); diff != "" {
				t.Errorf("%s\nPATCH: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnectionString(t *testing.T) {
	cases := map[string]struct {
		reason   string
		endpoint string
		want     string
	}{
		"Public": {reason: "An account in Azure's public cloud uses the EndpointSuffix form.", endpoint: "https://acct.blob.core.windows.net/",
			want: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=k;EndpointSuffix=core.windows.net"},
		"Elsewhere": {reason: "Another endpoint is named as the BlobEndpoint.", endpoint: "http://127.0.0.1:10000/acct/",
			want: "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=k;BlobEndpoint=http://127.0.0.1:10000/acct/"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ConnectionString("acct", "k", tc.endpoint)); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
