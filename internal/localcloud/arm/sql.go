package arm

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Microsoft.Sql: logical SQL servers and their databases, written from
// armsql v1.2.0's *_client_example_test.go files (ServerCreate.json,
// ServerUpdate.json, ServerGet.json, CreateDatabaseMin.json,
// PatchVCoreDatabase.json, …) and the Azure SQL REST reference.
//
// Servers: PUT and PATCH are long-running operations answered 202 with
// Azure-AsyncOperation (.../locations/{loc}/serverAzureAsyncOperation/{id}),
// Location (.../serverOperationResults/{id}) and Retry-After; DELETE too. A
// new server shows properties.state "Creating" until the create ends, then
// "Ready" (the swagger types state as a free string; "Ready" is what every
// example shows). administratorLoginPassword is never returned. Server names
// are global DNS names (<name>.database.windows.net): a name used in another
// resource group or subscription, or reserved with Server.Reserve, answers
// 409 NameAlreadyExists. A password that is not complex enough is accepted
// and the operation then fails with PasswordNotComplex, as Azure does: the
// server never appears.
//
// Databases: PUT, PATCH and DELETE are long-running operations the same way
// (databaseAzureAsyncOperation / databaseOperationResults). A new database
// shows status "Creating", then "Online"; a service objective change shows
// "Scaling" until it ends. SKUs are given as a service objective name ("S0",
// "GP_Gen5_2") or a vCore family with a capacity ("GP_Gen5" and 2), and are
// reported the way Azure reports them: sku {name: "Standard", tier:
// "Standard", capacity: 10} with currentServiceObjectiveName "S0". A DTU
// edition name ("Standard") is refused with InvalidSku, as Azure refuses it.
// Creating a database on a missing server answers ParentResourceNotFound.
//
// Changes a PATCH carries show at once in the resource; the operation ends
// after the provisioning delay.

// SQLAPIVersions are the api-versions Microsoft.Sql accepts here: the ones
// armsql v1.2.0 sends (servers 2021-02-01-preview, databases
// 2021-05-01-preview) and their neighbours.
var SQLAPIVersions = []string{"2021-02-01-preview", "2021-05-01-preview", "2021-11-01", "2022-05-01-preview", "2023-08-01"}

// SQL resource types.
const (
	SQLServerType   = "Microsoft.Sql/servers"
	SQLDatabaseType = "Microsoft.Sql/servers/databases"
)

const (
	sqlServerPath   = "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Sql/servers/{server}"
	sqlDatabasePath = sqlServerPath + "/databases/{database}"
)

// SQL server states and database statuses.
const (
	SQLServerCreating = "Creating"
	SQLServerReady    = "Ready"

	SQLDatabaseCreating = "Creating"
	SQLDatabaseOnline   = "Online"
	SQLDatabaseScaling  = "Scaling"
)

func registerSQL(s *Server) {
	v := SQLAPIVersions
	s.Handle(http.MethodPost, "/subscriptions/{sub}/providers/Microsoft.Sql/checkNameAvailability", v, s.checkSQLServerName)
	s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/Microsoft.Sql/servers", v, s.listSQLServers)
	s.Handle(http.MethodGet, "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Sql/servers", v, s.listSQLServers)
	s.Handle(http.MethodPut, sqlServerPath, v, s.putSQLServer)
	s.Handle(http.MethodGet, sqlServerPath, v, s.getSQLServer)
	s.Handle(http.MethodPatch, sqlServerPath, v, s.patchSQLServer)
	s.Handle(http.MethodDelete, sqlServerPath, v, s.deleteSQLServer)
	s.Handle(http.MethodGet, sqlServerPath+"/databases", v, s.listSQLDatabases)
	s.Handle(http.MethodPut, sqlDatabasePath, v, s.putSQLDatabase)
	s.Handle(http.MethodGet, sqlDatabasePath, v, s.getSQLDatabase)
	s.Handle(http.MethodPatch, sqlDatabasePath, v, s.patchSQLDatabase)
	s.Handle(http.MethodDelete, sqlDatabasePath, v, s.deleteSQLDatabase)
	// Microsoft.Sql names its operation-status resources its own way.
	for _, kind := range []string{"serverAzureAsyncOperation", "databaseAzureAsyncOperation"} {
		s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/Microsoft.Sql/locations/{loc}/"+kind+"/{id}", nil, s.operationStatus(AsyncOperation))
	}
	for _, kind := range []string{"serverOperationResults", "databaseOperationResults"} {
		s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/Microsoft.Sql/locations/{loc}/"+kind+"/{id}", nil, s.operationStatus(OperationResult))
	}
}

// SQLServerID is the ARM ID of a logical SQL server.
func SQLServerID(sub, rg, name string) string {
	return GroupID(sub, rg) + "/providers/Microsoft.Sql/servers/" + name
}

// SQLDatabaseID is the ARM ID of a database on a SQL server.
func SQLDatabaseID(sub, rg, server, name string) string {
	return SQLServerID(sub, rg, server) + "/databases/" + name
}

// sqlServerName is Azure's rule for server names: 1-63 lower-case letters,
// digits and hyphens, not starting or ending with a hyphen.
var sqlServerName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

const sqlServerNameInvalid = "Specified server name contains unsupported characters or is too long. Server name must be no longer than 63 characters long, contain only lower-case characters or digits, cannot contain '.' or '_' characters and can't start or end with '-' character."

// sqlSettle applies the SQL state changes due by now (state and status
// moves, deletes that end) to every SQL resource. Microsoft.Sql reports no
// provisioningState, so its resources keep their own timeline in Secret;
// every Microsoft.Sql handler settles first.
func (s *Server) sqlSettle(now time.Time) {
	for _, r := range s.resources {
		if !strings.EqualFold(r.Type, SQLServerType) && !strings.EqualFold(r.Type, SQLDatabaseType) {
			continue
		}
		if gone, ok := r.Secret["goneAt"].(time.Time); ok && !now.Before(gone) {
			s.Remove(r.ID)
			continue
		}
		steps, _ := r.Secret["steps"].([]sqlStep)
		for len(steps) > 0 && !now.Before(steps[0].at) {
			steps[0].apply(r)
			steps = steps[1:]
		}
		r.Secret["steps"] = steps
	}
}

type sqlStep struct {
	at    time.Time
	apply func(*Resource)
}

// later makes apply happen to r at t.
func later(r *Resource, t time.Time, apply func(*Resource)) {
	steps, _ := r.Secret["steps"].([]sqlStep)
	r.Secret["steps"] = append(steps, sqlStep{at: t, apply: apply})
}

// sqlDeleting reports whether a delete of r is under way.
func sqlDeleting(r *Resource) bool {
	_, ok := r.Secret["goneAt"].(time.Time)
	return ok
}

// sqlOperation answers 202 for a long-running Microsoft.Sql operation on
// resource of kind ("server" or "database") that ends at done, with the
// headers Azure SQL sends.
func (s *Server) sqlOperation(w http.ResponseWriter, req *Request, kind, resource, location string, done time.Time) string {
	op := s.StartOperation(req, resource, done)
	base := "/subscriptions/" + req.Param("sub") + "/providers/Microsoft.Sql/locations/" + location
	w.Header().Set("Azure-AsyncOperation", OperationURL(req, base, kind+"AzureAsyncOperation", op))
	w.Header().Set("Location", OperationURL(req, base, kind+"OperationResults", op))
	RetryAfter(w, req, done)
	return op
}

func (s *Server) checkSQLServerName(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	var in struct{ Name, Type string }
	if !req.Decode(w, &in) {
		return
	}
	if !strings.EqualFold(in.Type, SQLServerType) {
		WriteError(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Invalid value given for parameter type: '%s'. Specify a valid parameter value.", in.Type))
		return
	}
	switch {
	case !sqlServerName.MatchString(in.Name):
		WriteJSON(w, http.StatusOK, map[string]any{"name": in.Name, "available": false, "reason": "Invalid", "message": sqlServerNameInvalid})
	case s.Reserved(SQLServerType, in.Name) || len(s.Find(SQLServerType, in.Name)) > 0:
		WriteJSON(w, http.StatusOK, map[string]any{"name": in.Name, "available": false, "reason": "AlreadyExists", "message": "Specified server name is already used"})
	default:
		WriteJSON(w, http.StatusOK, map[string]any{"name": in.Name, "available": true})
	}
}

type sqlServerBody struct {
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Identity   map[string]any    `json:"identity"`
	Properties struct {
		AdministratorLogin            *string        `json:"administratorLogin"`
		AdministratorLoginPassword    *string        `json:"administratorLoginPassword"`
		Version                       *string        `json:"version"`
		MinimalTLSVersion             *string        `json:"minimalTlsVersion"`
		PublicNetworkAccess           *string        `json:"publicNetworkAccess"`
		RestrictOutboundNetworkAccess *string        `json:"restrictOutboundNetworkAccess"`
		Administrators                map[string]any `json:"administrators"`
	} `json:"properties"`
}

func invalidValue(w http.ResponseWriter, param, value string) {
	WriteError(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Invalid value given for parameter %s: '%s'. Specify a valid parameter value.", param, value))
}

// checkSQLServerBody answers what the SQL provider refuses in a server
// body at once; false when it did.
func checkSQLServerBody(w http.ResponseWriter, in sqlServerBody) bool {
	p := in.Properties
	if v := p.Version; v != nil && *v != "12.0" {
		invalidValue(w, "version", *v)
		return false
	}
	if v := p.MinimalTLSVersion; v != nil && !slices.Contains([]string{"1.0", "1.1", "1.2", "1.3", "None"}, *v) {
		invalidValue(w, "minimalTlsVersion", *v)
		return false
	}
	for name, v := range map[string]*string{"publicNetworkAccess": p.PublicNetworkAccess, "restrictOutboundNetworkAccess": p.RestrictOutboundNetworkAccess} {
		if v != nil && !slices.Contains([]string{"Enabled", "Disabled", "SecuredByPerimeter"}, *v) {
			invalidValue(w, name, *v)
			return false
		}
	}
	return true
}

// passwordComplex is Azure SQL's password policy: 8 to 128 characters from
// at least three of upper case, lower case, digits and other characters.
func passwordComplex(pw string) bool {
	if len(pw) < 8 || len(pw) > 128 {
		return false
	}
	var upper, lower, digit, other bool
	for _, c := range pw {
		switch {
		case unicode.IsUpper(c):
			upper = true
		case unicode.IsLower(c):
			lower = true
		case unicode.IsDigit(c):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{upper, lower, digit, other} {
		if b {
			n++
		}
	}
	return n >= 3
}

// sqlNameTaken reports whether a server name is used outside id.
func (s *Server) sqlNameTaken(id, name string) bool {
	if s.Reserved(SQLServerType, name) {
		return true
	}
	for _, r := range s.Find(SQLServerType, name) {
		if !strings.EqualFold(r.ID, id) {
			return true
		}
	}
	return false
}

func (s *Server) putSQLServer(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	name := req.Param("server")
	if !sqlServerName.MatchString(name) {
		WriteError(w, http.StatusBadRequest, "InvalidResourceName", sqlServerNameInvalid)
		return
	}
	g := s.Group(w, req)
	if g == nil {
		return
	}
	var in sqlServerBody
	if !req.Decode(w, &in) {
		return
	}
	if in.Location == "" {
		WriteError(w, http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
		return
	}
	id := SQLServerID(req.Param("sub"), g.Name, name)
	if s.sqlNameTaken(id, name) {
		WriteError(w, http.StatusConflict, "NameAlreadyExists", fmt.Sprintf("The name '%s.database.windows.net' already exists. Choose a different name.", name))
		return
	}
	if !checkSQLServerBody(w, in) {
		return
	}
	if srv := s.Get(id); srv != nil {
		// A PUT on an existing server updates it, like a PATCH.
		if !strings.EqualFold(srv.Location, normLocation(in.Location)) {
			WriteError(w, http.StatusConflict, "InvalidResourceLocation", fmt.Sprintf("The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'. Please select a new resource name.", name, srv.Location, g.Name, in.Location))
			return
		}
		s.updateSQLServer(w, req, srv, in, true)
		return
	}
	p := in.Properties
	aadOnly := false
	if a := p.Administrators; a != nil {
		aadOnly, _ = a["azureADOnlyAuthentication"].(bool)
	}
	if !aadOnly && (p.AdministratorLogin == nil || *p.AdministratorLogin == "") {
		WriteError(w, http.StatusBadRequest, "InvalidParameterValue", "Invalid value given for parameter Login. Specify a valid parameter value.")
		return
	}
	if !aadOnly && (p.AdministratorLoginPassword == nil || *p.AdministratorLoginPassword == "") {
		WriteError(w, http.StatusBadRequest, "InvalidParameterValue", "Invalid value given for parameter Password. Specify a valid parameter value.")
		return
	}
	loc := normLocation(in.Location)
	done := req.Now.Add(s.Delay())
	if p.AdministratorLoginPassword != nil && !passwordComplex(*p.AdministratorLoginPassword) {
		// Azure accepts the request and fails the operation: the server
		// never appears.
		op := s.sqlOperation(w, req, "server", id, loc, done)
		s.FailOperation(op, Error{Code: "PasswordNotComplex", Message: "Password validation failed. The password does not meet policy requirements because it is not complex enough."})
		w.WriteHeader(http.StatusAccepted)
		return
	}
	props := map[string]any{
		"administratorLogin":            deref(p.AdministratorLogin, ""),
		"version":                       deref(p.Version, "12.0"),
		"state":                         SQLServerCreating,
		"fullyQualifiedDomainName":      name + ".database.windows.net",
		"privateEndpointConnections":    []any{},
		"minimalTlsVersion":             deref(p.MinimalTLSVersion, "1.2"),
		"publicNetworkAccess":           deref(p.PublicNetworkAccess, "Enabled"),
		"restrictOutboundNetworkAccess": deref(p.RestrictOutboundNetworkAccess, "Disabled"),
	}
	if a := p.Administrators; a != nil {
		admin := map[string]any{"administratorType": "ActiveDirectory", "azureADOnlyAuthentication": aadOnly}
		for _, k := range []string{"login", "sid", "tenantId", "principalType"} {
			if v, ok := a[k]; ok {
				admin[k] = v
			}
		}
		props["administrators"] = admin
	}
	if props["administratorLogin"] == "" {
		delete(props, "administratorLogin")
	}
	srv := &Resource{ID: id, Name: name, Type: SQLServerType, Location: loc, Tags: in.Tags, Top: map[string]any{"kind": "v12.0"}, Props: props,
		Secret: map[string]any{"password": deref(p.AdministratorLoginPassword, "")}}
	if in.Identity != nil {
		srv.Top["identity"] = in.Identity
	}
	later(srv, done, func(r *Resource) { r.Props["state"] = SQLServerReady })
	s.Put(srv)
	s.sqlOperation(w, req, "server", id, loc, done)
	w.WriteHeader(http.StatusAccepted)
}

func deref(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// updateSQLServer applies a PUT or PATCH to an existing server and answers
// the long-running operation. The administrator login cannot change; the
// Entra administrator is set at create time only here (Azure changes it
// through the administrators sub-resource).
func (s *Server) updateSQLServer(w http.ResponseWriter, req *Request, srv *Resource, in sqlServerBody, put bool) {
	if sqlDeleting(srv) {
		WriteError(w, http.StatusConflict, "ConflictingServerOperation", fmt.Sprintf("An ongoing operation on server '%s' is in progress: the server is being deleted.", srv.Name))
		return
	}
	p := in.Properties
	if p.AdministratorLogin != nil && *p.AdministratorLogin != srv.Props["administratorLogin"] && srv.Props["administratorLogin"] != nil {
		WriteError(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Invalid value given for parameter administratorLogin: '%s'. The administrator login of a server cannot be changed.", *p.AdministratorLogin))
		return
	}
	if pw := p.AdministratorLoginPassword; pw != nil {
		if !passwordComplex(*pw) {
			done := req.Now.Add(s.Delay())
			op := s.sqlOperation(w, req, "server", srv.ID, srv.Location, done)
			s.FailOperation(op, Error{Code: "PasswordNotComplex", Message: "Password validation failed. The password does not meet policy requirements because it is not complex enough."})
			w.WriteHeader(http.StatusAccepted)
			return
		}
		srv.Secret["password"] = *pw
	}
	for k, v := range map[string]*string{"minimalTlsVersion": p.MinimalTLSVersion, "publicNetworkAccess": p.PublicNetworkAccess, "restrictOutboundNetworkAccess": p.RestrictOutboundNetworkAccess} {
		if v != nil {
			srv.Props[k] = *v
		}
	}
	if in.Tags != nil || put {
		srv.Tags = in.Tags
	}
	done := req.Now.Add(s.Delay())
	s.sqlOperation(w, req, "server", srv.ID, srv.Location, done)
	w.WriteHeader(http.StatusAccepted)
}

// sqlServer returns the server a request names, or answers the 404 ARM gives
// (ResourceGroupNotFound or ResourceNotFound) and returns nil.
func (s *Server) sqlServer(w http.ResponseWriter, req *Request) *Resource {
	if s.Group(w, req) == nil {
		return nil
	}
	srv := s.Get(SQLServerID(req.Param("sub"), req.Param("rg"), req.Param("server")))
	if srv == nil {
		ResourceNotFound(w, SQLServerType, req.Param("server"), req.Param("rg"))
		return nil
	}
	return srv
}

func (s *Server) getSQLServer(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	if srv := s.sqlServer(w, req); srv != nil {
		WriteJSON(w, http.StatusOK, srv)
	}
}

func (s *Server) patchSQLServer(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	srv := s.sqlServer(w, req)
	if srv == nil {
		return
	}
	var in sqlServerBody
	if !req.Decode(w, &in) || !checkSQLServerBody(w, in) {
		return
	}
	s.updateSQLServer(w, req, srv, in, false)
}

func (s *Server) deleteSQLServer(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	if s.Group(w, req) == nil {
		return
	}
	srv := s.Get(SQLServerID(req.Param("sub"), req.Param("rg"), req.Param("server")))
	if srv == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	gone, ok := srv.Secret["goneAt"].(time.Time)
	if !ok {
		gone = req.Now.Add(s.Delay())
		srv.Secret["goneAt"] = gone
	}
	s.sqlOperation(w, req, "server", srv.ID, srv.Location, gone)
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) listSQLServers(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	prefix := "/subscriptions/" + req.Param("sub")
	if rg := req.Param("rg"); rg != "" {
		if s.Group(w, req) == nil {
			return
		}
		prefix = GroupID(req.Param("sub"), rg)
	}
	out := s.Children(prefix, SQLServerType)
	slices.SortFunc(out, func(a, b *Resource) int { return strings.Compare(a.Name, b.Name) })
	if out == nil {
		out = []*Resource{}
	}
	s.WriteList(w, req, listOf(out))
}

// Databases.

// A sqlObjective is a service objective as Azure reports it.
type sqlObjective struct {
	name     string // the service objective, e.g. S0 or GP_Gen5_2
	sku      string // sku.name as reported, e.g. Standard or GP_Gen5
	tier     string
	family   string
	capacity int
	maxSize  int64 // largest maxSizeBytes
	defSize  int64 // maxSizeBytes when none is asked for
}

const gib = int64(1) << 30

// dtuObjectives are the DTU service objectives: name, edition, DTUs.
var dtuObjectives = map[string]struct {
	tier string
	dtu  int
}{
	"Basic": {"Basic", 5},
	"S0":    {"Standard", 10}, "S1": {"Standard", 20}, "S2": {"Standard", 50}, "S3": {"Standard", 100},
	"S4": {"Standard", 200}, "S6": {"Standard", 400}, "S7": {"Standard", 800}, "S9": {"Standard", 1600}, "S12": {"Standard", 3000},
	"P1": {"Premium", 125}, "P2": {"Premium", 250}, "P4": {"Premium", 500}, "P6": {"Premium", 1000}, "P11": {"Premium", 1750}, "P15": {"Premium", 4000},
}

// vcoreFamilies are the vCore SKU names and their tiers.
var vcoreFamilies = map[string]string{"GP_Gen5": "GeneralPurpose", "GP_S_Gen5": "GeneralPurpose", "BC_Gen5": "BusinessCritical", "HS_Gen5": "Hyperscale"}

var vcoreCapacities = []int{1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80, 128}

// sqlSKU resolves a requested sku (a service objective name, or a vCore
// family and a capacity) to a service objective. ok is false when Azure
// would refuse it.
func sqlSKU(name string, capacity *int) (sqlObjective, bool) {
	if d, ok := dtuObjectives[name]; ok && (capacity == nil || *capacity == d.dtu) {
		o := sqlObjective{name: name, sku: d.tier, tier: d.tier, capacity: d.dtu, maxSize: 1024 * gib, defSize: 250 * gib}
		switch {
		case d.tier == "Basic":
			o.maxSize, o.defSize = 2*gib, 2*gib
		case slices.Contains([]string{"S0", "S1", "S2"}, name):
			o.maxSize = 250 * gib
		case name == "P11" || name == "P15":
			o.maxSize = 4096 * gib
		case d.tier == "Premium":
			o.defSize = 500 * gib
		}
		return o, true
	}
	family, cap := name, 0
	if i := strings.LastIndex(name, "_"); i > 0 {
		if n, err := strconv.Atoi(name[i+1:]); err == nil {
			family, cap = name[:i], n
		}
	}
	tier, ok := vcoreFamilies[family]
	if !ok {
		return sqlObjective{}, false
	}
	switch {
	case cap == 0 && capacity != nil:
		cap = *capacity
	case cap != 0 && capacity != nil && *capacity != cap:
		return sqlObjective{}, false
	}
	if !slices.Contains(vcoreCapacities, cap) {
		return sqlObjective{}, false
	}
	max := 4096 * gib
	if tier == "Hyperscale" {
		max = 100 * 1024 * gib
	}
	return sqlObjective{name: fmt.Sprintf("%s_%d", family, cap), sku: family, tier: tier, family: "Gen5", capacity: cap, maxSize: max, defSize: 32 * gib}, true
}

func (o sqlObjective) skuJSON() map[string]any {
	m := map[string]any{"name": o.sku, "tier": o.tier, "capacity": o.capacity}
	if o.family != "" {
		m["family"] = o.family
	}
	return m
}

type sqlSKUBody struct {
	Name     string `json:"name"`
	Tier     string `json:"tier"`
	Family   string `json:"family"`
	Capacity *int   `json:"capacity"`
}

type sqlDatabaseBody struct {
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	SKU        *sqlSKUBody       `json:"sku"`
	Properties struct {
		Collation                        *string `json:"collation"`
		MaxSizeBytes                     *int64  `json:"maxSizeBytes"`
		ZoneRedundant                    *bool   `json:"zoneRedundant"`
		RequestedBackupStorageRedundancy *string `json:"requestedBackupStorageRedundancy"`
		CreateMode                       *string `json:"createMode"`
	} `json:"properties"`
}

var backupRedundancies = []string{"Geo", "Local", "Zone", "GeoZone"}

// sqlDatabaseParent returns the server of a database request, answering
// ResourceGroupNotFound or ParentResourceNotFound when it is missing.
func (s *Server) sqlDatabaseParent(w http.ResponseWriter, req *Request) *Resource {
	if s.Group(w, req) == nil {
		return nil
	}
	srv := s.Get(SQLServerID(req.Param("sub"), req.Param("rg"), req.Param("server")))
	if srv == nil {
		ParentResourceNotFound(w, SQLServerType, req.Param("server"))
		return nil
	}
	return srv
}

var sqlDatabaseName = regexp.MustCompile(`^[^<>*%&:\\/?]{1,128}$`)

// checkSQLDatabase resolves and checks a database body against what the
// database has (cur, nil for a new one); false when it answered an error.
func checkSQLDatabase(w http.ResponseWriter, in sqlDatabaseBody, cur *sqlObjective) (sqlObjective, bool) {
	o := sqlObjective{}
	switch {
	case in.SKU != nil:
		var ok bool
		if o, ok = sqlSKU(in.SKU.Name, in.SKU.Capacity); !ok || (in.SKU.Tier != "" && !strings.EqualFold(in.SKU.Tier, o.tier)) {
			WriteError(w, http.StatusBadRequest, "InvalidSku", fmt.Sprintf("The sku '%s' specified is invalid.", in.SKU.Name))
			return o, false
		}
	case cur != nil:
		o = *cur
	default:
		o, _ = sqlSKU("S0", nil)
	}
	p := in.Properties
	if v := p.MaxSizeBytes; v != nil && (*v <= 0 || *v > o.maxSize) {
		WriteError(w, http.StatusBadRequest, "InvalidMaxSizeTierCombination", fmt.Sprintf("The tier '%s' does not support the database max size '%d'.", o.tier, *v))
		return o, false
	}
	if v := p.RequestedBackupStorageRedundancy; v != nil && !slices.Contains(backupRedundancies, *v) {
		invalidValue(w, "requestedBackupStorageRedundancy", *v)
		return o, false
	}
	if v := p.CreateMode; v != nil && *v != "Default" {
		invalidValue(w, "createMode", *v+" (this local cloud creates empty databases only)")
		return o, false
	}
	return o, true
}

func (s *Server) putSQLDatabase(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	srv := s.sqlDatabaseParent(w, req)
	if srv == nil {
		return
	}
	name := req.Param("database")
	if !sqlDatabaseName.MatchString(name) || strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		WriteError(w, http.StatusBadRequest, "InvalidResourceName", fmt.Sprintf("The database name '%s' is invalid: 1-128 characters, none of <>*%%&:\\/?, not ending with '.' or a space.", name))
		return
	}
	var in sqlDatabaseBody
	if !req.Decode(w, &in) {
		return
	}
	if in.Location == "" {
		WriteError(w, http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
		return
	}
	id := srv.ID + "/databases/" + name
	if db := s.Get(id); db != nil {
		s.updateSQLDatabase(w, req, srv, db, in, true)
		return
	}
	o, ok := checkSQLDatabase(w, in, nil)
	if !ok {
		return
	}
	if sqlDeleting(srv) {
		WriteError(w, http.StatusConflict, "ConflictingServerOperation", fmt.Sprintf("An ongoing operation on server '%s' is in progress: the server is being deleted.", srv.Name))
		return
	}
	p := in.Properties
	now := req.Now.UTC()
	backup := deref(p.RequestedBackupStorageRedundancy, "Geo")
	size := o.defSize
	if p.MaxSizeBytes != nil {
		size = *p.MaxSizeBytes
	}
	props := map[string]any{
		"collation":                        deref(p.Collation, "SQL_Latin1_General_CP1_CI_AS"),
		"catalogCollation":                 "SQL_Latin1_General_CP1_CI_AS",
		"maxSizeBytes":                     size,
		"status":                           SQLDatabaseCreating,
		"databaseId":                       newUUID(),
		"creationDate":                     now.Format(time.RFC3339Nano),
		"earliestRestoreDate":              now.Add(10 * time.Minute).Format(time.RFC3339Nano),
		"currentServiceObjectiveName":      o.name,
		"requestedServiceObjectiveName":    o.name,
		"currentSku":                       o.skuJSON(),
		"defaultSecondaryLocation":         "northeurope",
		"zoneRedundant":                    p.ZoneRedundant != nil && *p.ZoneRedundant,
		"readScale":                        "Disabled",
		"requestedBackupStorageRedundancy": backup,
		"currentBackupStorageRedundancy":   backup,
		"isLedgerOn":                       false,
		"isInfraEncryptionEnabled":         false,
	}
	kind := "v12.0,user"
	if o.family != "" {
		kind += ",vcore"
		props["licenseType"] = "LicenseIncluded"
		props["maxLogSizeBytes"] = int64(104857600)
	}
	db := &Resource{ID: id, Name: name, Type: SQLDatabaseType, Location: srv.Location, Tags: in.Tags,
		Top: map[string]any{"kind": kind, "sku": o.skuJSON()}, Props: props, Secret: map[string]any{}}
	done := req.Now.Add(s.Delay())
	later(db, done, func(r *Resource) { r.Props["status"] = SQLDatabaseOnline })
	s.Put(db)
	s.sqlOperation(w, req, "database", id, srv.Location, done)
	w.WriteHeader(http.StatusAccepted)
}

// updateSQLDatabase applies a PUT or PATCH to an existing database and
// answers the long-running operation. A service objective change shows
// Scaling until the operation ends.
func (s *Server) updateSQLDatabase(w http.ResponseWriter, req *Request, srv, db *Resource, in sqlDatabaseBody, put bool) {
	if sqlDeleting(db) {
		WriteError(w, http.StatusConflict, "ConflictingDatabaseOperation", fmt.Sprintf("An ongoing operation on database '%s' is in progress: the database is being deleted.", db.Name))
		return
	}
	cur, _ := sqlSKU(db.Props["currentServiceObjectiveName"].(string), nil)
	o, ok := checkSQLDatabase(w, in, &cur)
	if !ok {
		return
	}
	p := in.Properties
	if v := p.Collation; v != nil && !strings.EqualFold(*v, db.Props["collation"].(string)) {
		WriteError(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Invalid value given for parameter collation: '%s'. The collation of a database cannot be changed.", *v))
		return
	}
	done := req.Now.Add(s.Delay())
	if o.name != cur.name {
		db.Props["requestedServiceObjectiveName"] = o.name
		db.Props["status"] = SQLDatabaseScaling
		later(db, done, func(r *Resource) {
			r.Props["status"] = SQLDatabaseOnline
			r.Props["currentServiceObjectiveName"] = o.name
			r.Props["currentSku"] = o.skuJSON()
			r.Top["sku"] = o.skuJSON()
		})
	}
	if v := p.MaxSizeBytes; v != nil {
		db.Props["maxSizeBytes"] = *v
	} else if size, _ := db.Props["maxSizeBytes"].(int64); size > o.maxSize {
		db.Props["maxSizeBytes"] = o.maxSize
	}
	if v := p.ZoneRedundant; v != nil {
		db.Props["zoneRedundant"] = *v
	}
	if v := p.RequestedBackupStorageRedundancy; v != nil {
		db.Props["requestedBackupStorageRedundancy"] = *v
		later(db, done, func(r *Resource) { r.Props["currentBackupStorageRedundancy"] = *v })
	}
	if in.Tags != nil || put {
		db.Tags = in.Tags
	}
	s.sqlOperation(w, req, "database", db.ID, srv.Location, done)
	w.WriteHeader(http.StatusAccepted)
}

// sqlDatabase returns the database a request names, or answers the 404 ARM
// gives and returns nil.
func (s *Server) sqlDatabase(w http.ResponseWriter, req *Request) (srv, db *Resource) {
	srv = s.sqlDatabaseParent(w, req)
	if srv == nil {
		return nil, nil
	}
	db = s.Get(srv.ID + "/databases/" + req.Param("database"))
	if db == nil {
		WriteError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.Sql/servers/%s/databases/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", srv.Name, req.Param("database"), req.Param("rg")))
		return nil, nil
	}
	return srv, db
}

func (s *Server) getSQLDatabase(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	if _, db := s.sqlDatabase(w, req); db != nil {
		WriteJSON(w, http.StatusOK, db)
	}
}

func (s *Server) patchSQLDatabase(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	srv, db := s.sqlDatabase(w, req)
	if db == nil {
		return
	}
	var in sqlDatabaseBody
	if !req.Decode(w, &in) {
		return
	}
	s.updateSQLDatabase(w, req, srv, db, in, false)
}

func (s *Server) deleteSQLDatabase(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	srv := s.sqlDatabaseParent(w, req)
	if srv == nil {
		return
	}
	db := s.Get(srv.ID + "/databases/" + req.Param("database"))
	if db == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	gone, ok := db.Secret["goneAt"].(time.Time)
	if !ok {
		gone = req.Now.Add(s.Delay())
		db.Secret["goneAt"] = gone
	}
	s.sqlOperation(w, req, "database", db.ID, srv.Location, gone)
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) listSQLDatabases(w http.ResponseWriter, req *Request) {
	s.sqlSettle(req.Now)
	srv := s.sqlDatabaseParent(w, req)
	if srv == nil {
		return
	}
	out := s.Children(srv.ID, SQLDatabaseType)
	slices.SortFunc(out, func(a, b *Resource) int { return strings.Compare(a.Name, b.Name) })
	if out == nil {
		out = []*Resource{}
	}
	s.WriteList(w, req, listOf(out))
}
