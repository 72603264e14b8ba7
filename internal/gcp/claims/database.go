package claims

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	sqlv1 "github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims/translate"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// databaseCloud is the name of the Google template in a database class.
const databaseCloud = "gcp"

// Username is the Cloud SQL user every claim's database is reached as: a
// built-in user of the claim's own instance, beside the engine's root user
// (postgres, root, sqlserver), whose password stays in the Instance's Secret.
const Username = "stowage"

// Defaults of a Google database class.
const (
	// DefaultBackupRetentionDays is how many daily backups are kept when
	// neither the claim nor the class says.
	DefaultBackupRetentionDays = 7
	// maxLogRetentionDays is the longest transaction log retention every
	// edition allows (Enterprise Plus allows more).
	maxLogRetentionDays = 7
	// DefaultSSLMode accepts only TLS connections, as the claim's uri and
	// jdbcUrl ask for.
	DefaultSSLMode sqlv1.SSLMode = "ENCRYPTED_ONLY"
	// DefaultSQLServerEdition is the SQL Server edition of sqlserver
	// claims when the class does not name one.
	DefaultSQLServerEdition dbv1.CloudSQLServerEdition = "STANDARD"
)

func init() {
	translate.Default.RegisterDatabase(databaseCloud, Database{})
}

// Database translates DatabaseClaims into a Cloud SQL Instance, a Database
// in it and a User of it. The Database and User are made once the Instance
// is ready: Cloud SQL refuses them on an instance still being created.
type Database struct{}

var _ translate.Database = Database{}

// Connection secret names of a claim's managed resources, all named name;
// the claim controller merges them, the Instance's first.
func instanceSecretName(name string) string { return name + "-connection" }
func databaseSecretName(name string) string { return name + "-database-connection" }
func userSecretName(name string) string     { return name + "-user-connection" }

// Types the database translation creates.
func (Database) Types() []client.Object {
	return []client.Object{&sqlv1.Instance{}, &sqlv1.Database{}, &sqlv1.User{}}
}

// sqlServerYears maps SQL Server versions, as a year or as SQL Server's own
// major version, to the years Cloud SQL offers.
var sqlServerYears = map[string]string{
	"2017": "2017", "14": "2017",
	"2019": "2019", "15": "2019",
	"2022": "2022", "16": "2022",
}

// DatabaseVersion maps a claim's engine and version to Cloud SQL's
// databaseVersion: postgres 16 (or 16.4) is POSTGRES_16 and 9.6 is
// POSTGRES_9_6; mysql 8.0 is MYSQL_8_0 (8 alone too) and 8.0.41 is
// MYSQL_8_0_41; sqlserver 2022 (or 16, SQL Server's own number) is
// SQLSERVER_2022_<edition>, the edition being the class's (STANDARD when
// unset). false when Cloud SQL has no such version.
func DatabaseVersion(e dbv1.Engine, version string, t *dbv1.GCPDatabaseTemplate) (string, bool) {
	parts := strings.Split(version, ".")
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return "", false
		}
	}
	switch e {
	case dbv1.EnginePostgres:
		if parts[0] == "9" && len(parts) > 1 {
			return "POSTGRES_9_" + parts[1], true
		}
		return "POSTGRES_" + parts[0], true
	case dbv1.EngineMySQL:
		if len(parts) == 1 {
			parts = append(parts, "0")
		}
		return "MYSQL_" + strings.Join(parts, "_"), true
	case dbv1.EngineSQLServer:
		year, ok := sqlServerYears[parts[0]]
		if !ok {
			return "", false
		}
		ed := DefaultSQLServerEdition
		if t != nil && t.SQLServerEdition != nil {
			ed = *t.SQLServerEdition
		}
		return "SQLSERVER_" + year + "_" + string(ed), true
	}
	return "", false
}

// offeredVersions are the versions of e this translation can map, for the
// NotOfferedError of one it cannot.
func offeredVersions(e dbv1.Engine) []string {
	if e == dbv1.EngineSQLServer {
		return []string{"2017 (or 14)", "2019 (or 15)", "2022 (or 16)"}
	}
	return []string{"any numeric version"}
}

// Plan is the Instance, then its Database once the Instance is ready, then
// its User once the Database is ready: Cloud SQL refuses a database on an
// instance still being made, and runs one operation per instance at a time.
// A resource made earlier stays planned whatever the state of those before
// it (a restarting instance does not hide its database).
func (d Database) Plan(c *dbv1.DatabaseClaim, cl *dbv1.DatabaseClass, existing []client.Object) (translate.Plan, error) {
	inst, err := d.instance(c, cl)
	if err != nil {
		return translate.Plan{}, err
	}
	db, user := d.children(c, cl)
	var instReady, dbReady, dbMade, userMade bool
	for _, o := range existing {
		if o.GetName() != inst.Name {
			continue
		}
		switch mr := o.(type) {
		case *sqlv1.Instance:
			instReady = ready(mr)
		case *sqlv1.Database:
			dbMade, dbReady = true, ready(mr)
		case *sqlv1.User:
			userMade = true
		}
	}
	switch {
	case !instReady && !dbMade && !userMade:
		return translate.Plan{
			Resources: []client.Object{inst},
			Waiting:   fmt.Sprintf("Database and User wait for Instance %s to be ready", inst.Name),
		}, nil
	case !dbReady && !userMade:
		return translate.Plan{
			Resources: []client.Object{inst, db},
			Waiting:   fmt.Sprintf("User waits for Database %s to be ready", inst.Name),
		}, nil
	}
	return translate.Plan{Resources: []client.Object{inst, db, user}}, nil
}

// ready reports whether a managed resource says it is ready.
func ready(mr interface {
	GetCondition(xpv2.ConditionType) xpv2.Condition
}) bool {
	return mr.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue
}

func (Database) instance(c *dbv1.DatabaseClaim, cl *dbv1.DatabaseClass) (*sqlv1.Instance, error) {
	t := cl.Spec.GCP
	if t == nil {
		return nil, fmt.Errorf("class %s has no gcp template", cl.Name)
	}
	size, ok := t.Sizes[c.Spec.Size]
	if !ok {
		return nil, &translate.NotOfferedError{Field: "size", Value: c.Spec.Size, Class: cl.Name, Offered: slices.Sorted(maps.Keys(t.Sizes))}
	}
	version, ok := DatabaseVersion(c.Spec.Engine, c.Spec.Version, t)
	if !ok {
		return nil, &translate.NotOfferedError{Field: "version", Value: c.Spec.Version, Class: cl.Name + " for " + string(c.Spec.Engine) + " on Cloud SQL", Offered: offeredVersions(c.Spec.Engine)}
	}
	name := translate.Name(c)
	p := sqlv1.InstanceParameters{
		Region:             t.Region,
		DatabaseVersion:    version,
		Tier:               size.Tier,
		Edition:            t.Edition,
		DiskSizeGB:         ptr.To(int64(c.Spec.StorageGB)),
		DiskType:           size.DiskType,
		DiskAutoresize:     ptr.To(size.MaxDiskSizeGB != nil),
		AvailabilityType:   ptr.To(availability(c, t)),
		Backup:             backup(c, t),
		IPConfiguration:    ipConfiguration(t.Network),
		DeletionProtection: ptr.To(ptr.Deref(t.DeletionProtection, true)),
		SkipFinalBackup:    ptr.To(ptr.Deref(t.SkipFinalBackup, false)),
		UserLabels:         maps.Clone(t.Labels),
	}
	if p.DiskType == nil {
		p.DiskType = t.DiskType
	}
	// A claim may grow past its size's autoresize cap; the cap rises with
	// it (no headroom left) rather than Cloud SQL refusing the disk.
	if m := size.MaxDiskSizeGB; m != nil {
		p.DiskAutoresizeLimitGB = ptr.To(max(*m, int64(c.Spec.StorageGB)))
	}
	if t.MaintenanceWindow != nil {
		p.MaintenanceWindow = t.MaintenanceWindow.DeepCopy()
	}
	if p.UserLabels == nil {
		p.UserLabels = map[string]string{}
	}
	mr := &sqlv1.Instance{
		TypeMeta:   metav1.TypeMeta{APIVersion: sqlv1.SchemeGroupVersion.String(), Kind: sqlv1.InstanceKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name},
		Spec:       sqlv1.InstanceSpec{ForProvider: p},
	}
	mr.Spec.ProviderConfigReference = translate.ProviderConfigRef(cl.Spec.ProviderConfigRef.Kind, cl.Spec.ProviderConfigRef.Name)
	mr.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: instanceSecretName(name)}
	return mr, nil
}

// availability is the claim's choice where it makes one, else the class's.
func availability(c *dbv1.DatabaseClaim, t *dbv1.GCPDatabaseTemplate) sqlv1.AvailabilityType {
	switch {
	case c.Spec.HighAvailability != nil && *c.Spec.HighAvailability:
		return sqlv1.AvailabilityRegional
	case c.Spec.HighAvailability != nil:
		return sqlv1.AvailabilityZonal
	}
	return ptr.Deref(t.AvailabilityType, sqlv1.AvailabilityZonal)
}

// backup keeps the claim's (else the class's, else seven) days of daily
// backups, with point-in-time recovery over up to seven of them unless the
// class turns it off. Zero days turns backups off.
func backup(c *dbv1.DatabaseClaim, t *dbv1.GCPDatabaseTemplate) *sqlv1.BackupConfiguration {
	days := int64(DefaultBackupRetentionDays)
	switch {
	case c.Spec.BackupRetentionDays != nil:
		days = int64(*c.Spec.BackupRetentionDays)
	case t.BackupRetentionDays != nil:
		days = int64(*t.BackupRetentionDays)
	}
	if days == 0 {
		return &sqlv1.BackupConfiguration{Enabled: ptr.To(false), PointInTimeRecovery: ptr.To(false)}
	}
	b := &sqlv1.BackupConfiguration{
		Enabled:             ptr.To(true),
		StartTime:           t.BackupStartTime,
		PointInTimeRecovery: ptr.To(ptr.Deref(t.PointInTimeRecovery, true)),
		RetainedBackups:     ptr.To(days),
	}
	if *b.PointInTimeRecovery {
		b.TransactionLogRetentionDays = ptr.To(min(days, maxLogRetentionDays))
	}
	return b
}

func ipConfiguration(n *dbv1.GCPDatabaseNetwork) *sqlv1.IPConfiguration {
	ip := &sqlv1.IPConfiguration{SSLMode: ptr.To(DefaultSSLMode)}
	if n == nil {
		return ip
	}
	ip.IPv4Enabled = n.PublicIP
	ip.PrivateNetwork = n.PrivateNetwork
	ip.AuthorizedNetworks = slices.Clone(n.AuthorizedNetworks)
	if n.SSLMode != nil {
		ip.SSLMode = ptr.To(*n.SSLMode)
	}
	return ip
}

// children are the claim's Database, named after the claim, and its User,
// both in the claim's Instance (by reference).
func (Database) children(c *dbv1.DatabaseClaim, cl *dbv1.DatabaseClass) (*sqlv1.Database, *sqlv1.User) {
	name := translate.Name(c)
	pc := translate.ProviderConfigRef(cl.Spec.ProviderConfigRef.Kind, cl.Spec.ProviderConfigRef.Name)
	db := &sqlv1.Database{
		TypeMeta:   metav1.TypeMeta{APIVersion: sqlv1.SchemeGroupVersion.String(), Kind: sqlv1.DatabaseKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name, Annotations: ownership.GeneratedName(translate.DatabaseName(c.Name))},
		Spec:       sqlv1.DatabaseSpec{ForProvider: sqlv1.DatabaseParameters{InstanceRef: &xpv2.NamespacedReference{Name: name}}},
	}
	db.Spec.ProviderConfigReference = pc
	db.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: databaseSecretName(name)}
	user := &sqlv1.User{
		TypeMeta:   metav1.TypeMeta{APIVersion: sqlv1.SchemeGroupVersion.String(), Kind: sqlv1.UserKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name, Annotations: ownership.GeneratedName(Username)},
		Spec:       sqlv1.UserSpec{ForProvider: sqlv1.UserParameters{InstanceRef: &xpv2.NamespacedReference{Name: name}}},
	}
	user.Spec.ProviderConfigReference = pc.DeepCopy()
	user.Spec.WriteConnectionSecretToReference = &xpv2.LocalSecretReference{Name: userSecretName(name)}
	return db, user
}

// Update applies what the claim and its class drive to a bound claim's
// Instance: tier per size, disk size (grow only) and autoresize, edition,
// version upgrades, availability, backups, maintenance window, network
// access, labels, and deletion protection and the final backup in the safer
// direction only. What would replace the instance or move it (region, disk
// type, another private network, provider config) is reported, not applied.
// The Database and User have nothing a class or claim changes.
func (Database) Update(existing, desired client.Object) (bool, []string) {
	e, ok1 := existing.(*sqlv1.Instance)
	d, ok2 := desired.(*sqlv1.Instance)
	if !ok1 || !ok2 {
		return false, nil
	}
	ep, dp := &e.Spec.ForProvider, d.Spec.ForProvider
	var changed bool
	var notApplied []string
	set := func(same bool, apply func()) {
		if !same {
			apply()
			changed = true
		}
	}

	switch {
	case dp.Region != nil && ep.Region != nil && *dp.Region != *ep.Region:
		notApplied = append(notApplied, fmt.Sprintf("region %s (running in %s) would replace the database", *dp.Region, *ep.Region))
	case dp.Region != nil && ep.Region == nil:
		notApplied = append(notApplied, fmt.Sprintf("region %s: the database was made in its provider config's region and cannot move", *dp.Region))
	}
	if dp.DiskType != nil && ep.DiskType != nil && *dp.DiskType != *ep.DiskType {
		notApplied = append(notApplied, fmt.Sprintf("diskType %s (the instance has %s) is fixed when an instance is made", *dp.DiskType, *ep.DiskType))
	}
	if na := providerConfigMoved(e.Spec.ProviderConfigReference, d.Spec.ProviderConfigReference); na != "" {
		notApplied = append(notApplied, na)
	}

	if ep.DatabaseVersion != dp.DatabaseVersion {
		if engineOf(ep.DatabaseVersion) != engineOf(dp.DatabaseVersion) || slices.Compare(versionParts(dp.DatabaseVersion), versionParts(ep.DatabaseVersion)) < 0 {
			notApplied = append(notApplied, fmt.Sprintf("databaseVersion %s (running %s): Cloud SQL cannot change the engine or downgrade", dp.DatabaseVersion, ep.DatabaseVersion))
		} else {
			ep.DatabaseVersion, changed = dp.DatabaseVersion, true
		}
	}
	set(strings.EqualFold(ep.Tier, dp.Tier), func() { ep.Tier = dp.Tier })
	if dp.Edition != nil {
		set(ptr.Equal(ep.Edition, dp.Edition), func() { ep.Edition = ptr.To(*dp.Edition) })
	}
	switch have, want := ptr.Deref(ep.DiskSizeGB, 0), ptr.Deref(dp.DiskSizeGB, 0); {
	case want > have:
		ep.DiskSizeGB, changed = ptr.To(want), true
	case want < have && !ptr.Deref(ep.DiskAutoresize, false):
		notApplied = append(notApplied, fmt.Sprintf("storage %dGB is smaller than the instance's %dGB disk; a disk cannot shrink", want, have))
	}
	set(ptr.Equal(ep.DiskAutoresize, dp.DiskAutoresize), func() { ep.DiskAutoresize = ptr.To(*dp.DiskAutoresize) })
	if dp.DiskAutoresizeLimitGB != nil {
		set(ptr.Equal(ep.DiskAutoresizeLimitGB, dp.DiskAutoresizeLimitGB), func() { ep.DiskAutoresizeLimitGB = ptr.To(*dp.DiskAutoresizeLimitGB) })
	}
	set(ptr.Equal(ep.AvailabilityType, dp.AvailabilityType), func() { ep.AvailabilityType = ptr.To(*dp.AvailabilityType) })
	if dp.Backup != nil && !sameBackup(ep.Backup, dp.Backup) {
		if ep.Backup == nil {
			ep.Backup = &sqlv1.BackupConfiguration{}
		}
		b := ep.Backup
		b.Enabled, b.PointInTimeRecovery = dp.Backup.Enabled, dp.Backup.PointInTimeRecovery
		if dp.Backup.StartTime != nil {
			b.StartTime = dp.Backup.StartTime
		}
		if dp.Backup.RetainedBackups != nil {
			b.RetainedBackups = dp.Backup.RetainedBackups
		}
		if dp.Backup.TransactionLogRetentionDays != nil {
			b.TransactionLogRetentionDays = dp.Backup.TransactionLogRetentionDays
		}
		changed = true
	}
	if dp.MaintenanceWindow != nil {
		set(equality.Semantic.DeepEqual(ep.MaintenanceWindow, dp.MaintenanceWindow), func() { ep.MaintenanceWindow = dp.MaintenanceWindow.DeepCopy() })
	}
	if dip := dp.IPConfiguration; dip != nil {
		if ep.IPConfiguration == nil {
			ep.IPConfiguration = &sqlv1.IPConfiguration{}
		}
		eip := ep.IPConfiguration
		if dip.IPv4Enabled != nil {
			set(ptr.Equal(eip.IPv4Enabled, dip.IPv4Enabled), func() { eip.IPv4Enabled = ptr.To(*dip.IPv4Enabled) })
		}
		switch have, want := ptr.Deref(eip.PrivateNetwork, ""), ptr.Deref(dip.PrivateNetwork, ""); {
		case want == "" || want == have:
		case have == "":
			eip.PrivateNetwork, changed = ptr.To(want), true
		default:
			notApplied = append(notApplied, fmt.Sprintf("privateNetwork %s (the instance is in %s) would move the database to another network", want, have))
		}
		if dip.AuthorizedNetworks != nil {
			set(compare.SameSet(networks(eip.AuthorizedNetworks), networks(dip.AuthorizedNetworks)), func() { eip.AuthorizedNetworks = slices.Clone(dip.AuthorizedNetworks) })
		}
		if dip.SSLMode != nil {
			set(ptr.Equal(eip.SSLMode, dip.SSLMode), func() { eip.SSLMode = ptr.To(*dip.SSLMode) })
		}
	}
	if dp.UserLabels != nil {
		set(maps.Equal(ep.UserLabels, dp.UserLabels), func() { ep.UserLabels = maps.Clone(dp.UserLabels) })
	}
	// Like the reclaim policy, what guards the data flows to bound claims
	// only in the safer direction: a class edit never removes a bound
	// database's deletion protection or its final backup.
	switch {
	case ptr.Deref(dp.DeletionProtection, true) && !ptr.Deref(ep.DeletionProtection, true):
		ep.DeletionProtection, changed = ptr.To(true), true
	case !ptr.Deref(dp.DeletionProtection, true) && ptr.Deref(ep.DeletionProtection, true):
		notApplied = append(notApplied, "deletionProtection false: a class edit never removes a bound database's protection; turn it off on the Instance")
	}
	switch {
	case !ptr.Deref(dp.SkipFinalBackup, false) && ptr.Deref(ep.SkipFinalBackup, false):
		ep.SkipFinalBackup, changed = ptr.To(false), true
	case ptr.Deref(dp.SkipFinalBackup, false) && !ptr.Deref(ep.SkipFinalBackup, false):
		notApplied = append(notApplied, "skipFinalBackup true: a class edit never drops a bound database's final backup; set it on the Instance")
	}
	return changed, notApplied
}

func sameBackup(have, want *sqlv1.BackupConfiguration) bool {
	if have == nil {
		return false
	}
	same := ptr.Equal(have.Enabled, want.Enabled) && ptr.Equal(have.PointInTimeRecovery, want.PointInTimeRecovery)
	if want.StartTime != nil {
		same = same && ptr.Equal(have.StartTime, want.StartTime)
	}
	if want.RetainedBackups != nil {
		same = same && ptr.Equal(have.RetainedBackups, want.RetainedBackups)
	}
	if want.TransactionLogRetentionDays != nil {
		same = same && ptr.Equal(have.TransactionLogRetentionDays, want.TransactionLogRetentionDays)
	}
	return same
}

func networks(ns []sqlv1.AuthorizedNetwork) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, ptr.Deref(n.Name, "")+"="+n.Value)
	}
	return out
}

// engineOf is the engine of a databaseVersion: POSTGRES, MYSQL, SQLSERVER.
func engineOf(v string) string { return strings.SplitN(v, "_", 2)[0] }

// versionParts are the numbers of a databaseVersion, to order them.
func versionParts(v string) []int {
	var out []int
	for _, p := range strings.Split(v, "_")[1:] {
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// providerConfigMoved reports a class that now names other credentials:
// following it could point the resource at another project, where it would
// make a new, empty instance.
func providerConfigMoved(have, want *xpv2.ProviderConfigReference) string {
	if have == nil || want == nil || *have == *want {
		return ""
	}
	return fmt.Sprintf("providerConfigRef %s/%s (in use: %s/%s) would move the database to other credentials, possibly another project", want.Kind, want.Name, have.Kind, have.Name)
}

// Status reads the Instance's address, port and running version: the
// private address where the instance is in a private network, else the
// public one.
func (Database) Status(c *dbv1.DatabaseClaim, observed []client.Object) translate.DatabaseStatus {
	var st translate.DatabaseStatus
	for _, obj := range observed {
		mr, ok := obj.(*sqlv1.Instance)
		if !ok {
			continue
		}
		a := mr.Status.AtProvider
		host := a.PublicIP
		if ip := mr.Spec.ForProvider.IPConfiguration; (ip != nil && ptr.Deref(ip.PrivateNetwork, "") != "" && a.PrivateIP != "") || host == "" {
			host = a.PrivateIP
		}
		st = translate.DatabaseStatus{Endpoint: host, Port: port(mr.Spec.ForProvider.DatabaseVersion), EngineVersion: engineVersion(a.DatabaseInstalledVersion)}
	}
	return st
}

// port is the port of a databaseVersion's engine.
func port(version string) int32 {
	switch engineOf(version) {
	case "POSTGRES":
		return 5432
	case "MYSQL":
		return 3306
	case "SQLSERVER":
		return 1433
	}
	return 0
}

// engineVersion is a Cloud SQL installed version as claims spell versions:
// POSTGRES_16_4 is 16.4, MYSQL_8_0_41 8.0.41, SQLSERVER_2022_CU16 2022.
func engineVersion(installed string) string {
	parts := versionParts(installed)
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ".")
}
