package bucket_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
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
	"github.com/stowage-dev/stowage/internal/aws/s3/bucket"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/providerconfig"
	"github.com/stowage-dev/stowage/internal/providerconfig/usage"
	"github.com/stowage-dev/stowage/internal/testenv"
)

const (
	poll       = time.Second
	driftCheck = 4 * time.Second
	timeout    = 60 * time.Second
)

var (
	harness *testenv.AWSHarness
	env     *testenv.Env
	moto    *testenv.Moto
	counter *testenv.CallCounter
	s3c     *s3.Client
)

func TestMain(m *testing.M) {
	// With ambient credentials the SDK's default chain reads these, as it
	// would a pod's environment; moto accepts any key.
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"} {
		if err := os.Setenv(k, v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	// Settings no listing returns are read every few polls here, not every
	// ten minutes, so drift tests finish.
	cloudlist.DriftCheck = driftCheck
	h, err := testenv.StartAWS(poll, func(mgr ctrl.Manager, o controller.Options) error {
		if err := usage.Setup(mgr, o); err != nil {
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

// bucketTags returns every tag of the bucket in S3.
func bucketTags(ctx context.Context, name string) (map[string]string, error) {
	out, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &name})
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, t := range out.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
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

// watchPolls waits until the provider has read bucket name n more times
// (one HeadBucket a poll).
func watchPolls(ctx context.Context, t *testing.T, name string, n int) {
	t.Helper()
	if _, err := counter.WaitFor(ctx, timeout, len(counter.Calls()), n, func(c testenv.Call) bool {
		return c.Method == http.MethodHead && c.Path == "/"+name || isListing(c)
	}); err != nil {
		t.Fatalf("polls of bucket %s: %v", name, err)
	}
}

// isListing reports whether c is a ListBuckets, which serves the polls of
// every bucket seen before between their drift checks.
func isListing(c testenv.Call) bool { return c.Method == http.MethodGet && c.Path == "/" }

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
	tags, err := bucketTags(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.CheckOwnerTags(tags, "bucket", b, map[string]string{"team": "shop"}); err != nil {
		t.Fatalf("a new bucket carries its tags and its owner tags: %v", err)
	}
	if len(tags) != 6 {
		t.Errorf("tags %v, want team and the five owner tags", tags)
	}
	if b.GetAnnotations()["stowage.dev/generated-external-name"] != name {
		t.Errorf("annotations %v do not record the generated external name", b.GetAnnotations())
	}
	if _, ok := b.Spec.ForProvider.Tags["stowage-uid"]; ok || len(b.Spec.ForProvider.Tags) != 1 {
		t.Errorf("spec.forProvider.tags = %v: owner tags must stay out of the spec", b.Spec.ForProvider.Tags)
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
	watchPolls(ctx, t, name, 2)
	counter.Reset()
	watchPolls(ctx, t, name, 4)
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("a bucket in sync got %d write calls, want 0: %+v", len(w), w)
	}
	reads := 0
	for _, c := range counter.Calls() {
		if strings.HasPrefix(c.Path, "/"+name) || isListing(c) {
			reads++
		}
	}
	if reads == 0 {
		t.Error("no reads of the bucket during several polls: is it being observed at all?")
	}
}

// Buckets in sync are observed from one ListBuckets of the account per
// poll, however many there are; each bucket's own settings are read once
// per drift check interval, not once per poll.
func TestBucketsShareOneListing(t *testing.T) {
	ctx, ns := setup(t)
	var bs []*v1alpha1.Bucket
	for i := range 4 {
		b := newBucket(ns, fmt.Sprintf("shared-%d-%s", i, ns), v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled)})
		if err := env.Client.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	for _, b := range bs {
		waitReady(ctx, t, b)
	}
	counter.Reset()
	before, err := testenv.Polls(v1alpha1.BucketKind)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := counter.WaitFor(ctx, timeout, 0, 8, isListing); err != nil {
		t.Fatalf("listings: %v", err)
	}
	elapsed := time.Since(start)
	after, err := testenv.Polls(v1alpha1.BucketKind)
	if err != nil {
		t.Fatal(err)
	}
	var listings, heads, reads int
	for _, c := range counter.Calls() {
		switch {
		case isListing(c):
			listings++
		case !strings.HasSuffix(strings.SplitN(strings.TrimPrefix(c.Path, "/"), "/", 2)[0], ns):
			// Another test's bucket, being deleted.
		case c.Method == http.MethodHead:
			heads++
			reads++
		case c.Method == http.MethodGet:
			reads++
		default:
			t.Errorf("unexpected call %s %s while the buckets are in sync", c.Method, c.Path)
		}
	}
	polls := int(after - before)
	t.Logf("%d polls of 4 buckets in %v: %d listings, %d drift checks (%d reads of one bucket)", polls, elapsed.Round(time.Millisecond), listings, heads, reads)
	if polls < 2*listings {
		t.Errorf("%d polls for %d listings: listings are not shared", polls, listings)
	}
	// A drift check is five reads of one bucket; each bucket makes one
	// every drift check interval, and maybe one more that began before.
	if most := 4 * (int(elapsed/driftCheck) + 1); heads > most {
		t.Errorf("%d drift checks of 4 buckets in %v, want at most %d: one a bucket every %v", heads, elapsed, most, driftCheck)
	}
	if polls <= heads {
		t.Errorf("%d polls and %d drift checks: every poll read its bucket", polls, heads)
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
	watchPolls(ctx, t, name, 3)
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
		tags, err := bucketTags(ctx, name)
		if err != nil {
			return err
		}
		if err := testenv.CheckOwnerTags(tags, "bucket", adopted, map[string]string{"owner": "stowage"}); err != nil {
			return fmt.Errorf("tags not adopted: %w", err)
		}
		if len(tags) != 6 {
			return fmt.Errorf("tags %v, want owner=stowage and the five owner tags", tags)
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
		// Each case names its own Secret: map order is random, and a Secret
		// one case creates must not exist for another.
		"MissingSecret": {want: "credentials Secret " + ns + "/missingsecret-creds not found"},
		"MalformedCredentials": {
			secret: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "malformedcredentials-creds"}, StringData: map[string]string{"credentials": "[default]\naws_secret_access_key = x\n"}},
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
					Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &awsv1alpha1.SecretKeySelector{Name: pcName + "-creds", Key: "credentials"}}},
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
			obj: &awsv1alpha1.ClusterProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "no-ns-" + ns}, Spec: awsv1alpha1.ClusterProviderConfigSpec{ProviderConfigSpec: awsv1alpha1.ProviderConfigSpec{Region: "us-east-1",
				Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret, SecretRef: &awsv1alpha1.SecretKeySelector{Name: "s", Key: "k"}}}}},
			want: "a ClusterProviderConfig's spec.credentials.secretRef.namespace is required",
		},
		"ReservedTagKey": {
			obj:  newBucket(ns, "reserved-"+ns, v1alpha1.BucketParameters{Tags: map[string]string{"stowage-uid": "forged"}}),
			want: "tag keys starting with stowage- are reserved for Stowage's owner tags",
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

// foreignOwner are owner tags another Stowage (or another resource) wrote.
var foreignOwner = map[string]string{
	"stowage-cluster": "other-cluster", "stowage-kind": "bucket",
	"stowage-namespace": "other-team", "stowage-name": "assets", "stowage-uid": "0b5e55ed-0000-4000-8000-000000000001",
}

// squat creates the bucket name behind the provider's back, with tags
// unless they are nil.
func squat(ctx context.Context, t *testing.T, name string, tags map[string]string) {
	t.Helper()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatal(err)
	}
	if tags == nil {
		return
	}
	set := make([]s3types.Tag, 0, len(tags))
	for k, v := range tags {
		set = append(set, s3types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: set}}); err != nil {
		t.Fatal(err)
	}
}

// refused waits for b to be Synced=False saying each of want.
func refused(ctx context.Context, t *testing.T, b *v1alpha1.Bucket, want ...string) {
	t.Helper()
	c, err := testenv.WaitForCondition(ctx, env.Client, b, xpv2.TypeSynced, corev1.ConditionFalse, timeout)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(c.Message, w) {
			t.Errorf("Synced=False message %q does not say %q", c.Message, w)
		}
	}
}

func TestBucketForeignOwnerNotAdopted(t *testing.T) {
	ctx, ns := setup(t)
	name := "squat-" + ns
	tags := map[string]string{"team": "other"}
	maps.Copy(tags, foreignOwner)
	squat(ctx, t, name, tags)
	counter.Reset()

	// A Bucket whose generated external name is someone else's bucket.
	b := newBucket(ns, name, v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled), Tags: map[string]string{"team": "mine"}})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	refused(ctx, t, b, "belongs to bucket other-team/assets (uid "+foreignOwner["stowage-uid"]+") in cluster other-cluster",
		"create a managed resource with the annotation crossplane.io/external-name: "+name)
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("a refused bucket got writes: %+v", w)
	}
	if got, err := bucketTags(ctx, name); err != nil || !maps.Equal(got, tags) {
		t.Errorf("tags of the foreign bucket changed: %v (%v), want %v", got, err, tags)
	}
	if b.Status.AtProvider.ARN != "" {
		t.Errorf("status.atProvider describes a bucket that is not ours: %+v", b.Status.AtProvider)
	}

	// Deleting the refused Bucket completes and leaves the bucket alone.
	if err := env.Client.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, b, timeout); err != nil {
		t.Fatal(err)
	}
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("deleting a refused Bucket wrote to the foreign bucket: %+v", w)
	}
	if got, err := bucketTags(ctx, name); err != nil || !maps.Equal(got, tags) {
		t.Errorf("the foreign bucket is gone or changed after deleting the refused Bucket: %v (%v)", got, err)
	}
}

func TestBucketUntaggedNotAdoptedUnlessImported(t *testing.T) {
	ctx, ns := setup(t)
	name := "untagged-" + ns
	squat(ctx, t, name, nil)
	counter.Reset()

	// Under a generated name, an untagged bucket is not ours.
	b := newBucket(ns, name, v1alpha1.BucketParameters{})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	refused(ctx, t, b, "has no owner tags: it was not created by Stowage")
	if w := writesTo(name); len(w) != 0 {
		t.Errorf("a refused bucket got writes: %+v", w)
	}
	if err := env.Client.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, b, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("deleting a refused Bucket removed the bucket: %v", err)
	}

	// The explicit external name imports it on purpose: adopted and tagged.
	imported := newBucket(ns, "imported", v1alpha1.BucketParameters{Tags: map[string]string{"team": "shop"}})
	meta.SetExternalName(imported, name)
	if err := env.Client.Create(ctx, imported); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, imported)
	if err := testenv.Eventually(ctx, timeout, func() error {
		tags, err := bucketTags(ctx, name)
		if err != nil {
			return err
		}
		return testenv.CheckOwnerTags(tags, "bucket", imported, map[string]string{"team": "shop"})
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range writesTo(name) {
		if c.Method == "PUT" && c.Path == "/"+name && c.Query == "" {
			t.Errorf("importing an existing bucket called CreateBucket: %+v", c)
		}
	}
}

func TestBucketExplicitImportOfForeignOwner(t *testing.T) {
	ctx, ns := setup(t)
	name := "handover-" + ns
	squat(ctx, t, name, foreignOwner)

	b := newBucket(ns, "handover", v1alpha1.BucketParameters{})
	meta.SetExternalName(b, name)
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)
	if err := testenv.Eventually(ctx, timeout, func() error {
		tags, err := bucketTags(ctx, name)
		if err != nil {
			return err
		}
		return testenv.CheckOwnerTags(tags, "bucket", b, nil)
	}); err != nil {
		t.Fatal(err)
	}
	// An event says whose the bucket was.
	if err := testenv.Eventually(ctx, timeout, func() error {
		evs := &corev1.EventList{}
		if err := env.Client.List(ctx, evs, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.InvolvedObject.Name == b.Name && e.Reason == "AdoptExternalResource" && strings.Contains(e.Message, "other-team/assets") {
				return nil
			}
		}
		return fmt.Errorf("no AdoptExternalResource event naming the previous owner")
	}); err != nil {
		t.Error(err)
	}
}

func TestBucketNamespacedAmbientCredentials(t *testing.T) {
	ctx, ns := setup(t)
	pc := &awsv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ambient"},
		Spec: awsv1alpha1.ProviderConfigSpec{Region: "us-east-1", Endpoint: &awsv1alpha1.Endpoint{URL: counter.URL},
			Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceInjectedIdentity}},
	}
	if err := env.Client.Create(ctx, pc); err != nil {
		t.Fatal(err)
	}
	name := "ambient-" + ns
	b := newBucket(ns, name, v1alpha1.BucketParameters{})
	b.Spec.ProviderConfigReference.Name = "ambient"

	// feature.Flags cannot be turned off again, so only the first run in
	// this process (go test -count=1, as make test runs it) sees the default.
	if env.Features.Enabled(providerconfig.EnableNamespacedAmbientCredentials) {
		t.Log("the flag was enabled by an earlier run in this process: not checking the default refusal")
		if err := env.Client.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := env.Client.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		refused(ctx, t, b, "ProviderConfig "+ns+"/ambient", "InjectedIdentity", "--allow-namespaced-ambient-credentials")
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err == nil {
			t.Fatal("a refused ProviderConfig created a bucket")
		}
		// The cluster administrator allows it; the flag is read on every
		// connect, so the refused Bucket proceeds.
		env.Features.Enable(providerconfig.EnableNamespacedAmbientCredentials)
	}
	waitReady(ctx, t, b)
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("bucket not created with the provider's own credentials: %v", err)
	}
}

func TestBucketClusterProviderConfigNamespaceSelector(t *testing.T) {
	ctx, selected := setup(t)
	other, err := env.Namespace(ctx, "s3-other")
	if err != nil {
		t.Fatal(err)
	}
	// Select the test's own namespace by a label only it carries.
	nsObj := &corev1.Namespace{}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: selected}, nsObj); err != nil {
		t.Fatal(err)
	}
	nsObj.Labels = map[string]string{"stowage.dev/test-tenant": selected}
	if err := env.Client.Update(ctx, nsObj); err != nil {
		t.Fatal(err)
	}
	cpc := &awsv1alpha1.ClusterProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "selector-" + selected},
		Spec: awsv1alpha1.ClusterProviderConfigSpec{
			ProviderConfigSpec: awsv1alpha1.ProviderConfigSpec{Region: "us-east-1", Endpoint: &awsv1alpha1.Endpoint{URL: counter.URL},
				Credentials: awsv1alpha1.Credentials{Source: awsv1alpha1.CredentialsSourceSecret,
					// The Secret setup made for the namespace's ProviderConfig.
					SecretRef: &awsv1alpha1.SecretKeySelector{Namespace: selected, Name: "default-creds", Key: "credentials"}}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"stowage.dev/test-tenant": selected}},
		},
	}
	if err := env.Client.Create(ctx, cpc); err != nil {
		t.Fatal(err)
	}

	cases := map[string]struct {
		ns      string
		refused string // empty: served
	}{
		"NotSelected": {ns: other, refused: "ClusterProviderConfig " + cpc.Name + " does not select namespace " + other + " (spec.namespaceSelector)"},
		"Selected":    {ns: selected},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			bn := strings.ToLower(name) + "-" + selected
			b := newBucket(tc.ns, bn, v1alpha1.BucketParameters{})
			b.Spec.ProviderConfigReference = &xpv2.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: cpc.Name}
			if err := env.Client.Create(ctx, b); err != nil {
				t.Fatal(err)
			}
			if tc.refused != "" {
				refused(ctx, t, b, tc.refused)
				if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bn}); err == nil {
					t.Error("a namespace the ClusterProviderConfig does not select created a bucket")
				}
				return
			}
			waitReady(ctx, t, b)
		})
	}
}

func TestNamespaceTeardownWithNamespacedProviderConfig(t *testing.T) {
	ctx, ns := setup(t)
	name := "teardown-" + ns
	b := newBucket(ns, name, v1alpha1.BucketParameters{})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)
	// The namespace controller deletes the ProviderConfig's credentials
	// Secret and its usages along with the Bucket; the Bucket still deletes
	// its bucket, and the namespace goes.
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if err := env.Client.Delete(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitGone(ctx, env.Client, n, 2*timeout); err != nil {
		_ = env.Client.Get(ctx, client.ObjectKeyFromObject(b), b)
		t.Fatalf("%v; Bucket: finalizers %v, Synced: %s", err, b.GetFinalizers(), b.GetCondition(xpv2.TypeSynced).Message)
	}
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err == nil {
		t.Errorf("bucket %s still exists after its namespace was deleted", name)
	}
}

// Creating a bucket costs one read to find the name free, the writes, and
// one read of the default encryption S3 chose: what Create wrote is not
// read back (S3's bucket settings are eventually consistent; the drift
// check reads them in full later).
func TestBucketCreationCalls(t *testing.T) {
	ctx, ns := setup(t)
	name := "calls-" + ns
	counter.Reset()
	b := newBucket(ns, name, v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled), Tags: map[string]string{"team": "shop"}})
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	waitReady(ctx, t, b)
	// Late initialisation writes the spec back: wait for it to settle.
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
			return err
		}
		if b.Spec.ForProvider.PublicAccessBlock == nil || b.Spec.ForProvider.Region == nil {
			return fmt.Errorf("not late-initialised yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range counter.Calls() {
		if strings.HasPrefix(c.Path, "/"+name) {
			q := c.Query
			if i := strings.IndexByte(q, '='); i >= 0 {
				q = q[:i]
			}
			got = append(got, strings.TrimSuffix(c.Method+" "+q, " "))
		}
	}
	// Calls until the first drift check (every 4 s in these tests).
	// The settings after the owner tags are sent together, in any order.
	want := []string{"HEAD", "PUT", "PUT tagging", "PUT publicAccessBlock", "PUT versioning", "GET encryption"}
	if len(got) >= len(want) {
		slices.Sort(got[3:5])
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("calls creating a bucket: %v, want %v first", got, want)
	}
	for _, c := range got[min(len(got), len(want)):] {
		if c != "HEAD" && !strings.HasPrefix(c, "GET") {
			t.Errorf("a write after creating: %s (all: %v)", c, got)
		}
	}
}
