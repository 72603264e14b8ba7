package bucket_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	"github.com/stowage-dev/stowage/internal/controller/aws/s3/bucket"
	"github.com/stowage-dev/stowage/internal/controller/config"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll    = time.Second
	timeout = 60 * time.Second
)

var (
	harness *testenv.AWSHarness
	env     *testenv.Env
	moto    *testenv.Moto
	counter *testenv.CallCounter
	s3c     *s3.Client
)

func TestMain(m *testing.M) {
	h, err := testenv.StartAWS(poll, func(mgr ctrl.Manager, o controller.Options) error {
		if err := config.Setup(mgr, o); err != nil {
			return err
		}
		return bucket.Setup(mgr, o)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harness, env, moto, counter = h, h.Env, h.Moto, h.Counter
	s3c = h.S3()
	code := m.Run()
	h.Stop()
	os.Exit(code)
}

// setup makes a namespace with a ProviderConfig "default" pointing at moto
// through the call counter.
func setup(t *testing.T) (context.Context, string) {
	t.Helper()
	return harness.TestNamespace(t, "s3", 2*time.Minute)
}

func newBucket(ns, name string, p v1alpha1.BucketParameters) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.BucketSpec{ForProvider: p},
	}
	b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "default"}
	return b
}

func waitReady(ctx context.Context, t *testing.T, b *v1alpha1.Bucket) {
	t.Helper()
	if _, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeSynced, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
}

func versioning(ctx context.Context, name string) (string, error) {
	out, err := s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &name})
	if err != nil {
		return "", err
	}
	return string(out.Status), nil
}

func writesTo(name string) []testenv.Call {
	var out []testenv.Call
	for _, c := range counter.Writes() {
		if c.Path == "/"+name || strings.HasPrefix(c.Path, "/"+name+"/") {
			out = append(out, c)
		}
	}
	return out
}

func TestBucketLifecycle(t *testing.T) {
	ctx, ns := setup(t)
	name := "lifecycle-" + ns
	b := newBucket(ns, name, v1alpha1.BucketParameters{
		Versioning: ptr.To(v1alpha1.VersioningSuspended),
		Tags:       map[string]string{"team": "shop"},
	})
	b.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: "lifecycle-conn"}
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)

	// The bucket is in S3, blocking public access by default, with its tags.
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("bucket not in S3: %v", err)
	}
	pab, err := s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &name})
	if err != nil || !ptr.Deref(pab.PublicAccessBlockConfiguration.BlockPublicAcls, false) || !ptr.Deref(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets, false) {
		t.Fatalf("public access is not blocked by default: %+v, %v", pab, err)
	}
	tags, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &name})
	if err != nil || len(tags.TagSet) != 1 || *tags.TagSet[0].Key != "team" {
		t.Fatalf("tags: %+v, %v", tags, err)
	}

	// The connection secret carries the bucket contract.
	sec := &corev1.Secret{}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lifecycle-conn"}, sec)
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"provider": "aws", "bucket": name, "region": "us-east-1", "endpoint": counter.URL, "url": "s3://" + name}
	for k, v := range want {
		if got := string(sec.Data[k]); got != v {
			t.Errorf("connection secret %s = %q, want %q", k, got, v)
		}
	}

	// A spec change reaches S3.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
		t.Fatal(err)
	}
	b.Spec.ForProvider.Versioning = ptr.To(v1alpha1.VersioningEnabled)
	if err := env.Client.Update(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if v, err := versioning(ctx, name); err != nil || v != "Enabled" {
			return fmt.Errorf("versioning is %q (%v), want Enabled", v, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A change made behind the provider's back is reverted.
	if _, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &name,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if v, err := versioning(ctx, name); err != nil || v != "Enabled" {
			return fmt.Errorf("drift not reverted: versioning is %q (%v)", v, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Deleting the Bucket deletes the bucket.
	if err := env.Client.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(b), b); !kerrors.IsNotFound(err) {
			return fmt.Errorf("bucket resource still present (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err == nil {
		t.Fatal("bucket still in S3 after delete")
	}
}

func TestBucketInSyncMakesNoWrites(t *testing.T) {
	ctx, ns := setup(t)
	name := "quiet-" + ns
	b := newBucket(ns, name, v1alpha1.BucketParameters{
		Versioning:           ptr.To(v1alpha1.VersioningEnabled),
		ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256},
		Tags:                 map[string]string{"b": "2", "a": "1"},
	})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)
	// Let late initialisation settle, then watch several polls.
	time.Sleep(2 * poll)
	counter.Reset()
	time.Sleep(4 * poll)
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("a bucket in sync got %d write calls, want 0: %+v", len(w), w)
	}
	reads := 0
	for _, c := range counter.Calls() {
		if strings.HasPrefix(c.Path, "/"+name) {
			reads++
		}
	}
	if reads == 0 {
		t.Error("no reads of the bucket during several polls: is it being observed at all?")
	}
}

func TestBucketImportAndObserveOnly(t *testing.T) {
	ctx, ns := setup(t)
	name := "existing-" + ns
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("owner"), Value: aws.String("legacy")}}}}); err != nil {
		t.Fatal(err)
	}
	counter.Reset()

	// Observe only: the spec asks for other tags, but nothing is written.
	b := newBucket(ns, "watched", v1alpha1.BucketParameters{Tags: map[string]string{"owner": "stowage"}})
	meta.SetExternalName(b, name)
	b.Spec.ManagementPolicies = xpv2.ManagementPolicies{xpv2.ManagementActionObserve}
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeReady, corev1.ConditionTrue, timeout); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * poll)
	if w := writesTo(name); len(w) != 0 {
		t.Fatalf("observe-only bucket got writes: %+v", w)
	}
	if b.Status.AtProvider.ARN != "arn:aws:s3:::"+name {
		t.Errorf("status.atProvider.arn = %q", b.Status.AtProvider.ARN)
	}
	if err := env.Client.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(b), b); !kerrors.IsNotFound(err) {
			return fmt.Errorf("still present (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("deleting an observe-only Bucket removed the bucket from S3: %v", err)
	}

	// Full management of the same bucket adopts it: no CreateBucket, and
	// the spec's tags replace the old ones.
	counter.Reset()
	adopted := newBucket(ns, "adopted", v1alpha1.BucketParameters{Tags: map[string]string{"owner": "stowage"}})
	meta.SetExternalName(adopted, name)
	if err := env.Client.Create(ctx, adopted); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, adopted)
	if err := testenv.Eventually(ctx, timeout, func() error {
		out, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &name})
		if err != nil || len(out.TagSet) != 1 || *out.TagSet[0].Value != "stowage" {
			return fmt.Errorf("tags not adopted: %+v %v", out, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range writesTo(name) {
		if c.Method == "PUT" && c.Path == "/"+name && c.Query == "" {
			t.Errorf("adopting an existing bucket called CreateBucket: %+v", c)
		}
	}
}

func TestBucketBadProviderConfig(t *testing.T) {
	ctx, ns := setup(t)
	cases := map[string]struct {
		secret *corev1.Secret
		want   string
	}{
		"MissingSecret": {want: "credentials Secret " + ns + "/nowhere not found"},
		"MalformedCredentials": {
			secret: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nowhere"}, StringData: map[string]string{"credentials": "[default]\naws_secret_access_key = x\n"}},
			want:   "has no aws_access_key_id",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pcName := strings.ToLower(name)
			if tc.secret != nil {
				if err := env.Client.Create(ctx, tc.secret); err != nil {
					t.Fatal(err)
				}
			}
			pc := &awsv1alpha1.ProviderConfig{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pcName},
				Spec: awsv1alpha1.ProviderConfigSpec{Region: "us-east-1", Endpoint: &awsv1alpha1.Endpoint{URL: counter.URL},
					Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &awsv1alpha1.SecretKeySelector{Name: "nowhere", Key: "credentials"}}},
			}
			if err := env.Client.Create(ctx, pc); err != nil {
				t.Fatal(err)
			}
			b := newBucket(ns, pcName+"-"+ns, v1alpha1.BucketParameters{})
			b.Spec.ProviderConfigReference.Name = pcName
			if err := env.Client.Create(ctx, b); err != nil {
				t.Fatal(err)
			}
			c, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Message, tc.want) {
				t.Errorf("Synced=False message %q does not say %q", c.Message, tc.want)
			}
			if strings.Contains(c.Message, "aws_secret_access_key = x") {
				t.Errorf("condition leaks the credential: %q", c.Message)
			}
		})
	}
}

func TestAdmissionRejectsBadInput(t *testing.T) {
	ctx, ns := setup(t)
	cases := map[string]struct {
		obj  client.Object
		want string
	}{
		"BadBucketName": {
			obj:  newBucket(ns, "Not_A_Bucket", v1alpha1.BucketParameters{}),
			want: "metadata.name must be a valid S3 bucket name",
		},
		"KMSKeyWithAES256": {
			obj:  newBucket(ns, "kms-"+ns, v1alpha1.BucketParameters{ServerSideEncryption: &v1alpha1.ServerSideEncryption{Algorithm: v1alpha1.SSEAlgorithmAES256, KMSMasterKeyID: ptr.To("k")}}),
			want: "kmsMasterKeyID needs algorithm aws:kms or aws:kms:dsse",
		},
		"ClusterConfigWithoutSecretNamespace": {
			obj: &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "no-ns-" + ns}, Spec: awsv1alpha1.ProviderConfigSpec{Region: "us-east-1",
				Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &awsv1alpha1.SecretKeySelector{Name: "s", Key: "k"}}}},
			want: "a ClusterProviderConfig's spec.credentials.secretRef.namespace is required",
		},
		"SecretSourceWithoutRef": {
			obj: &awsv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "no-ref"}, Spec: awsv1alpha1.ProviderConfigSpec{Region: "us-east-1",
				Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret}}},
			want: "secretRef is required when source is Secret",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := env.Client.Create(ctx, tc.obj)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Create: got error %v, want one saying %q", err, tc.want)
			}
		})
	}

	// A bucket cannot move regions once created.
	b := newBucket(ns, "fixed-"+ns, v1alpha1.BucketParameters{Region: ptr.To("us-east-1")})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	// The controller writes the object too, so retry on conflicts.
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
			return err
		}
		b.Spec.ForProvider.Region = ptr.To("eu-west-1")
		err := env.Client.Update(ctx, b)
		if err == nil || !strings.Contains(err.Error(), "region is immutable") {
			return fmt.Errorf("changing region: got %v, want an immutability error", err)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}
