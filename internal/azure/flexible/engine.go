// Package flexible is the controller logic of Azure Database for PostgreSQL
// and Azure Database for MySQL flexible servers and their databases. The two
// services have the same resource model, so one controller serves both
// through an Engine: an adapter over each service's ARM module
// (armpostgresqlflexibleservers, armmysqlflexibleservers) that speaks in the
// engine-neutral Server, Patch and Database types below. The per-engine
// packages (internal/azure/dbforpostgresql/..., internal/azure/dbformysql/...)
// only say which Engine and which API types to use.
package flexible

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/contract"
)

// An Engine is what differs between the PostgreSQL and MySQL services.
type Engine struct {
	// Name of the service in messages, e.g. "PostgreSQL flexible server".
	Name string
	// Contract is the engine as the connection-secret contract names it.
	Contract contract.Engine
	// Port clients connect to.
	Port int
	// DNSSuffix follows a server's name in its FQDN.
	DNSSuffix string
	// DefaultVersion of a new server when the spec names none.
	DefaultVersion string
	// DefaultDatabase is the database a client lands in when it names
	// none (postgres; none for MySQL).
	DefaultDatabase string
	// NewServers and NewDatabases make the engine's clients.
	NewServers   func(azureclient.Session) (ServerAPI, error)
	NewDatabases func(azureclient.Session) (DatabaseAPI, error)
}

// A Server is a flexible server as one GET shows it, or as a create asks for
// it. Pointers are unset when Azure reports (or the create asks for) none.
type Server struct {
	ID                  string
	Location            string
	Version             string
	MinorVersion        string
	State               string
	FQDN                string
	AdministratorLogin  string
	SKUName             string
	SKUTier             string
	StorageGB           *int32
	AutoGrow            *bool
	HAMode              string
	HAState             string
	RetentionDays       *int32
	GeoRedundantBackup  *bool
	PublicNetworkAccess string
	AvailabilityZone    string
	EarliestRestoreDate string
	Tags                map[string]string
}

// A Patch is one PATCH of a server: only what is set is sent.
type Patch struct {
	// SKUName and SKUTier are sent together.
	SKUName       *string
	SKUTier       *string
	StorageGB     *int32
	AutoGrow      *bool
	HAMode        *string
	RetentionDays *int32
	Password      *string
	// Tags, when not nil, replace the server's whole tag set.
	Tags map[string]string
}

// Empty reports whether the patch sends nothing.
func (p Patch) Empty() bool {
	return p.SKUName == nil && p.SKUTier == nil && p.StorageGB == nil && p.AutoGrow == nil && p.HAMode == nil &&
		p.RetentionDays == nil && p.Password == nil && p.Tags == nil
}

// ServerAPI is what the controller asks of a flexible server service. The
// Begin calls return once Azure accepted the operation: they never poll it.
type ServerAPI interface {
	Get(ctx context.Context, rg, name string) (Server, error)
	// List reads every server in a resource group, as Get shows each,
	// keyed by lower-case name: one call a poll observes them all.
	List(ctx context.Context, rg string) (map[string]Server, error)
	BeginCreate(ctx context.Context, rg, name string, s Server, password string) error
	BeginUpdate(ctx context.Context, rg, name string, p Patch) error
	BeginDelete(ctx context.Context, rg, name string) error
	// NameAvailable asks checkNameAvailability (a read) whether a server
	// name is free.
	NameAvailable(ctx context.Context, location, name string) (bool, error)
}

// A Database is a database in a flexible server.
type Database struct {
	ID        string
	Charset   string
	Collation string
}

// DatabaseAPI is what the controller asks of a flexible server's databases.
type DatabaseAPI interface {
	Get(ctx context.Context, rg, server, name string) (Database, error)
	// List reads every database on a server, as Get shows each, keyed by
	// lower-case name.
	List(ctx context.Context, rg, server string) (map[string]Database, error)
	BeginCreate(ctx context.Context, rg, server, name string, d Database) error
	BeginDelete(ctx context.Context, rg, server, name string) error
}

// Server states Azure reports.
const (
	StateReady        = "Ready"
	StateProvisioning = "Provisioning"
	StateUpdating     = "Updating"
	StateDropping     = "Dropping"
)

// ValidServerName is Azure's rule for flexible server names, which are DNS
// names: 3-63 lower-case letters, digits and hyphens, not starting or
// ending with a hyphen.
var ValidServerName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// ValidDatabaseName is the rule for database names both engines accept.
var ValidDatabaseName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_$-]{0,62}$`)

// DroppedServerRestoreDays is how long Azure keeps a deleted flexible
// server's backups restorable, for PostgreSQL and MySQL alike.
const DroppedServerRestoreDays = 5

// versionParts are the numbers of a dotted version; nil when it is not one.
func versionParts(v string) []int {
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// CompareVersions compares a version the spec names with the one Azure
// reports: 0 when they are the same version (the spec may name fewer parts:
// MySQL "8.0" is "8.0.21"), -1 when the spec's is older, +1 when newer.
// Versions that are not dotted numbers compare equal only when equal, and
// as newer otherwise.
func CompareVersions(spec, cloud string) int {
	if spec == cloud {
		return 0
	}
	a, b := versionParts(spec), versionParts(cloud)
	if a == nil || b == nil {
		return 1
	}
	for i := range a {
		if i >= len(b) {
			return 1
		}
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}
