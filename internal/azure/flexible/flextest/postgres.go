package flextest

import (
	"context"

	pg "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/postgresql/armpostgresqlflexibleservers"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// Postgres talks to the local ARM's PostgreSQL flexible servers behind the
// provider's back.
type Postgres struct {
	servers   *pg.ServersClient
	databases *pg.DatabasesClient
}

// NewPostgres returns clients for the local ARM at url.
func NewPostgres(url string) Postgres {
	s, err := pg.NewServersClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(url))
	if err != nil {
		panic(err) // only for bad options, which these are not
	}
	d, err := pg.NewDatabasesClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(url))
	if err != nil {
		panic(err)
	}
	return Postgres{servers: s, databases: d}
}

// CreateServer makes a General Purpose PostgreSQL 15 server.
func (p Postgres) CreateServer(ctx context.Context, rg, name string, tags map[string]string) error {
	_, err := p.servers.BeginCreate(ctx, rg, name, pg.Server{
		Location: ptr.To("westeurope"),
		SKU:      &pg.SKU{Name: ptr.To("Standard_D2s_v3"), Tier: ptr.To(pg.SKUTierGeneralPurpose)},
		Tags:     armtags.ToARM(tags),
		Properties: &pg.ServerProperties{
			AdministratorLogin: ptr.To("byhand"), AdministratorLoginPassword: ptr.To("By-Hand-Passw0rd"),
			Version: ptr.To(pg.ServerVersion("15")), Storage: &pg.Storage{StorageSizeGB: ptr.To[int32](64)},
		},
	}, nil)
	return err
}

// SetRetention changes the backup retention.
func (p Postgres) SetRetention(ctx context.Context, rg, name string, days int32) error {
	_, err := p.servers.BeginUpdate(ctx, rg, name, pg.ServerForUpdate{Properties: &pg.ServerPropertiesForUpdate{Backup: &pg.Backup{BackupRetentionDays: &days}}}, nil)
	return err
}

// ServerExists reports whether the server is there.
func (p Postgres) ServerExists(ctx context.Context, rg, name string) (bool, error) {
	_, err := p.servers.Get(ctx, rg, name, nil)
	if azerr.NotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// CreateDatabase makes a database.
func (p Postgres) CreateDatabase(ctx context.Context, rg, server, name string) error {
	_, err := p.databases.BeginCreate(ctx, rg, server, name, pg.Database{}, nil)
	return err
}

// DatabaseExists reports whether the database is there.
func (p Postgres) DatabaseExists(ctx context.Context, rg, server, name string) (bool, error) {
	_, err := p.databases.Get(ctx, rg, server, name, nil)
	if azerr.NotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// ServerCount is how many servers rg holds.
func (p Postgres) ServerCount(ctx context.Context, rg string) (int, error) {
	page, err := p.servers.NewListByResourceGroupPager(rg, nil).NextPage(ctx)
	return len(page.Value), err
}

// DeleteDatabase drops a database.
func (p Postgres) DeleteDatabase(ctx context.Context, rg, server, name string) error {
	_, err := p.databases.BeginDelete(ctx, rg, server, name, nil)
	return err
}

// DeleteServer drops a server (without waiting).
func (p Postgres) DeleteServer(ctx context.Context, rg, name string) error {
	_, err := p.servers.BeginDelete(ctx, rg, name, nil)
	return err
}
