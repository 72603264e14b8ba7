// Package aws translates portable claims into AWS managed resources: a
// DatabaseClaim becomes one RDS DBInstance and a BucketClaim one S3 Bucket.
package aws

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
)

// Cloud is the name of the AWS template in a class.
const Cloud = "aws"

// MasterUsername of every instance a claim creates.
const MasterUsername = "stowage"

func init() {
	Register(translate.Default)
}

// Register the AWS translations with r.
func Register(r *translate.Registry) {
	r.RegisterDatabase(Cloud, Database{})
	r.RegisterBucket(Cloud, Bucket{})
}

// ConnectionSecretName is the Secret a managed resource named name writes
// its connection details to; the claim controller copies it.
func ConnectionSecretName(name string) string { return name + "-connection" }

func providerConfigRef(r dbv1.ProviderConfigReference) *xpv2.ProviderConfigReference {
	kind, name := r.Kind, r.Name
	if kind == "" {
		kind = "ClusterProviderConfig"
	}
	if name == "" {
		name = "default"
	}
	return &xpv2.ProviderConfigReference{Kind: kind, Name: name}
}

func readiness(obj interface {
	GetCondition(xpv2.ConditionType) xpv2.Condition
}, kind, name string) (bool, string) {
	c := obj.GetCondition(xpv2.TypeReady)
	if c.Status == corev1.ConditionTrue {
		return true, ""
	}
	msg := fmt.Sprintf("%s %s is not ready", kind, name)
	if c.Reason != "" {
		msg += ": " + string(c.Reason)
	}
	if c.Message != "" {
		msg += ": " + c.Message
	}
	return false, msg
}

// notSynced says why a managed resource is not synced, or "".
func notSynced(obj interface {
	GetCondition(xpv2.ConditionType) xpv2.Condition
}, kind, name string) string {
	s := obj.GetCondition(xpv2.TypeSynced)
	if s.Status != corev1.ConditionFalse {
		return ""
	}
	return fmt.Sprintf("%s %s is not synced: %s", kind, name, s.Message)
}

// Database translates DatabaseClaims into RDS DBInstances.
type Database struct{}

var _ translate.Database = Database{}

// Types the database translation creates.
func (Database) Types() []client.Object { return []client.Object{&rdsv1.DBInstance{}} }

// Engine maps a portable engine to the RDS engine the class uses.
func Engine(e dbv1.Engine, t *dbv1.AWSDatabaseTemplate) rdsv1.Engine {
	switch e {
	case dbv1.EnginePostgres:
		return rdsv1.EnginePostgres
	case dbv1.EngineMySQL:
		return rdsv1.EngineMySQL
	case dbv1.EngineSQLServer:
		ed := "ex"
		if t != nil && t.SQLServerEdition != nil {
			ed = string(*t.SQLServerEdition)
		}
		return rdsv1.Engine("sqlserver-" + ed)
	}
	return rdsv1.Engine(e)
}

// Desired is one DBInstance.
func (Database) Desired(c *dbv1.DatabaseClaim, cl *dbv1.DatabaseClass) ([]client.Object, error) {
	t := cl.Spec.AWS
	if t == nil {
		return nil, fmt.Errorf("class %s has no aws template", cl.Name)
	}
	size, ok := t.Sizes[c.Spec.Size]
	if !ok {
		return nil, &translate.NotOfferedError{Field: "size", Value: c.Spec.Size, Class: cl.Name, Offered: slices.Sorted(maps.Keys(t.Sizes))}
	}
	name := translate.Name(c)
	backup := t.BackupRetentionDays
	if c.Spec.BackupRetentionDays != nil {
		backup = c.Spec.BackupRetentionDays
	}
	p := rdsv1.DBInstanceParameters{
		Region:                t.Region,
		Engine:                Engine(c.Spec.Engine, t),
		EngineVersion:         ptr.To(c.Spec.Version),
		DBInstanceClass:       size.InstanceClass,
		AllocatedStorage:      c.Spec.StorageGB,
		MaxAllocatedStorage:   size.MaxAllocatedStorageGB,
		MultiAZ:               ptr.To(ptr.Deref(c.Spec.HighAvailability, false)),
		MasterUsername:        ptr.To(MasterUsername),
		DBSubnetGroupName:     t.DBSubnetGroupName,
		VPCSecurityGroupIDs:   t.VPCSecurityGroupIDs,
		PubliclyAccessible:    t.PubliclyAccessible,
		BackupRetentionPeriod: backup,
		StorageEncrypted:      t.StorageEncrypted,
		KMSKeyID:              t.KMSKeyID,
		DeletionProtection:    t.DeletionProtection,
		Tags:                  maps.Clone(t.Tags),
		ApplyImmediately:      ptr.To(true),
		SkipFinalSnapshot:     ptr.To(ptr.Deref(t.SkipFinalSnapshot, false)),
	}
	if p.MaxAllocatedStorage != nil && *p.MaxAllocatedStorage < p.AllocatedStorage {
		p.MaxAllocatedStorage = nil
	}
	if t.StorageType != nil {
		p.StorageType = ptr.To(rdsv1.StorageType(*t.StorageType))
	}
	mr := &rdsv1.DBInstance{
		TypeMeta:   metav1.TypeMeta{APIVersion: rdsv1.SchemeGroupVersion.String(), Kind: "DBInstance"},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name},
		Spec:       rdsv1.DBInstanceSpec{ForProvider: p},
	}
	mr.Spec.ProviderConfigReference = providerConfigRef(cl.Spec.ProviderConfigRef)
	mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: ConnectionSecretName(name)}
	return []client.Object{mr}, nil
}

// Update applies the claim-driven fields: instance class, storage (grow
// only), engine version (upgrade), high availability and backups. An engine
// change would replace the database and is reported, not applied.
func (Database) Update(existing, desired client.Object) (bool, []string) {
	e, ok1 := existing.(*rdsv1.DBInstance)
	d, ok2 := desired.(*rdsv1.DBInstance)
	if !ok1 || !ok2 {
		return false, nil
	}
	ep, dp := &e.Spec.ForProvider, d.Spec.ForProvider
	var changed bool
	var notApplied []string
	if ep.Engine != dp.Engine {
		notApplied = append(notApplied, fmt.Sprintf("engine %s (running %s) would replace the database", dp.Engine, ep.Engine))
	}
	if dp.Region != nil && ep.Region != nil && *dp.Region != *ep.Region {
		notApplied = append(notApplied, fmt.Sprintf("region %s (running in %s) would replace the database", *dp.Region, *ep.Region))
	}
	if dp.StorageEncrypted != nil && !ptr.Equal(ep.StorageEncrypted, dp.StorageEncrypted) {
		notApplied = append(notApplied, fmt.Sprintf("storageEncrypted %t is fixed at creation", *dp.StorageEncrypted))
	}
	if ep.DBInstanceClass != dp.DBInstanceClass {
		ep.DBInstanceClass, changed = dp.DBInstanceClass, true
	}
	switch {
	case dp.AllocatedStorage > ep.AllocatedStorage:
		ep.AllocatedStorage, changed = dp.AllocatedStorage, true
	case dp.AllocatedStorage < ep.AllocatedStorage:
		notApplied = append(notApplied, fmt.Sprintf("storage %dGB is smaller than the allocated %dGB; storage cannot shrink", dp.AllocatedStorage, ep.AllocatedStorage))
	}
	if !ptr.Equal(ep.MaxAllocatedStorage, dp.MaxAllocatedStorage) && dp.MaxAllocatedStorage != nil {
		ep.MaxAllocatedStorage, changed = dp.MaxAllocatedStorage, true
	}
	if dv := ptr.Deref(dp.EngineVersion, ""); dv != "" {
		cur := ptr.Deref(ep.EngineVersion, "")
		if cur != dv && !strings.HasPrefix(cur, dv+".") {
			ep.EngineVersion, changed = ptr.To(dv), true
		}
	}
	if !ptr.Equal(ep.MultiAZ, dp.MultiAZ) {
		ep.MultiAZ, changed = dp.MultiAZ, true
	}
	if dp.BackupRetentionPeriod != nil && !ptr.Equal(ep.BackupRetentionPeriod, dp.BackupRetentionPeriod) {
		ep.BackupRetentionPeriod, changed = dp.BackupRetentionPeriod, true
	}
	if !ptr.Equal(ep.ApplyImmediately, dp.ApplyImmediately) {
		ep.ApplyImmediately, changed = dp.ApplyImmediately, true
	}
	return changed, notApplied
}

// Observe the DBInstance.
func (Database) Observe(c *dbv1.DatabaseClaim, observed []client.Object) translate.Observation {
	o := translate.Observation{Message: "waiting for the DBInstance"}
	for _, obj := range observed {
		mr, ok := obj.(*rdsv1.DBInstance)
		if !ok {
			continue
		}
		o.Ready, o.Message = readiness(mr, "DBInstance", mr.Name)
		o.NotSynced = notSynced(mr, "DBInstance", mr.Name)
		o.Endpoint = mr.Status.AtProvider.Address
		o.Port = mr.Status.AtProvider.Port
		o.EngineVersion = mr.Status.AtProvider.EngineVersion
		if r := mr.Spec.WriteConnectionSecretToReference; r != nil {
			o.ConnectionSecrets = append(o.ConnectionSecrets, r.Name)
		}
	}
	return o
}

// Bucket translates BucketClaims into S3 Buckets.
type Bucket struct{}

var _ translate.Bucket = Bucket{}

// Types the bucket translation creates.
func (Bucket) Types() []client.Object { return []client.Object{&s3v1.Bucket{}} }

// Desired is one Bucket.
func (Bucket) Desired(c *storagev1.BucketClaim, cl *storagev1.BucketClass) ([]client.Object, error) {
	t := cl.Spec.AWS
	if t == nil {
		return nil, fmt.Errorf("class %s has no aws template", cl.Name)
	}
	name := translate.Name(c)
	block := !c.Spec.PublicAccess
	p := s3v1.BucketParameters{
		Region: t.Region,
		PublicAccessBlock: &s3v1.PublicAccessBlock{
			BlockPublicACLs:       ptr.To(block),
			IgnorePublicACLs:      ptr.To(block),
			BlockPublicPolicy:     ptr.To(block),
			RestrictPublicBuckets: ptr.To(block),
		},
		Tags: maps.Clone(t.Tags),
	}
	if c.Spec.Versioning {
		p.Versioning = ptr.To(s3v1.VersioningEnabled)
	}
	if e := t.Encryption; e != nil {
		p.ServerSideEncryption = &s3v1.ServerSideEncryption{Algorithm: s3v1.SSEAlgorithm(e.Algorithm), KMSMasterKeyID: e.KMSMasterKeyID}
	}
	mr := &s3v1.Bucket{
		TypeMeta:   metav1.TypeMeta{APIVersion: s3v1.SchemeGroupVersion.String(), Kind: "Bucket"},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name},
		Spec:       s3v1.BucketSpec{ForProvider: p},
	}
	mr.Spec.ProviderConfigReference = providerConfigRef(dbv1.ProviderConfigReference(cl.Spec.ProviderConfigRef))
	mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: ConnectionSecretName(name)}
	return []client.Object{mr}, nil
}

// Update applies versioning and public access. Turning versioning off
// suspends it: S3 cannot return a bucket to never-versioned.
func (Bucket) Update(existing, desired client.Object) (bool, []string) {
	e, ok1 := existing.(*s3v1.Bucket)
	d, ok2 := desired.(*s3v1.Bucket)
	if !ok1 || !ok2 {
		return false, nil
	}
	ep, dp := &e.Spec.ForProvider, d.Spec.ForProvider
	var changed bool
	want := dp.Versioning
	if want == nil && ep.Versioning != nil {
		want = ptr.To(s3v1.VersioningSuspended)
	}
	if !ptr.Equal(ep.Versioning, want) {
		ep.Versioning, changed = want, true
	}
	if dp.PublicAccessBlock != nil && !samePAB(ep.PublicAccessBlock, dp.PublicAccessBlock) {
		pab := *dp.PublicAccessBlock
		ep.PublicAccessBlock, changed = &pab, true
	}
	return changed, nil
}

// Observe the Bucket.
func (Bucket) Observe(c *storagev1.BucketClaim, observed []client.Object) translate.Observation {
	o := translate.Observation{Message: "waiting for the Bucket"}
	for _, obj := range observed {
		mr, ok := obj.(*s3v1.Bucket)
		if !ok {
			continue
		}
		o.Ready, o.Message = readiness(mr, "Bucket", mr.Name)
		o.NotSynced = notSynced(mr, "Bucket", mr.Name)
		o.Bucket = mr.Name
		if n := mr.GetAnnotations()["crossplane.io/external-name"]; n != "" {
			o.Bucket = n
		}
		o.Region = mr.Status.AtProvider.Region
		o.BucketEndpoint = mr.Status.AtProvider.Endpoint
		if r := mr.Spec.WriteConnectionSecretToReference; r != nil {
			o.ConnectionSecrets = append(o.ConnectionSecrets, r.Name)
		}
	}
	return o
}

func samePAB(a, b *s3v1.PublicAccessBlock) bool {
	if a == nil || b == nil {
		return a == b
	}
	return ptr.Equal(a.BlockPublicACLs, b.BlockPublicACLs) && ptr.Equal(a.IgnorePublicACLs, b.IgnorePublicACLs) &&
		ptr.Equal(a.BlockPublicPolicy, b.BlockPublicPolicy) && ptr.Equal(a.RestrictPublicBuckets, b.RestrictPublicBuckets)
}
