package flexible

import (
	"context"

	my "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/mysql/armmysqlflexibleservers"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/internal/azure/armlist"
	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/azureclient"
	"github.com/stowage-dev/stowage/internal/contract"
)

// MySQL is Azure Database for MySQL flexible server, through
// armmysqlflexibleservers v1.2.0 (api-version 2021-05-01).
var MySQL = Engine{
	Name:            "MySQL flexible server",
	Contract:        contract.MySQL,
	Port:            3306,
	DNSSuffix:       ".mysql.database.azure.com",
	DefaultVersion:  "8.0.21",
	DefaultDatabase: "",
	NewServers: func(s azureclient.Session) (ServerAPI, error) {
		srv, err := my.NewServersClient(s.SubscriptionID, s.Credential, s.ClientOptions)
		if err != nil {
			return nil, err
		}
		names, err := my.NewCheckNameAvailabilityClient(s.SubscriptionID, s.Credential, s.ClientOptions)
		if err != nil {
			return nil, err
		}
		return myServers{servers: srv, names: names}, nil
	},
	NewDatabases: func(s azureclient.Session) (DatabaseAPI, error) {
		c, err := my.NewDatabasesClient(s.SubscriptionID, s.Credential, s.ClientOptions)
		if err != nil {
			return nil, err
		}
		return myDatabases{c}, nil
	},
}

type myServers struct {
	servers *my.ServersClient
	names   *my.CheckNameAvailabilityClient
}

func (c myServers) Get(ctx context.Context, rg, name string) (Server, error) {
	resp, err := c.servers.Get(ctx, rg, name, nil)
	if err != nil {
		return Server{}, err
	}
	return myServer(&resp.Server), nil
}

func (c myServers) List(ctx context.Context, rg string) (map[string]Server, error) {
	return armlist.Collect(ctx, c.servers.NewListByResourceGroupPager(rg, nil),
		func(r my.ServersClientListByResourceGroupResponse) []*my.Server { return r.Value },
		func(s *my.Server) (string, Server) { return ptr.Deref(s.Name, ""), myServer(s) })
}

// myServer is a server as the engine-neutral Server: the same from a GET
// and from a listing, which return the same shape.
func myServer(resp *my.Server) Server {
	s := Server{ID: ptr.Deref(resp.ID, ""), Location: ptr.Deref(resp.Location, ""), Tags: armtags.FromARM(resp.Tags)}
	if k := resp.SKU; k != nil {
		s.SKUName, s.SKUTier = ptr.Deref(k.Name, ""), string(ptr.Deref(k.Tier, ""))
	}
	if p := resp.Properties; p != nil {
		s.Version = string(ptr.Deref(p.Version, ""))
		s.State = string(ptr.Deref(p.State, ""))
		s.FQDN = ptr.Deref(p.FullyQualifiedDomainName, "")
		s.AdministratorLogin = ptr.Deref(p.AdministratorLogin, "")
		s.AvailabilityZone = ptr.Deref(p.AvailabilityZone, "")
		if p.Storage != nil {
			s.StorageGB = p.Storage.StorageSizeGB
			s.AutoGrow = isEnabled((*string)(p.Storage.AutoGrow))
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

func (c myServers) BeginCreate(ctx context.Context, rg, name string, s Server, password string) error {
	in := my.Server{
		Location: &s.Location,
		SKU:      &my.SKU{Name: &s.SKUName, Tier: ptr.To(my.SKUTier(s.SKUTier))},
		Tags:     armtags.ToARM(s.Tags),
		Properties: &my.ServerProperties{
			AdministratorLogin:         &s.AdministratorLogin,
			AdministratorLoginPassword: &password,
			Version:                    ptr.To(my.ServerVersion(s.Version)),
			CreateMode:                 ptr.To(my.CreateModeDefault),
		},
	}
	if s.StorageGB != nil || s.AutoGrow != nil {
		in.Properties.Storage = &my.Storage{StorageSizeGB: s.StorageGB, AutoGrow: (*my.EnableStatusEnum)(enabled(s.AutoGrow))}
	}
	if s.RetentionDays != nil || s.GeoRedundantBackup != nil {
		in.Properties.Backup = &my.Backup{BackupRetentionDays: s.RetentionDays, GeoRedundantBackup: (*my.EnableStatusEnum)(enabled(s.GeoRedundantBackup))}
	}
	if s.HAMode != "" {
		in.Properties.HighAvailability = &my.HighAvailability{Mode: ptr.To(my.HighAvailabilityMode(s.HAMode))}
	}
	_, err := c.servers.BeginCreate(ctx, rg, name, in, nil)
	return err
}

func (c myServers) BeginUpdate(ctx context.Context, rg, name string, p Patch) error {
	in := my.ServerForUpdate{}
	if p.SKUName != nil || p.SKUTier != nil {
		in.SKU = &my.SKU{Name: p.SKUName, Tier: (*my.SKUTier)(p.SKUTier)}
	}
	if p.Tags != nil {
		in.Tags = armtags.ToARM(p.Tags)
	}
	props := &my.ServerPropertiesForUpdate{AdministratorLoginPassword: p.Password}
	if p.StorageGB != nil || p.AutoGrow != nil {
		props.Storage = &my.Storage{StorageSizeGB: p.StorageGB, AutoGrow: (*my.EnableStatusEnum)(enabled(p.AutoGrow))}
	}
	if p.RetentionDays != nil {
		props.Backup = &my.Backup{BackupRetentionDays: p.RetentionDays}
	}
	if p.HAMode != nil {
		props.HighAvailability = &my.HighAvailability{Mode: (*my.HighAvailabilityMode)(p.HAMode)}
	}
	if *props != (my.ServerPropertiesForUpdate{}) {
		in.Properties = props
	}
	_, err := c.servers.BeginUpdate(ctx, rg, name, in, nil)
	return err
}

func (c myServers) BeginDelete(ctx context.Context, rg, name string) error {
	_, err := c.servers.BeginDelete(ctx, rg, name, nil)
	return err
}

func (c myServers) NameAvailable(ctx context.Context, location, name string) (bool, error) {
	resp, err := c.names.Execute(ctx, location, my.NameAvailabilityRequest{Name: &name, Type: ptr.To("Microsoft.DBforMySQL/flexibleServers")}, nil)
	if err != nil {
		return false, err
	}
	return ptr.Deref(resp.NameAvailable, false), nil
}

type myDatabases struct{ c *my.DatabasesClient }

func (d myDatabases) Get(ctx context.Context, rg, server, name string) (Database, error) {
	resp, err := d.c.Get(ctx, rg, server, name, nil)
	if err != nil {
		return Database{}, err
	}
	return myDatabase(&resp.Database), nil
}

func (d myDatabases) List(ctx context.Context, rg, server string) (map[string]Database, error) {
	return armlist.Collect(ctx, d.c.NewListByServerPager(rg, server, nil),
		func(r my.DatabasesClientListByServerResponse) []*my.Database { return r.Value },
		func(d *my.Database) (string, Database) { return ptr.Deref(d.Name, ""), myDatabase(d) })
}

func myDatabase(resp *my.Database) Database {
	db := Database{ID: ptr.Deref(resp.ID, "")}
	if p := resp.Properties; p != nil {
		db.Charset, db.Collation = ptr.Deref(p.Charset, ""), ptr.Deref(p.Collation, "")
	}
	return db
}

func (d myDatabases) BeginCreate(ctx context.Context, rg, server, name string, db Database) error {
	_, err := d.c.BeginCreateOrUpdate(ctx, rg, server, name, my.Database{Properties: &my.DatabaseProperties{Charset: nonEmpty(db.Charset), Collation: nonEmpty(db.Collation)}}, nil)
	return err
}

func (d myDatabases) BeginDelete(ctx context.Context, rg, server, name string) error {
	_, err := d.c.BeginDelete(ctx, rg, server, name, nil)
	return err
}
