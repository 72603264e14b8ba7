// Package claims translates portable claims into AWS managed resources: a
// DatabaseClaim becomes one RDS DBInstance and a BucketClaim one S3 Bucket.
package claims

import (
	"fmt"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"maps"
	"slices"
	"strings"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rdsv1 "github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	s3v1 "github.com/stowage-dev/stowage/apis/aws/s3/v1alpha1"
	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
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

// Plan is one DBInstance; it needs nothing else first.
func (d Database) Plan(c *dbv1.DatabaseClaim, cl *dbv1.DatabaseClass, _ []client.Object) (translate.Plan, error) {
	mr, err := d.desired(c, cl)
	if err != nil {
		return translate.Plan{}, err
	}
	return translate.Plan{Resources: []client.Object{mr}}, nil
}

func (Database) desired(c *dbv1.DatabaseClaim, cl *dbv1.DatabaseClass) (client.Object, error) {
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
		ApplyImmediately:      ptr.To(ptr.Deref(t.ApplyImmediately, false)),
		SkipFinalSnapshot:     ptr.To(ptr.Deref(t.SkipFinalSnapshot, false)),
	}
	// A claim may grow past its size's autoscaling ceiling; RDS refuses
	// allocated storage above maxAllocatedStorage, so the ceiling rises with
	// it (no autoscaling headroom left) rather than the claim getting stuck.
	if p.MaxAllocatedStorage != nil && *p.MaxAllocatedStorage < p.AllocatedStorage {
		p.MaxAllocatedStorage = ptr.To(p.AllocatedStorage)
	}
	// Postgres and MySQL claims get a database of their own, so the
	// contract's database key is never empty; RDS SQL Server takes none.
	if c.Spec.Engine == dbv1.EnginePostgres || c.Spec.Engine == dbv1.EngineMySQL {
		p.DBName = ptr.To(translate.DatabaseName(c.Name))
	}
	if p.Tags == nil {
		p.Tags = map[string]string{}
	}
	if t.StorageType != nil {
		p.StorageType = ptr.To(rdsv1.StorageType(*t.StorageType))
	}
	mr := &rdsv1.DBInstance{
		TypeMeta:   metav1.TypeMeta{APIVersion: rdsv1.SchemeGroupVersion.String(), Kind: "DBInstance"},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name, Annotations: ownership.GeneratedName(name)},
		Spec:       rdsv1.DBInstanceSpec{ForProvider: p},
	}
	mr.Spec.ProviderConfigReference = translate.ProviderConfigRef(cl.Spec.ProviderConfigRef.Kind, cl.Spec.ProviderConfigRef.Name)
	mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: ConnectionSecretName(name)}
	return mr, nil
}

// Update applies what the claim and its class drive to a bound claim's
// DBInstance: instance class per size, storage (grow only) and its
// autoscaling ceiling, engine version (upgrade), high availability, backups,
// and the class's tags, deletion protection, security groups, public
// access, storage type and final snapshot choice. What would replace the
// database or move it to other credentials or networks (engine, region,
// encryption, KMS key, subnet group, provider config) is reported, not
// applied.
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
	switch {
	case dp.Region != nil && ep.Region != nil && *dp.Region != *ep.Region:
		notApplied = append(notApplied, fmt.Sprintf("region %s (running in %s) would replace the database", *dp.Region, *ep.Region))
	case dp.Region != nil && ep.Region == nil:
		// Made in its provider config's region, which the class did not
		// name then: a database cannot move, so say so rather than guess.
		notApplied = append(notApplied, fmt.Sprintf("region %s: the database was made in its provider config's region and cannot move", *dp.Region))
	}
	if dp.StorageEncrypted != nil && !ptr.Equal(ep.StorageEncrypted, dp.StorageEncrypted) {
		notApplied = append(notApplied, fmt.Sprintf("storageEncrypted %t is fixed at creation", *dp.StorageEncrypted))
	}
	if dp.KMSKeyID != nil && ep.KMSKeyID != nil && *dp.KMSKeyID != *ep.KMSKeyID {
		notApplied = append(notApplied, fmt.Sprintf("kmsKeyID %s is fixed at creation (encrypted with %s)", *dp.KMSKeyID, *ep.KMSKeyID))
	}
	if dp.DBSubnetGroupName != nil && ep.DBSubnetGroupName != nil && !strings.EqualFold(*dp.DBSubnetGroupName, *ep.DBSubnetGroupName) {
		notApplied = append(notApplied, fmt.Sprintf("dbSubnetGroupName %s (in %s) would move the database to another network", *dp.DBSubnetGroupName, *ep.DBSubnetGroupName))
	}
	if na := providerConfigMoved(e.Spec.ProviderConfigReference, d.Spec.ProviderConfigReference); na != "" {
		notApplied = append(notApplied, na)
	}
	if dp.Tags != nil && !maps.Equal(ep.Tags, dp.Tags) {
		ep.Tags, changed = maps.Clone(dp.Tags), true
	}
	// Like the reclaim policy, what guards the data flows to bound claims
	// only in the safer direction: a class edit never removes a bound
	// database's deletion protection or its final snapshot.
	switch {
	case ptr.Deref(dp.DeletionProtection, false) && !ptr.Deref(ep.DeletionProtection, false):
		ep.DeletionProtection, changed = ptr.To(true), true
	case dp.DeletionProtection != nil && !*dp.DeletionProtection && ptr.Deref(ep.DeletionProtection, false):
		notApplied = append(notApplied, "deletionProtection false: a class edit never removes a bound database's protection; turn it off on the DBInstance")
	}
	if dp.VPCSecurityGroupIDs != nil && !compare.SameSet(ep.VPCSecurityGroupIDs, dp.VPCSecurityGroupIDs) {
		ep.VPCSecurityGroupIDs, changed = slices.Clone(dp.VPCSecurityGroupIDs), true
	}
	if dp.PubliclyAccessible != nil && !ptr.Equal(ep.PubliclyAccessible, dp.PubliclyAccessible) {
		ep.PubliclyAccessible, changed = dp.PubliclyAccessible, true
	}
	if dp.StorageType != nil && !ptr.Equal(ep.StorageType, dp.StorageType) {
		ep.StorageType, changed = dp.StorageType, true
	}
	switch {
	case dp.SkipFinalSnapshot != nil && !*dp.SkipFinalSnapshot && ptr.Deref(ep.SkipFinalSnapshot, false):
		ep.SkipFinalSnapshot, changed = ptr.To(false), true
	case ptr.Deref(dp.SkipFinalSnapshot, false) && !ptr.Deref(ep.SkipFinalSnapshot, false):
		notApplied = append(notApplied, "skipFinalSnapshot true: a class edit never drops a bound database's final snapshot; set it on the DBInstance")
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

// Status reads the DBInstance's endpoint and running version.
func (Database) Status(_ *dbv1.DatabaseClaim, observed []client.Object) translate.DatabaseStatus {
	var st translate.DatabaseStatus
	for _, obj := range observed {
		if mr, ok := obj.(*rdsv1.DBInstance); ok {
			st = translate.DatabaseStatus{Endpoint: mr.Status.AtProvider.Address, Port: mr.Status.AtProvider.Port, EngineVersion: mr.Status.AtProvider.EngineVersion}
		}
	}
	return st
}

// Bucket translates BucketClaims into S3 Buckets.
type Bucket struct{}

var _ translate.Bucket = Bucket{}

// Types the bucket translation creates.
func (Bucket) Types() []client.Object { return []client.Object{&s3v1.Bucket{}} }

// Plan is one Bucket; it needs nothing else first.
func (b Bucket) Plan(c *storagev1.BucketClaim, cl *storagev1.BucketClass, _ []client.Object) (translate.Plan, error) {
	mr, err := b.desired(c, cl)
	if err != nil {
		return translate.Plan{}, err
	}
	return translate.Plan{Resources: []client.Object{mr}}, nil
}

func (Bucket) desired(c *storagev1.BucketClaim, cl *storagev1.BucketClass) (client.Object, error) {
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
	if p.Tags == nil {
		p.Tags = map[string]string{}
	}
	if c.Spec.Versioning {
		p.Versioning = ptr.To(s3v1.VersioningEnabled)
	}
	if e := t.Encryption; e != nil {
		p.ServerSideEncryption = &s3v1.ServerSideEncryption{Algorithm: s3v1.SSEAlgorithm(e.Algorithm), KMSMasterKeyID: e.KMSMasterKeyID}
	}
	mr := &s3v1.Bucket{
		TypeMeta:   metav1.TypeMeta{APIVersion: s3v1.SchemeGroupVersion.String(), Kind: "Bucket"},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name, Annotations: ownership.GeneratedName(name)},
		Spec:       s3v1.BucketSpec{ForProvider: p},
	}
	mr.Spec.ProviderConfigReference = translate.ProviderConfigRef(cl.Spec.ProviderConfigRef.Kind, cl.Spec.ProviderConfigRef.Name)
	mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: ConnectionSecretName(name)}
	return mr, nil
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
	if dp.Tags != nil && !maps.Equal(ep.Tags, dp.Tags) {
		ep.Tags, changed = maps.Clone(dp.Tags), true
	}
	if dp.ServerSideEncryption != nil && !sameSSE(ep.ServerSideEncryption, dp.ServerSideEncryption) {
		ep.ServerSideEncryption, changed = dp.ServerSideEncryption.DeepCopy(), true
	}
	var notApplied []string
	if dp.Region != nil && ep.Region != nil && *dp.Region != *ep.Region {
		notApplied = append(notApplied, fmt.Sprintf("region %s (bucket in %s): a bucket cannot move regions", *dp.Region, *ep.Region))
	}
	if na := providerConfigMoved(e.Spec.ProviderConfigReference, d.Spec.ProviderConfigReference); na != "" {
		notApplied = append(notApplied, na)
	}
	return changed, notApplied
}

// sameSSE compares what a class sets of default encryption; a bucket key
// S3 chose stays.
func sameSSE(have, want *s3v1.ServerSideEncryption) bool {
	return have != nil && have.Algorithm == want.Algorithm && ptr.Deref(have.KMSMasterKeyID, "") == ptr.Deref(want.KMSMasterKeyID, "")
}

// Status reads the bucket's name, region and endpoint.
func (Bucket) Status(_ *storagev1.BucketClaim, observed []client.Object) translate.BucketStatus {
	var st translate.BucketStatus
	for _, obj := range observed {
		mr, ok := obj.(*s3v1.Bucket)
		if !ok {
			continue
		}
		st = translate.BucketStatus{Bucket: mr.Name, Region: mr.Status.AtProvider.Region, Endpoint: mr.Status.AtProvider.Endpoint}
		if n := meta.GetExternalName(mr); n != "" {
			st.Bucket = n
		}
	}
	return st
}

// providerConfigMoved reports a class that now names other credentials:
// following it could point the managed resource at another account, where
// it would make a new, empty cloud object.
func providerConfigMoved(have, want *xpv2.ProviderConfigReference) string {
	if have == nil || want == nil || *have == *want {
		return ""
	}
	return fmt.Sprintf("providerConfigRef %s/%s (in use: %s/%s) would move the resource to other credentials, possibly another account", want.Kind, want.Name, have.Kind, have.Name)
}

func samePAB(a, b *s3v1.PublicAccessBlock) bool {
	if a == nil || b == nil {
		return a == b
	}
	return ptr.Equal(a.BlockPublicACLs, b.BlockPublicACLs) && ptr.Equal(a.IgnorePublicACLs, b.IgnorePublicACLs) &&
		ptr.Equal(a.BlockPublicPolicy, b.BlockPublicPolicy) && ptr.Equal(a.RestrictPublicBuckets, b.RestrictPublicBuckets)
}
