package gcpclient

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	sqladmin "google.golang.org/api/sqladmin/v1"
	storagev1 "google.golang.org/api/storage/v1"

	"github.com/stowage-dev/stowage/apis/gcp/v1alpha1"
)

func serviceAccountKey(t *testing.T, project string) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]string{
		"type":         "service_account",
		"project_id":   project,
		"client_email": "stowage@" + project + ".iam.gserviceaccount.com",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"token_uri":    "https://oauth2.googleapis.com/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewSession(t *testing.T) {
	secretRef := &v1alpha1.SecretKeySelector{Name: "gcp", Key: "credentials"}
	local := &v1alpha1.Endpoints{SQLAdmin: "http://127.0.0.1:1"}
	type want struct {
		err     string
		project string
	}
	cases := map[string]struct {
		reason string
		spec   v1alpha1.ProviderConfigSpec
		secret []byte
		want   want
	}{
		"KeyProject": {
			reason: "A service-account key gives the project it belongs to.",
			spec:   v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef}},
			secret: serviceAccountKey(t, "key-project"),
			want:   want{project: "key-project"},
		},
		"SpecProjectWins": {
			reason: "spec.projectID overrides the key's project_id.",
			spec:   v1alpha1.ProviderConfigSpec{ProjectID: "spec-project", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef}},
			secret: serviceAccountKey(t, "key-project"),
			want:   want{project: "spec-project"},
		},
		"BadKey": {
			reason: "A Secret that is not a service-account key is an error naming the Secret and key, never its content.",
			spec:   v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceSecret, SecretRef: secretRef}},
			secret: []byte("hunter2"),
			want:   want{err: `credentials Secret gcp key "credentials": not a JSON service-account key (as written by ` + "`gcloud iam service-accounts keys create`)"},
		},
		"NoneWithoutEndpoints": {
			reason: "The None source is refused for the real cloud.",
			spec:   v1alpha1.ProviderConfigSpec{ProjectID: "p", Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone}},
			want:   want{err: "spec.credentials.source None is only for a local endpoint: set spec.endpoints"},
		},
		"NoProject": {
			reason: "Without a project there is nothing to create resources in.",
			spec:   v1alpha1.ProviderConfigSpec{Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone}, Endpoints: local},
			want:   want{err: "no project: set spec.projectID (or project_id in the service-account key)"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := newSession(context.Background(), tc.spec, tc.secret)
			got := want{project: s.ProjectID}
			if err != nil {
				got = want{err: err.Error()}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestLocalEndpoints sends requests through the real clients built from a
// no-credential local Session, and checks where they land and that they
// carry no token.
func TestLocalEndpoints(t *testing.T) {
	type request struct{ Path, Authorization string }
	var mu sync.Mutex
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, request{Path: r.URL.Path, Authorization: r.Header.Get("Authorization")})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()

	ctx := context.Background()
	// Endpoints as a person writes them: without the trailing slash or the
	// /storage/v1 path the clients need.
	s, err := newSession(ctx, v1alpha1.ProviderConfigSpec{
		ProjectID:   "p",
		Credentials: v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceNone},
		Endpoints:   &v1alpha1.Endpoints{SQLAdmin: srv.URL, Storage: srv.URL},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sql, err := sqladmin.NewService(ctx, s.SQLAdminOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sql.Instances.Get("p", "i").Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	gcs, err := storagev1.NewService(ctx, s.StorageOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gcs.Buckets.Get("b").Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	want := []request{{Path: "/v1/projects/p/instances/i"}, {Path: "/storage/v1/b/b"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests: -want, +got:\n%s", diff)
	}
}
