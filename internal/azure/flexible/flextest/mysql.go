package flextest

import (
	"context"

	my "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/mysql/armmysqlflexibleservers"
	"k8s.io/utils/ptr"

	"github.com/stowage-dev/stowage/internal/azure/armtags"
	"github.com/stowage-dev/stowage/internal/azure/azerr"
	"github.com/stowage-dev/stowage/internal/localcloud/arm"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// MySQL talks to the local ARM's MySQL flexible servers behind the
// provider's back.
type MySQL struct {
	servers   *my.ServersClient
	databases *my.DatabasesClient
}

// NewMySQL returns clients for the local ARM at url.
func NewMySQL(url string) MySQL {
	s, err := my.NewServersClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(url))
	if err != nil {
		panic(err) // only for bad options, which these are not
	}
	d, err := my.NewDatabasesClient(testenv.AzureSubscription, arm.Credential, arm.ClientOptions(url))
	if err != nil {
		panic(err)
	}
	return MySQL{servers: s, databases: d}
}

// CreateServer makes a General Purpose MySQL 5.7 server.
func (p MySQL) CreateServer(ctx context.Context, rg, name string, tags map[string]string) error {
	_, err := p.servers.BeginCreate(ctx, rg, name, my.Server{
		Location: ptr.To("westeurope"),
		SKU:      &my.SKU{Name: ptr.To("Standard_D2ds_v4"), Tier: ptr.To(my.SKUTierGeneralPurpose)},
		Tags:     armtags.ToARM(tags),
		Properties: &my.ServerProperties{
			AdministratorLogin: ptr.To("byhand"), AdministratorLoginPassword: ptr.To("By-Hand-Passw0rd"),
			Version: ptr.To(my.ServerVersionFive7), Storage: &my.Storage{StorageSizeGB: ptr.To[int32](64)},
		},
	}, nil)
	return err
}

// SetRetention changes the backup retention.
func (p MySQL) SetRetention(ctx context.Context, rg, name string, days int32) error {
	_, err := p.servers.BeginUpdate(ctx, rg, name, my.ServerForUpdate{Properties: &my.ServerPropertiesForUpdate{Backup: &my.Backup{BackupRetentionDays: &days}}}, nil)
	return err
}

// ServerExists reports whether the server is there.
func (p MySQL) ServerExists(ctx context.Context, rg, name string) (bool, error) {
	_, err := p.servers.Get(ctx, rg, name, nil)
	if azerr.NotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// CreateDatabase makes a database.
func (p MySQL) CreateDatabase(ctx context.Context, rg, server, name string) error {
	_, err := p.databases.BeginCreateOrUpdate(ctx, rg, server, name, my.Database{}, nil)
	return err
}

// DatabaseExists reports whether the database is there.
func (p MySQL) DatabaseExists(ctx context.Context, rg, server, name string) (bool, error) {
	_, err := p.databases.Get(ctx, rg, server, name, nil)
	if azerr.NotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// ServerCount is how many servers rg holds.
func (p MySQL) ServerCount(ctx context.Context, rg string) (int, error) {
	page, err := p.servers.NewListByResourceGroupPager(rg, nil).NextPage(ctx)
	return len(page.Value), err
}

// DeleteDatabase drops a database.
func (p MySQL) DeleteDatabase(ctx context.Context, rg, server, name string) error {
	_, err := p.databases.BeginDelete(ctx, rg, server, name, nil)
	return err
}

// DeleteServer drops a server (without waiting).
func (p MySQL) DeleteServer(ctx context.Context, rg, name string) error {
	_, err := p.servers.BeginDelete(ctx, rg, name, nil)
	return err
}
