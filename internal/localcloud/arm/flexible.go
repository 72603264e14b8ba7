package arm

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Microsoft.DBforPostgreSQL and Microsoft.DBforMySQL: flexible servers and
// their databases. The two providers answer alike, so one set of handlers
// serves both, parameterised by a FlexibleEngine.
//
// Servers: PUT, PATCH and DELETE are long-running operations answered 202
// with Azure-AsyncOperation (…/locations/{loc}/azureAsyncOperation/{id}),
// Location (…/locations/{loc}/operationResults/{id}) and Retry-After. A new
// server shows properties.state Provisioning, then Ready; a PATCH moves it
// through Updating; a DELETE through Dropping until it is gone, with its
// databases. PATCH is refused until the server is Ready. The administrator
// password must be 8-128 characters from three character classes, and is
// write-only: no GET returns it. Server names are global DNS
// names (<name>.postgres.database.azure.com, <name>.mysql.database.azure.com):
// a name used in another resource group or subscription, or reserved with
// Server.Reserve, answers 409 ServerNameAlreadyExists.
//
// Databases: PUT and DELETE are long-running operations (202 with
// Azure-AsyncOperation and Location); a new database is not visible (GET
// answers 404) until its operation ends. A new server already holds the
// engine's system databases.
//
// Shapes follow armpostgresqlflexibleservers v1.1.0 (api-version 2021-06-01)
// and armmysqlflexibleservers v1.2.0 (2021-05-01): in those versions a
// server's version and network.publicNetworkAccess are not updatable (the
// latter is Disabled only for a server with VNet integration).

// A FlexibleEngine is what differs between the PostgreSQL and MySQL flexible
// server providers.
type FlexibleEngine struct {
	// Namespace is the resource provider, e.g. Microsoft.DBforPostgreSQL.
	Namespace string
	// DNSSuffix follows the server name in its FQDN.
	DNSSuffix string
	// APIVersions the provider accepts here.
	APIVersions []string
	// Versions are the engine versions a server may be created with, and
	// MinorVersions what GET reports beside each.
	Versions      []string
	MinorVersions map[string]string
	// HAModes are the high availability modes.
	HAModes []string
	// StorageGB says whether a storage size is allowed; DefaultStorageGB
	// is used when a create sends none.
	StorageGB        func(int32) bool
	DefaultStorageGB int32
	// AutoGrow is whether storage.autoGrow exists in this API version.
	AutoGrow bool
	// MinRetentionDays and MaxRetentionDays bound backup retention.
	MinRetentionDays, MaxRetentionDays int32
	// SystemDatabases every new server holds.
	SystemDatabases []string
	// DefaultCharset and DefaultCollation of a new database.
	DefaultCharset, DefaultCollation string
	// LocationCheckName is whether checkNameAvailability is served under
	// /locations/{loc} (MySQL) rather than the subscription (PostgreSQL).
	LocationCheckName bool
}

// ServerType is the ARM type of the engine's servers.
func (e FlexibleEngine) ServerType() string { return e.Namespace + "/flexibleServers" }

// DatabaseType is the ARM type of the engine's databases.
func (e FlexibleEngine) DatabaseType() string { return e.ServerType() + "/databases" }

// ServerID is the ARM ID of a flexible server.
func (e FlexibleEngine) ServerID(sub, rg, name string) string {
	return GroupID(sub, rg) + "/providers/" + e.ServerType() + "/" + name
}

// DatabaseID is the ARM ID of a database in a flexible server.
func (e FlexibleEngine) DatabaseID(sub, rg, server, name string) string {
	return e.ServerID(sub, rg, server) + "/databases/" + name
}

// Postgres is Azure Database for PostgreSQL flexible server.
var Postgres = FlexibleEngine{
	Namespace:     "Microsoft.DBforPostgreSQL",
	DNSSuffix:     ".postgres.database.azure.com",
	APIVersions:   []string{"2021-06-01", "2022-12-01"},
	Versions:      []string{"11", "12", "13", "14", "15", "16"},
	MinorVersions: map[string]string{"11": "22", "12": "19", "13": "15", "14": "12", "15": "7", "16": "3"},
	HAModes:       []string{"Disabled", "ZoneRedundant"},
	StorageGB: func(gb int32) bool {
		return slices.Contains([]int32{32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384}, gb)
	},
	DefaultStorageGB: 128,
	MinRetentionDays: 7,
	MaxRetentionDays: 35,
	SystemDatabases:  []string{"azure_maintenance", "azure_sys", "postgres"},
	DefaultCharset:   "UTF8",
	DefaultCollation: "en_US.utf8",
}

// MySQL is Azure Database for MySQL flexible server.
var MySQL = FlexibleEngine{
	Namespace:         "Microsoft.DBforMySQL",
	DNSSuffix:         ".mysql.database.azure.com",
	APIVersions:       []string{"2021-05-01", "2021-12-01-preview"},
	Versions:          []string{"5.7", "8.0.21"},
	MinorVersions:     map[string]string{"5.7": "5.7.44", "8.0.21": "8.0.37"},
	HAModes:           []string{"Disabled", "ZoneRedundant", "SameZone"},
	StorageGB:         func(gb int32) bool { return gb >= 20 && gb <= 16384 },
	DefaultStorageGB:  20,
	AutoGrow:          true,
	MinRetentionDays:  1,
	MaxRetentionDays:  35,
	SystemDatabases:   []string{"information_schema", "mysql", "performance_schema", "sys"},
	DefaultCharset:    "utf8",
	DefaultCollation:  "utf8_general_ci",
	LocationCheckName: true,
}

func registerFlexible(s *Server) {
	for _, e := range []FlexibleEngine{Postgres, MySQL} {
		f := &flexible{s: s, e: e}
		v := e.APIVersions
		base := "/subscriptions/{sub}/resourcegroups/{rg}/providers/" + e.ServerType()
		server := base + "/{server}"
		db := server + "/databases/{database}"
		if e.LocationCheckName {
			s.Handle(http.MethodPost, "/subscriptions/{sub}/providers/"+e.Namespace+"/locations/{loc}/checkNameAvailability", v, f.checkName)
		} else {
			s.Handle(http.MethodPost, "/subscriptions/{sub}/providers/"+e.Namespace+"/checkNameAvailability", v, f.checkName)
		}
		s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/"+e.ServerType(), v, f.listServers)
		s.Handle(http.MethodGet, base, v, f.listServers)
		s.Handle(http.MethodPut, server, v, f.putServer)
		s.Handle(http.MethodGet, server, v, f.getServer)
		s.Handle(http.MethodPatch, server, v, f.patchServer)
		s.Handle(http.MethodDelete, server, v, f.deleteServer)
		s.Handle(http.MethodGet, server+"/databases", v, f.listDatabases)
		s.Handle(http.MethodPut, db, v, f.putDatabase)
		s.Handle(http.MethodGet, db, v, f.getDatabase)
		s.Handle(http.MethodDelete, db, v, f.deleteDatabase)
		// The status resources the Azure-AsyncOperation and Location
		// headers point at.
		s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/"+e.Namespace+"/locations/{loc}/azureAsyncOperation/{id}", nil, s.operationStatus(AsyncOperation))
		s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/"+e.Namespace+"/locations/{loc}/operationResults/{id}", nil, s.operationStatus(OperationResult))
	}
}

type flexible struct {
	s *Server
	e FlexibleEngine
}

// Flexible server states.
const (
	FlexibleProvisioning = "Provisioning"
	FlexibleReady        = "Ready"
	FlexibleUpdating     = "Updating"
	FlexibleDropping     = "Dropping"
)

// flexibleServerName: 3-63 lower-case letters, digits and hyphens, not
// starting or ending with a hyphen.
var flexibleServerName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

const invalidServerNameMessage = "Specified server name contains unsupported characters or is too long. Server name must be no longer than 63 characters long, contain only lower-case characters or digits, cannot contain '.' or '_' characters and can't start or end with '-' character."

// taken reports whether a server name is used by another server than id.
func (f *flexible) taken(id, name string) bool {
	if f.s.Reserved(f.e.ServerType(), name) {
		return true
	}
	for _, r := range f.s.Find(f.e.ServerType(), name) {
		if !strings.EqualFold(r.ID, id) {
			return true
		}
	}
	return false
}

func (f *flexible) checkName(w http.ResponseWriter, req *Request) {
	var in struct{ Name, Type string }
	if !req.Decode(w, &in) {
		return
	}
	if in.Type != "" && !strings.EqualFold(in.Type, f.e.ServerType()) {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("The type '%s' is not supported: only %s.", in.Type, f.e.ServerType()))
		return
	}
	switch {
	case !flexibleServerName.MatchString(in.Name):
		WriteJSON(w, http.StatusOK, map[string]any{"name": in.Name, "type": f.e.ServerType(), "nameAvailable": false, "reason": "Invalid", "message": invalidServerNameMessage})
	case f.taken("", in.Name):
		WriteJSON(w, http.StatusOK, map[string]any{"name": in.Name, "type": f.e.ServerType(), "nameAvailable": false, "reason": "AlreadyExists", "message": "Specified server name is already used."})
	default:
		WriteJSON(w, http.StatusOK, map[string]any{"name": in.Name, "type": f.e.ServerType(), "nameAvailable": true, "message": ""})
	}
}

type flexibleServerBody struct {
	Location *string           `json:"location"`
	Tags     map[string]string `json:"tags"`
	SKU      *struct {
		Name string `json:"name"`
		Tier string `json:"tier"`
	} `json:"sku"`
	Properties struct {
		AdministratorLogin         *string `json:"administratorLogin"`
		AdministratorLoginPassword *string `json:"administratorLoginPassword"`
		Version                    *string `json:"version"`
		CreateMode                 *string `json:"createMode"`
		AvailabilityZone           *string `json:"availabilityZone"`
		Storage                    *struct {
			StorageSizeGB *int32  `json:"storageSizeGB"`
			AutoGrow      *string `json:"autoGrow"`
		} `json:"storage"`
		Backup *struct {
			BackupRetentionDays *int32  `json:"backupRetentionDays"`
			GeoRedundantBackup  *string `json:"geoRedundantBackup"`
		} `json:"backup"`
		HighAvailability *struct {
			Mode *string `json:"mode"`
		} `json:"highAvailability"`
		Network map[string]any `json:"network"`
	} `json:"properties"`
}

var skuTiers = []string{"Burstable", "GeneralPurpose", "MemoryOptimized"}

// skuMatchesTier: Burstable is the B series, GeneralPurpose the D series,
// MemoryOptimized the E series.
func skuMatchesTier(name, tier string) bool {
	n := strings.TrimPrefix(name, "Standard_")
	switch tier {
	case "Burstable":
		return strings.HasPrefix(n, "B")
	case "GeneralPurpose":
		return strings.HasPrefix(n, "D")
	case "MemoryOptimized":
		return strings.HasPrefix(n, "E")
	}
	return false
}

func invalidParameter(w http.ResponseWriter, target, msg string) {
	w.Header().Set("x-ms-error-code", "InvalidParameter")
	WriteJSON(w, http.StatusBadRequest, map[string]Error{"error": {Code: "InvalidParameter", Message: msg, Target: target}})
}

// check answers InvalidParameter for what the provider refuses in a
// create (create true) or update body of server cur (nil for a create);
// false when it did.
func (f *flexible) check(w http.ResponseWriter, in flexibleServerBody, cur *Resource) bool {
	p := in.Properties
	create := cur == nil
	if create {
		switch {
		case in.Location == nil || *in.Location == "":
			WriteError(w, http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
			return false
		case in.SKU == nil || in.SKU.Name == "" || in.SKU.Tier == "":
			invalidParameter(w, "sku", "The sku name and tier are required.")
			return false
		case p.AdministratorLogin == nil || *p.AdministratorLogin == "":
			invalidParameter(w, "administratorLogin", "The administrator login is required to create a server.")
			return false
		case p.AdministratorLoginPassword == nil || *p.AdministratorLoginPassword == "":
			invalidParameter(w, "administratorLoginPassword", "The administrator login password is required to create a server.")
			return false
		}
		if v := p.Version; v != nil && !slices.Contains(f.e.Versions, *v) {
			invalidParameter(w, "version", fmt.Sprintf("The version '%s' is not supported. Supported versions: %s.", *v, strings.Join(f.e.Versions, ", ")))
			return false
		}
		if l := *p.AdministratorLogin; slices.Contains([]string{"azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public", "postgres", "sa"}, strings.ToLower(l)) || strings.HasPrefix(strings.ToLower(l), "pg_") {
			invalidParameter(w, "administratorLogin", fmt.Sprintf("The administrator login '%s' is a reserved name.", l))
			return false
		}
	} else {
		if p.AdministratorLogin != nil && *p.AdministratorLogin != cur.Props["administratorLogin"] {
			invalidParameter(w, "administratorLogin", "The administrator login of a server cannot be changed.")
			return false
		}
		if p.Version != nil && *p.Version != cur.Props["version"] {
			invalidParameter(w, "version", "The version of a server cannot be changed with this api-version.")
			return false
		}
	}
	if pw := p.AdministratorLoginPassword; pw != nil && !strongPassword(*pw) {
		invalidParameter(w, "administratorLoginPassword", "The password does not meet the complexity requirements: it must be 8 to 128 characters long and contain characters from three of these categories: upper-case letters, lower-case letters, digits and non-alphanumeric characters.")
		return false
	}
	if in.SKU != nil {
		tier := in.SKU.Tier
		if tier == "" && cur != nil {
			tier, _ = cur.Top["sku"].(map[string]any)["tier"].(string)
		}
		if !slices.Contains(skuTiers, tier) {
			invalidParameter(w, "sku.tier", fmt.Sprintf("The sku tier '%s' is not supported. Supported tiers: %s.", tier, strings.Join(skuTiers, ", ")))
			return false
		}
		if in.SKU.Name != "" && !skuMatchesTier(in.SKU.Name, tier) {
			invalidParameter(w, "sku.name", fmt.Sprintf("The sku name '%s' does not belong to the tier '%s'.", in.SKU.Name, tier))
			return false
		}
	}
	if st := p.Storage; st != nil {
		if st.StorageSizeGB != nil {
			gb := *st.StorageSizeGB
			if !f.e.StorageGB(gb) {
				invalidParameter(w, "storage.storageSizeGB", fmt.Sprintf("The storage size %d GB is not supported.", gb))
				return false
			}
			if cur != nil {
				if have := storageGB(cur); gb < have {
					invalidParameter(w, "storage.storageSizeGB", fmt.Sprintf("The storage size cannot be reduced: the server has %d GB, the request asks for %d GB.", have, gb))
					return false
				}
			}
		}
		if st.AutoGrow != nil && (!f.e.AutoGrow || !slices.Contains([]string{"Enabled", "Disabled"}, *st.AutoGrow)) {
			invalidParameter(w, "storage.autoGrow", fmt.Sprintf("The value '%s' of storage.autoGrow is not supported.", *st.AutoGrow))
			return false
		}
	}
	if b := p.Backup; b != nil {
		if d := b.BackupRetentionDays; d != nil && (*d < f.e.MinRetentionDays || *d > f.e.MaxRetentionDays) {
			invalidParameter(w, "backup.backupRetentionDays", fmt.Sprintf("The backup retention period %d days is not supported: it must be between %d and %d days.", *d, f.e.MinRetentionDays, f.e.MaxRetentionDays))
			return false
		}
		if g := b.GeoRedundantBackup; g != nil {
			if !slices.Contains([]string{"Enabled", "Disabled"}, *g) {
				invalidParameter(w, "backup.geoRedundantBackup", fmt.Sprintf("The value '%s' of backup.geoRedundantBackup is not supported.", *g))
				return false
			}
			if cur != nil && *g != cur.Props["backup"].(map[string]any)["geoRedundantBackup"] {
				invalidParameter(w, "backup.geoRedundantBackup", "Geo-redundant backup can only be configured when the server is created.")
				return false
			}
		}
	}
	if ha := p.HighAvailability; ha != nil && ha.Mode != nil {
		if !slices.Contains(f.e.HAModes, *ha.Mode) {
			invalidParameter(w, "highAvailability.mode", fmt.Sprintf("The high availability mode '%s' is not supported. Supported modes: %s.", *ha.Mode, strings.Join(f.e.HAModes, ", ")))
			return false
		}
		tier := ""
		if in.SKU != nil {
			tier = in.SKU.Tier
		}
		if tier == "" && cur != nil {
			tier, _ = cur.Top["sku"].(map[string]any)["tier"].(string)
		}
		if *ha.Mode != "Disabled" && tier == "Burstable" {
			invalidParameter(w, "highAvailability.mode", "High availability is not supported for the Burstable tier.")
			return false
		}
	}
	for k := range in.Tags {
		if len(k) > 512 {
			WriteError(w, http.StatusBadRequest, "InvalidTagNameLength", fmt.Sprintf("The tag name '%s' exceeds the maximum length of 512 characters.", k))
			return false
		}
	}
	return true
}

// strongPassword is Azure's rule for an administrator password: 8 to 128
// characters from at least three of upper-case letters, lower-case letters,
// digits and the rest.
func strongPassword(pw string) bool {
	if len(pw) < 8 || len(pw) > 128 {
		return false
	}
	var classes [4]bool
	for _, c := range pw {
		switch {
		case c >= 'A' && c <= 'Z':
			classes[0] = true
		case c >= 'a' && c <= 'z':
			classes[1] = true
		case c >= '0' && c <= '9':
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	n := 0
	for _, ok := range classes {
		if ok {
			n++
		}
	}
	return n >= 3
}

func storageGB(r *Resource) int32 {
	st, _ := r.Props["storage"].(map[string]any)
	gb, _ := st["storageSizeGB"].(int32)
	return gb
}

// server returns the server a request names, answering
// ResourceGroupNotFound or ResourceNotFound and nil when it does not exist.
func (f *flexible) server(w http.ResponseWriter, req *Request) *Resource {
	if f.s.Group(w, req) == nil {
		return nil
	}
	r := f.s.Get(f.e.ServerID(req.Param("sub"), req.Param("rg"), req.Param("server")))
	if r == nil {
		ResourceNotFound(w, f.e.ServerType(), req.Param("server"), req.Param("rg"))
		return nil
	}
	return r
}

// accepted answers 202 for a long-running operation on id that ends at
// done, with the headers the flexible server providers send.
func (f *flexible) accepted(w http.ResponseWriter, req *Request, id, loc string, done time.Time) {
	op := f.s.StartOperation(req, id, done)
	status := "/subscriptions/" + req.Param("sub") + "/providers/" + f.e.Namespace + "/locations/" + loc
	w.Header().Set("Azure-AsyncOperation", req.BaseURL+status+"/azureAsyncOperation/"+op+"?api-version="+req.APIVersion)
	w.Header().Set("Location", req.BaseURL+status+"/operationResults/"+op+"?api-version="+req.APIVersion)
	RetryAfter(w, req, done)
	w.WriteHeader(http.StatusAccepted)
}

func (f *flexible) putServer(w http.ResponseWriter, req *Request) {
	g := f.s.Group(w, req)
	if g == nil {
		return
	}
	name := req.Param("server")
	if !flexibleServerName.MatchString(name) {
		invalidParameter(w, "serverName", invalidServerNameMessage)
		return
	}
	var in flexibleServerBody
	if !req.Decode(w, &in) {
		return
	}
	id := f.e.ServerID(req.Param("sub"), g.Name, name)
	if f.taken(id, name) {
		WriteError(w, http.StatusConflict, "ServerNameAlreadyExists", "Specified server name is already used.")
		return
	}
	if cur := f.s.Get(id); cur != nil {
		// A PUT on an existing server updates it.
		if in.Location != nil && !strings.EqualFold(normLocation(*in.Location), cur.Location) {
			WriteError(w, http.StatusConflict, "InvalidResourceLocation", fmt.Sprintf("The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'. Please select a new resource name.", name, cur.Location, g.Name, *in.Location))
			return
		}
		f.update(w, req, cur, in)
		return
	}
	if !f.check(w, in, nil) {
		return
	}
	p := in.Properties
	loc := normLocation(*in.Location)
	version := f.e.Versions[len(f.e.Versions)-2]
	if p.Version != nil {
		version = *p.Version
	}
	storage := map[string]any{"storageSizeGB": f.e.DefaultStorageGB}
	if f.e.AutoGrow {
		storage["autoGrow"] = "Enabled"
		storage["iops"] = int32(360)
		storage["storageSku"] = "Premium_LRS"
	}
	if p.Storage != nil {
		if p.Storage.StorageSizeGB != nil {
			storage["storageSizeGB"] = *p.Storage.StorageSizeGB
		}
		if p.Storage.AutoGrow != nil {
			storage["autoGrow"] = *p.Storage.AutoGrow
		}
	}
	backup := map[string]any{"backupRetentionDays": int32(7), "geoRedundantBackup": "Disabled", "earliestRestoreDate": req.Now.UTC().Format(time.RFC3339Nano)}
	if b := p.Backup; b != nil {
		if b.BackupRetentionDays != nil {
			backup["backupRetentionDays"] = *b.BackupRetentionDays
		}
		if b.GeoRedundantBackup != nil {
			backup["geoRedundantBackup"] = *b.GeoRedundantBackup
		}
	}
	ha := map[string]any{"mode": "Disabled", "state": "NotEnabled"}
	if p.HighAvailability != nil && p.HighAvailability.Mode != nil && *p.HighAvailability.Mode != "Disabled" {
		ha = map[string]any{"mode": *p.HighAvailability.Mode, "state": "CreatingStandby", "standbyAvailabilityZone": "2"}
	}
	zone := "1"
	if p.AvailabilityZone != nil {
		zone = *p.AvailabilityZone
	}
	minor := f.e.MinorVersions[version]
	props := map[string]any{
		"administratorLogin":       *p.AdministratorLogin,
		"version":                  version,
		"minorVersion":             minor,
		"state":                    FlexibleProvisioning,
		"fullyQualifiedDomainName": name + f.e.DNSSuffix,
		"availabilityZone":         zone,
		"storage":                  storage,
		"backup":                   backup,
		"highAvailability":         ha,
		"network":                  map[string]any{"publicNetworkAccess": "Enabled"},
		"maintenanceWindow":        map[string]any{"customWindow": "Disabled", "dayOfWeek": 0, "startHour": 0, "startMinute": 0},
	}
	if f.e.Namespace == MySQL.Namespace {
		props["replicationRole"] = "None"
		props["replicaCapacity"] = 10
	}
	r := &Resource{ID: id, Name: name, Type: f.e.ServerType(), Location: loc, Tags: in.Tags, StateField: "state",
		Top:    map[string]any{"sku": map[string]any{"name": in.SKU.Name, "tier": in.SKU.Tier}, "systemData": systemData(req.Now)},
		Props:  props,
		Secret: map[string]any{"administratorLoginPassword": *p.AdministratorLoginPassword},
	}
	done := req.Now.Add(f.s.Delay())
	r.steps = []step{{at: done, state: FlexibleReady}}
	if ha["mode"] != "Disabled" {
		r.Secret["haHealthyAt"] = done
	}
	f.s.Put(r)
	for _, db := range f.e.SystemDatabases {
		f.s.Put(f.newDatabase(r, db, f.e.DefaultCharset, f.e.DefaultCollation, time.Time{}))
	}
	f.accepted(w, req, id, loc, done)
}

func systemData(now time.Time) map[string]any {
	t := now.UTC().Format(time.RFC3339Nano)
	return map[string]any{"createdBy": "local", "createdByType": "User", "createdAt": t, "lastModifiedBy": "local", "lastModifiedByType": "User", "lastModifiedAt": t}
}

// sync brings the parts of a server's body that follow its state up to
// date: an HA standby becomes Healthy once the server is Ready (the store
// moves properties.state itself).
func (f *flexible) sync(r *Resource, now time.Time) {
	if at, ok := r.Secret["haHealthyAt"].(time.Time); ok && !now.Before(at) {
		r.Props["highAvailability"].(map[string]any)["state"] = "Healthy"
		delete(r.Secret, "haHealthyAt")
	}
}

func (f *flexible) getServer(w http.ResponseWriter, req *Request) {
	r := f.server(w, req)
	if r == nil {
		return
	}
	f.sync(r, req.Now)
	WriteJSON(w, http.StatusOK, r)
}

func (f *flexible) patchServer(w http.ResponseWriter, req *Request) {
	r := f.server(w, req)
	if r == nil {
		return
	}
	f.sync(r, req.Now)
	var in flexibleServerBody
	if !req.Decode(w, &in) {
		return
	}
	if in.Location != nil && !strings.EqualFold(normLocation(*in.Location), r.Location) {
		invalidParameter(w, "location", "The location of a server cannot be changed.")
		return
	}
	f.update(w, req, r, in)
}

// update applies an update body to a server, as a long-running operation
// that moves it through Updating.
func (f *flexible) update(w http.ResponseWriter, req *Request, r *Resource, in flexibleServerBody) {
	if r.Deleting() {
		WriteError(w, http.StatusConflict, "ServerIsBeingDropped", fmt.Sprintf("The server '%s' is being dropped.", r.Name))
		return
	}
	if st, _ := r.Props["state"].(string); st != FlexibleReady {
		WriteError(w, http.StatusConflict, "ServerBusy", fmt.Sprintf("The server '%s' is busy with another operation (state %s). Please try your operation later.", r.Name, st))
		return
	}
	if !f.check(w, in, r) {
		return
	}
	p := in.Properties
	if in.SKU != nil {
		sku := r.Top["sku"].(map[string]any)
		if in.SKU.Name != "" {
			sku["name"] = in.SKU.Name
		}
		if in.SKU.Tier != "" {
			sku["tier"] = in.SKU.Tier
		}
	}
	if in.Tags != nil {
		r.Tags = in.Tags
	}
	if p.AdministratorLoginPassword != nil {
		r.Secret["administratorLoginPassword"] = *p.AdministratorLoginPassword
	}
	if st := p.Storage; st != nil {
		storage := r.Props["storage"].(map[string]any)
		if st.StorageSizeGB != nil {
			storage["storageSizeGB"] = *st.StorageSizeGB
		}
		if st.AutoGrow != nil {
			storage["autoGrow"] = *st.AutoGrow
		}
	}
	if b := p.Backup; b != nil && b.BackupRetentionDays != nil {
		r.Props["backup"].(map[string]any)["backupRetentionDays"] = *b.BackupRetentionDays
	}
	done := req.Now.Add(f.s.Delay())
	if ha := p.HighAvailability; ha != nil && ha.Mode != nil {
		if *ha.Mode == "Disabled" {
			r.Props["highAvailability"] = map[string]any{"mode": "Disabled", "state": "NotEnabled"}
		} else if r.Props["highAvailability"].(map[string]any)["mode"] != *ha.Mode {
			r.Props["highAvailability"] = map[string]any{"mode": *ha.Mode, "state": "CreatingStandby", "standbyAvailabilityZone": "2"}
			r.Secret["haHealthyAt"] = done
		}
	}
	r.Top["systemData"].(map[string]any)["lastModifiedAt"] = req.Now.UTC().Format(time.RFC3339Nano)
	r.Props["state"] = FlexibleUpdating
	r.steps = []step{{at: done, state: FlexibleReady}}
	f.accepted(w, req, r.ID, r.Location, done)
}

func (f *flexible) deleteServer(w http.ResponseWriter, req *Request) {
	if f.s.Group(w, req) == nil {
		return
	}
	r := f.s.Get(f.e.ServerID(req.Param("sub"), req.Param("rg"), req.Param("server")))
	if r == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !r.Deleting() {
		r.steps = nil
		r.Props["state"] = FlexibleDropping
		r.goneAt = req.Now.Add(f.s.Delay())
	}
	f.accepted(w, req, r.ID, r.Location, r.goneAt)
}

func (f *flexible) listServers(w http.ResponseWriter, req *Request) {
	scope := "/subscriptions/" + req.Param("sub")
	if rg := req.Param("rg"); rg != "" {
		if f.s.Group(w, req) == nil {
			return
		}
		scope = GroupID(req.Param("sub"), rg)
	}
	out := f.s.Children(scope, f.e.ServerType())
	for _, r := range out {
		f.sync(r, req.Now)
	}
	slices.SortFunc(out, func(a, b *Resource) int { return strings.Compare(a.Name, b.Name) })
	if out == nil {
		out = []*Resource{}
	}
	f.s.WriteList(w, req, listOf(out))
}

// Databases.

var flexibleDatabaseName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_$-]{0,62}$`)

func (f *flexible) newDatabase(srv *Resource, name, charset, collation string, visibleAt time.Time) *Resource {
	return &Resource{ID: srv.ID + "/databases/" + name, Name: name, Type: f.e.DatabaseType(), Top: map[string]any{},
		Props: map[string]any{"charset": charset, "collation": collation}, Secret: map[string]any{"visibleAt": visibleAt}}
}

// visible reports whether a database's create has ended.
func visible(r *Resource, now time.Time) bool {
	at, _ := r.Secret["visibleAt"].(time.Time)
	return !now.Before(at)
}

// databaseServer returns the server of a database request, answering
// ResourceGroupNotFound or ParentResourceNotFound and nil when there is
// none.
func (f *flexible) databaseServer(w http.ResponseWriter, req *Request) *Resource {
	if f.s.Group(w, req) == nil {
		return nil
	}
	srv := f.s.Get(f.e.ServerID(req.Param("sub"), req.Param("rg"), req.Param("server")))
	if srv == nil {
		ParentResourceNotFound(w, f.e.ServerType(), req.Param("server"))
		return nil
	}
	f.sync(srv, req.Now)
	return srv
}

func (f *flexible) database(w http.ResponseWriter, req *Request) (srv, db *Resource) {
	srv = f.databaseServer(w, req)
	if srv == nil {
		return nil, nil
	}
	db = f.s.Get(srv.ID + "/databases/" + req.Param("database"))
	if db == nil || !visible(db, req.Now) {
		ResourceNotFound(w, f.e.DatabaseType(), srv.Name+"/"+req.Param("database"), req.Param("rg"))
		return srv, nil
	}
	return srv, db
}

func (f *flexible) putDatabase(w http.ResponseWriter, req *Request) {
	srv := f.databaseServer(w, req)
	if srv == nil {
		return
	}
	name := req.Param("database")
	if !flexibleDatabaseName.MatchString(name) {
		invalidParameter(w, "databaseName", fmt.Sprintf("The database name '%s' is invalid: use at most 63 letters, digits, '_', '$' and '-'.", name))
		return
	}
	var in struct {
		Properties struct {
			Charset   *string `json:"charset"`
			Collation *string `json:"collation"`
		} `json:"properties"`
	}
	if len(req.Body) > 0 && !req.Decode(w, &in) {
		return
	}
	if st, _ := srv.Props["state"].(string); st != FlexibleReady || srv.Deleting() {
		WriteError(w, http.StatusConflict, "ServerBusy", fmt.Sprintf("The server '%s' is busy with another operation (state %s). Please try your operation later.", srv.Name, st))
		return
	}
	charset, collation := f.e.DefaultCharset, f.e.DefaultCollation
	if in.Properties.Charset != nil {
		charset = *in.Properties.Charset
	}
	if in.Properties.Collation != nil {
		collation = *in.Properties.Collation
	}
	done := req.Now.Add(f.s.Delay())
	db := f.s.Get(srv.ID + "/databases/" + name)
	switch {
	case db == nil:
		f.s.Put(f.newDatabase(srv, name, charset, collation, done))
	case db.Deleting():
		WriteError(w, http.StatusConflict, "DatabaseIsBeingDropped", fmt.Sprintf("The database '%s' is being dropped.", name))
		return
	default:
		// An existing database keeps its charset and collation: a
		// database's are fixed when it is made.
		if !strings.EqualFold(charset, db.Props["charset"].(string)) || !strings.EqualFold(collation, db.Props["collation"].(string)) {
			invalidParameter(w, "properties", fmt.Sprintf("The charset and collation of database '%s' cannot be changed.", name))
			return
		}
		done = req.Now
	}
	f.accepted(w, req, srv.ID+"/databases/"+name, srv.Location, done)
}

func (f *flexible) getDatabase(w http.ResponseWriter, req *Request) {
	if _, db := f.database(w, req); db != nil {
		WriteJSON(w, http.StatusOK, db)
	}
}

func (f *flexible) deleteDatabase(w http.ResponseWriter, req *Request) {
	srv := f.databaseServer(w, req)
	if srv == nil {
		return
	}
	db := f.s.Get(srv.ID + "/databases/" + req.Param("database"))
	if db == nil || !visible(db, req.Now) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !db.Deleting() {
		db.goneAt = req.Now.Add(f.s.Delay())
	}
	f.accepted(w, req, db.ID, srv.Location, db.goneAt)
}

func (f *flexible) listDatabases(w http.ResponseWriter, req *Request) {
	srv := f.databaseServer(w, req)
	if srv == nil {
		return
	}
	out := []*Resource{}
	for _, db := range f.s.Children(srv.ID, f.e.DatabaseType()) {
		if visible(db, req.Now) {
			out = append(out, db)
		}
	}
	slices.SortFunc(out, func(a, b *Resource) int { return strings.Compare(a.Name, b.Name) })
	f.s.WriteList(w, req, listOf(out))
}

// FlexibleAdministratorPassword is the administrator password a flexible
// server was last given, for tests: no API returns it.
func (s *Server) FlexibleAdministratorPassword(e FlexibleEngine, sub, rg, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.Get(e.ServerID(sub, rg, name))
	if r == nil {
		return "", false
	}
	pw, ok := r.Secret["administratorLoginPassword"].(string)
	return pw, ok
}
