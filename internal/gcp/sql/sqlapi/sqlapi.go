// Package sqlapi is the part of the Cloud SQL Admin API (sqladmin v1) the
// Instance, Database and User controllers call, as one interface with a
// context on every call, so each controller can be tested with a fake.
package sqlapi

import (
	"context"
	"strconv"

	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1"

	"github.com/stowage-dev/stowage/internal/gcp/gcpclient"
)

// API is the Cloud SQL Admin calls Stowage makes.
type API interface {
	GetInstance(ctx context.Context, project, name string) (*sqladmin.DatabaseInstance, error)
	// ListInstances lists every instance of project, following every page.
	ListInstances(ctx context.Context, project string) ([]*sqladmin.DatabaseInstance, error)
	InsertInstance(ctx context.Context, project string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error)
	PatchInstance(ctx context.Context, project, name string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error)
	// DeleteInstance deletes an instance, taking a final backup kept for
	// finalBackupDays when finalBackup is true.
	DeleteInstance(ctx context.Context, project, name string, finalBackup bool, finalBackupDays int64) (*sqladmin.Operation, error)
	GetOperation(ctx context.Context, project, name string) (*sqladmin.Operation, error)

	GetDatabase(ctx context.Context, project, instance, name string) (*sqladmin.Database, error)
	// ListDatabases lists every database of an instance.
	ListDatabases(ctx context.Context, project, instance string) ([]*sqladmin.Database, error)
	InsertDatabase(ctx context.Context, project, instance string, d *sqladmin.Database) (*sqladmin.Operation, error)
	PatchDatabase(ctx context.Context, project, instance, name string, d *sqladmin.Database) (*sqladmin.Operation, error)
	DeleteDatabase(ctx context.Context, project, instance, name string) (*sqladmin.Operation, error)

	GetUser(ctx context.Context, project, instance, name, host string) (*sqladmin.User, error)
	// ListUsers lists every user of an instance.
	ListUsers(ctx context.Context, project, instance string) ([]*sqladmin.User, error)
	InsertUser(ctx context.Context, project, instance string, u *sqladmin.User) (*sqladmin.Operation, error)
	// UpdateUser sets a user's password.
	UpdateUser(ctx context.Context, project, instance, name, host, password string) (*sqladmin.Operation, error)
	DeleteUser(ctx context.Context, project, instance, name, host string) (*sqladmin.Operation, error)
}

// New returns the API of a Session: its credentials and sqlAdmin endpoint.
func New(ctx context.Context, s gcpclient.Session) (API, error) {
	svc, err := sqladmin.NewService(ctx, append(s.SQLAdminOptions(), option.WithUserAgent("stowage"))...)
	if err != nil {
		return nil, err
	}
	return &client{svc: svc}, nil
}

// NewFromService wraps an existing service.
func NewFromService(svc *sqladmin.Service) API { return &client{svc: svc} }

type client struct{ svc *sqladmin.Service }

func (c *client) GetInstance(ctx context.Context, project, name string) (*sqladmin.DatabaseInstance, error) {
	return c.svc.Instances.Get(project, name).Context(ctx).Do()
}

func (c *client) ListInstances(ctx context.Context, project string) ([]*sqladmin.DatabaseInstance, error) {
	var all []*sqladmin.DatabaseInstance
	err := c.svc.Instances.List(project).Pages(ctx, func(page *sqladmin.InstancesListResponse) error {
		all = append(all, page.Items...)
		return nil
	})
	return all, err
}

func (c *client) InsertInstance(ctx context.Context, project string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error) {
	return c.svc.Instances.Insert(project, in).Context(ctx).Do()
}

func (c *client) PatchInstance(ctx context.Context, project, name string, in *sqladmin.DatabaseInstance) (*sqladmin.Operation, error) {
	return c.svc.Instances.Patch(project, name, in).Context(ctx).Do()
}

func (c *client) DeleteInstance(ctx context.Context, project, name string, finalBackup bool, days int64) (*sqladmin.Operation, error) {
	call := c.svc.Instances.Delete(project, name).Context(ctx)
	if finalBackup {
		call = call.EnableFinalBackup(true).FinalBackupTtlDays(days).FinalBackupDescription("Final backup of " + name + " taken by Stowage before deleting it (" + strconv.FormatInt(days, 10) + " days)")
	}
	return call.Do()
}

func (c *client) GetOperation(ctx context.Context, project, name string) (*sqladmin.Operation, error) {
	return c.svc.Operations.Get(project, name).Context(ctx).Do()
}

func (c *client) GetDatabase(ctx context.Context, project, instance, name string) (*sqladmin.Database, error) {
	return c.svc.Databases.Get(project, instance, name).Context(ctx).Do()
}

func (c *client) ListDatabases(ctx context.Context, project, instance string) ([]*sqladmin.Database, error) {
	r, err := c.svc.Databases.List(project, instance).Context(ctx).Do()
	if err != nil {
		return nil, err
	}
	return r.Items, nil
}

func (c *client) InsertDatabase(ctx context.Context, project, instance string, d *sqladmin.Database) (*sqladmin.Operation, error) {
	return c.svc.Databases.Insert(project, instance, d).Context(ctx).Do()
}

func (c *client) PatchDatabase(ctx context.Context, project, instance, name string, d *sqladmin.Database) (*sqladmin.Operation, error) {
	return c.svc.Databases.Patch(project, instance, name, d).Context(ctx).Do()
}

func (c *client) DeleteDatabase(ctx context.Context, project, instance, name string) (*sqladmin.Operation, error) {
	return c.svc.Databases.Delete(project, instance, name).Context(ctx).Do()
}

func (c *client) GetUser(ctx context.Context, project, instance, name, host string) (*sqladmin.User, error) {
	call := c.svc.Users.Get(project, instance, name).Context(ctx)
	if host != "" {
		call = call.Host(host)
	}
	return call.Do()
}

func (c *client) ListUsers(ctx context.Context, project, instance string) ([]*sqladmin.User, error) {
	// users.list has no paging: its nextPageToken is documented unused.
	r, err := c.svc.Users.List(project, instance).Context(ctx).Do()
	if err != nil {
		return nil, err
	}
	return r.Items, nil
}

func (c *client) InsertUser(ctx context.Context, project, instance string, u *sqladmin.User) (*sqladmin.Operation, error) {
	return c.svc.Users.Insert(project, instance, u).Context(ctx).Do()
}

func (c *client) UpdateUser(ctx context.Context, project, instance, name, host, password string) (*sqladmin.Operation, error) {
	call := c.svc.Users.Update(project, instance, &sqladmin.User{Password: password}).Name(name).Context(ctx)
	if host != "" {
		call = call.Host(host)
	}
	return call.Do()
}

func (c *client) DeleteUser(ctx context.Context, project, instance, name, host string) (*sqladmin.Operation, error) {
	call := c.svc.Users.Delete(project, instance).Name(name).Context(ctx)
	if host != "" {
		call = call.Host(host)
	}
	return call.Do()
}
