// Package dbinstance is the controller for Amazon RDS DB instances.
package dbinstance

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
	awsclient "github.com/stowage-dev/stowage/internal/clients/aws"
	"github.com/stowage-dev/stowage/internal/controller/mrsetup"
)

const (
	// AnnotationPasswordHash records a salted hash of the master password
	// last applied to the instance, never the password itself, so a change
	// of the password Secret is noticed and applied.
	AnnotationPasswordHash = "rds.aws.stowage.dev/master-password-hash"

	// GeneratedPasswordKey is the key of the generated password Secret.
	GeneratedPasswordKey = "password"
)

// GeneratedPasswordSecret is the name of the Secret holding the generated
// master password of the DBInstance called name.
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
		kube:     mgr.GetClient(),
		usage:    resource.NewProviderConfigUsageTracker(mgr.GetClient(), &awsv1alpha1.ProviderConfigUsage{}),
		recorder: mrsetup.Recorder(mgr, gvk),
		features: o.Features,
		newAPI:   func(s awsclient.Session) API { return rds.NewFromConfig(s.Config) },
	}
	return mrsetup.Setup[*v1alpha1.DBInstance](mgr, o, gvk, &v1alpha1.DBInstance{}, c)
}

type connector struct {
	kube     client.Client
	usage    resource.ModernTracker
	recorder event.Recorder
	features *feature.Flags
	newAPI   func(awsclient.Session) API
}

func (c *connector) Connect(ctx context.Context, cr *v1alpha1.DBInstance) (managed.TypedExternalClient[*v1alpha1.DBInstance], error) {
	if err := c.usage.Track(ctx, cr); err != nil {
		return nil, xperrors.Wrap(err, "cannot track provider config usage")
	}
	s, err := awsclient.Connect(ctx, c.kube, cr, ptr.Deref(cr.Spec.ForProvider.Region, ""), c.features)
	if err != nil {
		return nil, err
	}
	return &external{api: c.newAPI(s), kube: c.kube, recorder: c.recorder}, nil
}

// external is built anew for every reconcile, so it may carry what Observe
// read over to Update and Delete.
type external struct {
	api      API
	kube     client.Client
	recorder event.Recorder

	last *rdstypes.DBInstance
	pw   passwordState
}

// passwordState is what Observe learned about the master password.
type passwordState struct {
	value   string // the desired password; empty when none is known
	applied bool   // value is known to be the instance's password
	rotate  bool   // value must be set on the instance
}

func (e *external) Observe(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalObservation, error) {
	name := meta.GetExternalName(cr)
	if name == "" {
		return managed.ExternalObservation{}, nil
	}
	db, err := e.describe(ctx, name)
	if err != nil || db == nil {
		return managed.ExternalObservation{}, err
	}
	e.last = db

	status := ptr.Deref(db.DBInstanceStatus, "")
	c := current(*db)
	lateInit := lateInitialize(&cr.Spec.ForProvider, c)
	cr.Status.AtProvider = observation(*db)
	cr.SetConditions(condition(status))
	if status == statusDeleting {
		return managed.ExternalObservation{ResourceExists: true, ResourceUpToDate: true, ResourceLateInitialized: lateInit}, nil
	}

	if e.pw, err = e.passwordState(ctx, cr); err != nil {
		return managed.ExternalObservation{}, err
	}
	ds := diff(cr.Spec.ForProvider, c)
	if e.pw.rotate {
		ds = append(ds, difference{Field: fieldMasterPassword, Want: "the password in the Secret", Got: "an older password"})
	}
	ep := e.endpoint(cr, *db)
	if e.pw.applied {
		ep.Password = e.pw.value
	}
	return managed.ExternalObservation{
		ResourceExists: true,
		// A difference waits while RDS is busy with the instance: it would
		// refuse a modification now, and pending ones are already counted.
		ResourceUpToDate:        len(ds) == 0 || !modifiable[status],
		ResourceLateInitialized: lateInit,
		ConnectionDetails:       connectionDetails(ep),
		Diff:                    describe(ds),
	}, nil
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

// passwordState works out which password the instance should have and
// whether it has it. The hash annotation records the last password applied;
// without one, a generated password is assumed applied (it is generated just
// before the create that uses it), while a password from
// masterPasswordSecretRef is applied once, e.g. after an import.
func (e *external) passwordState(ctx context.Context, cr *v1alpha1.DBInstance) (passwordState, error) {
	pw, fromRef, err := e.readPassword(ctx, cr)
	if err != nil || pw == "" {
		return passwordState{}, err
	}
	last := cr.GetAnnotations()[AnnotationPasswordHash]
	switch {
	case last == "" && !fromRef, last == passwordHash(string(cr.GetUID()), pw):
		return passwordState{value: pw, applied: true}, nil
	default:
		return passwordState{value: pw, rotate: true}, nil
	}
}

// readPassword returns the password masterPasswordSecretRef selects, or the
// generated one if it exists, and whether it came from the ref.
func (e *external) readPassword(ctx context.Context, cr *v1alpha1.DBInstance) (string, bool, error) {
	if ref := cr.Spec.ForProvider.MasterPasswordSecretRef; ref != nil {
		s := &corev1.Secret{}
		err := e.kube.Get(ctx, client.ObjectKey{Namespace: cr.GetNamespace(), Name: ref.Name}, s)
		if kerrors.IsNotFound(err) {
			return "", true, xperrors.Errorf("spec.forProvider.masterPasswordSecretRef: Secret %s/%s not found", cr.GetNamespace(), ref.Name)
		}
		if err != nil {
			return "", true, xperrors.Wrapf(err, "cannot get master password Secret %s/%s", cr.GetNamespace(), ref.Name)
		}
		v := string(s.Data[ref.Key])
		if v == "" {
			return "", true, xperrors.Errorf("spec.forProvider.masterPasswordSecretRef: Secret %s/%s has no key %q, or it is empty", cr.GetNamespace(), ref.Name, ref.Key)
		}
		return v, true, nil
	}
	s := &corev1.Secret{}
	err := e.kube.Get(ctx, client.ObjectKey{Namespace: cr.GetNamespace(), Name: GeneratedPasswordSecret(cr.GetName())}, s)
	if kerrors.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, xperrors.Wrap(err, "cannot get generated master password Secret")
	}
	return string(s.Data[GeneratedPasswordKey]), false, nil
}

// ensurePassword returns the password to create the instance with. A
// generated password is stored in a Secret owned by the DBInstance before it
// is used, and reused from there, so a restart never makes a second one.
func (e *external) ensurePassword(ctx context.Context, cr *v1alpha1.DBInstance) (string, error) {
	pw, fromRef, err := e.readPassword(ctx, cr)
	if err != nil || fromRef || pw != "" {
		return pw, err
	}
	if pw, err = generatePassword(); err != nil {
		return "", xperrors.Wrap(err, "cannot generate master password")
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       cr.GetNamespace(),
			Name:            GeneratedPasswordSecret(cr.GetName()),
			OwnerReferences: []metav1.OwnerReference{meta.AsController(meta.TypedReferenceTo(cr, v1alpha1.DBInstanceGroupVersionKind))},
		},
		Data: map[string][]byte{GeneratedPasswordKey: []byte(pw)},
	}
	err = e.kube.Create(ctx, s)
	if kerrors.IsAlreadyExists(err) {
		// Another reconcile got there first (or the cache is behind): use
		// what it stored.
		got := &corev1.Secret{}
		if err := e.kube.Get(ctx, client.ObjectKeyFromObject(s), got); err != nil {
			return "", xperrors.Wrap(err, "cannot get generated master password Secret")
		}
		if v := string(got.Data[GeneratedPasswordKey]); v != "" {
			return v, nil
		}
		return "", xperrors.Errorf("Secret %s/%s exists but has no %q key", s.Namespace, s.Name, GeneratedPasswordKey)
	}
	if err != nil {
		return "", xperrors.Wrap(err, "cannot store generated master password")
	}
	return pw, nil
}

func (e *external) Create(ctx context.Context, cr *v1alpha1.DBInstance) (managed.ExternalCreation, error) {
	name := meta.GetExternalName(cr)
	p := cr.Spec.ForProvider
	if ptr.Deref(p.MasterUsername, "") == "" {
		return managed.ExternalCreation{}, xperrors.New("spec.forProvider.masterUsername is required to create a DB instance")
	}
	pw, err := e.ensurePassword(ctx, cr)
	if err != nil {
		return managed.ExternalCreation{}, err
	}
	_, err = e.api.CreateDBInstance(ctx, createInput(name, p, pw))
	switch {
	case err == nil, hasCode(err, "DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"):
		// Created now, or by a previous Create whose status write was lost.
	default:
		return managed.ExternalCreation{}, apiError(err, "cannot create DB instance "+name)
	}
	// Persisted with the external-create annotations. The password itself is
	// published once Observe finds the instance.
	meta.AddAnnotations(cr, map[string]string{AnnotationPasswordHash: passwordHash(string(cr.GetUID()), pw)})
	return managed.ExternalCreation{}, nil
}

func createInput(name string, p v1alpha1.DBInstanceParameters, pw string) *rds.CreateDBInstanceInput {
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
	for _, k := range sortedKeys(p.Tags) {
		in.Tags = append(in.Tags, rdstypes.Tag{Key: aws.String(k), Value: aws.String(p.Tags[k])})
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
		e.last = db
		if e.pw, err = e.passwordState(ctx, cr); err != nil {
			return managed.ExternalUpdate{}, err
		}
	}
	ds := diff(cr.Spec.ForProvider, current(*e.last))
	if e.pw.rotate {
		ds = append(ds, difference{Field: fieldMasterPassword, Want: "the password in the Secret", Got: "an older password"})
	}
	if len(ds) == 0 {
		return managed.ExternalUpdate{}, nil
	}
	e.recorder.Event(cr, event.Normal("UpdateExternalResource", "Updating DB instance: "+describe(ds)))

	if in := modifyInput(name, cr.Spec.ForProvider, current(*e.last), ds, e.pw); in != nil {
		if _, err := e.api.ModifyDBInstance(ctx, in); err != nil {
			return managed.ExternalUpdate{}, apiError(err, "cannot modify DB instance "+name)
		}
	}
	if err := e.updateTags(ctx, cr, ds); err != nil {
		return managed.ExternalUpdate{}, err
	}
	if !e.pw.rotate {
		return managed.ExternalUpdate{}, nil
	}
	if err := e.recordPassword(ctx, cr, e.pw.value); err != nil {
		return managed.ExternalUpdate{}, err
	}
	ep := e.endpoint(cr, *e.last)
	ep.Password = e.pw.value
	return managed.ExternalUpdate{ConnectionDetails: connectionDetails(ep)}, nil
}

// modifyInput builds the one ModifyDBInstance that fixes ds, carrying only
// the differing fields, or nil when no field but tags differs.
func modifyInput(name string, p, c v1alpha1.DBInstanceParameters, ds []difference, pw passwordState) *rds.ModifyDBInstanceInput {
	in := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(name), ApplyImmediately: p.ApplyImmediately}
	n := 0
	for _, d := range ds {
		n++
		switch d.Field {
		case fieldEngineVersion:
			in.EngineVersion = p.EngineVersion
			if majorUpgrade(*p.EngineVersion, ptr.Deref(c.EngineVersion, "")) {
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
			in.MasterUserPassword = aws.String(pw.value)
		default:
			n--
		}
	}
	if n == 0 {
		return nil
	}
	return in
}

func (e *external) updateTags(ctx context.Context, cr *v1alpha1.DBInstance, ds []difference) error {
	if !hasField(ds, fieldTags) {
		return nil
	}
	arn := e.last.DBInstanceArn
	add, remove := tagChanges(cr.Spec.ForProvider.Tags, current(*e.last).Tags)
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
			return apiError(err, "cannot add tags (spec.forProvider.tags)")
		}
	}
	return nil
}

// recordPassword persists the hash of the password just applied. The
// managed reconciler only writes status after Update, so the annotation is
// patched here; the status Observe computed is kept for the reconciler to
// write.
func (e *external) recordPassword(ctx context.Context, cr *v1alpha1.DBInstance, pw string) error {
	status := cr.Status.DeepCopy()
	orig := cr.DeepCopy()
	meta.AddAnnotations(cr, map[string]string{AnnotationPasswordHash: passwordHash(string(cr.GetUID()), pw)})
	if err := e.kube.Patch(ctx, cr, client.MergeFrom(orig)); err != nil {
		return xperrors.Wrap(err, "master password changed, but cannot record that it did")
	}
	cr.Status = *status
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
	switch {
	case err == nil, isNotFound(err):
		return managed.ExternalDelete{}, nil
	case hasCode(err, "InvalidDBInstanceState", "InvalidDBInstanceStateFault") && strings.Contains(strings.ToLower(errorMessage(err)), "already being deleted"):
		return managed.ExternalDelete{}, nil
	case hasCode(err, "InvalidParameterCombination") && strings.Contains(strings.ToLower(errorMessage(err)), "protect"):
		return managed.ExternalDelete{}, deletionProtected(name)
	case hasCode(err, "DBSnapshotAlreadyExists", "DBSnapshotAlreadyExistsFault"):
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

func hasCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

func errorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

func isNotFound(err error) bool {
	var nf *rdstypes.DBInstanceNotFoundFault
	return errors.As(err, &nf) || hasCode(err, "DBInstanceNotFound", "DBInstanceNotFoundFault")
}
