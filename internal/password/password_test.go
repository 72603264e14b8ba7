package password

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

const (
	annotation = "example.stowage.dev/applied-password-hmac"
	legacy     = "example.stowage.dev/password-hash"
	alnum      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
)

func TestGenerate(t *testing.T) {
	type want struct {
		length int
		err    bool
	}
	cases := map[string]struct {
		reason  string
		length  int
		charset string
		want    want
	}{
		"Alphanumeric": {reason: "A password has the length asked for.", length: 32, charset: alnum, want: want{length: 32}},
		"OneChar":      {reason: "A one-character set is allowed.", length: 5, charset: "x", want: want{length: 5}},
		"FullByte":     {reason: "A set of 256 characters needs no rejection.", length: 64, charset: strings.Repeat("ab", 128), want: want{length: 64}},
		"NoLength":     {reason: "An empty password is refused.", length: 0, charset: alnum, want: want{err: true}},
		"NoCharset":    {reason: "A password needs characters to draw from.", length: 8, charset: "", want: want{err: true}},
		"TooManyChars": {reason: "More than 256 characters cannot be drawn from a byte.", length: 8, charset: strings.Repeat("a", 257), want: want{err: true}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pw, err := Generate(tc.length, tc.charset)
			got := want{length: len(pw), err: err != nil}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("%s\nGenerate(%d, ...): -want, +got:\n%s", tc.reason, tc.length, d)
			}
			if strings.Trim(pw, tc.charset) != "" {
				t.Errorf("%s\nGenerate(%d, ...) = a password with characters outside the set", tc.reason, tc.length)
			}
		})
	}
	a, _ := Generate(32, alnum)
	b, _ := Generate(32, alnum)
	if a == b {
		t.Error("two generated passwords are the same")
	}
}

func TestMAC(t *testing.T) {
	mac := MAC(testKey, "hunter2")
	sha := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:])
	}
	cases := map[string]struct {
		reason string
		other  string
		equal  bool
	}{
		"Stable":           {reason: "The same key and password give the same marker.", other: MAC(testKey, "hunter2"), equal: true},
		"OtherPassword":    {reason: "Another password gives another marker.", other: MAC(testKey, "hunter3")},
		"OtherKey":         {reason: "The marker changes with the key.", other: MAC(otherKey, "hunter2")},
		"NotPlainSHA256":   {reason: "It is no unkeyed hash of the password.", other: sha("hunter2")},
		"NotSaltedSHA256":  {reason: "It is no hash of uid and password (the old marker).", other: sha("uid-1hunter2")},
		"NotLegacyFormat":  {reason: "It is not the legacy annotation's value.", other: sha("stowage-rds-master-password:uid-1:hunter2")},
		"NotKeyThenPasswd": {reason: "It is not a hash of key and password concatenated.", other: sha(string(testKey) + "hunter2")},
		"Empty":            {reason: "No marker matches an empty one.", other: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.equal, MACEqual(mac, tc.other)); d != "" {
				t.Errorf("%s\nMACEqual(%s, %s): -want, +got:\n%s", tc.reason, mac, tc.other, d)
			}
		})
	}
	if len(mac) != 64 || strings.Contains(mac, "hunter2") {
		t.Errorf("MAC = %q, want 64 hex digits that do not contain the password", mac)
	}
}

// owner is the kind the test Store keeps passwords for: any object will do.
var owner = schema.GroupVersionKind{Version: "v1", Kind: "Pod"}

func object(annotations map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db", UID: "uid-1", Annotations: annotations},
		Status:     corev1.PodStatus{Message: "stored status"},
	}
}

func ownSecret(data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db-password"}, Data: data}
}

func userSecret(pw string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "mine"}, Data: map[string][]byte{"pw": []byte(pw)}}
}

var ref = &SecretRef{Name: "mine", Key: "pw", Field: "spec.forProvider.passwordSecretRef"}

// store returns a Store on a fake client holding objs, and how many
// passwords it generated.
func store(t *testing.T, f interceptor.Funcs, objs ...client.Object) (Store, *int) {
	t.Helper()
	kc := fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).WithObjects(objs...).WithInterceptorFuncs(f).Build()
	n := new(int)
	return Store{
		Kube:       kc,
		Annotation: annotation,
		Legacy:     []string{legacy},
		Owner:      owner,
		SecretName: func(name string) string { return name + "-password" },
		What:       "password",
		Generate: func() (string, error) {
			*n++
			return Generate(16, alnum)
		},
	}, n
}

func TestStoreState(t *testing.T) {
	generated := ownSecret(map[string][]byte{KeyPassword: []byte("gen"), KeyHMAC: testKey})
	cases := map[string]struct {
		reason      string
		annotations map[string]string
		ref         *SecretRef
		objs        []client.Object
		want        State
		wantErr     string
	}{
		"NothingYet": {
			reason: "Before the first create there is no password to have.",
		},
		"GeneratedNoAnnotation": {
			reason: "A generated password is applied by the create that follows its generation.",
			objs:   []client.Object{generated},
			want:   State{Value: "gen", Applied: true},
		},
		"GeneratedRecorded": {
			reason:      "A generated password whose MAC is recorded is applied.",
			annotations: map[string]string{annotation: MAC(testKey, "gen")},
			objs:        []client.Object{generated},
			want:        State{Value: "gen", Applied: true},
		},
		"GeneratedOtherRecorded": {
			reason:      "A generated password whose MAC is not the recorded one must be set.",
			annotations: map[string]string{annotation: MAC(testKey, "older")},
			objs:        []client.Object{generated},
			want:        State{Value: "gen", Rotate: true},
		},
		"RefNoAnnotation": {
			reason: "A password from a Secret is set once, e.g. after an import.",
			ref:    ref,
			objs:   []client.Object{userSecret("chosen")},
			want:   State{Value: "chosen", Rotate: true},
		},
		"RefRecorded": {
			reason:      "A password from a Secret whose MAC is recorded is applied.",
			annotations: map[string]string{annotation: MAC(testKey, "chosen")},
			ref:         ref,
			objs:        []client.Object{userSecret("chosen"), ownSecret(map[string][]byte{KeyHMAC: testKey})},
			want:        State{Value: "chosen", Applied: true},
		},
		"RefChanged": {
			reason:      "A changed password Secret is a password to set.",
			annotations: map[string]string{annotation: MAC(testKey, "chosen")},
			ref:         ref,
			objs:        []client.Object{userSecret("changed"), ownSecret(map[string][]byte{KeyHMAC: testKey})},
			want:        State{Value: "changed", Rotate: true},
		},
		"KeyLost": {
			reason:      "Without its key a recorded MAC cannot be checked, so the password is set again.",
			annotations: map[string]string{annotation: MAC(testKey, "chosen")},
			ref:         ref,
			objs:        []client.Object{userSecret("chosen")},
			want:        State{Value: "chosen", Rotate: true},
		},
		"RefMissing": {
			reason:  "A missing password Secret names the field that refers to it.",
			ref:     ref,
			wantErr: "spec.forProvider.passwordSecretRef: Secret ns/mine not found",
		},
		"RefKeyMissing": {
			reason:  "A Secret without the key names the field and the key, not any value.",
			ref:     &SecretRef{Name: "mine", Key: "other", Field: ref.Field},
			objs:    []client.Object{userSecret("chosen")},
			wantErr: `spec.forProvider.passwordSecretRef: Secret ns/mine has no key "other", or it is empty`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, _ := store(t, interceptor.Funcs{}, tc.objs...)
			got, err := s.State(context.Background(), object(tc.annotations), tc.ref)
			if d := cmp.Diff(tc.wantErr, errString(err)); d != "" {
				t.Errorf("%s\nState(...) error: -want, +got:\n%s", tc.reason, d)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s\nState(...): -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}

func TestStoreEnsure(t *testing.T) {
	type want struct {
		password  string // "" means: the generated one
		generated int
		stored    []string // keys of the own Secret
		owner     string   // the own Secret's controller, uid-1 for the object
		err       string
	}
	cases := map[string]struct {
		reason string
		ref    *SecretRef
		objs   []client.Object
		create func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error
		want   want
	}{
		"Generates": {
			reason: "A password and a key are generated and stored.",
			want:   want{generated: 1, stored: []string{KeyHMAC, KeyPassword}, owner: "Pod/db/uid-1"},
		},
		"ReusesGenerated": {
			reason: "A password stored earlier (before HMAC keys) is reused, and a key added beside it.",
			objs:   []client.Object{ownSecret(map[string][]byte{KeyPassword: []byte("earlier")})},
			want:   want{password: "earlier", stored: []string{KeyHMAC, KeyPassword}},
		},
		"FromRef": {
			reason: "A password from a Secret is used as is; only the key is stored.",
			ref:    ref,
			objs:   []client.Object{userSecret("chosen")},
			want:   want{password: "chosen", stored: []string{KeyHMAC}, owner: "Pod/db/uid-1"},
		},
		"RefMissing": {
			reason: "Nothing is stored when the password Secret is missing.",
			ref:    ref,
			want:   want{err: "spec.forProvider.passwordSecretRef: Secret ns/mine not found"},
		},
		"AlreadyExists": {
			reason: "When another reconcile stored the Secret first, its password is used.",
			create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
				if err := c.Create(ctx, ownSecret(map[string][]byte{KeyPassword: []byte("theirs"), KeyHMAC: testKey})); err != nil {
					return err
				}
				return kerrors.NewAlreadyExists(schema.GroupResource{Resource: "secrets"}, obj.GetName())
			},
			want: want{password: "theirs", generated: 1, stored: []string{KeyHMAC, KeyPassword}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, generated := store(t, interceptor.Funcs{Create: tc.create}, tc.objs...)
			o := object(nil)
			pw, err := s.Ensure(context.Background(), o, tc.ref)
			sec := &corev1.Secret{}
			_ = s.Kube.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "db-password"}, sec)
			got := want{password: pw.Value, generated: *generated, stored: keys(sec.Data), err: errString(err)}
			if c := metav1.GetControllerOf(sec); c != nil {
				got.owner = c.Kind + "/" + c.Name + "/" + string(c.UID)
			}
			if tc.want.password == "" && err == nil {
				// The generated password is the stored one.
				tc.want.password = string(sec.Data[KeyPassword])
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("%s\nEnsure(...): -want, +got:\n%s", tc.reason, d)
			}
			if err != nil {
				return
			}
			if d := cmp.Diff(sec.Data[KeyHMAC], pw.Key); d != "" || len(pw.Key) == 0 {
				t.Errorf("%s\nEnsure(...) key is not the stored one: -want, +got:\n%s", tc.reason, d)
			}
			// A second call, as after a restart, makes nothing new.
			again, err := s.Ensure(context.Background(), o, tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(pw, again); d != "" || *generated != tc.want.generated {
				t.Errorf("%s\nEnsure(...) again: -first, +second:\n%s\ngenerated %d passwords in all", tc.reason, d, *generated)
			}
		})
	}
}

func TestStoreKey(t *testing.T) {
	s, generated := store(t, interceptor.Funcs{})
	key, err := s.Key(context.Background(), object(nil))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Key(context.Background(), object(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 || !cmp.Equal(key, again) || *generated != 0 {
		t.Errorf("Key(...) = %d bytes, then the same: %v, generated %d passwords; want one 32-byte key, kept, and no password", len(key), cmp.Equal(key, again), *generated)
	}
}

func TestStoreRecord(t *testing.T) {
	stored := object(map[string]string{annotation: MAC(testKey, "old"), legacy: "unkeyed", "other": "kept"})
	s, _ := store(t, interceptor.Funcs{}, stored)
	o := &corev1.Pod{}
	if err := s.Kube.Get(context.Background(), client.ObjectKeyFromObject(stored), o); err != nil {
		t.Fatal(err)
	}
	// What the caller computed and the managed reconciler writes after.
	o.Status.Message = "computed status"

	p := Password{Value: "new", Key: testKey}
	if err := s.Record(context.Background(), o, p); err != nil {
		t.Fatal(err)
	}
	wantAnnotations := map[string]string{annotation: MAC(testKey, "new"), "other": "kept"}
	got := &corev1.Pod{}
	if err := s.Kube.Get(context.Background(), client.ObjectKeyFromObject(stored), got); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantAnnotations, got.GetAnnotations()); d != "" {
		t.Errorf("stored annotations: -want, +got:\n%s", d)
	}
	if got.Status.Message != "stored status" {
		t.Errorf("Record(...) wrote status %q; want only the annotation patched", got.Status.Message)
	}
	if d := cmp.Diff(wantAnnotations, o.GetAnnotations()); d != "" {
		t.Errorf("caller's annotations: -want, +got:\n%s", d)
	}
	if o.Status.Message != "computed status" {
		t.Errorf("Record(...) replaced the caller's status with %q", o.Status.Message)
	}
	if o.GetResourceVersion() != got.GetResourceVersion() {
		t.Errorf("caller's resourceVersion %s, stored %s: the status update that follows would conflict", o.GetResourceVersion(), got.GetResourceVersion())
	}
}

func TestStoreCreated(t *testing.T) {
	s, _ := store(t, interceptor.Funcs{})
	o := object(nil)
	s.Created(o, Password{Value: "pw", Key: testKey})
	if d := cmp.Diff(map[string]string{annotation: MAC(testKey, "pw")}, o.GetAnnotations()); d != "" {
		t.Errorf("Created(...) annotations: -want, +got:\n%s", d)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func keys(m map[string][]byte) []string {
	var ks []string
	for _, k := range []string{KeyHMAC, KeyPassword} {
		if _, ok := m[k]; ok {
			ks = append(ks, k)
		}
	}
	return ks
}
