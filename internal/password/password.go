// Package password handles the password of a managed resource: generated
// once or read from a user's Secret, stored before the create call that uses
// it, recorded as a keyed HMAC once applied so a changed Secret is noticed,
// and never written anywhere in the clear but the resource's own Secret.
package password

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/internal/secrets"
)

const (
	// KeyPassword is the key of the generated password in a resource's own
	// Secret, when the password is generated.
	KeyPassword = "password"

	// KeyHMAC is the key of the random key the applied-password annotation
	// is computed with, in a resource's own Secret.
	KeyHMAC = "hmac-key"

	// keyLength is the length in bytes of an HMAC key.
	keyLength = 32
)

// Generate returns a random password of length characters drawn uniformly
// from charset.
func Generate(length int, charset string) (string, error) {
	if length <= 0 || len(charset) == 0 || len(charset) > 256 {
		return "", xperrors.Errorf("cannot generate a password of %d characters from %d possible ones", length, len(charset))
	}
	// Bytes at or above limit are dropped so that every character is
	// equally likely.
	limit := 256 - 256%len(charset)
	out := make([]byte, 0, length)
	buf := make([]byte, length)
	for len(out) < length {
		if _, err := rand.Read(buf); err != nil {
			return "", xperrors.Wrap(err, "cannot read random bytes")
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < length {
				out = append(out, charset[int(b)%len(charset)])
			}
		}
	}
	return string(out), nil
}

// GenerateKey returns a random HMAC key.
func GenerateKey() ([]byte, error) {
	k := make([]byte, keyLength)
	if _, err := rand.Read(k); err != nil {
		return nil, xperrors.Wrap(err, "cannot read random bytes")
	}
	return k, nil
}

// MAC identifies a password without revealing it: HMAC-SHA256 keyed with
// the resource's own random key (KeyHMAC in its own Secret). Without the
// key, an annotation holding it cannot be checked against guessed passwords
// offline.
func MAC(key []byte, password string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(password))
	return hex.EncodeToString(m.Sum(nil))
}

// MACEqual compares two MAC results in constant time.
func MACEqual(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// SecretRef selects a password a user keeps in a Secret in the resource's
// namespace. A nil *SecretRef means the password is generated.
type SecretRef struct {
	Name string
	Key  string
	// Field is the spec field the reference came from, e.g.
	// spec.forProvider.masterPasswordSecretRef, so errors name it.
	Field string
}

// State is which password a resource should have and whether it has it.
type State struct {
	Value   string // the desired password; empty when none is known
	Applied bool   // Value is known to be the resource's password
	Rotate  bool   // Value must be set on the resource
}

// Password is a password with the key its MAC is made with.
type Password struct {
	Value string
	Key   []byte
}

// MAC is p's MAC under its key.
func (p Password) MAC() string { return MAC(p.Key, p.Value) }

// A Store keeps the passwords of one managed kind.
type Store struct {
	// Kube is the manager's client: its cache holds the resource's own
	// Secret, which Stowage writes; a user's password Secret is read from
	// the API server (package secrets).
	Kube client.Client

	// Annotation records the MAC of the password last applied.
	Annotation string
	// Legacy annotations earlier versions kept about the password; they are
	// removed when a password is next recorded.
	Legacy []string

	// Owner is the managed kind, for the owner reference of its Secret.
	Owner schema.GroupVersionKind
	// SecretName names the Secret a resource of that name owns.
	SecretName func(resource string) string
	// What the password is, in error messages, e.g. "master password".
	What string
	// Generate makes a new password.
	Generate func() (string, error)
}

// State works out which password o should have and whether it has it. The
// annotation records the last password applied; without one, a generated
// password is assumed applied (it is generated just before the create that
// uses it), while a password from ref is applied once, e.g. after an import.
func (s Store) State(ctx context.Context, o client.Object, ref *SecretRef) (State, error) {
	own, err := s.own(ctx, o)
	if err != nil {
		return State{}, err
	}
	pw, err := s.read(ctx, o, ref, own)
	if err != nil || pw == "" {
		return State{}, err
	}
	last := o.GetAnnotations()[s.Annotation]
	if last == "" && ref == nil {
		return State{Value: pw, Applied: true}, nil
	}
	// Without its key a recorded password cannot be checked: set it again,
	// under a new key.
	if key := own.Data[KeyHMAC]; last != "" && len(key) > 0 && MACEqual(last, MAC(key, pw)) {
		return State{Value: pw, Applied: true}, nil
	}
	return State{Value: pw, Rotate: true}, nil
}

// Ensure returns the password to create o with: read from ref, or generated
// when ref is nil. The key its MAC is made with and a generated password are
// stored in o's own Secret before they are returned, so a restart between
// this and the create call never makes a second password.
func (s Store) Ensure(ctx context.Context, o client.Object, ref *SecretRef) (Password, error) {
	pw, err := s.read(ctx, o, ref, &corev1.Secret{})
	if err != nil {
		return Password{}, err
	}
	own, err := s.ensure(ctx, o, ref == nil)
	if err != nil {
		return Password{}, err
	}
	if ref == nil {
		pw = string(own.Data[KeyPassword])
	}
	return Password{Value: pw, Key: own.Data[KeyHMAC]}, nil
}

// Key returns the key o's password MAC is made with, stored first if o's
// Secret has none, so that it is kept before a password it records is sent.
func (s Store) Key(ctx context.Context, o client.Object) ([]byte, error) {
	own, err := s.ensure(ctx, o, false)
	if err != nil {
		return nil, err
	}
	return own.Data[KeyHMAC], nil
}

// Created notes on o, in memory, that it was created with p; the managed
// reconciler persists it with the external-create annotations.
func (s Store) Created(o client.Object, p Password) {
	meta.AddAnnotations(o, map[string]string{s.Annotation: p.MAC()})
}

// Record persists that p was applied to o. The managed reconciler only
// writes status after an update, so the annotation is patched here, on a
// copy: o keeps the status the caller computed for the reconciler to write.
func (s Store) Record(ctx context.Context, o client.Object, p Password) error {
	orig, ok1 := o.DeepCopyObject().(client.Object)
	c, ok2 := o.DeepCopyObject().(client.Object)
	if !ok1 || !ok2 {
		return xperrors.Errorf("cannot copy the %s", s.Owner.Kind)
	}
	meta.AddAnnotations(c, map[string]string{s.Annotation: p.MAC()})
	meta.RemoveAnnotations(c, s.Legacy...)
	if err := s.Kube.Patch(ctx, c, client.MergeFrom(orig)); err != nil {
		return xperrors.Wrapf(err, "%s changed, but cannot record that it did", s.What)
	}
	o.SetAnnotations(c.GetAnnotations())
	// The reconciler's status update that follows must not conflict with
	// this patch.
	o.SetResourceVersion(c.GetResourceVersion())
	return nil
}

func (s Store) key(o client.Object) client.ObjectKey {
	return client.ObjectKey{Namespace: o.GetNamespace(), Name: s.SecretName(o.GetName())}
}

// own returns o's own Secret, or an empty one when there is none yet.
func (s Store) own(ctx context.Context, o client.Object) (*corev1.Secret, error) {
	sec := &corev1.Secret{}
	err := s.Kube.Get(ctx, s.key(o), sec)
	if kerrors.IsNotFound(err) {
		return &corev1.Secret{}, nil
	}
	if err != nil {
		return nil, xperrors.Wrapf(err, "cannot get the %s's %s Secret", s.Owner.Kind, s.What)
	}
	return sec, nil
}

// read returns the password ref selects, or the generated one in own when
// ref is nil.
func (s Store) read(ctx context.Context, o client.Object, ref *SecretRef, own *corev1.Secret) (string, error) {
	if ref == nil {
		return string(own.Data[KeyPassword]), nil
	}
	sec := &corev1.Secret{}
	err := s.Kube.Get(ctx, client.ObjectKey{Namespace: o.GetNamespace(), Name: ref.Name}, sec)
	if kerrors.IsNotFound(err) {
		return "", xperrors.Errorf("%s: Secret %s/%s not found", ref.Field, o.GetNamespace(), ref.Name)
	}
	if err != nil {
		return "", xperrors.Wrapf(err, "cannot get %s Secret %s/%s", s.What, o.GetNamespace(), ref.Name)
	}
	v := string(sec.Data[ref.Key])
	if v == "" {
		return "", xperrors.Errorf("%s: Secret %s/%s has no key %q, or it is empty", ref.Field, o.GetNamespace(), ref.Name, ref.Key)
	}
	return v, nil
}

// ensure makes sure o's own Secret, owned by o, holds an HMAC key and, when
// generate is true, a generated password, and returns it. What is already
// there is reused, so a restart never makes a second password or forgets
// the key an annotation was made with.
func (s Store) ensure(ctx context.Context, o client.Object, generate bool) (*corev1.Secret, error) {
	nn := s.key(o)
	sec := &corev1.Secret{}
	err := s.Kube.Get(ctx, nn, sec)
	if kerrors.IsNotFound(err) {
		sec = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
			Namespace:       nn.Namespace,
			Name:            nn.Name,
			OwnerReferences: []metav1.OwnerReference{meta.AsController(meta.TypedReferenceTo(o, s.Owner))},
		}}
		secrets.Mark(sec)
		if err := s.fill(sec, generate); err != nil {
			return nil, err
		}
		err = s.Kube.Create(ctx, sec)
		if err == nil {
			return sec, nil
		}
		if !kerrors.IsAlreadyExists(err) {
			return nil, xperrors.Wrapf(err, "cannot store the %s Secret", s.What)
		}
		// Another reconcile got there first (or the cache is behind): use
		// what it stored.
		sec = &corev1.Secret{}
		err = s.Kube.Get(ctx, nn, sec)
	}
	if err != nil {
		return nil, xperrors.Wrapf(err, "cannot get the %s's %s Secret", s.Owner.Kind, s.What)
	}
	if len(sec.Data[KeyHMAC]) == 0 || (generate && len(sec.Data[KeyPassword]) == 0) {
		if err := s.fill(sec, generate); err != nil {
			return nil, err
		}
		// A conflict means someone else changed it: the next reconcile
		// reads theirs.
		if err := s.Kube.Update(ctx, sec); err != nil {
			return nil, xperrors.Wrapf(err, "cannot store the %s Secret", s.What)
		}
	}
	return sec, nil
}

// fill adds what sec lacks: an HMAC key, and a password if generate.
func (s Store) fill(sec *corev1.Secret, generate bool) error {
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	if len(sec.Data[KeyHMAC]) == 0 {
		k, err := GenerateKey()
		if err != nil {
			return xperrors.Wrapf(err, "cannot generate the %s HMAC key", s.What)
		}
		sec.Data[KeyHMAC] = k
	}
	if generate && len(sec.Data[KeyPassword]) == 0 {
		pw, err := s.Generate()
		if err != nil {
			return xperrors.Wrapf(err, "cannot generate %s", s.What)
		}
		sec.Data[KeyPassword] = []byte(pw)
	}
	return nil
}
