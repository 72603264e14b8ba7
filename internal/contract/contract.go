// Package contract is the connection-secret contract of shared/DESIGN.md §2:
// the keys every database and bucket secret has on every cloud, and the
// uri and jdbcUrl builders behind them. Every managed resource kind that
// publishes a database or a bucket, and the claims that copy them, use
// these, so an application written against the keys runs on any cloud.
//
// A claim's secret is also a binding Secret of the Service Binding
// Specification for Kubernetes (https://servicebinding.io/spec/core/1.1.0/):
// it has the keys type and provider and the Secret type
// servicebinding.io/<type>, and the keys the binding libraries read
// (Spring Cloud Bindings, Quarkus kubernetes-service-binding), jdbc-url
// among them. The contract's own keys stay: it is a superset.
package contract

import (
	"net"
	"net/url"
	"strconv"
)

// Database secret keys.
const (
	KeyEngine   = "engine"
	KeyHost     = "host"
	KeyPort     = "port"
	KeyDatabase = "database"
	KeyUsername = "username"
	KeyPassword = "password"
	KeyURI      = "uri"
	KeyJDBCURL  = "jdbcUrl"
	KeyCACert   = "caCert"
)

// Service binding keys of every claim's secret (servicebinding.io).
const (
	// KeyType is the binding's type, the abstract classification binding
	// libraries select on: postgresql, mysql, sqlserver or bucket. The
	// Secret's own type is servicebinding.io/<type>.
	KeyType = "type"
	// KeyBindingJDBCURL is the JDBC URL under the name Spring Cloud Bindings
	// (PostgreSQL, MySQL) and Quarkus (every JDBC driver) read before they
	// build one from host, port and database: the same value as jdbcUrl,
	// so the URL an application gets asks for TLS.
	KeyBindingJDBCURL = "jdbc-url"
)

// DatabaseKeys are the keys of every database claim's secret: the
// contract's, then the service binding ones (type, provider, jdbc-url).
var DatabaseKeys = []string{KeyEngine, KeyHost, KeyPort, KeyDatabase, KeyUsername, KeyPassword, KeyURI, KeyJDBCURL, KeyCACert, KeyType, KeyProvider, KeyBindingJDBCURL}

// Bucket secret keys.
const (
	KeyProvider         = "provider"
	KeyBucket           = "bucket"
	KeyRegion           = "region"
	KeyEndpoint         = "endpoint"
	KeyURL              = "url"
	KeyConnectionString = "connectionString"
)

// BucketKeys are the keys of every bucket claim's secret: the contract's,
// then the service binding type (provider is one of the contract's).
var BucketKeys = []string{KeyProvider, KeyBucket, KeyRegion, KeyEndpoint, KeyURL, KeyConnectionString, KeyType}

// Binding types: the type key of a claim's secret, and the suffix of its
// Secret type. The database ones are those Spring Cloud Bindings and
// Quarkus select on. No binding library knows object storage, so every
// bucket has the one portable type bucket, whatever its cloud: like the
// claim, an application asks for "a bucket", and provider (aws, azure,
// gcp) says which SDK reaches it, as it always has in this contract.
const (
	BindingPostgreSQL = "postgresql"
	BindingMySQL      = "mysql"
	BindingSQLServer  = "sqlserver"
	BindingBucket     = "bucket"
)

// SecretTypePrefix prefixes a binding type to make the Secret type, as the
// Service Binding Specification recommends (servicebinding.io/postgresql),
// so `kubectl get secret --field-selector type=servicebinding.io/postgresql`
// finds them.
const SecretTypePrefix = "servicebinding.io/"

// SecretType is the Secret type of a claim's secret with data: the
// binding type prefixed, or "" when data has no type.
func SecretType(data map[string][]byte) string {
	if len(data[KeyType]) == 0 {
		return ""
	}
	return SecretTypePrefix + string(data[KeyType])
}

// Missing returns the keys of keys that data lacks. A claim's secret is
// complete, and is advertised as its binding, only when none are missing
// (a key may be present and empty, as caCert is on Azure).
func Missing(keys []string, data map[string][]byte) []string {
	var out []string
	for _, k := range keys {
		if _, ok := data[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// An Engine is a database engine as the contract names it.
type Engine string

// BindingType is the service binding type of e: postgresql for postgres;
// mysql for both mysql and mariadb, as Spring Cloud Bindings (one MySQL
// processor, the driver chosen from the classpath) and Quarkus (its MariaDB
// driver binds type mysql too) have it; sqlserver. "" for an unknown
// engine.
func (e Engine) BindingType() string {
	switch e {
	case Postgres:
		return BindingPostgreSQL
	case MySQL, MariaDB:
		return BindingMySQL
	case SQLServer:
		return BindingSQLServer
	}
	return ""
}

// Engines of the contract.
const (
	Postgres  Engine = "postgres"
	MySQL     Engine = "mysql"
	MariaDB   Engine = "mariadb"
	SQLServer Engine = "sqlserver"
)

// A DatabaseEndpoint is what an application needs to reach a database.
type DatabaseEndpoint struct {
	Engine   Engine
	Host     string
	Port     int
	Database string
	Username string
	// Password is empty while it is not known; the secret then has no
	// password key and the URIs carry none.
	Password string
	// CACert is the PEM CA bundle the server's certificate chains to, where
	// the cloud provides one.
	CACert []byte
}

// Details are the secret's keys for e. uri and jdbcUrl ask for TLS on
// every engine.
func (e DatabaseEndpoint) Details() map[string][]byte {
	port := strconv.Itoa(e.Port)
	hostport := net.JoinHostPort(e.Host, port)
	user := url.User(e.Username)
	if e.Password != "" {
		user = url.UserPassword(e.Username, e.Password)
	}
	db := e.Database
	var uri, jdbc string
	switch e.Engine {
	case Postgres:
		uri = (&url.URL{Scheme: "postgresql", User: user, Host: hostport, Path: "/" + db, RawQuery: "sslmode=require"}).String()
		jdbc = "jdbc:postgresql://" + hostport + "/" + url.PathEscape(db) + "?sslmode=require"
	case MySQL:
		uri = (&url.URL{Scheme: "mysql", User: user, Host: hostport, Path: "/" + db}).String()
		jdbc = "jdbc:mysql://" + hostport + "/" + url.PathEscape(db) + "?sslMode=REQUIRED"
	case MariaDB:
		uri = (&url.URL{Scheme: "mysql", User: user, Host: hostport, Path: "/" + db}).String()
		jdbc = "jdbc:mariadb://" + hostport + "/" + url.PathEscape(db) + "?sslMode=verify-full"
	case SQLServer:
		q := url.Values{"database": {db}, "encrypt": {"true"}}
		uri = (&url.URL{Scheme: "sqlserver", User: user, Host: hostport, RawQuery: q.Encode()}).String()
		jdbc = "jdbc:sqlserver://" + hostport + ";databaseName=" + db + ";encrypt=true"
	}
	d := map[string][]byte{
		KeyEngine:   []byte(e.Engine),
		KeyHost:     []byte(e.Host),
		KeyPort:     []byte(port),
		KeyDatabase: []byte(db),
		KeyUsername: []byte(e.Username),
		KeyURI:      []byte(uri),
		KeyJDBCURL:  []byte(jdbc),
	}
	if e.Password != "" {
		d[KeyPassword] = []byte(e.Password)
	}
	if len(e.CACert) > 0 {
		d[KeyCACert] = e.CACert
	}
	return d
}

// BucketEndpoint is what an application needs to reach a bucket.
type BucketEndpoint struct {
	// Provider is the cloud: aws, gcp or azure.
	Provider string
	Bucket   string
	Region   string
	Endpoint string
	// URL is the bucket's URL in its cloud's scheme: s3://, gs:// or
	// https://<account>.blob.core.windows.net/<container>.
	URL string
	// ConnectionString is set where the cloud hands out credentials with
	// the bucket (an Azure storage account).
	ConnectionString string
}

// Details are the secret's keys for b.
func (b BucketEndpoint) Details() map[string][]byte {
	d := map[string][]byte{
		KeyProvider: []byte(b.Provider),
		KeyBucket:   []byte(b.Bucket),
		KeyRegion:   []byte(b.Region),
		KeyEndpoint: []byte(b.Endpoint),
		KeyURL:      []byte(b.URL),
	}
	if b.ConnectionString != "" {
		d[KeyConnectionString] = []byte(b.ConnectionString)
	}
	return d
}

// MergeDatabase merges what several managed resources publish for one
// database (an instance's host and CA, a user's credentials, a database's
// name) into the contract's keys. Later parts win, and uri and jdbcUrl are
// built anew from the merged fields, so they always agree with them: no
// single resource may know them all.
//
// A claim's secret has the same keys on every cloud: caCert is present but
// empty where the server's certificate chains to a public root (Azure) and
// the cloud hands out no CA bundle, so the system trust store applies.
//
// provider is the cloud the claim's class uses (aws, azure, gcp), the
// binding's provider as a bucket's secret has always had it; type is the
// engine's binding type and jdbc-url a copy of jdbcUrl. No sslmode key is
// written: Quarkus appends "?sslmode=..." to the JDBC URL whenever there is
// one, which would break jdbc-url, whose sslmode=require already asks for TLS.
func MergeDatabase(provider string, parts ...map[string][]byte) map[string][]byte {
	m := mergeEndpoint(parts)
	if t := Engine(m[KeyEngine]).BindingType(); t != "" {
		m[KeyType] = []byte(t)
	}
	if provider != "" {
		m[KeyProvider] = []byte(provider)
	}
	if j, ok := m[KeyJDBCURL]; ok {
		m[KeyBindingJDBCURL] = j
	}
	return m
}

// mergeEndpoint merges the contract's database keys of parts and builds
// uri and jdbcUrl from them, once there is a host to reach.
func mergeEndpoint(parts []map[string][]byte) map[string][]byte {
	m := pick(DatabaseKeys, parts)
	if _, ok := m[KeyCACert]; !ok {
		m[KeyCACert] = []byte{}
	}
	port, err := strconv.Atoi(string(m[KeyPort]))
	if err != nil || len(m[KeyHost]) == 0 || len(m[KeyEngine]) == 0 {
		return m
	}
	e := DatabaseEndpoint{
		Engine:   Engine(m[KeyEngine]),
		Host:     string(m[KeyHost]),
		Port:     port,
		Database: string(m[KeyDatabase]),
		Username: string(m[KeyUsername]),
		Password: string(m[KeyPassword]),
		CACert:   m[KeyCACert],
	}
	for k, v := range e.Details() {
		m[k] = v
	}
	return m
}

// MergeBucket merges what several managed resources publish for one bucket
// (an Azure account's endpoint and connection string, its container's name)
// into the contract's keys. Later parts win. connectionString is present
// but empty where the cloud hands out no credentials with the bucket (S3,
// Cloud Storage: the workload's own identity applies), so a claim's secret
// has the same keys on every cloud. type is always bucket (BindingBucket);
// provider, the cloud, comes from the managed resources as before.
func MergeBucket(parts ...map[string][]byte) map[string][]byte {
	m := pick(BucketKeys, parts)
	if _, ok := m[KeyConnectionString]; !ok {
		m[KeyConnectionString] = []byte{}
	}
	m[KeyType] = []byte(BindingBucket)
	return m
}

// pick returns the keys of parts, later parts winning.
func pick(keys []string, parts []map[string][]byte) map[string][]byte {
	m := map[string][]byte{}
	for _, p := range parts {
		for _, k := range keys {
			if v, ok := p[k]; ok {
				m[k] = v
			}
		}
	}
	return m
}
