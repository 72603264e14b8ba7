// Package dbinstance is the controller for Amazon RDS DB instances.
package dbinstance

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	"github.com/stowage-dev/stowage/internal/aws/awsclient"
	"github.com/stowage-dev/stowage/internal/aws/awserr"
	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/mrsetup"
	"github.com/stowage-dev/stowage/internal/ownership"
	"github.com/stowage-dev/stowage/internal/password"
)

const (
	// AnnotationPasswordHMAC records an HMAC of the master password last
	// applied to the instance, never the password itself, so a change of the
	// password Secret is noticed and applied. It is keyed with HMACKeyKey.
	AnnotationPasswordHMAC = "rds.aws.stowage.dev/applied-password-hmac"

	// annotationLegacyPasswordHash held an unkeyed hash of the password in
	// earlier versions; it is removed when the password is next recorded.
	annotationLegacyPasswordHash = "rds.aws.stowage.dev/master-password-hash"

	// GeneratedPasswordKey is the key of the generated password in the
	// DBInstance's Secret, when the password is generated.
	GeneratedPasswordKey = password.KeyPassword

	// HMACKeyKey is the key of the random key AnnotationPasswordHMAC is
	// computed with, in the DBInstance's Secret.
	HMACKeyKey = password.KeyHMAC
)

// GeneratedPasswordSecret is the name of the Secret, owned by the
// DBInstance called name, that holds its HMAC key and, when it has no
// masterPasswordSecretRef, its generated master password.
func GeneratedPasswordSecret(name string) string { return name + "-master-password" }

// API is the part of the RDS client a DBInstance needs.
type API interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	CreateDBInstance(ctx context.Context, in *rds.CreateDBInstanceInput, opts ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
	ModifyDBInstance(ctx context.Context, in *rds.ModifyDBInstanceInput, opts ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error)
	DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, opts ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
	AddTagsToResource(ctx context.Context, in *rds.AddTagsToResourceInput, opts ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error)
	RemoveTagsFromResource(ctx context.Context, in *rds.RemoveTagsFromResourceInput, opts ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error)
}

// Setup adds a controller that reconciles DBInstances.
func Setup(mgr ctrl.Manager, o controller.Options) error {
	gvk := v1alpha1.DBInstanceGroupVersionKind
	c := &connector{
		aws:      awsclient.NewConnector(mgr, o, func(s awsclient.Session) API { return rds.NewFromConfig(s.Config) }),
		recorder: mrsetup.Recorder(mgr, gvk),
		cluster:  ownership.NewCluster(mgr.GetAPIReader()),
		list:     cloudlist.NewLister[rdstypes.DBInstance](gvk.Kind),
		track:    cloudlist.NewTracker(o.PollInterval),
	}
	return mrsetup.Setup[*v1alpha1.DBInstance](mgr, o, gvk, &v1alpha1.DBInstance{}, c)
}

type connector struct {
	aws      *awsclient.Connector[API]
	recorder event.Recorder
	cluster  ownership.ClusterID
	list     *cloudlist.Lister[rdstypes.DBInstance]
	track    *cloudlist.Tracker
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.DBInstance) (managed.TypedExternalClient[*v1alpha1.DBInstance], error) {
	api, s, err := c.aws.Connect(ctx, cr, ptr.Deref(cr.Spec.ForProvider.Region, ""))
	if err != nil {
		return nil, err
	}
	return &external{api: api, kube: c.aws.Kube(), recorder: c.recorder, cluster: c.cluster,
		list: c.list, track: c.track, scope: s.Scope(s.Config.Region)}, nil
}

// external is built anew for every reconcile, so it may carry what Observe
// read over to Update and Delete.
type external struct {
	api      API
	kube     client.Client
	recorder event.Recorder
	cluster  ownership.ClusterID
	// list serves Observe from one DescribeDBInstances listing of the
	// account and region (scope) per poll; nil reads every instance itself.
	list  *cloudlist.Lister[rdstypes.DBInstance]
	track *cloudlist.Tracker
	scope string

	last *rdstypes.DBInstance
	pw   password.State
}

// kind is the DBInstance kind as owner tags name it.
var kind = strings.ToLower(v1alpha1.DBInstanceKind)

// owner is cr as the owner tags of its cloud object name it.
func (e *external) owner(ctx context.Context, cr *v1alpha1.DBInstance) (ownership.Owner, error) {
	return e.ownership().Owner(ctx, cr)
}

// check refuses to manage a cloud object that belongs to someone else.
func (e *external) check(ctx context.Context, cr *v1alpha1.DBInstance, tags map[string]string) error {
	return e.ownership().Check(ctx, cr, tags)
}

func (e *external) ownership() ownership.Checker {
	return ownership.Checker{Cluster: e.cluster, Kind: kind}
}

// passwords keeps the master password in GeneratedPasswordSecret.
func (e *external) passwords() password.Store {
	return password.Store{
		Kube:       e.kube,
		Annotation: AnnotationPasswordHMAC,
		Legacy:     []string{annotationLegacyPasswordHash},
		Owner:      v1alpha1.DBInstanceGroupVersionKind,
		SecretName: GeneratedPasswordSecret,
		What:       "master password",
		Generate:   generatePassword,
	}
}

// passwordState is which master password the instance should have, and
// whether it has it.
func (e *external) passwordState(ctx context.Context, cr *v1alpha1.DBInstance) (password.State, error) {
	return e.passwords().State(ctx, cr, passwordRef(cr))
}

// passwordRef is the DBInstance's masterPasswordSecretRef, nil when its
// password is generated.
func passwordRef(cr *v1alpha1.DBInstance) *password.SecretRef {
	ref := cr.Spec.ForProvider.MasterPasswordSecretRef
	if ref == nil {
		return nil
	}
	return &password.SecretRef{Name: ref.Name, Key: ref.Key, Field: "spec.forProvider.masterPasswordSecretRef"}
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if name == "" {
		return managed.ExternalObservation{}, nil
	}
	db, err := e.observe(ctx, cr, name)
	if err != nil || db == nil {
		return managed.ExternalObservation{}, err
	}
	c := current(*db)
	if err := e.check(ctx, cr, c.Tags); err != nil {
		if meta.WasDeleted(cr) && ownership.IsRefused(err) {
			// Not ours: let the finalizer go and never touch the instance.
			return managed.ExternalObservation{}, nil
		}
		return managed.ExternalObservation{}, err
	}
	e.last = db

	status := ptr.Deref(db.DBInstanceStatus, "")
	cr.Status.AtProvider = observation(*db)
	cr.SetConditions(condition(status))
	if meta.WasDeleted(cr) {
		// Deleting needs only to know the instance is there. Nothing that
		// only updates need (the password Secrets, the owner tags) may stop
		// it: those Secrets are often deleted first.
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true}, nil
	}
	lateInit := lateInitialize(&cr.Spec.ForProvider, c)
	if status == statusDeleting {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: lateInit}, nil
	}

	var owner *ownership.Owner
	if ownership.CanUpdate(cr) {
		o, err := e.owner(ctx, cr)
		if err != nil {
			return managed.ExternalObservation{}, err
		}
		owner = &o
	}
	if e.pw, err = e.passwordState(ctx, cr); err != nil {
		return managed.ExternalObservation{}, err
	}
	ds := diff(cr.Spec.ForProvider, c, owner)
	if e.pw.Rotate {
		ds = append(ds, difference{Field: fieldMasterPassword, Want: "the password in the Secret", Got: "an older password"})
	}
	ep := e.endpoint(cr, *db)
	if e.pw.Applied {
		ep.Password = e.pw.Value
	}
	fixable, refused := splitRefused(ds)
	return managed.ExternalObservation{
		ResourceExists: true,
		// A difference waits while RDS is busy with the instance: it would
		// refuse a modification now, and pending ones are already counted.
		// A refused one (a downgrade, storage above its limit) never waits:
		// no modification can fix it, and the resource must not look synced
		// while it asks for one.
		ResourceUpToDate:        (len(fixable) == 0 || !modifiable(status)) && len(refused) == 0,
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       connectionDetails(ep),
		Diff:                    compare.Describe(ds),
	}, nil
}

// splitRefused separates the differences RDS would refuse (an engine
// version downgrade, storage above its autoscaling limit), which no update
// can make, from those an update fixes.
func splitRefused(ds []difference) (fixable, refused []difference) {
	for _, d := range ds {
		if d.Refused != "" {
			refused = append(refused, d)
			continue
		}
		fixable = append(fixable, d)
	}
	return fixable, refused
}

// refusedError says why the refused differences were not sent.
func refusedError(refused []difference) error {
	if len(refused) == 0 {
		return nil
	}
	msgs := make([]string, len(refused))
	for i, d := range refused {
		msgs[i] = d.Refused
	}
	return errors.New(strings.Join(msgs, "; "))
}

// observe finds the instance named name, or nil when RDS has none. A
// listing of the account and region serves instances seen before:
// DescribeDBInstances returns every field of every instance, tags
// included, 100 to a page. Read on their own are instances never seen (an
// instance made outside the provider a moment ago must be found before
// anything is created), instances being deleted (their deletion should not
// wait on a listing) and instances a listing lacks after they were seen,
// which are not taken as gone on a listing's word.
func (e *external) observe(ctx context.Context, cr *v1alpha1.DBInstance, name string) (*rdstypes.DBInstance, error) {
	if e.list == nil || meta.WasDeleted(cr) || !(e.track.WasSeen(cr) || cr.Status.AtProvider.ARN != "") {
		return e.describeTracked(ctx, cr, name)
	}
	settled := cr.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue
	db, found, err := e.list.Get(ctx, e.scope, e.track.NotBefore(cr, settled), strings.ToLower(name), e.listAll)
	if err != nil {
		return nil, err
	}
	if !found {
		return e.describeTracked(ctx, cr, name)
	}
	return &db, nil
}

// describeTracked reads the instance on its own and tells the tracker
// whether it was there.
func (e *external) describeTracked(ctx context.Context, cr *v1alpha1.DBInstance, name string) (*rdstypes.DBInstance, error) {
	db, err := e.describe(ctx, name)
	switch {
	case err != nil || e.track == nil:
	case db != nil:
		e.track.Seen(cr)
	case meta.WasDeleted(cr):
		e.track.Forget(cr)
	}
	return db, err
}

// listAll lists every instance of the account and region, keyed by its
// identifier (RDS keeps them lower case).
func (e *external) listAll(ctx context.Context) (map[string]rdstypes.DBInstance, error) {
	all := map[string]rdstypes.DBInstance{}
	p := rds.NewDescribeDBInstancesPaginator(e.api, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(100)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, xperrors.Wrap(err, "cannot list DB instances")
		}
		for _, db := range out.DBInstances {
			all[strings.ToLower(ptr.Deref(db.DBInstanceIdentifier, ""))] = db
		}
	}
	return all, nil
}

// wrote tells the tracker an instance was written, so the next observation
// waits for a listing that shows the write.
func (e *external) wrote(cr *v1alpha1.DBInstance) {
	if e.track != nil {
		e.track.Wrote(cr)
	}
}

// describe reads the instance, or returns nil when RDS has none of that name.
func (e *external) describe(ctx context.Context, name string) (*rdstypes.DBInstance, error) {
	out, err := e.api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &name})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, xperrors.Wrapf(err, "cannot describe DB instance %q", name)
	}
	for i := range out.DBInstances {
		if strings.EqualFold(ptr.Deref(out.DBInstances[i].DBInstanceIdentifier, ""), name) {
			return &out.DBInstances[i], nil
		}
	}
	return nil, nil
}

func observation(db rdstypes.DBInstance) v1alpha1.DBInstanceObservation {
	o := v1alpha1.DBInstanceObservation{
		Port:                  ptr.Deref(port(db), 0),
		Status:                ptr.Deref(db.DBInstanceStatus, ""),
		ARN:                   ptr.Deref(db.DBInstanceArn, ""),
		DBIResourceID:         ptr.Deref(db.DbiResourceId, ""),
		EngineVersion:         ptr.Deref(db.EngineVersion, ""),
		PendingModifiedValues: pending(db.PendingModifiedValues),
	}
	if db.Endpoint != nil {
		o.Address = ptr.Deref(db.Endpoint.Address, "")
	}
	return o
}

func (e *external) endpoint(cr *v1alpha1.DBInstance, db rdstypes.DBInstance) endpoint {
	p := cr.Spec.ForProvider
	ep := endpoint{
		Engine:   p.Engine,
		Port:     ptr.Deref(port(db), 0),
		Database: ptr.Deref(db.DBName, ptr.Deref(p.DBName, "")),
		Username: ptr.Deref(db.MasterUsername, ptr.Deref(p.MasterUsername, "")),
	}
	if db.Endpoint != nil {
		ep.Host = ptr.Deref(db.Endpoint.Address, "")
	}
	if ep.Database == "" {
		ep.Database = defaultDatabase(p.Engine)
	}
	return ep
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	p := cr.Spec.ForProvider
	if ptr.Deref(p.MasterUsername, "") == "" {
		return managed.ExternalCreation{}, xperrors.New("spec.forProvider.masterUsername is required to create a DB instance")
	}
	// Known before the create call, so an instance is never made without
	// its owner tags.
	owner, err := e.owner(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	// Stored before the create call, so a restart never sends another one.
	pw, err := e.passwords().Ensure(ctx, cr, passwordRef(cr))
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	_, err = e.api.CreateDBInstance(ctx, createInput(name, p, pw.Value, owner))
	e.wrote(cr)
	switch {
	case err == nil, awserr.HasCode(err, "DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"):
		// Created now, or by a previous Create whose status write was lost;
		// whose it is, the next Observe checks.
	default:
		return managed.ExternalCreation{}, apiError(err, "cannot create DB instance "+name)
	}
	// Persisted with the external-create annotations. The password itself is
	// published once Observe finds the instance.
	e.passwords().Created(cr, pw)
	return managed.ExternalCreation{}, nil
}

func createInput(name string, p v1alpha1.DBInstanceParameters, pw string, owner ownership.Owner) *rds.CreateDBInstanceInput {
	in := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier:       aws.String(name),
		Engine:                     aws.String(string(p.Engine)),
		EngineVersion:              p.EngineVersion,
		DBInstanceClass:            aws.String(p.DBInstanceClass),
		AllocatedStorage:           aws.Int32(p.AllocatedStorage),
		MaxAllocatedStorage:        p.MaxAllocatedStorage,
		Iops:                       p.IOPS,
		MultiAZ:                    p.MultiAZ,
		DBName:                     p.DBName,
		MasterUsername:             p.MasterUsername,
		MasterUserPassword:         aws.String(pw),
		Port:                       p.Port,
		DBSubnetGroupName:          p.DBSubnetGroupName,
		VpcSecurityGroupIds:        p.VPCSecurityGroupIDs,
		PubliclyAccessible:         p.PubliclyAccessible,
		BackupRetentionPeriod:      p.BackupRetentionPeriod,
		PreferredBackupWindow:      p.PreferredBackupWindow,
		PreferredMaintenanceWindow: p.PreferredMaintenanceWindow,
		DBParameterGroupName:       p.DBParameterGroupName,
		StorageEncrypted:           p.StorageEncrypted,
		KmsKeyId:                   p.KMSKeyID,
		DeletionProtection:         p.DeletionProtection,
	}
	if p.StorageType != nil {
		in.StorageType = aws.String(string(*p.StorageType))
	}
	tags := ownership.Merge(p.Tags, owner)
	for _, k := range sortedKeys(tags) {
		in.Tags = append(in.Tags, rdstypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return in
}

func (e *external) Update(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalUpdate, error) {
	name := meta.GetExternalName(cr)
	if e.last == nil {
		db, err := e.describe(ctx, name)
		if err != nil {
			return managed.ExternalUpdate{}, err
		}
		if db == nil {
			return managed.ExternalUpdate{}, xperrors.Errorf("DB instance %q not found", name)
		}
		if err := e.check(ctx, cr, current(*db).Tags); err != nil {
			return managed.ExternalUpdate{}, err
		}
		e.last = db
		if e.pw, err = e.passwordState(ctx, cr); err != nil {
			return managed.ExternalUpdate{}, err
		}
	}
	owner, err := e.owner(ctx, cr)
	if err != nil {
		return managed.ExternalUpdate{}, err
	}
	c := current(*e.last)
	all := diff(cr.Spec.ForProvider, c, &owner)
	if e.pw.Rotate {
		all = append(all, difference{Field: fieldMasterPassword, Want: "the password in the Secret", Got: "an older password"})
	}
	ds, refused := splitRefused(all)
	// RDS refuses modifications while it is busy; they wait for a later poll.
	if !modifiable(ptr.Deref(e.last.DBInstanceStatus, "")) {
		ds = nil
	}
	var u managed.ExternalUpdate
	if len(ds) > 0 {
		if u, err = e.apply(ctx, cr, name, c, owner, ds); err != nil {
			return managed.ExternalUpdate{}, err
		}
	}
	return u, refusedError(refused)
}

// apply sends the differences ds: one ModifyDBInstance with the differing
// fields, the tag calls, and the password record when it rotates.
func (e *external) apply(ctx context.Context, cr *v1alpha1.DBInstance, name string, c v1alpha1.DBInstanceParameters, owner ownership.Owner, ds []difference) (managed.ExternalUpdate, error) {
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating DB instance: "+compare.Describe(ds)))
	var key []byte
	if e.pw.Rotate {
		// The key is stored before the password it records is sent.
		var err error
		if key, err = e.passwords().Key(ctx, cr); err != nil {
			return managed.ExternalUpdate{}, err
		}
	}
	defer e.wrote(cr)
	if in := modifyInput(name, cr.Spec.ForProvider, c, ds, e.pw); in != nil {
		if _, err := e.api.ModifyDBInstance(ctx, in); err != nil {
			return managed.ExternalUpdate{}, apiError(err, "cannot modify DB instance "+name)
		}
	}
	if err := e.updateTags(ctx, cr, c, owner, ds); err != nil {
		return managed.ExternalUpdate{}, err
	}
	if !e.pw.Rotate {
		return managed.ExternalUpdate{}, nil
	}
	if err := e.passwords().Record(ctx, cr, password.Password{Value: e.pw.Value, Key: key}); err != nil {
		return managed.ExternalUpdate{}, err
	}
	ep := e.endpoint(cr, *e.last)
	ep.Password = e.pw.Value
	return managed.ExternalUpdate{ConnectionDetails: connectionDetails(ep)}, nil
}

// modifyInput builds the one ModifyDBInstance that fixes ds, carrying only
// the differing fields, or nil when no field but tags differs.
func modifyInput(name string, p, c v1alpha1.DBInstanceParameters, ds []difference, pw password.State) *rds.ModifyDBInstanceInput {
	in := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(name), ApplyImmediately: p.ApplyImmediately}
	n := 0
	for _, d := range ds {
		n++
		switch d.Field {
		case fieldEngineVersion:
			in.EngineVersion = p.EngineVersion
			if majorUpgrade(p.Engine, *p.EngineVersion, ptr.Deref(c.EngineVersion, "")) {
				in.AllowMajorVersionUpgrade = aws.Bool(true)
			}
		case fieldDBInstanceClass:
			in.DBInstanceClass = aws.String(p.DBInstanceClass)
		case fieldAllocatedStorage:
			in.AllocatedStorage = aws.Int32(p.AllocatedStorage)
		case fieldMaxAllocatedStorage:
			in.MaxAllocatedStorage = p.MaxAllocatedStorage
		case fieldStorageType:
			in.StorageType = aws.String(string(*p.StorageType))
			// RDS wants the IOPS again when the storage type changes to
			// one that takes them.
			if p.IOPS != nil {
				in.Iops = p.IOPS
			}
		case fieldIOPS:
			in.Iops = p.IOPS
		case fieldMultiAZ:
			in.MultiAZ = p.MultiAZ
		case fieldPort:
			in.DBPortNumber = p.Port
		case fieldDBSubnetGroupName:
			in.DBSubnetGroupName = p.DBSubnetGroupName
		case fieldVPCSecurityGroupIDs:
			in.VpcSecurityGroupIds = p.VPCSecurityGroupIDs
		case fieldPubliclyAccessible:
			in.PubliclyAccessible = p.PubliclyAccessible
		case fieldBackupRetentionPeriod:
			in.BackupRetentionPeriod = p.BackupRetentionPeriod
		case fieldPreferredBackupWindow:
			in.PreferredBackupWindow = p.PreferredBackupWindow
		case fieldPreferredMaintenanceWindow:
			in.PreferredMaintenanceWindow = p.PreferredMaintenanceWindow
		case fieldDBParameterGroupName:
			in.DBParameterGroupName = p.DBParameterGroupName
		case fieldDeletionProtection:
			in.DeletionProtection = p.DeletionProtection
		case fieldMasterPassword:
			in.MasterUserPassword = aws.String(pw.Value)
		default:
			n--
		}
	}
	if n == 0 {
		return nil
	}
	return in
}

// updateTags makes the instance's tags the spec's tags plus the owner tags,
// when either differs.
func (e *external) updateTags(ctx context.Context, cr *v1alpha1.DBInstance, c v1alpha1.DBInstanceParameters, owner ownership.Owner, ds []difference) error {
	if !hasField(ds, fieldTags) && !hasField(ds, fieldOwnerTags) {
		return nil
	}
	if prev, ok := ownership.Foreign(cr, c.Tags); ok {
		e.recorder.Event(cr, event.Normal("AdoptExternalResource", fmt.Sprintf("DB instance %q was tagged as owned by %s (an explicit crossplane.io/external-name import, or an earlier resource of this name in this cluster); it is now tagged as this resource's", meta.GetExternalName(cr), prev)))
	}
	arn := e.last.DBInstanceArn
	add, remove := tagChanges(desiredTags(cr.Spec.ForProvider, c, owner), c.Tags)
	if len(remove) > 0 {
		if _, err := e.api.RemoveTagsFromResource(ctx, &rds.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: remove}); err != nil {
			return apiError(err, "cannot remove tags (spec.forProvider.tags)")
		}
	}
	if len(add) > 0 {
		in := &rds.AddTagsToResourceInput{ResourceName: arn}
		for _, k := range sortedKeys(add) {
			in.Tags = append(in.Tags, rdstypes.Tag{Key: aws.String(k), Value: aws.String(add[k])})
		}
		if _, err := e.api.AddTagsToResource(ctx, in); err != nil {
			return apiError(err, "cannot add tags (spec.forProvider.tags and owner tags)")
		}
	}
	return nil
}

func (e *external) Delete(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalDelete, error) {
	name := meta.GetExternalName(cr)
	db := e.last
	if db == nil {
		var err error
		if db, err = e.describe(ctx, name); err != nil || db == nil {
			return managed.ExternalDelete{}, err
		}
	}
	if ptr.Deref(db.DBInstanceStatus, "") == statusDeleting {
		return managed.ExternalDelete{}, nil
	}
	if ptr.Deref(db.DeletionProtection, false) {
		return managed.ExternalDelete{}, deletionProtected(name)
	}
	cr.SetConditions(xpv2.Deleting())
	p := cr.Spec.ForProvider
	in := &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(name)}
	if ptr.Deref(p.SkipFinalSnapshot, false) {
		in.SkipFinalSnapshot = aws.Bool(true)
	} else {
		in.FinalDBSnapshotIdentifier = aws.String(ptr.Deref(p.FinalDBSnapshotIdentifier, finalSnapshotID(name, string(cr.GetUID()))))
	}
	_, err := e.api.DeleteDBInstance(ctx, in)
	e.wrote(cr)
	switch {
	case err == nil, isNotFound(err):
		return managed.ExternalDelete{}, nil
	case awserr.HasCode(err, "InvalidDBInstanceState", "InvalidDBInstanceStateFault") && strings.Contains(strings.ToLower(awserr.Message(err)), "already being deleted"):
		return managed.ExternalDelete{}, nil
	case awserr.HasCode(err, "InvalidParameterCombination") && strings.Contains(strings.ToLower(awserr.Message(err)), "protect"):
		return managed.ExternalDelete{}, deletionProtected(name)
	case awserr.HasCode(err, "DBSnapshotAlreadyExists", "DBSnapshotAlreadyExistsFault"):
		return managed.ExternalDelete{}, xperrors.Errorf("spec.forProvider.finalDBSnapshotIdentifier: a snapshot named %q already exists, so DB instance %q was not deleted: set another finalDBSnapshotIdentifier", ptr.Deref(in.FinalDBSnapshotIdentifier, ""), name)
	default:
		return managed.ExternalDelete{}, apiError(err, "cannot delete DB instance "+name)
	}
}

func deletionProtected(name string) error {
	return xperrors.Errorf("deletion protection is on for DB instance %q, so nothing was deleted: set spec.forProvider.deletionProtection to false and wait for Synced=True before deleting, or turn it off in RDS", name)
}

func (e *external) Disconnect(context.Context) error { return nil }

// apiError turns an RDS error into one that names the spec field at fault
// where the error code or message tells which.
func apiError(err error, action string) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return xperrors.Wrap(err, action)
	}
	if f := fieldFor(ae.ErrorCode(), ae.ErrorMessage()); f != "" {
		return xperrors.Errorf("spec.forProvider.%s: %s (%s)", f, ae.ErrorMessage(), ae.ErrorCode())
	}
	return xperrors.Errorf("%s: %s (%s)", action, ae.ErrorMessage(), ae.ErrorCode())
}

// faultFields maps error codes that always concern one field.
var faultFields = map[string]string{
	"StorageQuotaExceeded":                    fieldAllocatedStorage,
	"StorageQuotaExceededFault":               fieldAllocatedStorage,
	"InsufficientDBInstanceCapacity":          fieldDBInstanceClass,
	"InsufficientDBInstanceCapacityFault":     fieldDBInstanceClass,
	"DBSubnetGroupNotFoundFault":              fieldDBSubnetGroupName,
	"DBParameterGroupNotFound":                fieldDBParameterGroupName,
	"DBParameterGroupNotFoundFault":           fieldDBParameterGroupName,
	"KMSKeyNotAccessibleFault":                "kmsKeyID",
	"StorageTypeNotSupported":                 fieldStorageType,
	"StorageTypeNotSupportedFault":            fieldStorageType,
	"ProvisionedIopsNotAvailableInAZFault":    fieldIOPS,
	"InvalidVPCNetworkStateFault":             fieldDBSubnetGroupName,
	"DBSubnetGroupDoesNotCoverEnoughAZs":      fieldDBSubnetGroupName,
	"InvalidSubnet":                           fieldDBSubnetGroupName,
	"DBSecurityGroupNotFound":                 fieldVPCSecurityGroupIDs,
	"DBSecurityGroupNotFoundFault":            fieldVPCSecurityGroupIDs,
	"AuthorizationNotFound":                   fieldVPCSecurityGroupIDs,
	"NetworkTypeNotSupported":                 fieldDBSubnetGroupName,
	"InvalidDBSecurityGroupState":             fieldVPCSecurityGroupIDs,
	"InvalidDBSecurityGroupStateFault":        fieldVPCSecurityGroupIDs,
	"DBUpgradeDependencyFailure":              fieldEngineVersion,
	"DBUpgradeDependencyFailureFault":         fieldEngineVersion,
	"StorageTypeNotAvailableFault":            fieldStorageType,
	"ProvisionedIopsNotAvailableInAZ":         fieldIOPS,
	"InsufficientStorageClusterCapacity":      fieldAllocatedStorage,
	"InsufficientStorageClusterCapacityFault": fieldAllocatedStorage,
}

// messageFields maps words in InvalidParameterValue and
// InvalidParameterCombination messages to fields, most specific first.
var messageFields = []struct{ word, field string }{
	{"masteruserpassword", fieldMasterPassword},
	{"master password", fieldMasterPassword},
	{"masterusername", "masterUsername"},
	{"master username", "masterUsername"},
	{"maxallocatedstorage", fieldMaxAllocatedStorage},
	{"max allocated storage", fieldMaxAllocatedStorage},
	{"dbinstanceclass", fieldDBInstanceClass},
	{"instance class", fieldDBInstanceClass},
	{"engineversion", fieldEngineVersion},
	{"engine version", fieldEngineVersion},
	{"cannot find version", fieldEngineVersion},
	{"allocatedstorage", fieldAllocatedStorage},
	{"storage size", fieldAllocatedStorage},
	{"allocated storage", fieldAllocatedStorage},
	{"storagetype", fieldStorageType},
	{"storage type", fieldStorageType},
	{"iops", fieldIOPS},
	{"backupretentionperiod", fieldBackupRetentionPeriod},
	{"backup retention", fieldBackupRetentionPeriod},
	{"preferredbackupwindow", fieldPreferredBackupWindow},
	{"backup window", fieldPreferredBackupWindow},
	{"preferredmaintenancewindow", fieldPreferredMaintenanceWindow},
	{"maintenance window", fieldPreferredMaintenanceWindow},
	{"dbparametergroup", fieldDBParameterGroupName},
	{"parameter group", fieldDBParameterGroupName},
	{"dbsubnetgroup", fieldDBSubnetGroupName},
	{"subnet group", fieldDBSubnetGroupName},
	{"vpcsecuritygroup", fieldVPCSecurityGroupIDs},
	{"security group", fieldVPCSecurityGroupIDs},
	{"kmskeyid", "kmsKeyID"},
	{"kms key", "kmsKeyID"},
	{"dbname", "dbName"},
	{"database name", "dbName"},
	{"multiaz", fieldMultiAZ},
	{"multi-az", fieldMultiAZ},
	{"publiclyaccessible", fieldPubliclyAccessible},
	{"dbportnumber", fieldPort},
	{"port", fieldPort},
	{"engine", "engine"},
}

func fieldFor(code, msg string) string {
	if f, ok := faultFields[code]; ok {
		return f
	}
	if code != "InvalidParameterValue" && code != "InvalidParameterCombination" {
		return ""
	}
	m := strings.ToLower(msg)
	for _, w := range messageFields {
		if strings.Contains(m, w.word) {
			return w.field
		}
	}
	return ""
}

func hasField(ds []difference, f string) bool {
	for _, d := range ds {
		if d.Field == f {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool {
	var nf *rdstypes.DBInstanceNotFoundFault
	return errors.As(err, &nf) || awserr.HasCode(err, "DBInstanceNotFound", "DBInstanceNotFoundFault")
}
