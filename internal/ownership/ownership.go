// Package ownership decides whether a managed resource may manage the cloud
// object it finds under its external name. Every cloud object Stowage
// creates carries owner tags naming the cluster and the managed resource;
// an object that belongs to someone else is reported, never silently
// adopted. The rules are the same on every cloud, so they live here.
package ownership

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Owner tag keys. They are valid on AWS, Azure and GCP alike: GCP labels
// allow only lowercase letters, digits, '_' and '-', so no '/' or '.'.
const (
	TagCluster   = "stowage-cluster"
	TagKind      = "stowage-kind"
	TagNamespace = "stowage-namespace"
	TagName      = "stowage-name"
	TagUID       = "stowage-uid"

	// ReservedPrefix starts every tag key Stowage keeps for itself. User
	// tags may not use it (the CRDs reject such keys).
	ReservedPrefix = "stowage-"
)

// AnnotationGeneratedExternalName records the external name Stowage chose
// (metadata.name) because none was set. An external name that differs from
// it, or is set without it, was chosen by a person: an import on purpose.
const AnnotationGeneratedExternalName = "stowage.dev/generated-external-name"

// GeneratedName are the annotations of a managed resource a translation
// makes with an external name Stowage chose: not an import, so a cloud
// object of that name that is someone else's is reported, never adopted.
func GeneratedName(name string) map[string]string {
	return map[string]string{meta.AnnotationKeyExternalName: name, AnnotationGeneratedExternalName: name}
}

// An Owner is the managed resource a cloud object belongs to.
type Owner struct {
	Cluster   string // UID of the owning cluster's kube-system namespace
	Kind      string // lowercase managed resource kind, e.g. bucket
	Namespace string
	Name      string
	UID       string
}

// OwnerOf is mg, of kind, in cluster.
func OwnerOf(cluster, kind string, mg metav1.Object) Owner {
	return Owner{Cluster: cluster, Kind: kind, Namespace: mg.GetNamespace(), Name: mg.GetName(), UID: string(mg.GetUID())}
}

// Tags are o's owner tags.
func (o Owner) Tags() map[string]string {
	return map[string]string{
		TagCluster:   o.Cluster,
		TagKind:      o.Kind,
		TagNamespace: o.Namespace,
		TagName:      o.Name,
		TagUID:       o.UID,
	}
}

// String names o for people.
func (o Owner) String() string {
	kind, cluster := o.Kind, o.Cluster
	if kind == "" {
		kind = "resource"
	}
	if cluster == "" {
		cluster = "unknown"
	}
	return fmt.Sprintf("%s %s/%s (uid %s) in cluster %s", kind, o.Namespace, o.Name, o.UID, cluster)
}

// OwnerFromTags reads the owner tags of a cloud object. ok is false when it
// has none.
func OwnerFromTags(tags map[string]string) (o Owner, ok bool) {
	for _, k := range []string{TagCluster, TagKind, TagNamespace, TagName, TagUID} {
		if _, has := tags[k]; has {
			ok = true
		}
	}
	return Owner{Cluster: tags[TagCluster], Kind: tags[TagKind], Namespace: tags[TagNamespace], Name: tags[TagName], UID: tags[TagUID]}, ok
}

// IsReserved reports whether a tag key is Stowage's own.
func IsReserved(key string) bool { return strings.HasPrefix(key, ReservedPrefix) }

// UserTags are tags without Stowage's reserved keys: what spec.forProvider.tags
// describes. Late initialisation copies these, never the owner tags.
func UserTags(tags map[string]string) map[string]string {
	if tags == nil {
		return nil
	}
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		if !IsReserved(k) {
			out[k] = v
		}
	}
	return out
}

// Merge is the full tag set a cloud object should carry: the user's tags
// and the owner tags, the owner tags winning.
func Merge(user map[string]string, o Owner) map[string]string {
	out := make(map[string]string, len(user)+5)
	for k, v := range user {
		if !IsReserved(k) {
			out[k] = v
		}
	}
	maps.Copy(out, o.Tags())
	return out
}

// MissingTags are the owner tags tags lacks or holds with another value;
// empty when the object is fully tagged as o's.
func MissingTags(tags map[string]string, o Owner) map[string]string {
	out := map[string]string{}
	for k, v := range o.Tags() {
		if got, ok := tags[k]; !ok || got != v {
			out[k] = v
		}
	}
	return out
}

// Foreign returns the owner tags name when they name a managed resource
// other than mg: the owner an explicit import takes the object over from.
func Foreign(mg metav1.Object, tags map[string]string) (Owner, bool) {
	o, ok := OwnerFromTags(tags)
	if !ok || o.UID == string(mg.GetUID()) {
		return Owner{}, false
	}
	return o, true
}

// ExplicitExternalName reports whether mg's external name was set by a
// person rather than generated from metadata.name.
func ExplicitExternalName(mg metav1.Object) bool {
	name := meta.GetExternalName(mg)
	if name == "" {
		return false
	}
	gen, ok := mg.GetAnnotations()[AnnotationGeneratedExternalName]
	return !ok || gen != name
}

// A Managed resource has an external name and management policies.
type Managed interface {
	metav1.Object
	GetManagementPolicies() xpv2.ManagementPolicies
}

// CanWrite reports whether mg's management policies let it change the cloud
// (create, update or delete). One that only observes is harmless.
func CanWrite(mg Managed) bool {
	p := mg.GetManagementPolicies()
	if len(p) == 0 {
		return true // the default is every action
	}
	for _, a := range p {
		switch a {
		case xpv2.ManagementActionAll, xpv2.ManagementActionCreate, xpv2.ManagementActionUpdate, xpv2.ManagementActionDelete:
			return true
		}
	}
	return false
}

// CanUpdate reports whether mg's management policies let it update the
// cloud object, and so fix its owner tags.
func CanUpdate(mg Managed) bool {
	p := mg.GetManagementPolicies()
	return len(p) == 0 || slices.Contains(p, xpv2.ManagementActionAll) || slices.Contains(p, xpv2.ManagementActionUpdate)
}

// Check decides whether mg, which is self as owner tags name it, may manage
// the cloud object it found under its external name, which carries tags. It
// returns nil when mg may:
//
//   - the owner tags name mg;
//   - the owner tags name a predecessor of mg: the same kind, namespace and
//     name in the same cluster, such as a retained resource deleted and
//     applied again, or a claim's managed resource made anew by the claim
//     after someone deleted it (two such resources never exist at once);
//   - mg cannot write to the cloud, so observing is harmless;
//   - mg's external name is explicit: an import on purpose, after which the
//     object is tagged as mg's;
//   - the object has no owner tags and mg's create was started or succeeded
//     (a crash between create and tagging).
//
// Otherwise, when the owner tags name someone else or the object is untagged,
// it returns an error that says whose the object is and how to import it.
func Check(mg Managed, self Owner, tags map[string]string) error {
	o, tagged := OwnerFromTags(tags)
	switch {
	case tagged && o.UID == string(mg.GetUID()):
		return nil
	case tagged && o.Cluster == self.Cluster && o.Kind == self.Kind && o.Namespace == self.Namespace && o.Name == self.Name:
		return nil
	case !CanWrite(mg):
		return nil
	case ExplicitExternalName(mg):
		return nil
	case tagged:
		return refused(mg, "belongs to "+o.String())
	case !meta.GetExternalCreatePending(mg).IsZero() || !meta.GetExternalCreateSucceeded(mg).IsZero():
		return nil
	default:
		return refused(mg, "has no owner tags: it was not created by Stowage")
	}
}

// A RefusedError says a cloud object belongs to someone else.
type RefusedError struct{ msg string }

func (e *RefusedError) Error() string { return e.msg }

// IsRefused reports whether err is Check refusing an object; any other error
// means Check could not decide.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

func refused(mg metav1.Object, whose string) error {
	name := meta.GetExternalName(mg)
	return &RefusedError{msg: fmt.Sprintf("%q already exists and %s, so this resource will not manage it: "+
		"to import it on purpose, create a managed resource with the annotation %s: %s "+
		"(or remove the %s annotation from this one)",
		name, whose, meta.AnnotationKeyExternalName, name, AnnotationGeneratedExternalName)}
}

// A Checker checks the cloud objects of one kind of managed resource in
// this cluster.
type Checker struct {
	Cluster ClusterID
	// Kind is the managed resource kind as owner tags name it (lowercase).
	Kind string
}

// Owner is mg as the owner tags of its cloud object name it.
func (c Checker) Owner(ctx context.Context, mg metav1.Object) (Owner, error) {
	id, err := c.Cluster.ID(ctx)
	if err != nil {
		return Owner{}, err
	}
	return OwnerOf(id, c.Kind, mg), nil
}

// Check runs Check for mg. A resource being deleted is checked even
// without the cluster identity: an object only a predecessor of it owned is
// then left alone, never deleted.
func (c Checker) Check(ctx context.Context, mg Managed, tags map[string]string) error {
	self, err := c.Owner(ctx, mg)
	if err != nil && !meta.WasDeleted(mg) {
		return err
	}
	return Check(mg, self, tags)
}

// TagsToFix are the owner tags a cloud object lacks or holds with another
// value (want) and what it holds under those keys now (got); both empty
// when the object is fully tagged as o's.
func TagsToFix(tags map[string]string, o Owner) (want, got map[string]string) {
	want = MissingTags(tags, o)
	got = map[string]string{}
	for k := range want {
		if v, ok := tags[k]; ok {
			got[k] = v
		}
	}
	return want, got
}
