package bucket

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	awsclient "github.com/stowage-dev/stowage/internal/clients/aws"
)

// fakeS3 answers every read from its fields and records every call by
// operation name. errs makes an operation fail.
type fakeS3 struct {
	API // unused methods panic, so a test notices calls it did not expect

	exists     bool
	versioning s3types.BucketVersioningStatus
	errs       map[string]error
	calls      []string
}

func (f *fakeS3) call(op string) error {
	f.calls = append(f.calls, op)
	return f.errs[op]
}

func (f *fakeS3) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	if err := f.call("HeadBucket"); err != nil {
		return nil, err
	}
	if !f.exists {
		return nil, &s3types.NotFound{}
	}
	return &s3.HeadBucketOutput{BucketRegion: ptr.To("us-east-1")}, nil
}

func (f *fakeS3) CreateBucket(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	return &s3.CreateBucketOutput{}, f.call("CreateBucket")
}

func (f *fakeS3) DeleteBucket(context.Context, *s3.DeleteBucketInput, ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	return &s3.DeleteBucketOutput{}, f.call("DeleteBucket")
}

func (f *fakeS3) GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	return &s3.GetBucketVersioningOutput{Status: f.versioning}, f.call("GetBucketVersioning")
}

func (f *fakeS3) PutBucketVersioning(context.Context, *s3.PutBucketVersioningInput, ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error) {
	return &s3.PutBucketVersioningOutput{}, f.call("PutBucketVersioning")
}

func (f *fakeS3) GetBucketEncryption(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	f.calls = append(f.calls, "GetBucketEncryption")
	return nil, &smithy.GenericAPIError{Code: "ServerSideEncryptionConfigurationNotFoundError"}
}

func (f *fakeS3) GetPublicAccessBlock(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	on := ptr.To(true)
	return &s3.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: on, IgnorePublicAcls: on, BlockPublicPolicy: on, RestrictPublicBuckets: on,
	}}, f.call("GetPublicAccessBlock")
}

func (f *fakeS3) PutPublicAccessBlock(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	return &s3.PutPublicAccessBlockOutput{}, f.call("PutPublicAccessBlock")
}

func (f *fakeS3) GetBucketTagging(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	f.calls = append(f.calls, "GetBucketTagging")
	return nil, &smithy.GenericAPIError{Code: "NoSuchTagSet"}
}

func (f *fakeS3) PutBucketTagging(context.Context, *s3.PutBucketTaggingInput, ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
	return &s3.PutBucketTaggingOutput{}, f.call("PutBucketTagging")
}

func bucketCR(p v1alpha1.BucketParameters) *v1alpha1.Bucket {
	b := &v1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "assets"}, Spec: v1alpha1.BucketSpec{ForProvider: p}}
	meta.SetExternalName(b, "assets")
	return b
}

func newExternal(f *fakeS3) *external {
	s := awsclient.Session{}
	s.Config.Region = "us-east-1"
	return &external{api: f, session: s, recorder: event.NewNopRecorder()}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCreate(t *testing.T) {
	cases := map[string]struct {
		reason    string
		fake      *fakeS3
		spec      v1alpha1.BucketParameters
		wantCalls []string
		wantErr   string
	}{
		"AppliesOnlyWhatIsAsked": {
			reason:    "A new bucket gets its public access block and versioning; nothing else is written.",
			fake:      &fakeS3{},
			spec:      v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled)},
			wantCalls: []string{"CreateBucket", "PutPublicAccessBlock", "PutBucketVersioning"},
		},
		"AlreadyOwnedIsSuccess": {
			reason:    "A create that already happened (crash before the status write) is not an error.",
			fake:      &fakeS3{errs: map[string]error{"CreateBucket": &smithy.GenericAPIError{Code: "BucketAlreadyOwnedByYou"}}},
			wantCalls: []string{"CreateBucket", "PutPublicAccessBlock"},
		},
		"NameTaken": {
			reason:    "A name owned by another account says how to pick another.",
			fake:      &fakeS3{errs: map[string]error{"CreateBucket": &smithy.GenericAPIError{Code: "BucketAlreadyExists"}}},
			wantCalls: []string{"CreateBucket"},
			wantErr:   `bucket name "assets" is taken by another AWS account: S3 bucket names are global; set the crossplane.io/external-name annotation to another name`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := newExternal(tc.fake).Create(context.Background(), bucketCR(tc.spec))
			if diff := cmp.Diff(tc.wantErr, errString(err)); diff != "" {
				t.Errorf("%s\nCreate error: -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantCalls, tc.fake.calls); diff != "" {
				t.Errorf("%s\nCreate calls: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestObserveThenUpdate(t *testing.T) {
	f := &fakeS3{exists: true, versioning: s3types.BucketVersioningStatusSuspended}
	e := newExternal(f)
	cr := bucketCR(v1alpha1.BucketParameters{Versioning: ptr.To(v1alpha1.VersioningEnabled)})

	obs, err := e.Observe(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.ResourceExists || obs.ResourceUpToDate {
		t.Fatalf("Observe: exists=%v upToDate=%v, want true false", obs.ResourceExists, obs.ResourceUpToDate)
	}
	if want := "spec.forProvider.versioning: want Enabled, S3 has Suspended"; obs.Diff != want {
		t.Errorf("Observe diff = %q, want %q", obs.Diff, want)
	}
	f.calls = nil
	if _, err := e.Update(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"PutBucketVersioning"}, f.calls); diff != "" {
		t.Errorf("Update must send only the differing part, reusing Observe's reads: -want, +got:\n%s", diff)
	}
}

func TestObserveMissing(t *testing.T) {
	obs, err := newExternal(&fakeS3{}).Observe(context.Background(), bucketCR(v1alpha1.BucketParameters{}))
	if err != nil || obs.ResourceExists {
		t.Errorf("Observe of a missing bucket: exists=%v err=%v, want false, nil", obs.ResourceExists, err)
	}
}

func TestDelete(t *testing.T) {
	cases := map[string]struct {
		reason  string
		fake    *fakeS3
		wantErr string
	}{
		"Deleted":     {reason: "A delete succeeds.", fake: &fakeS3{}},
		"AlreadyGone": {reason: "A bucket already gone is deleted.", fake: &fakeS3{errs: map[string]error{"DeleteBucket": &s3types.NoSuchBucket{}}}},
		"NotEmpty": {
			reason:  "S3 refuses to delete a bucket with objects; the message says what to do.",
			fake:    &fakeS3{errs: map[string]error{"DeleteBucket": &smithy.GenericAPIError{Code: "BucketNotEmpty"}}},
			wantErr: `bucket "assets" is not empty and S3 will not delete it: empty it first, or remove Delete from spec.managementPolicies to leave it in S3`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := newExternal(tc.fake).Delete(context.Background(), bucketCR(v1alpha1.BucketParameters{}))
			if diff := cmp.Diff(tc.wantErr, errString(err)); diff != "" {
				t.Errorf("%s\nDelete error: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
