package flexible

import (
	"context"
	"time"

	pg "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/postgresql/armpostgresqlflexibleservers"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/internal/azure/armlist"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/contract"
)

// Postgres is Azure Database for PostgreSQL flexible server, through
// armpostgresqlflexibleservers v1.1.0 (api-version 2021-06-01).
var Postgres = Engine{
	Name:            "PostgreSQL flexible server",
	Contract:        contract.Postgres,
	Port:            5432,
	DNSSuffix:       ".postgres.database.azure.com",
	DefaultVersion:  "16",
	DefaultDatabase: "postgres",
	NewServers: func(s azureclient.Session) (ServerAPI, error) {
		srv, err := pg.NewServersClient(s.SubscriptionID, s.Credential, s.ClientOptions)
		if err != nil {
			return nil, err
		}
		names, err := pg.NewCheckNameAvailabilityClient(s.SubscriptionID, s.Credential, s.ClientOptions)
		if err != nil {
			return nil, err
		}
		return pgServers{servers: srv, names: names}, nil
	},
	NewDatabases: func(s azureclient.Session) (DatabaseAPI, error) {
		c, err := pg.NewDatabasesClient(s.SubscriptionID, s.Credential, s.ClientOptions)
		if err != nil {
			return nil, err
		}
		return pgDatabases{c}, nil
	},
}

type pgServers struct {
	servers *pg.ServersClient
	names   *pg.CheckNameAvailabilityClient
}

func enabled(b *bool) *string {
	if b == nil {
		return nil
	}
	if *b {
		return ptr.To("Enabled")
	}
	return ptr.To("Disabled")
}

func isEnabled(s *string) *bool {
	if s == nil {
		return nil
	}
	return ptr.To(*s == "Enabled")
}

func rfc3339(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (c pgServers) Get(ctx context.Context, rg, name string) (Server, error) {
	resp, err := c.servers.Get(ctx, rg, name, nil)
	if err != nil {
		return Server{}, err
	}
	return pgServer(&resp.Server), nil
}

func (c pgServers) List(ctx context.Context, rg string) (map[string]Server, error) {
	return armlist.Collect(ctx, c.servers.NewListByResourceGroupPager(rg, nil),
		func(r pg.ServersClientListByResourceGroupResponse) []*pg.Server { return r.Value },
		func(s *pg.Server) (string, Server) { return ptr.Deref(s.Name, ""), pgServer(s) })
}

// pgServer is a server as the engine-neutral Server: the same from a GET
// and from a listing, which return the same shape.
func pgServer(resp *pg.Server) Server {
	s := Server{ID: ptr.Deref(resp.ID, ""), Location: ptr.Deref(resp.Location, ""), Tags: armtags.FromARM(resp.Tags)}
	if k := resp.SKU; k != nil {
		s.SKUName, s.SKUTier = ptr.Deref(k.Name, ""), string(ptr.Deref(k.Tier, ""))
	}
	if p := resp.Properties; p != nil {
		s.Version = string(ptr.Deref(p.Version, ""))
		s.MinorVersion = ptr.Deref(p.MinorVersion, "")
		s.State = string(ptr.Deref(p.State, ""))
		s.FQDN = ptr.Deref(p.FullyQualifiedDomainName, "")
		s.AdministratorLogin = ptr.Deref(p.AdministratorLogin, "")
		s.AvailabilityZone = ptr.Deref(p.AvailabilityZone, "")
		if p.Storage != nil {
			s.StorageGB = p.Storage.StorageSizeGB
		}
		if h := p.HighAvailability; h != nil {
			s.HAMode, s.HAState = string(ptr.Deref(h.Mode, "")), string(ptr.Deref(h.State, ""))
		}
		if b := p.Backup; b != nil {
			s.RetentionDays = b.BackupRetentionDays
			s.GeoRedundantBackup = isEnabled((*string)(b.GeoRedundantBackup))
			s.EarliestRestoreDate = rfc3339(b.EarliestRestoreDate)
		}
		if n := p.Network; n != nil {
			s.PublicNetworkAccess = string(ptr.Deref(n.PublicNetworkAccess, ""))
		}
	}
	return s
}

func (c pgServers) BeginCreate(ctx context.Context, rg, name string, s Server, password string) error {
	in := pg.Server{
		Location: &s.Location,
		SKU:      &pg.SKU{Name: &s.SKUName, Tier: ptr.To(pg.SKUTier(s.SKUTier))},
		Tags:     armtags.ToARM(s.Tags),
		Properties: &pg.ServerProperties{
			AdministratorLogin:         &s.AdministratorLogin,
			AdministratorLoginPassword: &password,
			Version:                    ptr.To(pg.ServerVersion(s.Version)),
			CreateMode:                 ptr.To(pg.CreateModeCreate),
		},
	}
	if s.StorageGB != nil {
		in.Properties.Storage = &pg.Storage{StorageSizeGB: s.StorageGB}
	}
	if s.RetentionDays != nil || s.GeoRedundantBackup != nil {
		in.Properties.Backup = &pg.Backup{BackupRetentionDays: s.RetentionDays, GeoRedundantBackup: (*pg.GeoRedundantBackupEnum)(enabled(s.GeoRedundantBackup))}
	}
	if s.HAMode != "" {
		in.Properties.HighAvailability = &pg.HighAvailability{Mode: ptr.To(pg.HighAvailabilityMode(s.HAMode))}
	}
	_, err := c.servers.BeginCreate(ctx, rg, name, in, nil)
	return err
}

func (c pgServers) BeginUpdate(ctx context.Context, rg, name string, p Patch) error {
	in := pg.ServerForUpdate{}
	if p.SKUName != nil || p.SKUTier != nil {
		in.SKU = &pg.SKU{Name: p.SKUName, Tier: (*pg.SKUTier)(p.SKUTier)}
	}
	if p.Tags != nil {
		in.Tags = armtags.ToARM(p.Tags)
	}
	props := &pg.ServerPropertiesForUpdate{AdministratorLoginPassword: p.Password}
	if p.StorageGB != nil {
		props.Storage = &pg.Storage{StorageSizeGB: p.StorageGB}
	}
	if p.RetentionDays != nil {
		props.Backup = &pg.Backup{BackupRetentionDays: p.RetentionDays}
	}
	if p.HAMode != nil {
		props.HighAvailability = &pg.HighAvailability{Mode: (*pg.HighAvailabilityMode)(p.HAMode)}
	}
	if *props != (pg.ServerPropertiesForUpdate{}) {
		in.Properties = props
	}
	_, err := c.servers.BeginUpdate(ctx, rg, name, in, nil)
	return err
}

func (c pgServers) BeginDelete(ctx context.Context, rg, name string) error {
	_, err := c.servers.BeginDelete(ctx, rg, name, nil)
	return err
}

func (c pgServers) NameAvailable(ctx context.Context, _, name string) (bool, error) {
	resp, err := c.names.Execute(ctx, pg.NameAvailabilityRequest{Name: &name, Type: ptr.To("Microsoft.DBforPostgreSQL/flexibleServers")}, nil)
	if err != nil {
		return false, err
	}
	return ptr.Deref(resp.NameAvailable, false), nil
}

type pgDatabases struct{ c *pg.DatabasesClient }

func (d pgDatabases) Get(ctx context.Context, rg, server, name string) (Database, error) {
	resp, err := d.c.Get(ctx, rg, server, name, nil)
	if err != nil {
		return Database{}, err
	}
	return pgDatabase(&resp.Database), nil
}

func (d pgDatabases) List(ctx context.Context, rg, server string) (map[string]Database, error) {
	return armlist.Collect(ctx, d.c.NewListByServerPager(rg, server, nil),
		func(r pg.DatabasesClientListByServerResponse) []*pg.Database { return r.Value },
		func(d *pg.Database) (string, Database) { return ptr.Deref(d.Name, ""), pgDatabase(d) })
}

func pgDatabase(resp *pg.Database) Database {
	db := Database{ID: ptr.Deref(resp.ID, "")}
	if p := resp.Properties; p != nil {
		db.Charset, db.Collation = ptr.Deref(p.Charset, ""), ptr.Deref(p.Collation, "")
	}
	return db
}

func (d pgDatabases) BeginCreate(ctx context.Context, rg, server, name string, db Database) error {
	_, err := d.c.BeginCreate(ctx, rg, server, name, pg.Database{Properties: &pg.DatabaseProperties{Charset: nonEmpty(db.Charset), Collation: nonEmpty(db.Collation)}}, nil)
	return err
}

func (d pgDatabases) BeginDelete(ctx context.Context, rg, server, name string) error {
	_, err := d.c.BeginDelete(ctx, rg, server, name, nil)
	return err
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
