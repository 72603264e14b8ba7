package cloudsql

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"
)

// child is the instance a database, user or backup run call is about. It
// must be RUNNABLE for writes.
func (c *call) child(project, inst string, write bool) (*instance, error) {
	in, err := c.instance(project, inst)
	if err != nil {
		return nil, err
	}
	if write {
		if c.s.busy(project, inst) {
			return nil, errInProgress
		}
		if in.db.State != "RUNNABLE" {
			return nil, errNotRunning
		}
	}
	return in, nil
}

func copyDB(d *sqladmin.Database) *sqladmin.Database { c := *d; return &c }

func (c *call) listDatabases(project, inst string) (any, error) {
	in, err := c.child(project, inst, false)
	if err != nil {
		return nil, err
	}
	var items []*sqladmin.Database
	for _, n := range slices.Sorted(mapKeys(in.databases)) {
		items = append(items, copyDB(in.databases[n]))
	}
	return &sqladmin.DatabasesListResponse{Kind: "sql#databasesList", Items: items}, nil
}

var errDatabaseNotFound = notFound("Not Found", "notFound")

func (c *call) getDatabase(project, inst, name string) (any, error) {
	in, err := c.child(project, inst, false)
	if err != nil {
		return nil, err
	}
	d := in.databases[name]
	if d == nil {
		return nil, errDatabaseNotFound
	}
	return copyDB(d), nil
}

func (c *call) insertDatabase(project, inst string) (any, error) {
	d := &sqladmin.Database{}
	if err := c.decode(d); err != nil {
		return nil, err
	}
	in, err := c.child(project, inst, true)
	if err != nil {
		return nil, err
	}
	if d.Name == "" {
		return nil, badRequest("Missing parameter: name.")
	}
	if in.databases[d.Name] != nil {
		return nil, conflict(fmt.Sprintf("Invalid request: failed to create database %s. Detail: database %q already exists.", d.Name, d.Name), "alreadyExists")
	}
	cs, co := defaultCharset(in.db.DatabaseVersion)
	if d.Charset == "" {
		d.Charset = cs
	}
	if d.Collation == "" {
		d.Collation = co
	}
	d.Kind, d.Instance, d.Project = "sql#database", inst, project
	d.SelfLink = c.base + "projects/" + project + "/instances/" + inst + "/databases/" + d.Name
	d.Etag = ""
	in.databases[d.Name] = d
	return c.start(project, inst, "CREATE_DATABASE", nil), nil
}

func (c *call) patchDatabase(project, inst, name string) (any, error) {
	p := &sqladmin.Database{}
	if err := c.decode(p); err != nil {
		return nil, err
	}
	in, err := c.child(project, inst, true)
	if err != nil {
		return nil, err
	}
	d := in.databases[name]
	if d == nil {
		return nil, errDatabaseNotFound
	}
	if p.Name != "" && p.Name != name {
		return nil, badRequest("Invalid request: a database cannot be renamed.")
	}
	next := copyDB(d)
	if p.Charset != "" {
		next.Charset = p.Charset
	}
	if p.Collation != "" {
		next.Collation = p.Collation
	}
	return c.start(project, inst, "UPDATE_DATABASE", func(time.Time) *sqladmin.OperationError {
		if in.databases[name] != nil {
			in.databases[name] = next
		}
		return nil
	}), nil
}

func (c *call) deleteDatabase(project, inst, name string) (any, error) {
	in, err := c.child(project, inst, true)
	if err != nil {
		return nil, err
	}
	if in.databases[name] == nil {
		return nil, errDatabaseNotFound
	}
	delete(in.databases, name)
	return c.start(project, inst, "DELETE_DATABASE", nil), nil
}

// userHost is the host a user of this engine is addressed by: Cloud SQL for
// PostgreSQL and SQL Server have none; MySQL's default is %.
func userHost(version, host string, given bool) string {
	if engine(version) != "MYSQL" {
		return ""
	}
	if !given || host == "" {
		return "%"
	}
	return host
}

func viewUser(u *user) *sqladmin.User {
	c := *u.u
	c.Password = ""
	return &c
}

var errUserNotFound = notFound("The user does not exist.", "notFound")

func (c *call) listUsers(project, inst string) (any, error) {
	in, err := c.child(project, inst, false)
	if err != nil {
		return nil, err
	}
	var items []*sqladmin.User
	for _, k := range slices.Sorted(mapKeys(in.users)) {
		items = append(items, viewUser(in.users[k]))
	}
	return &sqladmin.UsersListResponse{Kind: "sql#usersList", Items: items}, nil
}

func (c *call) getUser(project, inst, name string) (any, error) {
	in, err := c.child(project, inst, false)
	if err != nil {
		return nil, err
	}
	u := in.users[userKey(name, userHost(in.db.DatabaseVersion, c.q("host"), c.r.URL.Query().Has("host")))]
	if u == nil {
		return nil, errUserNotFound
	}
	return viewUser(u), nil
}

func (c *call) insertUser(project, inst string) (any, error) {
	nu := &sqladmin.User{}
	if err := c.decode(nu); err != nil {
		return nil, err
	}
	in, err := c.child(project, inst, true)
	if err != nil {
		return nil, err
	}
	if nu.Name == "" {
		return nil, badRequest("Missing parameter: name.")
	}
	if nu.Type == "" {
		nu.Type = "BUILT_IN"
	}
	if nu.Type != "BUILT_IN" {
		return nil, badRequest(fmt.Sprintf("Invalid request: user type %s needs IAM database authentication, which this local Cloud SQL does not offer.", nu.Type))
	}
	nu.Host = userHost(in.db.DatabaseVersion, nu.Host, nu.Host != "")
	k := userKey(nu.Name, nu.Host)
	if in.users[k] != nil {
		return nil, conflict(fmt.Sprintf("Invalid request: failed to create user %s. Detail: role %q already exists.", nu.Name, nu.Name), "alreadyExists")
	}
	pw := nu.Password
	nu.Password = ""
	nu.Kind, nu.Instance, nu.Project, nu.Etag = "sql#user", inst, project, ""
	in.users[k] = &user{u: nu, password: pw}
	return c.start(project, inst, "CREATE_USER", nil), nil
}

func (c *call) updateUser(project, inst string) (any, error) {
	p := &sqladmin.User{}
	if err := c.decode(p); err != nil {
		return nil, err
	}
	in, err := c.child(project, inst, true)
	if err != nil {
		return nil, err
	}
	name := c.q("name")
	if name == "" {
		return nil, badRequest("Missing parameter: name.")
	}
	u := in.users[userKey(name, userHost(in.db.DatabaseVersion, c.q("host"), c.r.URL.Query().Has("host")))]
	if u == nil {
		return nil, errUserNotFound
	}
	pw := p.Password
	return c.start(project, inst, "UPDATE_USER", func(time.Time) *sqladmin.OperationError {
		u.password = pw
		return nil
	}), nil
}

func (c *call) deleteUser(project, inst string) (any, error) {
	in, err := c.child(project, inst, true)
	if err != nil {
		return nil, err
	}
	k := userKey(c.q("name"), userHost(in.db.DatabaseVersion, c.q("host"), c.r.URL.Query().Has("host")))
	if in.users[k] == nil {
		return nil, errUserNotFound
	}
	delete(in.users, k)
	return c.start(project, inst, "DELETE_USER", nil), nil
}

// A backupRun is an on-demand sql#backupRun and the operation making it.
type backupRun struct {
	run *sqladmin.BackupRun
	op  string
}

// viewRun is the run as its operation has got it.
func (s *server) viewRun(b *backupRun) *sqladmin.BackupRun {
	r := *b.run
	o := s.ops[b.op]
	switch {
	case o == nil || o.op.Status == "DONE":
		r.Status = "SUCCESSFUL"
		if o != nil {
			r.StartTime, r.EndTime = o.op.StartTime, o.op.EndTime
		}
	case o.op.Status == "RUNNING":
		r.Status, r.StartTime = "RUNNING", o.op.StartTime
	default:
		r.Status = "ENQUEUED"
	}
	return &r
}

func (c *call) insertBackupRun(project, inst string) (any, error) {
	req := &sqladmin.BackupRun{}
	if err := c.decode(req); err != nil {
		return nil, err
	}
	in, err := c.child(project, inst, true)
	if err != nil {
		return nil, err
	}
	id := c.now.UnixMilli()*1000 + int64(len(in.backupRuns))
	run := &sqladmin.BackupRun{
		Kind: "sql#backupRun", Id: id, Instance: inst, Type: "ON_DEMAND", Description: req.Description,
		EnqueuedTime: rfc3339(c.now), WindowStartTime: rfc3339(c.now), BackupKind: "SNAPSHOT",
		DatabaseVersion: in.db.DatabaseVersion, Location: in.db.Region,
		SelfLink: c.base + "projects/" + project + "/instances/" + inst + "/backupRuns/" + strconv.FormatInt(id, 10),
	}
	op := c.start(project, inst, "BACKUP_VOLUME", nil)
	in.backupRuns = append(in.backupRuns, &backupRun{run: run, op: key(project, op.Name)})
	return op, nil
}

func (c *call) listBackupRuns(project, inst string) (any, error) {
	in, err := c.child(project, inst, false)
	if err != nil {
		return nil, err
	}
	var items []*sqladmin.BackupRun
	for _, b := range slices.Backward(in.backupRuns) {
		items = append(items, c.s.viewRun(b))
	}
	page, next, err := paginate(items, c.q("maxResults"), c.q("pageToken"), 500, c.s.opts.PageSize)
	if err != nil {
		return nil, err
	}
	return &sqladmin.BackupRunsListResponse{Kind: "sql#backupRunsList", Items: page, NextPageToken: next}, nil
}

func (c *call) getBackupRun(project, inst, id string) (any, error) {
	in, err := c.child(project, inst, false)
	if err != nil {
		return nil, err
	}
	for _, b := range in.backupRuns {
		if strconv.FormatInt(b.run.Id, 10) == id {
			return c.s.viewRun(b), nil
		}
	}
	return nil, notFound("The backup run does not exist.", "backupRunDoesNotExist")
}

// A backup is a project-level sql#backup: the FINAL backup of a deleted
// instance.
type backup struct {
	project string
	b       *sqladmin.Backup
}

func (s *server) finalBackup(base string, in *instance, desc string, ttlDays int64, now time.Time) {
	id := newID()
	project := in.db.Project
	settings := view(in)
	s.backups[key(project, id)] = &backup{project: project, b: &sqladmin.Backup{
		Kind: "sql#backup", Name: "projects/" + project + "/backups/" + id, Type: "FINAL", State: "SUCCESSFUL",
		Instance: in.db.Name, Description: desc, DatabaseVersion: in.db.DatabaseVersion, Location: in.db.Region,
		BackupKind: "SNAPSHOT", InstanceDeletionTime: rfc3339(now), InstanceSettings: settings,
		ExpiryTime: rfc3339(now.Add(time.Duration(ttlDays) * 24 * time.Hour)),
		SelfLink:   base + "projects/" + project + "/backups/" + id,
	}}
}

func (c *call) listBackups(project string) (any, error) {
	var items []*sqladmin.Backup
	for _, k := range slices.Sorted(mapKeys(c.s.backups)) {
		if b := c.s.backups[k]; b.project == project {
			cp := *b.b
			items = append(items, &cp)
		}
	}
	return &sqladmin.ListBackupsResponse{Backups: items}, nil
}

func (c *call) getBackup(project, id string) (any, error) {
	b := c.s.backups[key(project, id)]
	if b == nil {
		return nil, &apiError{Code: http.StatusNotFound, Status: "NOT_FOUND", Reason: "notFound", Message: "The backup does not exist."}
	}
	cp := *b.b
	return &cp, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
