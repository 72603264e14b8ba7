package instance

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/api/sqladmin/v1"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/apis/gcp/sql/v1alpha1"
	"github.com/stowage-dev/stowage/internal/compare"
	"github.com/stowage-dev/stowage/internal/ownership"
)

// Fields as differences name them, the spec.forProvider paths.
const (
	fieldDatabaseVersion    = "databaseVersion"
	fieldTier               = "tier"
	fieldEdition            = "edition"
	fieldDiskSize           = "diskSizeGB"
	fieldDiskType           = "diskType"
	fieldDiskAutoresize     = "diskAutoresize"
	fieldDiskAutoresizeMax  = "diskAutoresizeLimitGB"
	fieldAvailability       = "availabilityType"
	fieldBackupEnabled      = "backup.enabled"
	fieldBackupStart        = "backup.startTime"
	fieldBackupPITR         = "backup.pointInTimeRecovery"
	fieldBackupRetained     = "backup.retainedBackups"
	fieldBackupLogDays      = "backup.transactionLogRetentionDays"
	fieldMaintenance        = "maintenanceWindow"
	fieldIPv4               = "ipConfiguration.ipv4Enabled"
	fieldPrivateNetwork     = "ipConfiguration.privateNetwork"
	fieldAuthorizedNetworks = "ipConfiguration.authorizedNetworks"
	fieldSSLMode            = "ipConfiguration.sslMode"
	fieldFlags              = "databaseFlags"
	fieldDeletionProtection = "deletionProtection"
	fieldLabels             = "userLabels"
	fieldFinalBackup        = "skipFinalBackup"
	fieldRootPassword       = "rootPasswordSecretRef"
)

// A difference between the spec and the instance.
type difference struct {
	Field     string
	Want, Got string
	// Refused says why the difference is not sent: Cloud SQL cannot make
	// it (a downgrade, a smaller disk).
	Refused string
}

func (d difference) String() string {
	return fmt.Sprintf("%s: want %s, got %s", d.Field, compare.OrNone(d.Want), compare.OrNone(d.Got))
}

// isMySQL reports whether a database version is MySQL, whose point-in-time
// recovery is its binary log.
func isMySQL(v string) bool { return strings.HasPrefix(v, "MYSQL_") }

// versionParts are the numbers of a database version, to order them:
// POSTGRES_9_6 < POSTGRES_16, MYSQL_8_0 < MYSQL_8_4, SQLSERVER_2019_* <
// SQLSERVER_2022_*.
func versionParts(v string) []int {
	var out []int
	for _, p := range strings.Split(v, "_")[1:] {
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// finalBackupDays is how long the final backup is kept.
func finalBackupDays(p v1alpha1.InstanceParameters) int64 {
	return ptr.Deref(p.FinalBackupRetentionDays, 30)
}

// desiredFinalBackup is the finalBackupConfig the spec asks for.
func desiredFinalBackup(p v1alpha1.InstanceParameters) *sqladmin.FinalBackupConfig {
	if ptr.Deref(p.SkipFinalBackup, false) {
		return &sqladmin.FinalBackupConfig{Enabled: false, ForceSendFields: []string{"Enabled"}}
	}
	return &sqladmin.FinalBackupConfig{Enabled: true, RetentionDays: finalBackupDays(p)}
}

// desiredLabels are the labels the instance should carry: the spec's and
// the owner labels.
func desiredLabels(p v1alpha1.InstanceParameters, owner ownership.Owner) map[string]string {
	return ownership.Merge(p.UserLabels, owner)
}

func flagsOf(fs []*sqladmin.DatabaseFlags) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.Name] = f.Value
	}
	return out
}

func specFlags(fs []v1alpha1.DatabaseFlag) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.Name] = f.Value
	}
	return out
}

func describeMap(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	return compare.Tags(m)
}

func networks(ns []v1alpha1.AuthorizedNetwork) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, ptr.Deref(n.Name, "")+"="+n.Value)
	}
	return out
}

func cloudNetworks(ns []*sqladmin.AclEntry) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.Name+"="+n.Value)
	}
	return out
}

func b(v bool) string { return strconv.FormatBool(v) }

func window(w *sqladmin.MaintenanceWindow) string {
	if w == nil || w.Day == 0 {
		return ""
	}
	return fmt.Sprintf("day %d hour %d track %s", w.Day, w.Hour, compare.OrNone(w.UpdateTrack))
}

func specWindow(w *v1alpha1.MaintenanceWindow, cloudTrack string) string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf("day %d hour %d track %s", w.Day, w.Hour, compare.OrNone(ptr.Deref(w.UpdateTrack, cloudTrack)))
}

// diff compares the spec with the instance. owner is nil when the
// management policies do not allow updates: owner labels are then not
// compared.
func diff(p v1alpha1.InstanceParameters, db *sqladmin.DatabaseInstance, owner *ownership.Owner) []difference {
	var ds []difference
	add := func(field, want, got string) {
		if want != got {
			ds = append(ds, difference{Field: field, Want: want, Got: got})
		}
	}
	s := settings(db)
	if p.DatabaseVersion != db.DatabaseVersion {
		d := difference{Field: fieldDatabaseVersion, Want: p.DatabaseVersion, Got: db.DatabaseVersion}
		if slices.Compare(versionParts(p.DatabaseVersion), versionParts(db.DatabaseVersion)) < 0 {
			d.Refused = fmt.Sprintf("spec.forProvider.databaseVersion: %s is older than the running %s; Cloud SQL cannot downgrade: set %s or later", p.DatabaseVersion, db.DatabaseVersion, db.DatabaseVersion)
		}
		ds = append(ds, d)
	}
	if !strings.EqualFold(p.Tier, s.Tier) {
		ds = append(ds, difference{Field: fieldTier, Want: p.Tier, Got: s.Tier})
	}
	if p.Edition != nil {
		add(fieldEdition, string(*p.Edition), s.Edition)
	}
	if p.DiskSizeGB != nil && *p.DiskSizeGB != s.DataDiskSizeGb {
		d := difference{Field: fieldDiskSize, Want: strconv.FormatInt(*p.DiskSizeGB, 10), Got: strconv.FormatInt(s.DataDiskSizeGb, 10)}
		switch {
		case *p.DiskSizeGB > s.DataDiskSizeGb:
			ds = append(ds, d)
		case !ptr.Deref(s.StorageAutoResize, false):
			// Grown by autoresize is no difference; shrunk by request is
			// something Cloud SQL cannot do.
			d.Refused = fmt.Sprintf("spec.forProvider.diskSizeGB: %d GB is smaller than the instance's %d GB disk; Cloud SQL disks cannot shrink: set %d or more", *p.DiskSizeGB, s.DataDiskSizeGb, s.DataDiskSizeGb)
			ds = append(ds, d)
		}
	}
	if p.DiskType != nil {
		add(fieldDiskType, string(*p.DiskType), s.DataDiskType)
	}
	if p.DiskAutoresize != nil {
		add(fieldDiskAutoresize, b(*p.DiskAutoresize), b(ptr.Deref(s.StorageAutoResize, false)))
	}
	if p.DiskAutoresizeLimitGB != nil {
		add(fieldDiskAutoresizeMax, strconv.FormatInt(*p.DiskAutoresizeLimitGB, 10), strconv.FormatInt(s.StorageAutoResizeLimit, 10))
	}
	if p.AvailabilityType != nil {
		add(fieldAvailability, string(*p.AvailabilityType), s.AvailabilityType)
	}
	if bk := p.Backup; bk != nil {
		bc := s.BackupConfiguration
		if bc == nil {
			bc = &sqladmin.BackupConfiguration{}
		}
		if bk.Enabled != nil {
			add(fieldBackupEnabled, b(*bk.Enabled), b(bc.Enabled))
		}
		if bk.StartTime != nil {
			add(fieldBackupStart, *bk.StartTime, bc.StartTime)
		}
		if bk.PointInTimeRecovery != nil {
			add(fieldBackupPITR, b(*bk.PointInTimeRecovery), b(pitr(db.DatabaseVersion, bc)))
		}
		if bk.RetainedBackups != nil {
			var got int64
			if bc.BackupRetentionSettings != nil {
				got = bc.BackupRetentionSettings.RetainedBackups
			}
			add(fieldBackupRetained, strconv.FormatInt(*bk.RetainedBackups, 10), strconv.FormatInt(got, 10))
		}
		if bk.TransactionLogRetentionDays != nil {
			add(fieldBackupLogDays, strconv.FormatInt(*bk.TransactionLogRetentionDays, 10), strconv.FormatInt(bc.TransactionLogRetentionDays, 10))
		}
	}
	if p.MaintenanceWindow != nil {
		track := ""
		if s.MaintenanceWindow != nil {
			track = s.MaintenanceWindow.UpdateTrack
		}
		add(fieldMaintenance, specWindow(p.MaintenanceWindow, track), window(s.MaintenanceWindow))
	}
	ip := s.IpConfiguration
	if ip == nil {
		ip = &sqladmin.IpConfiguration{}
	}
	if c := p.IPConfiguration; c != nil {
		if c.IPv4Enabled != nil {
			add(fieldIPv4, b(*c.IPv4Enabled), b(ip.Ipv4Enabled))
		}
		if c.PrivateNetwork != nil {
			add(fieldPrivateNetwork, *c.PrivateNetwork, ip.PrivateNetwork)
		}
		if c.AuthorizedNetworks != nil && !compare.SameSet(networks(c.AuthorizedNetworks), cloudNetworks(ip.AuthorizedNetworks)) {
			ds = append(ds, difference{Field: fieldAuthorizedNetworks, Want: strings.Join(networks(c.AuthorizedNetworks), ","), Got: strings.Join(cloudNetworks(ip.AuthorizedNetworks), ",")})
		}
		if c.SSLMode != nil {
			add(fieldSSLMode, string(*c.SSLMode), ip.SslMode)
		}
	}
	if p.DatabaseFlags != nil {
		if want, got := specFlags(p.DatabaseFlags), flagsOf(s.DatabaseFlags); !maps.Equal(want, got) {
			ds = append(ds, difference{Field: fieldFlags, Want: describeMap(want), Got: describeMap(got)})
		}
	}
	add(fieldDeletionProtection, b(ptr.Deref(p.DeletionProtection, true)), b(s.DeletionProtectionEnabled))
	fb := s.FinalBackupConfig
	if fb == nil {
		fb = &sqladmin.FinalBackupConfig{}
	}
	want := desiredFinalBackup(p)
	if want.Enabled != fb.Enabled || (want.Enabled && want.RetentionDays != fb.RetentionDays) {
		ds = append(ds, difference{Field: fieldFinalBackup, Want: finalBackupString(want), Got: finalBackupString(fb)})
	}
	if owner != nil {
		if want, got := desiredLabels(p, *owner), s.UserLabels; !maps.Equal(want, got) && !(len(want) == 0 && len(got) == 0) {
			ds = append(ds, difference{Field: fieldLabels, Want: describeMap(want), Got: describeMap(got)})
		}
	}
	return ds
}

func finalBackupString(f *sqladmin.FinalBackupConfig) string {
	if !f.Enabled {
		return "no final backup"
	}
	return fmt.Sprintf("a final backup kept %d days", f.RetentionDays)
}

// pitr is whether point-in-time recovery is on: the binary log on MySQL.
func pitr(version string, bc *sqladmin.BackupConfiguration) bool {
	if isMySQL(version) {
		return bc.BinaryLogEnabled
	}
	return bc.PointInTimeRecoveryEnabled
}

func settings(db *sqladmin.DatabaseInstance) *sqladmin.Settings {
	if db.Settings == nil {
		return &sqladmin.Settings{}
	}
	return db.Settings
}

// lateInitialize fills the spec's unset fields from what Cloud SQL chose.
func lateInitialize(p *v1alpha1.InstanceParameters, db *sqladmin.DatabaseInstance) bool {
	s := settings(db)
	li := false
	set := func(ok bool) {
		li = li || ok
	}
	set(compare.LateInit(&p.Region, compare.NonEmpty(&db.Region)))
	if s.Edition != "" {
		set(compare.LateInit(&p.Edition, ptr.To(v1alpha1.Edition(s.Edition))))
	}
	if s.DataDiskSizeGb > 0 {
		set(compare.LateInit(&p.DiskSizeGB, &s.DataDiskSizeGb))
	}
	if s.DataDiskType != "" {
		set(compare.LateInit(&p.DiskType, ptr.To(v1alpha1.DiskType(s.DataDiskType))))
	}
	set(compare.LateInit(&p.DiskAutoresize, ptr.To(ptr.Deref(s.StorageAutoResize, false))))
	set(compare.LateInit(&p.DiskAutoresizeLimitGB, &s.StorageAutoResizeLimit))
	if s.AvailabilityType != "" {
		set(compare.LateInit(&p.AvailabilityType, ptr.To(v1alpha1.AvailabilityType(s.AvailabilityType))))
	}
	if bc := s.BackupConfiguration; bc != nil {
		if p.Backup == nil {
			p.Backup = &v1alpha1.BackupConfiguration{}
			li = true
		}
		bk := p.Backup
		set(compare.LateInit(&bk.Enabled, &bc.Enabled))
		set(compare.LateInit(&bk.StartTime, compare.NonEmpty(&bc.StartTime)))
		set(compare.LateInit(&bk.PointInTimeRecovery, ptr.To(pitr(db.DatabaseVersion, bc))))
		if bc.BackupRetentionSettings != nil && bc.BackupRetentionSettings.RetainedBackups > 0 {
			set(compare.LateInit(&bk.RetainedBackups, &bc.BackupRetentionSettings.RetainedBackups))
		}
		if bc.TransactionLogRetentionDays > 0 {
			set(compare.LateInit(&bk.TransactionLogRetentionDays, &bc.TransactionLogRetentionDays))
		}
	}
	if w := s.MaintenanceWindow; w != nil && w.Day != 0 && p.MaintenanceWindow == nil {
		p.MaintenanceWindow = &v1alpha1.MaintenanceWindow{Day: w.Day, Hour: w.Hour, UpdateTrack: compare.NonEmpty(&w.UpdateTrack)}
		li = true
	}
	if ip := s.IpConfiguration; ip != nil {
		if p.IPConfiguration == nil {
			p.IPConfiguration = &v1alpha1.IPConfiguration{}
			li = true
		}
		c := p.IPConfiguration
		set(compare.LateInit(&c.IPv4Enabled, &ip.Ipv4Enabled))
		set(compare.LateInit(&c.PrivateNetwork, compare.NonEmpty(&ip.PrivateNetwork)))
		if ip.SslMode != "" {
			set(compare.LateInit(&c.SSLMode, ptr.To(v1alpha1.SSLMode(ip.SslMode))))
		}
		if c.AuthorizedNetworks == nil && len(ip.AuthorizedNetworks) > 0 {
			for _, n := range ip.AuthorizedNetworks {
				c.AuthorizedNetworks = append(c.AuthorizedNetworks, v1alpha1.AuthorizedNetwork{Name: compare.NonEmpty(&n.Name), Value: n.Value})
			}
			li = true
		}
	}
	if p.DatabaseFlags == nil && len(s.DatabaseFlags) > 0 {
		for _, f := range s.DatabaseFlags {
			p.DatabaseFlags = append(p.DatabaseFlags, v1alpha1.DatabaseFlag{Name: f.Name, Value: f.Value})
		}
		li = true
	}
	if p.UserLabels == nil {
		if u := ownership.UserTags(s.UserLabels); len(u) > 0 {
			p.UserLabels = u
			li = true
		}
	}
	return li
}

// patch builds the one PATCH that fixes ds: only the differing fields, the
// settings ones with the settingsVersion the instance has. nil when
// nothing but the password differs.
func patch(p v1alpha1.InstanceParameters, db *sqladmin.DatabaseInstance, owner ownership.Owner, ds []difference) *sqladmin.DatabaseInstance {
	in := &sqladmin.DatabaseInstance{}
	s := &sqladmin.Settings{SettingsVersion: settings(db).SettingsVersion}
	n, ns := 0, 0
	ip := func() *sqladmin.IpConfiguration {
		if s.IpConfiguration == nil {
			s.IpConfiguration = &sqladmin.IpConfiguration{}
		}
		return s.IpConfiguration
	}
	bc := func() *sqladmin.BackupConfiguration {
		if s.BackupConfiguration == nil {
			s.BackupConfiguration = &sqladmin.BackupConfiguration{}
		}
		return s.BackupConfiguration
	}
	for _, d := range ds {
		ns++
		switch d.Field {
		case fieldDatabaseVersion:
			in.DatabaseVersion = p.DatabaseVersion
			n++
			ns--
		case fieldTier:
			s.Tier = strings.ToLower(p.Tier)
		case fieldEdition:
			s.Edition = string(*p.Edition)
		case fieldDiskSize:
			s.DataDiskSizeGb = *p.DiskSizeGB
		case fieldDiskType:
			s.DataDiskType = string(*p.DiskType)
		case fieldDiskAutoresize:
			s.StorageAutoResize = p.DiskAutoresize
		case fieldDiskAutoresizeMax:
			s.StorageAutoResizeLimit = *p.DiskAutoresizeLimitGB
			s.ForceSendFields = append(s.ForceSendFields, "StorageAutoResizeLimit")
		case fieldAvailability:
			s.AvailabilityType = string(*p.AvailabilityType)
		case fieldBackupEnabled:
			bc().Enabled = *p.Backup.Enabled
			bc().ForceSendFields = append(bc().ForceSendFields, "Enabled")
		case fieldBackupStart:
			bc().StartTime = *p.Backup.StartTime
		case fieldBackupPITR:
			if isMySQL(db.DatabaseVersion) {
				bc().BinaryLogEnabled = *p.Backup.PointInTimeRecovery
				bc().ForceSendFields = append(bc().ForceSendFields, "BinaryLogEnabled")
			} else {
				bc().PointInTimeRecoveryEnabled = *p.Backup.PointInTimeRecovery
				bc().ForceSendFields = append(bc().ForceSendFields, "PointInTimeRecoveryEnabled")
			}
		case fieldBackupRetained:
			bc().BackupRetentionSettings = &sqladmin.BackupRetentionSettings{RetentionUnit: "COUNT", RetainedBackups: *p.Backup.RetainedBackups}
		case fieldBackupLogDays:
			bc().TransactionLogRetentionDays = *p.Backup.TransactionLogRetentionDays
		case fieldMaintenance:
			w := p.MaintenanceWindow
			s.MaintenanceWindow = &sqladmin.MaintenanceWindow{Day: w.Day, Hour: w.Hour, UpdateTrack: ptr.Deref(w.UpdateTrack, ""), ForceSendFields: []string{"Hour"}}
		case fieldIPv4:
			ip().Ipv4Enabled = *p.IPConfiguration.IPv4Enabled
			ip().ForceSendFields = append(ip().ForceSendFields, "Ipv4Enabled")
		case fieldPrivateNetwork:
			ip().PrivateNetwork = *p.IPConfiguration.PrivateNetwork
			ip().ForceSendFields = append(ip().ForceSendFields, "PrivateNetwork")
		case fieldAuthorizedNetworks:
			nets := make([]*sqladmin.AclEntry, 0, len(p.IPConfiguration.AuthorizedNetworks))
			for _, a := range p.IPConfiguration.AuthorizedNetworks {
				nets = append(nets, &sqladmin.AclEntry{Name: ptr.Deref(a.Name, ""), Value: a.Value, Kind: "sql#aclEntry"})
			}
			ip().AuthorizedNetworks = nets
			ip().ForceSendFields = append(ip().ForceSendFields, "AuthorizedNetworks")
		case fieldSSLMode:
			ip().SslMode = string(*p.IPConfiguration.SSLMode)
		case fieldFlags:
			s.DatabaseFlags = flags(p.DatabaseFlags)
			s.ForceSendFields = append(s.ForceSendFields, "DatabaseFlags")
		case fieldDeletionProtection:
			s.DeletionProtectionEnabled = ptr.Deref(p.DeletionProtection, true)
			s.ForceSendFields = append(s.ForceSendFields, "DeletionProtectionEnabled")
		case fieldFinalBackup:
			s.FinalBackupConfig = desiredFinalBackup(p)
		case fieldLabels:
			s.UserLabels = desiredLabels(p, owner)
		default:
			ns--
		}
	}
	if ns > 0 {
		in.Settings = s
		n++
	}
	if n == 0 {
		return nil
	}
	return in
}

func flags(fs []v1alpha1.DatabaseFlag) []*sqladmin.DatabaseFlags {
	out := make([]*sqladmin.DatabaseFlags, 0, len(fs))
	for _, f := range fs {
		out = append(out, &sqladmin.DatabaseFlags{Name: f.Name, Value: f.Value})
	}
	return out
}

// insert is the instance the spec asks for, with its owner labels and root
// password.
func insert(name, region string, p v1alpha1.InstanceParameters, owner ownership.Owner, rootPassword string) *sqladmin.DatabaseInstance {
	s := &sqladmin.Settings{
		Tier:                      strings.ToLower(p.Tier),
		UserLabels:                desiredLabels(p, owner),
		DeletionProtectionEnabled: ptr.Deref(p.DeletionProtection, true),
		FinalBackupConfig:         desiredFinalBackup(p),
		StorageAutoResize:         p.DiskAutoresize,
		StorageAutoResizeLimit:    ptr.Deref(p.DiskAutoresizeLimitGB, 0),
		DataDiskSizeGb:            ptr.Deref(p.DiskSizeGB, 0),
		DatabaseFlags:             flags(p.DatabaseFlags),
		ForceSendFields:           []string{"DeletionProtectionEnabled"},
	}
	if p.Edition != nil {
		s.Edition = string(*p.Edition)
	}
	if p.DiskType != nil {
		s.DataDiskType = string(*p.DiskType)
	}
	if p.AvailabilityType != nil {
		s.AvailabilityType = string(*p.AvailabilityType)
	}
	if bk := p.Backup; bk != nil {
		bc := &sqladmin.BackupConfiguration{Enabled: ptr.Deref(bk.Enabled, false), StartTime: ptr.Deref(bk.StartTime, ""),
			TransactionLogRetentionDays: ptr.Deref(bk.TransactionLogRetentionDays, 0)}
		if isMySQL(p.DatabaseVersion) {
			bc.BinaryLogEnabled = ptr.Deref(bk.PointInTimeRecovery, false)
		} else {
			bc.PointInTimeRecoveryEnabled = ptr.Deref(bk.PointInTimeRecovery, false)
		}
		if bk.RetainedBackups != nil {
			bc.BackupRetentionSettings = &sqladmin.BackupRetentionSettings{RetentionUnit: "COUNT", RetainedBackups: *bk.RetainedBackups}
		}
		s.BackupConfiguration = bc
	}
	if w := p.MaintenanceWindow; w != nil {
		s.MaintenanceWindow = &sqladmin.MaintenanceWindow{Day: w.Day, Hour: w.Hour, UpdateTrack: ptr.Deref(w.UpdateTrack, ""), ForceSendFields: []string{"Hour"}}
	}
	if c := p.IPConfiguration; c != nil {
		ip := &sqladmin.IpConfiguration{PrivateNetwork: ptr.Deref(c.PrivateNetwork, "")}
		if c.IPv4Enabled != nil {
			ip.Ipv4Enabled = *c.IPv4Enabled
			ip.ForceSendFields = []string{"Ipv4Enabled"}
		}
		if c.SSLMode != nil {
			ip.SslMode = string(*c.SSLMode)
		}
		for _, a := range c.AuthorizedNetworks {
			ip.AuthorizedNetworks = append(ip.AuthorizedNetworks, &sqladmin.AclEntry{Name: ptr.Deref(a.Name, ""), Value: a.Value, Kind: "sql#aclEntry"})
		}
		s.IpConfiguration = ip
	}
	return &sqladmin.DatabaseInstance{Name: name, Region: region, DatabaseVersion: p.DatabaseVersion, RootPassword: rootPassword, Settings: s}
}
