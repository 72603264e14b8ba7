package awsclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/stowage-dev/stowage/apis"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	"github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/providerconfig/sessions"
)

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := apis.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func credentialsFile(id string) []byte {
	return []byte("[default]\naws_access_key_id = " + id + "\naws_secret_access_key = SK\n")
}

// fixture is a namespaced ProviderConfig reading a credentials Secret, and a
// Bucket using it.
func fixture(t *testing.T, spec func(*v1alpha1.ProviderConfigSpec)) (client.Client, *s3v1.Bucket) {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "creds"},
		Data:       map[string][]byte{"credentials": credentialsFile("AK1")},
	}
	pc := &v1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "default", UID: "pc-uid"},
		Spec: v1alpha1.ProviderConfigSpec{Region: "eu-west-1", Credentials: v1alpha1.Credentials{
			Source: v1alpha1.CredentialsSourceSecret, SecretRef: &v1alpha1.SecretKeySelector{Name: "creds", Key: "credentials"}}},
	}
	if spec != nil {
		spec(&pc.Spec)
	}
	kube := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(secret, pc).Build()
	mr := &s3v1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "b"}}
	mr.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return kube, mr
}

func updateSecret(fn func(*corev1.Secret)) func(context.Context, client.Client) error {
	return func(ctx context.Context, kube client.Client) error {
		s := &corev1.Secret{}
		if err := kube.Get(ctx, client.ObjectKey{Namespace: "team", Name: "creds"}, s); err != nil {
			return err
		}
		fn(s)
		return kube.Update(ctx, s)
	}
}

func updateProviderConfig(fn func(*v1alpha1.ProviderConfig)) func(context.Context, client.Client) error {
	return func(ctx context.Context, kube client.Client) error {
		pc := &v1alpha1.ProviderConfig{}
		if err := kube.Get(ctx, client.ObjectKey{Namespace: "team", Name: "default"}, pc); err != nil {
			return err
		}
		fn(pc)
		return kube.Update(ctx, pc)
	}
}

func TestConnectReusesConfig(t *testing.T) {
	type want struct {
		same   bool
		region string
		keyID  string
	}
	cases := map[string]struct {
		reason string
		change func(context.Context, client.Client) error
		// after is how long after the first Connect the second is made.
		after  time.Duration
		region string
		want   want
	}{
		"Unchanged": {
			reason: "A second Connect with nothing changed reuses the configuration and its credentials provider.",
			want:   want{same: true, region: "eu-west-1", keyID: "AK1"},
		},
		"OtherRegion": {
			reason: "A resource in another region shares the provider config's credentials provider.",
			region: "us-west-2",
			want:   want{same: true, region: "us-west-2", keyID: "AK1"},
		},
		"StatusChanged": {
			reason: "A status write (a new resourceVersion, same spec) does not rebuild the configuration.",
			change: updateProviderConfig(func(pc *v1alpha1.ProviderConfig) { pc.Status.Users = 3 }),
			want:   want{same: true, region: "eu-west-1", keyID: "AK1"},
		},
		"SecretLabelled": {
			reason: "A Secret edit that leaves the credentials alone does not rebuild the configuration.",
			change: updateSecret(func(s *corev1.Secret) { s.Labels = map[string]string{"team": "a"} }),
			want:   want{same: true, region: "eu-west-1", keyID: "AK1"},
		},
		"SecretRotated": {
			reason: "New credentials in the Secret give a new configuration that uses them, once the Secret is read again.",
			change: updateSecret(func(s *corev1.Secret) { s.Data["credentials"] = credentialsFile("AK2") }),
			after:  sessions.SecretRefresh,
			want:   want{same: false, region: "eu-west-1", keyID: "AK2"},
		},
		"SecretRotatedJustNow": {
			reason: "The Secret is read at most every SecretRefresh: until then the configuration is reused.",
			change: updateSecret(func(s *corev1.Secret) { s.Data["credentials"] = credentialsFile("AK2") }),
			after:  sessions.SecretRefresh - time.Second,
			want:   want{same: true, region: "eu-west-1", keyID: "AK1"},
		},
		"SpecChanged": {
			reason: "A changed provider config spec gives a new configuration.",
			change: updateProviderConfig(func(pc *v1alpha1.ProviderConfig) { pc.Spec.Region = "eu-central-1" }),
			want:   want{same: false, region: "eu-central-1", keyID: "AK1"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			kube, mr := fixture(t, nil)
			c := newSessionCache()
			now := time.Now()
			c.cache.SetClock(func() time.Time { return now })
			first, err := c.Connect(ctx, kube, mr, "", &feature.Flags{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.change != nil {
				if err := tc.change(ctx, kube); err != nil {
					t.Fatal(err)
				}
			}
			now = now.Add(tc.after)
			second, err := c.Connect(ctx, kube, mr, tc.region, &feature.Flags{})
			if err != nil {
				t.Fatal(err)
			}
			creds, err := second.Config.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := want{same: first.Config.Credentials == second.Config.Credentials, region: second.Config.Region, keyID: creds.AccessKeyID}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nsecond Connect: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(1, c.cache.Len()); diff != "" {
				t.Errorf("%s\ncache entries for one provider config: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConnectChecksTenancyEveryTime(t *testing.T) {
	ctx := context.Background()
	kube, mr := fixture(t, nil)
	c := newSessionCache()
	if _, err := c.Connect(ctx, kube, mr, "", &feature.Flags{}); err != nil {
		t.Fatal(err)
	}
	// The provider config switches to the provider's own identity, which a
	// namespaced ProviderConfig may not use without the feature flag.
	err := updateProviderConfig(func(pc *v1alpha1.ProviderConfig) {
		pc.Spec.Credentials = v1alpha1.Credentials{Source: v1alpha1.CredentialsSourceInjectedIdentity}
	})(ctx, kube)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(ctx, kube, mr, "", &feature.Flags{}); err == nil {
		t.Error("Connect reused a configuration the provider config no longer allows")
	}
}

// stsServer answers STS AssumeRole as the AWS query protocol does and counts
// the calls.
func stsServer(t *testing.T, calls *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRole" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		n := calls.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		// Shape of the STS API reference's AssumeRole response; an
		// expiration far ahead keeps the SDK from refreshing.
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMED%d</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>assumed-token</SessionToken>
      <Expiration>2100-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:stowage</AssumedRoleId>
      <Arn>%s/stowage</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`, n, r.Form.Get("RoleArn"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestConnectAssumesRoleOnce(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	srv := stsServer(t, &calls)
	kube, mr := fixture(t, func(s *v1alpha1.ProviderConfigSpec) {
		s.Endpoint = &v1alpha1.Endpoint{URL: srv.URL}
		s.Credentials.AssumeRoleARN = ptr.To("arn:aws:iam::123456789012:role/stowage")
	})
	c := newSessionCache()
	now := time.Now()
	c.cache.SetClock(func() time.Time { return now })

	// Controllers connect from many workers at once.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				s, err := c.Connect(ctx, kube, mr, "", &feature.Flags{})
				if err != nil {
					errs <- err
					return
				}
				got, err := s.Config.Credentials.Retrieve(ctx)
				if err != nil {
					errs <- err
					return
				}
				if got.AccessKeyID != "ASIAASSUMED1" {
					errs <- fmt.Errorf("credentials of AssumeRole call %q, want the first", got.AccessKeyID)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if diff := cmp.Diff(int64(1), calls.Load()); diff != "" {
		t.Errorf("AssumeRole calls for 40 Connects and Retrieves: -want, +got:\n%s", diff)
	}

	// Rotated source credentials assume the role again, once, when the
	// Secret is next read.
	if err := updateSecret(func(s *corev1.Secret) { s.Data["credentials"] = credentialsFile("AK2") })(ctx, kube); err != nil {
		t.Fatal(err)
	}
	now = now.Add(sessions.SecretRefresh)
	for range 5 {
		s, err := c.Connect(ctx, kube, mr, "", &feature.Flags{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Config.Credentials.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(int64(2), calls.Load()); diff != "" {
		t.Errorf("AssumeRole calls after the Secret changed: -want, +got:\n%s", diff)
	}
}
