package cloudsql

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"
)

// An instance is a sql#instance and what lives in it.
type instance struct {
	db         *sqladmin.DatabaseInstance
	databases  map[string]*sqladmin.Database
	users      map[string]*user
	backupRuns []*backupRun
	// seq numbers the instance's addresses.
	seq int
}

type user struct {
	u        *sqladmin.User
	password string
}

func userKey(name, host string) string { return name + "@" + host }

var (
	instanceName = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	regionName   = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)
	versionName  = regexp.MustCompile(`^(POSTGRES_(9_6|[0-9]{2})|MYSQL_[0-9]_[0-9](_[0-9]+)?|SQLSERVER_20[0-9]{2}_(STANDARD|ENTERPRISE|EXPRESS|WEB))$`)
	tierName     = regexp.MustCompile(`^db-[a-z0-9-]+$`)
)

// engine is POSTGRES, MYSQL or SQLSERVER.
func engine(version string) string {
	e, _, _ := strings.Cut(version, "_")
	return e
}

// installed is the minor version Cloud SQL runs for a major version.
func installed(version string) string {
	switch {
	case strings.HasPrefix(version, "POSTGRES_"):
		return version + "_4"
	case version == "MYSQL_8_0":
		return "MYSQL_8_0_41"
	case version == "MYSQL_8_4":
		return "MYSQL_8_4_4"
	case strings.HasPrefix(version, "MYSQL_"):
		return version
	default:
		return version + "_CU16"
	}
}

func (c *call) instance(project, name string) (*instance, error) {
	in := c.s.instances[key(project, name)]
	if in == nil {
		return nil, errInstanceNotFound
	}
	return in, nil
}

// view is what the API returns for an instance: never the root password.
func view(in *instance) *sqladmin.DatabaseInstance {
	b, _ := json.Marshal(in.db)
	out := &sqladmin.DatabaseInstance{}
	_ = json.Unmarshal(b, out)
	out.RootPassword = ""
	return out
}

func (c *call) getInstance(project, name string) (any, error) {
	in, err := c.instance(project, name)
	if err != nil {
		return nil, err
	}
	return view(in), nil
}

func (c *call) listInstances(project string) (any, error) {
	var names []string
	for k, in := range c.s.instances {
		if in.db.Project == project {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	items := make([]*sqladmin.DatabaseInstance, len(names))
	for i, k := range names {
		items[i] = view(c.s.instances[k])
	}
	page, next, err := paginate(items, c.q("maxResults"), c.q("pageToken"), 500, c.s.opts.PageSize)
	if err != nil {
		return nil, err
	}
	return &sqladmin.InstancesListResponse{Kind: "sql#instancesList", Items: page, NextPageToken: next}, nil
}

// has reports whether the JSON object m has the path.
func has(m map[string]any, path ...string) bool {
	for i, p := range path {
		v, ok := m[p]
		if !ok {
			return false
		}
		if i == len(path)-1 {
			return true
		}
		if m, ok = v.(map[string]any); !ok {
			return false
		}
	}
	return false
}

func (c *call) insertInstance(project string) (any, error) {
	var raw map[string]any
	if err := c.decode(&raw); err != nil {
		return nil, err
	}
	db := &sqladmin.DatabaseInstance{}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, db); err != nil {
		return nil, badRequest("Invalid JSON payload received. " + err.Error())
	}
	switch {
	case db.Name == "":
		return nil, badRequest("Missing parameter: name.")
	case !instanceName.MatchString(db.Name) || len(project)+1+len(db.Name) > 98:
		return nil, badRequest(fmt.Sprintf("Invalid request: instance name (%s) is invalid: use lowercase letters, numbers and hyphens, start with a letter, and keep project ID and instance name within 98 characters.", db.Name))
	case db.DatabaseVersion == "":
		return nil, badRequest("Missing parameter: databaseVersion.")
	case !versionName.MatchString(db.DatabaseVersion):
		return nil, badRequest(fmt.Sprintf("Invalid value at 'body.database_version' (type.googleapis.com/google.cloud.sql.v1.SqlDatabaseVersion), %q", db.DatabaseVersion))
	case db.Settings == nil || db.Settings.Tier == "":
		return nil, badRequest("Missing parameter: settings.tier.")
	case engine(db.DatabaseVersion) == "SQLSERVER" && db.RootPassword == "":
		return nil, badRequest("Invalid request: Root password is required for SQL Server instances.")
	}
	k := key(project, db.Name)
	if c.s.instances[k] != nil {
		return nil, conflict("The Cloud SQL instance already exists.", "instanceAlreadyExists")
	}
	if t, ok := c.s.deleted[k]; ok && c.now.Sub(t) < NameReuseWindow {
		return nil, conflict("The Cloud SQL instance already exists. When you delete an instance, you can't reuse the name of the deleted instance until one week from the deletion date.", "instanceAlreadyExists")
	}
	if db.Region == "" {
		db.Region = "us-central1"
	}
	if !regionName.MatchString(db.Region) {
		return nil, badRequest(fmt.Sprintf("Invalid request: Region (%s) is not valid.", db.Region))
	}
	setDefaults(db, raw)
	if err := validate(db); err != nil {
		return nil, err
	}
	c.s.seq++
	in := &instance{db: db, databases: map[string]*sqladmin.Database{}, users: map[string]*user{}, seq: c.s.seq}
	db.Kind = "sql#instance"
	db.Project = project
	db.State = "PENDING_CREATE"
	db.BackendType = "SECOND_GEN"
	db.InstanceType = "CLOUD_SQL_INSTANCE"
	db.ConnectionName = project + ":" + db.Region + ":" + db.Name
	db.GceZone = db.Settings.LocationPreference.Zone
	if db.Settings.AvailabilityType == "REGIONAL" {
		db.SecondaryGceZone = db.Region + "-f"
	}
	db.DatabaseInstalledVersion = installed(db.DatabaseVersion)
	db.MaintenanceVersion = db.DatabaseInstalledVersion + ".R20250112.01_00"
	db.CreateTime = rfc3339(c.now)
	db.SelfLink = c.base + "projects/" + project + "/instances/" + db.Name
	db.ServiceAccountEmailAddress = fmt.Sprintf("p%d-abcdef@gcp-sa-cloud-sql.iam.gserviceaccount.com", in.seq)
	db.Etag = etag(db)
	in.defaultObjects(project)
	rootPw := db.RootPassword
	db.RootPassword = ""
	for _, u := range in.users {
		u.password = rootPw
	}
	c.s.instances[k] = in
	return c.start(project, db.Name, "CREATE", func(now time.Time) *sqladmin.OperationError {
		cert, err := serverCA(project, db.Name, now)
		if err != nil {
			db.State = "FAILED"
			return &sqladmin.OperationError{Code: "INTERNAL_ERROR", Message: err.Error()}
		}
		db.ServerCaCert = cert
		db.State = "RUNNABLE"
		in.addresses()
		return nil
	}), nil
}

// defaultObjects are the databases and the user Cloud SQL makes with an
// instance of each engine.
func (in *instance) defaultObjects(project string) {
	db := in.db
	var dbs []string
	var root, host string
	switch engine(db.DatabaseVersion) {
	case "POSTGRES":
		dbs, root = []string{"postgres"}, "postgres"
	case "MYSQL":
		dbs, root, host = []string{"information_schema", "mysql", "performance_schema", "sys"}, "root", "%"
	default:
		dbs, root = []string{"master", "model", "msdb", "tempdb"}, "sqlserver"
	}
	for _, n := range dbs {
		charset, collation := defaultCharset(db.DatabaseVersion)
		in.databases[n] = &sqladmin.Database{Kind: "sql#database", Name: n, Instance: db.Name, Project: project, Charset: charset, Collation: collation}
	}
	in.users[userKey(root, host)] = &user{u: &sqladmin.User{Kind: "sql#user", Name: root, Host: host, Instance: db.Name, Project: project, Type: "BUILT_IN"}}
}

func defaultCharset(version string) (string, string) {
	switch engine(version) {
	case "POSTGRES":
		return "UTF8", "en_US.UTF8"
	case "MYSQL":
		if version == "MYSQL_5_7" || version == "MYSQL_5_6" {
			return "utf8", "utf8_general_ci"
		}
		return "utf8mb4", "utf8mb4_0900_ai_ci"
	}
	return "UTF8", "SQL_Latin1_General_CP1_CI_AS"
}

// setDefaults fills in what Cloud SQL chooses for fields a request leaves
// out. raw is the request, to tell a false that was sent from one that was
// not.
func setDefaults(db *sqladmin.DatabaseInstance, raw map[string]any) {
	s := db.Settings
	s.Kind = "sql#settings"
	s.Tier = strings.ToLower(s.Tier)
	if s.Edition == "" {
		s.Edition = "ENTERPRISE"
		if strings.HasPrefix(s.Tier, "db-perf-optimized-") {
			s.Edition = "ENTERPRISE_PLUS"
		}
	}
	if s.AvailabilityType == "" {
		s.AvailabilityType = "ZONAL"
	}
	if s.DataDiskType == "" {
		s.DataDiskType = "PD_SSD"
	}
	if s.DataDiskSizeGb == 0 {
		s.DataDiskSizeGb = 10
	}
	if !has(raw, "settings", "storageAutoResize") {
		s.StorageAutoResize = ptrTrue()
	}
	if s.PricingPlan == "" {
		s.PricingPlan = "PER_USE"
	}
	if s.ActivationPolicy == "" {
		s.ActivationPolicy = "ALWAYS"
	}
	if s.ReplicationType == "" {
		s.ReplicationType = "SYNCHRONOUS"
	}
	if s.ConnectorEnforcement == "" {
		s.ConnectorEnforcement = "NOT_REQUIRED"
	}
	if s.LocationPreference == nil {
		s.LocationPreference = &sqladmin.LocationPreference{}
	}
	s.LocationPreference.Kind = "sql#locationPreference"
	if s.LocationPreference.Zone == "" {
		s.LocationPreference.Zone = db.Region + "-c"
	}
	if s.BackupConfiguration == nil {
		s.BackupConfiguration = &sqladmin.BackupConfiguration{}
	}
	bc := s.BackupConfiguration
	bc.Kind = "sql#backupConfiguration"
	if bc.StartTime == "" {
		bc.StartTime = "23:00"
	}
	if bc.TransactionLogRetentionDays == 0 {
		bc.TransactionLogRetentionDays = 7
	}
	if bc.BackupRetentionSettings == nil {
		bc.BackupRetentionSettings = &sqladmin.BackupRetentionSettings{}
	}
	if bc.BackupRetentionSettings.RetainedBackups == 0 {
		bc.BackupRetentionSettings.RetainedBackups = 7
	}
	bc.BackupRetentionSettings.RetentionUnit = "COUNT"
	bc.BackupTier = "STANDARD"
	if bc.Enabled && bc.Location == "" {
		bc.Location = strings.SplitN(db.Region, "-", 2)[0]
	}
	if s.IpConfiguration == nil {
		s.IpConfiguration = &sqladmin.IpConfiguration{}
	}
	ip := s.IpConfiguration
	if !has(raw, "settings", "ipConfiguration", "ipv4Enabled") {
		ip.Ipv4Enabled = true
	}
	if ip.SslMode == "" {
		ip.SslMode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
		if ip.RequireSsl {
			ip.SslMode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
		}
	}
	ip.RequireSsl = ip.SslMode == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
	if ip.ServerCaMode == "" {
		ip.ServerCaMode = "GOOGLE_MANAGED_INTERNAL_CA"
	}
	for _, a := range ip.AuthorizedNetworks {
		a.Kind = "sql#aclEntry"
	}
	if s.MaintenanceWindow == nil {
		s.MaintenanceWindow = &sqladmin.MaintenanceWindow{}
	}
	s.MaintenanceWindow.Kind = "sql#maintenanceWindow"
	normalise(s)
	s.SettingsVersion = 1
}

// normalise puts settings in the form Cloud SQL returns them: flags by
// name, tier in lower case.
func normalise(s *sqladmin.Settings) {
	s.Tier = strings.ToLower(s.Tier)
	slices.SortFunc(s.DatabaseFlags, func(a, b *sqladmin.DatabaseFlags) int { return strings.Compare(a.Name, b.Name) })
}

func ptrTrue() *bool { t := true; return &t }

// validate refuses settings Cloud SQL refuses.
func validate(db *sqladmin.DatabaseInstance) error {
	s := db.Settings
	perf := strings.HasPrefix(s.Tier, "db-perf-optimized-")
	switch {
	case !tierName.MatchString(s.Tier):
		return badRequest(fmt.Sprintf("Invalid request: Invalid Tier (%s) for (%s) Edition.", s.Tier, s.Edition))
	case s.Edition == "ENTERPRISE_PLUS" && !perf:
		return badRequest(fmt.Sprintf("Invalid Tier (%s) for (ENTERPRISE_PLUS) Edition. Use a predefined Tier like db-perf-optimized-N-* instead. Learn more at https://cloud.google.com/sql/docs/postgres/create-instance#machine-types", s.Tier))
	case s.Edition == "ENTERPRISE" && perf:
		return badRequest(fmt.Sprintf("Invalid Tier (%s) for (ENTERPRISE) Edition.", s.Tier))
	case !slices.Contains([]string{"ENTERPRISE", "ENTERPRISE_PLUS"}, s.Edition):
		return badRequest(fmt.Sprintf("Invalid value at 'body.settings.edition', %q", s.Edition))
	case !slices.Contains([]string{"ZONAL", "REGIONAL"}, s.AvailabilityType):
		return badRequest(fmt.Sprintf("Invalid value at 'body.settings.availability_type', %q", s.AvailabilityType))
	case !slices.Contains([]string{"PD_SSD", "PD_HDD", "HYPERDISK_BALANCED"}, s.DataDiskType):
		return badRequest(fmt.Sprintf("Invalid value at 'body.settings.data_disk_type', %q", s.DataDiskType))
	case s.DataDiskSizeGb < 10:
		return badRequest("Invalid request: The data disk size minimum is 10GB.")
	case !s.IpConfiguration.Ipv4Enabled && s.IpConfiguration.PrivateNetwork == "":
		return badRequest("Invalid request: At least one of Public IP or Private IP or PSC connectivity must be enabled.")
	case s.BackupConfiguration.PointInTimeRecoveryEnabled && !s.BackupConfiguration.Enabled:
		return badRequest("Invalid request: Point-in-time recovery requires automated backups to be enabled.")
	case s.BackupConfiguration.BinaryLogEnabled && !s.BackupConfiguration.Enabled:
		return badRequest("Invalid request: Binary log must be disabled when backup is disabled.")
	case s.BackupConfiguration.BinaryLogEnabled && engine(db.DatabaseVersion) != "MYSQL":
		return badRequest("Invalid request: Binary log is only supported for MySQL instances.")
	case s.MaintenanceWindow.Day < 0 || s.MaintenanceWindow.Day > 7 || s.MaintenanceWindow.Hour < 0 || s.MaintenanceWindow.Hour > 23:
		return badRequest("Invalid request: Maintenance window day must be 1-7 and hour 0-23.")
	case !slices.Contains([]string{"ALLOW_UNENCRYPTED_AND_ENCRYPTED", "ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"}, s.IpConfiguration.SslMode):
		return badRequest(fmt.Sprintf("Invalid value at 'body.settings.ip_configuration.ssl_mode', %q", s.IpConfiguration.SslMode))
	}
	for _, a := range s.IpConfiguration.AuthorizedNetworks {
		if !strings.Contains(a.Value, "/") && strings.Count(a.Value, ".") != 3 {
			return badRequest(fmt.Sprintf("Invalid request: Non-routable or private authorized network (%s).", a.Value))
		}
	}
	for k, v := range s.UserLabels {
		if !labelKey.MatchString(k) || !labelValue.MatchString(v) {
			return badRequest(fmt.Sprintf("Invalid request: Invalid label: %s=%s. Label keys and values can only contain lowercase letters, numeric characters, underscores and dashes, at most 63 characters; keys must start with a lowercase letter.", k, v))
		}
	}
	return nil
}

var (
	labelKey   = regexp.MustCompile(`^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)
	labelValue = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$`)
)

// addresses gives a RUNNABLE instance the addresses its IP configuration
// asks for.
func (in *instance) addresses() {
	ip := in.db.Settings.IpConfiguration
	in.db.IpAddresses = nil
	n := in.seq
	if ip.Ipv4Enabled {
		in.db.IpAddresses = append(in.db.IpAddresses,
			&sqladmin.IpMapping{Type: "PRIMARY", IpAddress: fmt.Sprintf("34.118.%d.%d", n/250, n%250+1)},
			&sqladmin.IpMapping{Type: "OUTGOING", IpAddress: fmt.Sprintf("34.119.%d.%d", n/250, n%250+1)})
	}
	if ip.PrivateNetwork != "" {
		in.db.IpAddresses = append(in.db.IpAddresses, &sqladmin.IpMapping{Type: "PRIVATE", IpAddress: fmt.Sprintf("10.20.%d.%d", n/250, n%250+2)})
	}
}

func etag(db *sqladmin.DatabaseInstance) string {
	return fmt.Sprintf("%x", db.Settings.SettingsVersion*2654435761)
}

// merge applies a JSON merge patch to dst: objects merge, everything else
// (arrays, scalars, and the userLabels map, which Cloud SQL replaces as a
// whole) is replaced.
func merge(dst, patch map[string]any) {
	for k, v := range patch {
		pm, ok1 := v.(map[string]any)
		dm, ok2 := dst[k].(map[string]any)
		if ok1 && ok2 && k != "userLabels" {
			merge(dm, pm)
			continue
		}
		dst[k] = v
	}
}

func (c *call) patchInstance(project, name string) (any, error) {
	in, err := c.instance(project, name)
	if err != nil {
		return nil, err
	}
	var patch map[string]any
	if err := c.decode(&patch); err != nil {
		return nil, err
	}
	if c.s.busy(project, name) {
		return nil, errInProgress
	}
	if in.db.State != "RUNNABLE" {
		return nil, errNotRunning
	}
	if s, ok := patch["settings"].(map[string]any); ok {
		if v, ok := s["settingsVersion"]; ok {
			if fmt.Sprint(v) != strconv.FormatInt(in.db.Settings.SettingsVersion, 10) {
				return nil, errStale
			}
			delete(s, "settingsVersion")
		}
	}
	if v, ok := patch["name"]; ok && v != name {
		return nil, badRequest("Invalid request: the instance name cannot be changed.")
	}
	if v, ok := patch["region"]; ok && v != in.db.Region {
		return nil, badRequest("Invalid request: the region of an instance cannot be changed.")
	}
	cur := map[string]any{}
	b, _ := json.Marshal(in.db)
	_ = json.Unmarshal(b, &cur)
	settingsBefore, _ := json.Marshal(cur["settings"])
	merge(cur, patch)
	next := &sqladmin.DatabaseInstance{}
	b, _ = json.Marshal(cur)
	if err := json.Unmarshal(b, next); err != nil {
		return nil, badRequest("Invalid JSON payload received. " + err.Error())
	}
	typ := "UPDATE"
	if next.DatabaseVersion != in.db.DatabaseVersion {
		if !versionName.MatchString(next.DatabaseVersion) || engine(next.DatabaseVersion) != engine(in.db.DatabaseVersion) || next.DatabaseVersion < in.db.DatabaseVersion {
			return nil, badRequest(fmt.Sprintf("Invalid request: Cannot upgrade from %s to %s.", in.db.DatabaseVersion, next.DatabaseVersion))
		}
		typ = "MAJOR_VERSION_UPGRADE"
	}
	if next.Settings == nil {
		return nil, badRequest("Missing parameter: settings.")
	}
	if e, ok := patch["settings"].(map[string]any); ok && has(e, "edition") && !has(e, "tier") && next.Settings.Edition != in.db.Settings.Edition {
		// Changing the edition alone keeps a tier the new edition refuses.
		if err := validate(next); err != nil {
			return nil, err
		}
	}
	normalise(next.Settings)
	for _, a := range next.Settings.IpConfiguration.AuthorizedNetworks {
		a.Kind = "sql#aclEntry"
	}
	ip := next.Settings.IpConfiguration
	if has(patch, "settings", "ipConfiguration", "sslMode") || has(patch, "settings", "ipConfiguration", "requireSsl") {
		if has(patch, "settings", "ipConfiguration", "requireSsl") && !has(patch, "settings", "ipConfiguration", "sslMode") {
			ip.SslMode = map[bool]string{true: "TRUSTED_CLIENT_CERTIFICATE_REQUIRED", false: "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}[ip.RequireSsl]
		}
		ip.RequireSsl = ip.SslMode == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
	}
	if next.Settings.BackupConfiguration.Enabled && next.Settings.BackupConfiguration.Location == "" {
		next.Settings.BackupConfiguration.Location = strings.SplitN(next.Region, "-", 2)[0]
	}
	if err := validate(next); err != nil {
		return nil, err
	}
	settingsAfter, _ := json.Marshal(next.Settings)
	changed := string(settingsBefore) != string(settingsAfter)
	return c.start(project, name, typ, func(time.Time) *sqladmin.OperationError {
		if changed {
			next.Settings.SettingsVersion = in.db.Settings.SettingsVersion + 1
		}
		next.DatabaseInstalledVersion = installed(next.DatabaseVersion)
		next.Etag = etag(next)
		next.State = in.db.State
		in.db = next
		if in.db.State == "RUNNABLE" {
			in.addresses()
		}
		return nil
	}), nil
}

func (c *call) deleteInstance(project, name string) (any, error) {
	in, err := c.instance(project, name)
	if err != nil {
		return nil, err
	}
	if c.s.busy(project, name) {
		return nil, errInProgress
	}
	if in.db.Settings.DeletionProtectionEnabled {
		return nil, errProtected
	}
	final := in.db.Settings.FinalBackupConfig != nil && in.db.Settings.FinalBackupConfig.Enabled
	ttl := int64(0)
	if final {
		ttl = in.db.Settings.FinalBackupConfig.RetentionDays
	}
	if v := c.q("enableFinalBackup"); v != "" {
		final = v == "true"
	}
	if v := c.q("finalBackupTtlDays"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 365 {
			return nil, badRequest("Invalid request: finalBackupTtlDays must be between 1 and 365.")
		}
		ttl = n
	}
	if ttl == 0 {
		ttl = 30
	}
	in.db.State = "PENDING_DELETE"
	desc := c.q("finalBackupDescription")
	return c.start(project, name, "DELETE", func(now time.Time) *sqladmin.OperationError {
		if final {
			c.s.finalBackup(c.base, in, desc, ttl, now)
		}
		delete(c.s.instances, key(project, name))
		c.s.deleted[key(project, name)] = now
		return nil
	}), nil
}
