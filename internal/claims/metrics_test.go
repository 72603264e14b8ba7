package claims

import (
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/stowage-dev/stowage/apis"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
)

func TestCollectorCountsClaims(t *testing.T) {
	db := func(name, class string, cs ...xpv2.Condition) *dbv1.DatabaseClaim {
		c := &dbv1.DatabaseClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name}}
		c.Status.ClassName = class
		c.SetConditions(cs...)
		return c
	}
	bucket := func(name, asked, class string, cs ...xpv2.Condition) *storagev1.BucketClaim {
		c := &storagev1.BucketClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: name}}
		if asked != "" {
			c.Spec.ClassName = ptr.To(asked)
		}
		c.Status.ClassName = class
		c.SetConditions(cs...)
		return c
	}
	cases := map[string]struct {
		objs []client.Object
		want string
	}{
		"None": {want: ""},
		"ByClassAndReadiness": {
			objs: []client.Object{
				db("a", "standard", xpv2.Available()),
				db("b", "standard", xpv2.Available()),
				db("c", "standard", xpv2.Creating()),
				db("d", "premium", xpv2.Available()),
				db("e", ""),
			},
			want: `
stowage_claims{bound="false",class="",kind="DatabaseClaim",ready="Unknown"} 1
stowage_claims{bound="true",class="premium",kind="DatabaseClaim",ready="True"} 1
stowage_claims{bound="true",class="standard",kind="DatabaseClaim",ready="False"} 1
stowage_claims{bound="true",class="standard",kind="DatabaseClaim",ready="True"} 2
`,
		},
		// A class a claim asks for is not a label until the claim is bound
		// to it: claim authors could otherwise make up any number.
		"UnboundNamesNoClass": {
			objs: []client.Object{
				bucket("x", "no-such-class", "", xpv2.Unavailable()),
				bucket("y", "", "", xpv2.Unavailable()),
				bucket("z", "fast", "fast", xpv2.Available()),
			},
			want: `
stowage_claims{bound="false",class="",kind="BucketClaim",ready="False"} 2
stowage_claims{bound="true",class="fast",kind="BucketClaim",ready="True"} 1
`,
		},
	}
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := apis.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := fake.NewClientBuilder().WithScheme(s).WithObjects(tc.objs...).Build()
			want := ""
			if tc.want != "" {
				want = "# HELP stowage_claims " + claimsHelp + "\n# TYPE stowage_claims gauge" + tc.want
			}
			if err := testutil.CollectAndCompare(NewCollector(c), strings.NewReader(want), "stowage_claims"); err != nil {
				t.Error(err)
			}
		})
	}
}
