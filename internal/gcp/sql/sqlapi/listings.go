package sqlapi

import (
	"context"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/stowage-dev/stowage/internal/cloudlist"
	"github.com/stowage-dev/stowage/internal/gcp/gcpclient"
	"github.com/stowage-dev/stowage/internal/gcp/gcperr"
)

// Scope names the Cloud SQL Admin API a Session reaches and its project:
// the key of that project's shared listings. Two provider configs of one
// project at one endpoint share them.
func Scope(s gcpclient.Session) string {
	endpoint := ""
	if e := s.Spec.Endpoints; e != nil {
		endpoint = e.SQLAdmin
	}
	return endpoint + "|" + s.ProjectID
}

// Listings serve the Observe of every Instance, Database and User from one
// instances.list per project, and one databases.list and users.list per
// instance, per poll (package cloudlist). Each controller makes its own.
type Listings struct {
	instances *cloudlist.Lister[*sqladmin.DatabaseInstance]
	databases *cloudlist.Lister[*sqladmin.Database]
	users     *cloudlist.Lister[*sqladmin.User]
}

// NewListings returns empty listings.
func NewListings() *Listings {
	return &Listings{
		instances: cloudlist.NewLister[*sqladmin.DatabaseInstance]("gcp_sql_instance"),
		databases: cloudlist.NewLister[*sqladmin.Database]("gcp_sql_database"),
		users:     cloudlist.NewLister[*sqladmin.User]("gcp_sql_user"),
	}
}

// An InstanceLister lists a project's instances.
type InstanceLister interface {
	ListInstances(ctx context.Context, project string) ([]*sqladmin.DatabaseInstance, error)
}

// Instance is instance name of project as a listing of scope taken after
// notBefore holds it, and whether it holds it. The instance is the same
// resource instances.get returns.
func (l *Listings) Instance(ctx context.Context, api InstanceLister, scope, project, name string, notBefore time.Time) (*sqladmin.DatabaseInstance, bool, error) {
	return l.instances.Get(ctx, scope, notBefore, name, func(ctx context.Context) (map[string]*sqladmin.DatabaseInstance, error) {
		items, err := api.ListInstances(ctx, project)
		if err != nil {
			return nil, err
		}
		m := make(map[string]*sqladmin.DatabaseInstance, len(items))
		for _, it := range items {
			m[it.Name] = it
		}
		return m, nil
	})
}

// A DatabaseLister lists an instance's databases.
type DatabaseLister interface {
	ListDatabases(ctx context.Context, project, instance string) ([]*sqladmin.Database, error)
}

// Database is database name of instance as a listing taken after
// notBefore holds it, and whether it holds it. A listing of an instance
// Cloud SQL does not have holds nothing.
func (l *Listings) Database(ctx context.Context, api DatabaseLister, scope, project, instance, name string, notBefore time.Time) (*sqladmin.Database, bool, error) {
	return l.databases.Get(ctx, scope+"/"+instance, notBefore, name, func(ctx context.Context) (map[string]*sqladmin.Database, error) {
		items, err := api.ListDatabases(ctx, project, instance)
		if gcperr.IsNotFound(err) {
			return map[string]*sqladmin.Database{}, nil
		}
		if err != nil {
			return nil, err
		}
		m := make(map[string]*sqladmin.Database, len(items))
		for _, it := range items {
			m[it.Name] = it
		}
		return m, nil
	})
}

// A UserLister lists an instance's users.
type UserLister interface {
	ListUsers(ctx context.Context, project, instance string) ([]*sqladmin.User, error)
}

// User is the user name at host of instance as a listing taken after
// notBefore holds it, and whether it holds it. An empty host finds the
// user users.get finds without one: the user with no host (PostgreSQL, SQL
// Server) or, failing that, MySQL's name@%.
func (l *Listings) User(ctx context.Context, api UserLister, scope, project, instance, name, host string, notBefore time.Time) (*sqladmin.User, bool, error) {
	return l.users.Get(ctx, scope+"/"+instance, notBefore, userKey(name, host), func(ctx context.Context) (map[string]*sqladmin.User, error) {
		items, err := api.ListUsers(ctx, project, instance)
		if gcperr.IsNotFound(err) {
			return map[string]*sqladmin.User{}, nil
		}
		if err != nil {
			return nil, err
		}
		m := make(map[string]*sqladmin.User, len(items))
		for _, it := range items {
			m[userKey(it.Name, it.Host)] = it
		}
		for _, it := range items {
			if k := userKey(it.Name, ""); it.Host == "%" && m[k] == nil {
				m[k] = it
			}
		}
		return m, nil
	})
}

// userKey names a user in a listing. Names and hosts cannot hold "@@".
func userKey(name, host string) string { return name + "@@" + strings.TrimSpace(host) }
