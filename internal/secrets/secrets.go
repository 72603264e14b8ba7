// Package secrets keeps the provider's informer cache of Secrets down to the
// Secrets Stowage writes. A cluster holds thousands of Secrets the provider
// never looks at (Helm releases, service account tokens, TLS certificates);
// caching all of them was the provider's biggest memory cost.
//
// Every Secret written through the manager's client (connection Secrets,
// generated password Secrets, claims' Secrets) carries Label, and the cache
// keeps only Secrets with it. A Secret the cache does not hold (a provider
// config's credentials, a user's password Secret) is read from the API server
// instead: see Client.
package secrets

import (
	"context"
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Label marks a Secret Stowage wrote, with the value LabelValue. The
// provider's cache holds only Secrets that have it.
const (
	Label      = "stowage.dev/managed"
	LabelValue = "true"
)

// groupSuffix ends the API group of every Stowage kind (managed resources,
// claims), the kinds that control the Secrets Stowage writes.
const groupSuffix = "stowage.dev"

// Selector selects the Secrets Stowage wrote.
func Selector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{Label: LabelValue})
}

// Labelled reports whether s carries Label.
func Labelled(s metav1.Object) bool { return s.GetLabels()[Label] == LabelValue }

// Mark adds Label to o, a Secret Stowage writes. The manager's client
// (Client) adds it to every Secret it writes; code that builds a Secret says
// so too, for any other client it may be given.
func Mark(o metav1.Object) {
	l := o.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	l[Label] = LabelValue
	o.SetLabels(l)
}

// ConfigureManager sets the cache and client options of a manager running
// Stowage's controllers; the provider and the tests' managers both use it.
// The cache keeps only labelled Secrets and drops every object's
// managedFields (no controller reads them; they are often the larger part
// of a small object). Transforms o already sets per kind are kept, followed
// by the managedFields one. The manager's client is a Client.
func ConfigureManager(o *ctrl.Options) {
	strip := cache.TransformStripManagedFields()
	if o.Cache.ByObject == nil {
		o.Cache.ByObject = map[client.Object]cache.ByObject{}
	}
	for obj, by := range o.Cache.ByObject {
		// A kind's own Transform replaces the default one: chain them.
		if by.Transform != nil {
			by.Transform = chain(by.Transform, strip)
			o.Cache.ByObject[obj] = by
		}
	}
	o.Cache.ByObject[&corev1.Secret{}] = cache.ByObject{Label: Selector()}
	if o.Cache.DefaultTransform != nil {
		o.Cache.DefaultTransform = chain(o.Cache.DefaultTransform, strip)
	} else {
		o.Cache.DefaultTransform = strip
	}
	inner := o.NewClient
	if inner == nil {
		inner = client.New
	}
	o.NewClient = func(cfg *rest.Config, co client.Options) (client.Client, error) {
		c, err := inner(cfg, co)
		if err != nil {
			return nil, err
		}
		// The manager's API reader, made the same way.
		api, err := client.New(cfg, client.Options{HTTPClient: co.HTTPClient, Scheme: co.Scheme, Mapper: co.Mapper})
		if err != nil {
			return nil, err
		}
		return NewClient(c, api), nil
	}
}

func chain(fns ...toolscache.TransformFunc) toolscache.TransformFunc {
	return func(in any) (any, error) {
		var err error
		for _, fn := range fns {
			if in, err = fn(in); err != nil {
				return nil, err
			}
		}
		return in, nil
	}
}

// A Client is a cached client whose cache holds only labelled Secrets
// (ConfigureManager), made to behave as if it held every Secret:
//
//   - Create, Update and Patch of a Secret add Label, so the cache holds
//     every Secret Stowage writes.
//   - Get of a Secret the cache does not hold reads it from the API server.
//     That is how a provider config's credentials and a user's password
//     Secret are read (package sessions reads credentials at most every
//     sessions.SecretRefresh, not per reconcile), and how a missing Secret
//     is confirmed missing.
//   - A Secret an earlier version of Stowage wrote has no label. Found past
//     the cache (by Get, or by a Create that met AlreadyExists) and
//     controlled by a Stowage object, it is given the label, and nothing
//     else, so the cache holds it from then on and its writer (the
//     connection publisher, the password store, a claim) finds it and
//     updates it as it always did. A Secret controlled by anything else,
//     or by nothing, is never written: its writers refuse it as they always
//     did (crossplane-runtime's ConnectionSecretMustBeControllableBy, a
//     claim's "not controlled by this claim").
type Client struct {
	client.Client
	api client.Reader
}

// NewClient returns a Client that reads through c (a cached client) and,
// for Secrets c's cache does not hold, api (an uncached reader).
func NewClient(c client.Client, api client.Reader) *Client {
	return &Client{Client: c, api: api}
}

// Get reads obj from the cache, and a Secret the cache does not hold from
// the API server.
func (c *Client) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	err := c.Client.Get(ctx, key, obj, opts...)
	s, ok := obj.(*corev1.Secret)
	if !ok || !kerrors.IsNotFound(err) {
		return err
	}
	if err := c.api.Get(ctx, key, s, opts...); err != nil {
		return err
	}
	c.adopt(ctx, s)
	return nil
}

// Create creates obj, with Label when it is a Secret.
func (c *Client) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return c.Client.Create(ctx, obj, opts...)
	}
	Mark(s)
	err := c.Client.Create(ctx, s, opts...)
	if kerrors.IsAlreadyExists(err) {
		// The caller did not see it: possibly an unlabelled Secret an
		// earlier version wrote, read through a cache-only reader.
		cur := &corev1.Secret{}
		if c.api.Get(ctx, client.ObjectKeyFromObject(s), cur) == nil {
			c.adopt(ctx, cur)
		}
	}
	return err
}

// Update updates obj, with Label when it is a Secret.
func (c *Client) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if s, ok := obj.(*corev1.Secret); ok {
		Mark(s)
	}
	return c.Client.Update(ctx, obj, opts...)
}

// Patch patches obj, adding Label when it is a Secret. Some patches are
// made from another object than obj (crossplane-runtime's connection
// publisher merge-patches the Secret it wants), so the label goes into the
// patch itself.
func (c *Client) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if s, ok := obj.(*corev1.Secret); ok {
		Mark(s)
		switch patch.Type() {
		case types.MergePatchType, types.StrategicMergePatchType, types.ApplyPatchType:
			patch = labelledPatch{Patch: patch}
		}
	}
	return c.Client.Patch(ctx, obj, patch, opts...)
}

// A labelledPatch is a merge, strategic merge or apply patch that also sets
// Label.
type labelledPatch struct{ client.Patch }

func (p labelledPatch) Data(obj client.Object) ([]byte, error) {
	b, err := p.Patch.Data(obj)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	l, _ := md["labels"].(map[string]any)
	if l == nil {
		l = map[string]any{}
	}
	l[Label] = LabelValue
	md["labels"] = l
	m["metadata"] = md
	return json.Marshal(m)
}

// adopt gives s, a Secret read past the cache, Label if it lacks it and a
// Stowage object controls it: an earlier version of Stowage wrote it. Only
// the label is written. s is updated on success; a failure is logged and
// left for the next read to try again, since s itself was read.
func (c *Client) adopt(ctx context.Context, s *corev1.Secret) {
	if Labelled(s) || !ControlledByStowage(s) {
		return
	}
	cur := s.DeepCopy()
	p := []byte(`{"metadata":{"labels":{"` + Label + `":"` + LabelValue + `"}}}`)
	if err := c.Client.Patch(ctx, cur, client.RawPatch(types.MergePatchType, p)); err != nil {
		log.FromContext(ctx).Info("Cannot label a Secret an earlier version of Stowage wrote; it is read past the cache until it is", "secret", client.ObjectKeyFromObject(s).String(), "error", err.Error())
		return
	}
	cur.DeepCopyInto(s)
}

// ControlledByStowage reports whether s's controller is a Stowage object (a
// managed resource or a claim).
func ControlledByStowage(s metav1.Object) bool {
	ref := metav1.GetControllerOf(s)
	if ref == nil {
		return false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return false
	}
	return gv.Group == groupSuffix || strings.HasSuffix(gv.Group, "."+groupSuffix)
}
