package dbinstance

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	xperrors "github.com/crossplane/crossplane-runtime/v2/pkg/errors"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// RDS instance states the controller acts on by name.
const (
	statusAvailable = "available"
	statusCreating  = "creating"
	statusDeleting  = "deleting"
)

// readiness is what an RDS instance state means for the Ready condition.
type readiness int

const (
	// unusable instances cannot serve: Ready=False (Unavailable).
	unusable readiness = iota
	// usable instances serve their clients, maybe with a short pause, while
	// RDS works on them: Ready=True. Routine work (backups, modifications,
	// maintenance) must not flap the readiness claims copy.
	usable
	creating
	deleting
)

// A state is how the controller treats one RDS instance status.
type state struct {
	ready readiness
	// modify: RDS accepts ModifyDBInstance in this state. In any other, a
	// modification would be refused, or one is under way already, so
	// differences wait for a later poll.
	modify bool
}

// states maps every DBInstanceStatus listed in "Viewing Amazon RDS DB
// instance status" (RDS User Guide) to readiness; a status not listed is
// unusable until someone decides otherwise.
var states = map[string]state{
	statusAvailable:                   {ready: usable, modify: true},
	"backing-up":                      {ready: usable, modify: true},
	"storage-optimization":            {ready: usable, modify: true},
	"configuring-enhanced-monitoring": {ready: usable},
	"configuring-iam-database-auth":   {ready: usable},
	"configuring-log-exports":         {ready: usable},
	"converting-to-vpc":               {ready: usable},
	"maintenance":                     {ready: usable},
	"modifying":                       {ready: usable},
	"moving-to-vpc":                   {ready: usable},
	"rebooting":                       {ready: usable},
	"renaming":                        {ready: usable},
	"resetting-master-credentials":    {ready: usable},
	"storage-config-upgrade":          {ready: usable},
	"storage-initialization":          {ready: usable},
	"upgrading":                       {ready: usable},

	"":             {ready: creating},
	statusCreating: {ready: creating},

	statusDeleting:    {ready: deleting},
	"delete-precheck": {ready: deleting},

	// storage-full refuses writes, so it is not usable, but a modification
	// adding storage is exactly what fixes it.
	"storage-full": {ready: unusable, modify: true},
	// A modification naming a working parameter group fixes it.
	"incompatible-parameters": {ready: unusable, modify: true},
	// RDS modifies stopped instances; they stay stopped until started.
	"stopped":                             {ready: unusable, modify: true},
	"stopping":                            {ready: unusable},
	"starting":                            {ready: unusable},
	"failed":                              {ready: unusable},
	"inaccessible-encryption-credentials": {ready: unusable},
	"inaccessible-encryption-credentials-recoverable": {ready: unusable},
	"incompatible-network":                            {ready: unusable},
	"incompatible-option-group":                       {ready: unusable},
	"incompatible-restore":                            {ready: unusable},
	"insufficient-capacity":                           {ready: unusable},
	"restore-error":                                   {ready: unusable},
}

// modifiable reports whether RDS accepts ModifyDBInstance in status.
func modifiable(status string) bool { return states[status].modify }

// condition maps an RDS instance status to the Ready condition, which names
// the status whenever it is not plain available.
func condition(status string) xpv2.Condition {
	msg := "RDS status: " + compare.OrNone(status)
	switch states[status].ready {
	case usable:
		if status == statusAvailable {
			return xpv2.Available()
		}
		return xpv2.Available().WithMessage(msg)
	case creating:
		return xpv2.Creating().WithMessage(msg)
	case deleting:
		return xpv2.Deleting().WithMessage(msg)
	default:
		return xpv2.Unavailable().WithMessage(msg)
	}
}

// current is the instance as the spec would describe it: what RDS runs now,
// overlaid with pending modifications, since those are already on their way.
func current(db rdstypes.DBInstance) v1alpha1.DBInstanceParameters {
	c := v1alpha1.DBInstanceParameters{
		Engine:                     v1alpha1.Engine(ptr.Deref(db.Engine, "")),
		EngineVersion:              compare.NonEmpty(db.EngineVersion),
		DBInstanceClass:            ptr.Deref(db.DBInstanceClass, ""),
		AllocatedStorage:           ptr.Deref(db.AllocatedStorage, 0),
		MaxAllocatedStorage:        db.MaxAllocatedStorage,
		IOPS:                       compare.NonZero(db.Iops),
		MultiAZ:                    db.MultiAZ,
		DBName:                     compare.NonEmpty(db.DBName),
		MasterUsername:             compare.NonEmpty(db.MasterUsername),
		Port:                       port(db),
		PubliclyAccessible:         db.PubliclyAccessible,
		BackupRetentionPeriod:      db.BackupRetentionPeriod,
		PreferredBackupWindow:      compare.NonEmpty(db.PreferredBackupWindow),
		PreferredMaintenanceWindow: compare.NonEmpty(db.PreferredMaintenanceWindow),
		StorageEncrypted:           db.StorageEncrypted,
		KMSKeyID:                   compare.NonEmpty(db.KmsKeyId),
		DeletionProtection:         db.DeletionProtection,
	}
	if s := ptr.Deref(db.StorageType, ""); s != "" {
		c.StorageType = ptr.To(v1alpha1.StorageType(s))
	}
	if db.DBSubnetGroup != nil {
		c.DBSubnetGroupName = compare.NonEmpty(db.DBSubnetGroup.DBSubnetGroupName)
	}
	for _, g := range db.VpcSecurityGroups {
		if id := ptr.Deref(g.VpcSecurityGroupId, ""); id != "" {
			c.VPCSecurityGroupIDs = append(c.VPCSecurityGroupIDs, id)
		}
	}
	if len(db.DBParameterGroups) > 0 {
		c.DBParameterGroupName = compare.NonEmpty(db.DBParameterGroups[0].DBParameterGroupName)
	}
	// Every tag, owner tags included: diff and lateInitialize separate them.
	c.Tags = map[string]string{}
	for _, t := range db.TagList {
		c.Tags[ptr.Deref(t.Key, "")] = ptr.Deref(t.Value, "")
	}

	if pm := db.PendingModifiedValues; pm != nil {
		if pm.AllocatedStorage != nil {
			c.AllocatedStorage = *pm.AllocatedStorage
		}
		if pm.DBInstanceClass != nil {
			c.DBInstanceClass = *pm.DBInstanceClass
		}
		compare.Overlay(&c.EngineVersion, compare.NonEmpty(pm.EngineVersion))
		compare.Overlay(&c.IOPS, pm.Iops)
		compare.Overlay(&c.MultiAZ, pm.MultiAZ)
		compare.Overlay(&c.Port, pm.Port)
		compare.Overlay(&c.BackupRetentionPeriod, pm.BackupRetentionPeriod)
		compare.Overlay(&c.DBSubnetGroupName, compare.NonEmpty(pm.DBSubnetGroupName))
		if s := ptr.Deref(pm.StorageType, ""); s != "" {
			c.StorageType = ptr.To(v1alpha1.StorageType(s))
		}
	}
	return c
}

func port(db rdstypes.DBInstance) *int32 {
	if db.Endpoint != nil && ptr.Deref(db.Endpoint.Port, 0) > 0 {
		return db.Endpoint.Port
	}
	return compare.NonZero(db.DbInstancePort)
}

// pending summarises the pending modifications for status.atProvider. The
// pending master password is never shown, only that there is one.
func pending(pm *rdstypes.PendingModifiedValues) string {
	if pm == nil {
		return ""
	}
	var s []string
	add := func(k string, v any) { s = append(s, k+"="+fmt.Sprint(v)) }
	if pm.DBInstanceClass != nil {
		add("dbInstanceClass", *pm.DBInstanceClass)
	}
	if pm.AllocatedStorage != nil {
		add("allocatedStorage", *pm.AllocatedStorage)
	}
	if pm.StorageType != nil {
		add("storageType", *pm.StorageType)
	}
	if pm.Iops != nil {
		add("iops", *pm.Iops)
	}
	if pm.EngineVersion != nil {
		add("engineVersion", *pm.EngineVersion)
	}
	if pm.MultiAZ != nil {
		add("multiAZ", *pm.MultiAZ)
	}
	if pm.Port != nil {
		add("port", *pm.Port)
	}
	if pm.BackupRetentionPeriod != nil {
		add("backupRetentionPeriod", *pm.BackupRetentionPeriod)
	}
	if pm.DBSubnetGroupName != nil {
		add("dbSubnetGroupName", *pm.DBSubnetGroupName)
	}
	if pm.MasterUserPassword != nil {
		s = append(s, "masterPassword")
	}
	return strings.Join(s, ", ")
}

// lateInitialize fills fields the user left empty with what RDS chose, so
// they are visible in the spec and compare equal from then on. It reports
// whether anything changed.
//
// Only values the user owns from then on are filled: settings RDS picked
// once and keeps until someone changes them. Values RDS moves by itself as
// other fields change (the default parameter group follows the engine
// version, gp3 baseline IOPS follow the storage size) are left out: pinned
// in the spec they would turn into differences, and Modify calls RDS
// refuses, as soon as RDS moves them. Fields only settable at creation
// (engine, dbName, masterUsername, storageEncrypted, kmsKeyID) are filled
// too, so an imported instance shows what it is.
func lateInitialize(p *v1alpha1.DBInstanceParameters, c v1alpha1.DBInstanceParameters) bool {
	changed := false
	li := func(dst, src any) {
		if lateInit(dst, src) {
			changed = true
		}
	}
	if p.Engine == "" && c.Engine != "" {
		p.Engine, changed = c.Engine, true
	}
	if p.DBInstanceClass == "" && c.DBInstanceClass != "" {
		p.DBInstanceClass, changed = c.DBInstanceClass, true
	}
	// Only on import: the field is required. Autoscaling growth above it
	// later is no difference (see diff).
	if p.AllocatedStorage == 0 && c.AllocatedStorage != 0 {
		p.AllocatedStorage, changed = c.AllocatedStorage, true
	}
	// A newer minor version satisfies the one filled in (versionSatisfied),
	// so RDS's own minor upgrades never make it a difference.
	li(&p.EngineVersion, c.EngineVersion)
	// The autoscaling limit is a user setting RDS never moves. It is left
	// out when below the spec's storage: the schema would refuse that spec,
	// and diff reports the conflict instead.
	if c.MaxAllocatedStorage != nil && *c.MaxAllocatedStorage >= p.AllocatedStorage {
		li(&p.MaxAllocatedStorage, c.MaxAllocatedStorage)
	}
	li(&p.StorageType, c.StorageType)
	// Provisioned IOPS (io1, io2) are the user's. gp3 reports a baseline that
	// RDS raises as storage grows past 400 GiB, so it is not pinned; the
	// schema allows no iops with other types.
	if st := ptr.Deref(p.StorageType, ""); st == v1alpha1.StorageTypeIO1 || st == v1alpha1.StorageTypeIO2 {
		li(&p.IOPS, c.IOPS)
	}
	// The rest are settings RDS chose once (or the user set) and keeps until
	// someone changes them, so they are the user's from now on.
	li(&p.MultiAZ, c.MultiAZ)
	li(&p.DBName, c.DBName)
	li(&p.MasterUsername, c.MasterUsername)
	li(&p.Port, c.Port)
	li(&p.DBSubnetGroupName, c.DBSubnetGroupName)
	if p.VPCSecurityGroupIDs == nil && len(c.VPCSecurityGroupIDs) > 0 {
		p.VPCSecurityGroupIDs, changed = slices.Clone(c.VPCSecurityGroupIDs), true
	}
	li(&p.PubliclyAccessible, c.PubliclyAccessible)
	li(&p.BackupRetentionPeriod, c.BackupRetentionPeriod)
	li(&p.PreferredBackupWindow, c.PreferredBackupWindow)
	li(&p.PreferredMaintenanceWindow, c.PreferredMaintenanceWindow)
	// An RDS default group (default.postgres16) belongs to the engine
	// version and changes with a major upgrade; a custom group is the user's.
	if !defaultParameterGroup(ptr.Deref(c.DBParameterGroupName, "")) {
		li(&p.DBParameterGroupName, c.DBParameterGroupName)
	}
	li(&p.StorageEncrypted, c.StorageEncrypted)
	li(&p.KMSKeyID, c.KMSKeyID)
	li(&p.DeletionProtection, c.DeletionProtection)
	// Owner tags are Stowage's, never the user's: they stay out of the spec.
	if user := ownership.UserTags(c.Tags); p.Tags == nil && len(user) > 0 {
		p.Tags, changed = user, true
	}
	return changed
}

// defaultParameterGroup reports whether name is one of the parameter groups
// RDS makes per engine family (default.postgres16, default.mysql8.0). RDS
// reserves the prefix: users cannot create groups named so.
func defaultParameterGroup(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "default.")
}

// lateInit sets *dst to a copy of src when *dst is nil and src is not. dst
// and src are pointers of the same type: **T and *T.
func lateInit(dst, src any) bool {
	switch d := dst.(type) {
	case **string:
		return compare.LateInit(d, src.(*string))
	case **int32:
		return compare.LateInit(d, src.(*int32))
	case **bool:
		return compare.LateInit(d, src.(*bool))
	case **v1alpha1.StorageType:
		return compare.LateInit(d, src.(*v1alpha1.StorageType))
	}
	panic(fmt.Sprintf("lateInit: unsupported type %T", dst))
}

// A difference is one field whose spec and RDS state differ.
type difference struct {
	Field string // the spec.forProvider field, or fieldOwnerTags
	Want  string
	Got   string

	// Downgrade marks an engine version older than the running one: RDS
	// cannot go back, so no update can fix it.
	Downgrade bool

	// Refused, when set, says why no update can fix this difference: RDS
	// would refuse it. It is never sent, and the update fails with it.
	Refused string
}

func (d difference) String() string {
	switch {
	case d.Field == fieldOwnerTags:
		return fmt.Sprintf("owner tags: want %s, RDS has %s", d.Want, d.Got)
	case d.Downgrade:
		return fmt.Sprintf("spec.forProvider.%s: want %s, RDS has %s and cannot downgrade", d.Field, d.Want, d.Got)
	case d.Refused != "":
		return d.Refused
	}
	return fmt.Sprintf("spec.forProvider.%s: want %s, RDS has %s", d.Field, d.Want, d.Got)
}

// Fields that can differ. fieldTags is written with its own calls; the rest
// go into one ModifyDBInstance.
const (
	fieldEngineVersion              = "engineVersion"
	fieldDBInstanceClass            = "dbInstanceClass"
	fieldAllocatedStorage           = "allocatedStorage"
	fieldMaxAllocatedStorage        = "maxAllocatedStorage"
	fieldStorageType                = "storageType"
	fieldIOPS                       = "iops"
	fieldMultiAZ                    = "multiAZ"
	fieldPort                       = "port"
	fieldDBSubnetGroupName          = "dbSubnetGroupName"
	fieldVPCSecurityGroupIDs        = "vpcSecurityGroupIDs"
	fieldPubliclyAccessible         = "publiclyAccessible"
	fieldBackupRetentionPeriod      = "backupRetentionPeriod"
	fieldPreferredBackupWindow      = "preferredBackupWindow"
	fieldPreferredMaintenanceWindow = "preferredMaintenanceWindow"
	fieldDBParameterGroupName       = "dbParameterGroupName"
	fieldDeletionProtection         = "deletionProtection"
	fieldTags                       = "tags"
	fieldMasterPassword             = "masterPasswordSecretRef"
	// fieldOwnerTags is no spec field: the owner tags are written with the
	// same calls as the user's tags.
	fieldOwnerTags = "(owner tags)"
)

// diff lists where RDS (c, from current) differs from the spec. Unset spec
// fields never differ, and neither do fields RDS cannot change after
// creation: the schema keeps those immutable. owner, when set, are the owner
// tags the instance must carry too.
func diff(p, c v1alpha1.DBInstanceParameters, owner *ownership.Owner) []difference {
	var ds []difference
	add := func(field string, want, got any) {
		ds = append(ds, difference{Field: field, Want: show(want), Got: show(got)})
	}
	if v := p.EngineVersion; v != nil {
		got := ptr.Deref(c.EngineVersion, "")
		switch {
		case versionDowngrade(p.Engine, *v, got):
			ds = append(ds, difference{Field: fieldEngineVersion, Want: *v, Got: got, Downgrade: true,
				Refused: olderVersionError(p.Engine, *v, got).Error()})
		case !versionSatisfied(p.Engine, *v, got):
			add(fieldEngineVersion, p.EngineVersion, c.EngineVersion)
		}
	}
	if p.DBInstanceClass != "" && p.DBInstanceClass != c.DBInstanceClass {
		add(fieldDBInstanceClass, p.DBInstanceClass, c.DBInstanceClass)
	}
	ds = append(ds, diffStorage(p, c)...)
	if p.StorageType != nil && *p.StorageType != ptr.Deref(c.StorageType, "") {
		add(fieldStorageType, p.StorageType, c.StorageType)
	}
	if p.IOPS != nil && *p.IOPS != ptr.Deref(c.IOPS, 0) {
		add(fieldIOPS, p.IOPS, c.IOPS)
	}
	if p.MultiAZ != nil && *p.MultiAZ != ptr.Deref(c.MultiAZ, false) {
		add(fieldMultiAZ, p.MultiAZ, c.MultiAZ)
	}
	if p.Port != nil && *p.Port != ptr.Deref(c.Port, 0) {
		add(fieldPort, p.Port, c.Port)
	}
	if p.DBSubnetGroupName != nil && !strings.EqualFold(*p.DBSubnetGroupName, ptr.Deref(c.DBSubnetGroupName, "")) {
		add(fieldDBSubnetGroupName, p.DBSubnetGroupName, c.DBSubnetGroupName)
	}
	if p.VPCSecurityGroupIDs != nil && !compare.SameSet(p.VPCSecurityGroupIDs, c.VPCSecurityGroupIDs) {
		add(fieldVPCSecurityGroupIDs, p.VPCSecurityGroupIDs, c.VPCSecurityGroupIDs)
	}
	if p.PubliclyAccessible != nil && *p.PubliclyAccessible != ptr.Deref(c.PubliclyAccessible, false) {
		add(fieldPubliclyAccessible, p.PubliclyAccessible, c.PubliclyAccessible)
	}
	if p.BackupRetentionPeriod != nil && *p.BackupRetentionPeriod != ptr.Deref(c.BackupRetentionPeriod, 0) {
		add(fieldBackupRetentionPeriod, p.BackupRetentionPeriod, c.BackupRetentionPeriod)
	}
	if p.PreferredBackupWindow != nil && !strings.EqualFold(*p.PreferredBackupWindow, ptr.Deref(c.PreferredBackupWindow, "")) {
		add(fieldPreferredBackupWindow, p.PreferredBackupWindow, c.PreferredBackupWindow)
	}
	if p.PreferredMaintenanceWindow != nil && !strings.EqualFold(*p.PreferredMaintenanceWindow, ptr.Deref(c.PreferredMaintenanceWindow, "")) {
		add(fieldPreferredMaintenanceWindow, p.PreferredMaintenanceWindow, c.PreferredMaintenanceWindow)
	}
	if p.DBParameterGroupName != nil && !strings.EqualFold(*p.DBParameterGroupName, ptr.Deref(c.DBParameterGroupName, "")) {
		add(fieldDBParameterGroupName, p.DBParameterGroupName, c.DBParameterGroupName)
	}
	if p.DeletionProtection != nil && *p.DeletionProtection != ptr.Deref(c.DeletionProtection, false) {
		add(fieldDeletionProtection, p.DeletionProtection, c.DeletionProtection)
	}
	if user := ownership.UserTags(c.Tags); p.Tags != nil && !maps.Equal(p.Tags, user) && !(len(p.Tags) == 0 && len(user) == 0) {
		ds = append(ds, difference{Field: fieldTags, Want: compare.Tags(p.Tags), Got: compare.Tags(user)})
	}
	if owner != nil {
		if want, got := ownership.TagsToFix(c.Tags, *owner); len(want) > 0 {
			ds = append(ds, difference{Field: fieldOwnerTags, Want: compare.Tags(want), Got: compare.Tags(got)})
		}
	}
	return ds
}

// diffStorage compares allocatedStorage and maxAllocatedStorage. With
// storage autoscaling on (maxAllocatedStorage set on the spec or on the
// instance) RDS grows storage by itself: more than the spec asks is no
// difference, and shrinking it is impossible anyway. Sizes RDS would refuse
// (storage above the autoscaling limit) are reported, never sent.
func diffStorage(p, c v1alpha1.DBInstanceParameters) []difference {
	var ds []difference
	limit := p.MaxAllocatedStorage
	if limit == nil {
		limit = c.MaxAllocatedStorage
	}
	autoscaling := limit != nil
	if p.AllocatedStorage != 0 && p.AllocatedStorage != c.AllocatedStorage && !(autoscaling && c.AllocatedStorage > p.AllocatedStorage) {
		d := difference{Field: fieldAllocatedStorage, Want: show(p.AllocatedStorage), Got: show(c.AllocatedStorage)}
		switch {
		case c.AllocatedStorage > p.AllocatedStorage:
			// Grown by hand without autoscaling: RDS never shrinks storage.
			d.Refused = fmt.Sprintf("spec.forProvider.%s: %d GiB is less than the %d GiB RDS has, and RDS storage never shrinks: set spec.forProvider.%s to %d or more",
				fieldAllocatedStorage, p.AllocatedStorage, c.AllocatedStorage, fieldAllocatedStorage, c.AllocatedStorage)
		case limit != nil && p.AllocatedStorage > *limit:
			src := "spec.forProvider." + fieldMaxAllocatedStorage
			if p.MaxAllocatedStorage == nil {
				src = "maxAllocatedStorage of the instance in RDS (spec.forProvider." + fieldMaxAllocatedStorage + " is unset)"
			}
			d.Refused = fmt.Sprintf("spec.forProvider.%s: %d GiB is above %s, %d GiB, and RDS refuses storage above the autoscaling limit: raise spec.forProvider.%s or lower spec.forProvider.%s",
				fieldAllocatedStorage, p.AllocatedStorage, src, *limit, fieldMaxAllocatedStorage, fieldAllocatedStorage)
		}
		ds = append(ds, d)
	}
	if p.MaxAllocatedStorage != nil && *p.MaxAllocatedStorage != ptr.Deref(c.MaxAllocatedStorage, 0) {
		d := difference{Field: fieldMaxAllocatedStorage, Want: show(p.MaxAllocatedStorage), Got: show(c.MaxAllocatedStorage)}
		// Autoscaling may have grown storage past a limit lowered since.
		if *p.MaxAllocatedStorage < c.AllocatedStorage {
			d.Refused = fmt.Sprintf("spec.forProvider.%s: %d GiB is below the %d GiB spec.forProvider.%s RDS already has (storage never shrinks): set spec.forProvider.%s to more than %d",
				fieldMaxAllocatedStorage, *p.MaxAllocatedStorage, c.AllocatedStorage, fieldAllocatedStorage, fieldMaxAllocatedStorage, c.AllocatedStorage)
		}
		ds = append(ds, d)
	}
	return ds
}

// desiredTags is the instance's full tag set: the spec's tags (or, when the
// spec leaves tags unset, the user tags RDS has) plus the owner tags.
func desiredTags(p, c v1alpha1.DBInstanceParameters, owner ownership.Owner) map[string]string {
	user := p.Tags
	if user == nil {
		user = ownership.UserTags(c.Tags)
	}
	return ownership.Merge(user, owner)
}

// versionSatisfied reports whether RDS running got satisfies the spec's
// want. want matches any version it is a dot-separated prefix of ("16"
// matches "16.4", "8.0" matches "8.0.35", "1" does not match "16.4"). A newer
// version of the same major version also satisfies it: RDS upgrades minor
// versions on its own (and late initialisation writes the full running
// version into the spec), so that is no difference to fix.
func versionSatisfied(engine v1alpha1.Engine, want, got string) bool {
	if got == "" {
		return false
	}
	w, g := strings.Split(want, "."), strings.Split(got, ".")
	if len(w) <= len(g) && slices.Equal(w, g[:len(w)]) {
		return true
	}
	return compareVersions(g, w) > 0 && !versionDowngrade(engine, want, got)
}

// versionDowngrade reports whether want names an older major version than
// RDS runs (got): RDS cannot downgrade, so the spec asks for the impossible.
func versionDowngrade(engine v1alpha1.Engine, want, got string) bool {
	if got == "" {
		return false
	}
	w, g := strings.Split(want, "."), strings.Split(got, ".")
	if len(w) <= len(g) && slices.Equal(w, g[:len(w)]) {
		return false
	}
	return compareVersions(majorVersion(engine, g), majorVersion(engine, w)) > 0
}

// majorVersion is the leading components of a version that name its major
// version on RDS: one for PostgreSQL (16.4 → 17) and SQL Server
// (15.00.4312.2.v1 → 16.00), two for MySQL (8.0.35 → 8.4) and MariaDB
// (10.6.14 → 10.11).
func majorVersion(engine v1alpha1.Engine, v []string) []string {
	n := 2
	switch engine {
	case v1alpha1.EnginePostgres, v1alpha1.EngineSQLServerEx, v1alpha1.EngineSQLServerWeb, v1alpha1.EngineSQLServerSE, v1alpha1.EngineSQLServerEE:
		n = 1
	}
	return v[:min(n, len(v))]
}

// olderVersionError says why a downgrade is not sent, and what would do.
func olderVersionError(engine v1alpha1.Engine, want, got string) error {
	return xperrors.Errorf("spec.forProvider.%s: %s is older than the running %s; RDS cannot downgrade: set %s or later",
		fieldEngineVersion, want, got, strings.Join(majorVersion(engine, strings.Split(got, ".")), "."))
}

// compareVersions compares dot components numerically where both are
// numbers and as strings otherwise; a missing component sorts first.
func compareVersions(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, errx := strconv.Atoi(a[i])
		y, erry := strconv.Atoi(b[i])
		switch {
		case errx == nil && erry == nil && x != y:
			if x < y {
				return -1
			}
			return 1
		case (errx != nil || erry != nil) && a[i] != b[i]:
			return strings.Compare(a[i], b[i])
		}
	}
	return len(a) - len(b)
}

// majorUpgrade reports whether moving from got to want changes the major
// version, which RDS allows only with AllowMajorVersionUpgrade.
func majorUpgrade(engine v1alpha1.Engine, want, got string) bool {
	if got == "" {
		return false
	}
	w := majorVersion(engine, strings.Split(want, "."))
	g := majorVersion(engine, strings.Split(got, "."))
	return !slices.Equal(w, g[:min(len(w), len(g))])
}

// tagChanges returns the tags to add or overwrite and the keys to remove so
// that got becomes want.
func tagChanges(want, got map[string]string) (add map[string]string, remove []string) {
	add = map[string]string{}
	for k, v := range want {
		if gv, ok := got[k]; !ok || gv != v {
			add[k] = v
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	slices.Sort(remove)
	return add, remove
}

func show(v any) string {
	switch t := v.(type) {
	case *string:
		return compare.OrNone(ptr.Deref(t, ""))
	case *int32:
		if t == nil {
			return "none"
		}
		return strconv.Itoa(int(*t))
	case *bool:
		if t == nil {
			return "none"
		}
		return strconv.FormatBool(*t)
	case *v1alpha1.StorageType:
		return compare.OrNone(string(ptr.Deref(t, "")))
	case []string:
		if len(t) == 0 {
			return "none"
		}
		s := slices.Clone(t)
		slices.Sort(s)
		return "[" + strings.Join(s, ", ") + "]"
	case string:
		return compare.OrNone(t)
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
