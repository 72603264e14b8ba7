package contract

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDatabaseDetails(t *testing.T) {
	base := DatabaseEndpoint{Host: "db.example.com", Port: 5432, Database: "orders", Username: "app", Password: "p@ss/word"}
	cases := map[string]struct {
		reason     string
		engine     Engine
		port       int
		wantScheme string
		wantJDBC   string
	}{
		"Postgres":  {reason: "postgresql:// with TLS required", engine: Postgres, port: 5432, wantScheme: "postgresql", wantJDBC: "jdbc:postgresql://db.example.com:5432/orders?sslmode=require"},
		"MySQL":     {reason: "mysql:// and Connector/J's TLS flag", engine: MySQL, port: 3306, wantScheme: "mysql", wantJDBC: "jdbc:mysql://db.example.com:3306/orders?sslMode=REQUIRED"},
		"MariaDB":   {reason: "mysql:// and the MariaDB driver's URL", engine: MariaDB, port: 3306, wantScheme: "mysql", wantJDBC: "jdbc:mariadb://db.example.com:3306/orders?sslMode=verify-full"},
		"SQLServer": {reason: "sqlserver:// with the database as a parameter", engine: SQLServer, port: 1433, wantScheme: "sqlserver", wantJDBC: "jdbc:sqlserver://db.example.com:1433;databaseName=orders;encrypt=true"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := base
			e.Engine, e.Port = tc.engine, tc.port
			d := e.Details()
			u, err := url.Parse(string(d[KeyURI]))
			if err != nil {
				t.Fatalf("%s: uri %q does not parse: %v", tc.reason, d[KeyURI], err)
			}
			pw, _ := u.User.Password()
			if u.Scheme != tc.wantScheme || u.Hostname() != "db.example.com" || u.User.Username() != "app" || pw != "p@ss/word" {
				t.Errorf("%s: uri %q: scheme %q host %q user %q password %q", tc.reason, d[KeyURI], u.Scheme, u.Hostname(), u.User.Username(), pw)
			}
			if tc.engine == SQLServer {
				if u.Query().Get("database") != "orders" || u.Query().Get("encrypt") != "true" {
					t.Errorf("%s: uri %q lacks database or encrypt", tc.reason, d[KeyURI])
				}
			} else if u.Path != "/orders" {
				t.Errorf("%s: uri path %q, want /orders", tc.reason, u.Path)
			}
			if diff := cmp.Diff(tc.wantJDBC, string(d[KeyJDBCURL])); diff != "" {
				t.Errorf("%s: jdbcUrl (-want +got):\n%s", tc.reason, diff)
			}
			for _, k := range []string{KeyEngine, KeyHost, KeyPort, KeyDatabase, KeyUsername, KeyPassword, KeyURI, KeyJDBCURL} {
				if len(d[k]) == 0 {
					t.Errorf("%s: no %q key", tc.reason, k)
				}
			}
			if strings.Contains(string(d[KeyJDBCURL]), "p@ss") {
				t.Errorf("%s: jdbcUrl carries the password", tc.reason)
			}
		})
	}
}

func TestDatabaseDetailsWithoutPassword(t *testing.T) {
	d := DatabaseEndpoint{Engine: Postgres, Host: "h", Port: 5432, Database: "d", Username: "u", CACert: []byte("PEM")}.Details()
	if _, ok := d[KeyPassword]; ok {
		t.Error("a secret with no known password has a password key")
	}
	if u, _ := url.Parse(string(d[KeyURI])); u == nil || func() bool { _, set := u.User.Password(); return set }() {
		t.Errorf("uri %q carries a password", d[KeyURI])
	}
	if string(d[KeyCACert]) != "PEM" {
		t.Errorf("caCert %q", d[KeyCACert])
	}
}

func TestKeysAreTheContract(t *testing.T) {
	if diff := cmp.Diff([]string{"engine", "host", "port", "database", "username", "password", "uri", "jdbcUrl", "caCert", "type", "provider", "jdbc-url"}, DatabaseKeys); diff != "" {
		t.Errorf("database keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"provider", "bucket", "region", "endpoint", "url", "connectionString", "type"}, BucketKeys); diff != "" {
		t.Errorf("bucket keys (-want +got):\n%s", diff)
	}
	d := BucketEndpoint{Provider: "aws", Bucket: "b", Region: "r", Endpoint: "e", URL: "s3://b"}.Details()
	for k := range d {
		if !slices.Contains(BucketKeys, k) {
			t.Errorf("bucket key %q is not in the contract", k)
		}
	}
	if _, ok := d[KeyConnectionString]; ok {
		t.Error("an S3 bucket secret has a connectionString")
	}
}

func TestMergeDatabase(t *testing.T) {
	instance := map[string][]byte{KeyEngine: []byte("postgres"), KeyHost: []byte("10.0.0.3"), KeyPort: []byte("5432"), KeyCACert: []byte("PEM"), "connectionName": []byte("p:r:i")}
	database := map[string][]byte{KeyDatabase: []byte("orders")}
	user := map[string][]byte{KeyUsername: []byte("app"), KeyPassword: []byte("s3cr3t")}
	cases := map[string]struct {
		reason   string
		provider string
		parts    []map[string][]byte
		want     map[string][]byte
	}{
		"Merged": {
			reason:   "An instance, a database and a user together make every contract key, with URIs built from all three, and the binding's type, provider and jdbc-url.",
			provider: "gcp",
			parts:    []map[string][]byte{instance, database, user},
			want: map[string][]byte{
				KeyEngine: []byte("postgres"), KeyHost: []byte("10.0.0.3"), KeyPort: []byte("5432"), KeyCACert: []byte("PEM"),
				KeyDatabase: []byte("orders"), KeyUsername: []byte("app"), KeyPassword: []byte("s3cr3t"),
				KeyURI:            []byte("postgresql://app:s3cr3t@10.0.0.3:5432/orders?sslmode=require"),
				KeyJDBCURL:        []byte("jdbc:postgresql://10.0.0.3:5432/orders?sslmode=require"),
				KeyType:           []byte("postgresql"),
				KeyProvider:       []byte("gcp"),
				KeyBindingJDBCURL: []byte("jdbc:postgresql://10.0.0.3:5432/orders?sslmode=require"),
			},
		},
		"LaterWins": {
			reason:   "A later part's value replaces an earlier one's, and the URIs follow the winner.",
			provider: "aws",
			parts: []map[string][]byte{
				{KeyEngine: []byte("mysql"), KeyHost: []byte("h"), KeyPort: []byte("3306"), KeyUsername: []byte("root"), KeyPassword: []byte("r"), KeyURI: []byte("stale")},
				{KeyUsername: []byte("app"), KeyPassword: []byte("a")},
			},
			want: map[string][]byte{
				KeyEngine: []byte("mysql"), KeyHost: []byte("h"), KeyPort: []byte("3306"), KeyUsername: []byte("app"), KeyPassword: []byte("a"),
				KeyDatabase:       []byte(""),
				KeyURI:            []byte("mysql://app:a@h:3306/"),
				KeyJDBCURL:        []byte("jdbc:mysql://h:3306/?sslMode=REQUIRED"),
				KeyCACert:         []byte{},
				KeyType:           []byte("mysql"),
				KeyProvider:       []byte("aws"),
				KeyBindingJDBCURL: []byte("jdbc:mysql://h:3306/?sslMode=REQUIRED"),
			},
		},
		"NoHostYet": {
			reason:   "Without a host no URI is made up; the keys known so far are kept, and caCert is there, empty, as on a cloud without one; the secret is not complete.",
			provider: "azure",
			parts:    []map[string][]byte{database, user},
			want:     map[string][]byte{KeyDatabase: []byte("orders"), KeyUsername: []byte("app"), KeyPassword: []byte("s3cr3t"), KeyCACert: []byte{}, KeyProvider: []byte("azure")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, MergeDatabase(tc.provider, tc.parts...)); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestMergeBucket(t *testing.T) {
	account := map[string][]byte{KeyProvider: []byte("azure"), KeyEndpoint: []byte("https://a.blob.core.windows.net/"), KeyConnectionString: []byte("cs"), "primaryAccessKey": []byte("k")}
	container := map[string][]byte{KeyBucket: []byte("c"), KeyURL: []byte("https://a.blob.core.windows.net/c"), KeyRegion: []byte("westeurope")}
	want := map[string][]byte{
		KeyProvider: []byte("azure"), KeyEndpoint: []byte("https://a.blob.core.windows.net/"), KeyConnectionString: []byte("cs"),
		KeyBucket: []byte("c"), KeyURL: []byte("https://a.blob.core.windows.net/c"), KeyRegion: []byte("westeurope"),
		KeyType: []byte("bucket"),
	}
	if diff := cmp.Diff(want, MergeBucket(account, container)); diff != "" {
		t.Errorf("Only contract keys are merged, from every part:\n-want, +got:\n%s", diff)
	}
	s3 := BucketEndpoint{Provider: "aws", Bucket: "b", Region: "r", Endpoint: "e", URL: "s3://b"}.Details()
	if got := MergeBucket(s3); len(got) != len(BucketKeys) || got[KeyConnectionString] == nil || len(got[KeyConnectionString]) != 0 {
		t.Errorf("A bucket without credentials has every contract key, connectionString empty: got %q", got)
	}
}

func TestBindingTypes(t *testing.T) {
	cases := map[Engine]string{Postgres: "postgresql", MySQL: "mysql", MariaDB: "mysql", SQLServer: "sqlserver", "oracle": ""}
	for e, want := range cases {
		if got := e.BindingType(); got != want {
			t.Errorf("%s: binding type %q, want %q", e, got, want)
		}
	}
	if got := SecretType(map[string][]byte{KeyType: []byte("postgresql")}); got != "servicebinding.io/postgresql" {
		t.Errorf("secret type %q", got)
	}
	if got := SecretType(map[string][]byte{}); got != "" {
		t.Errorf("a secret without a type has secret type %q", got)
	}
}

func TestMissing(t *testing.T) {
	full := MergeDatabase("aws", DatabaseEndpoint{Engine: Postgres, Host: "h", Port: 5432, Database: "d", Username: "u", Password: "p"}.Details())
	if m := Missing(DatabaseKeys, full); len(m) != 0 {
		t.Errorf("a merged secret with a password misses %v", m)
	}
	noPassword := MergeDatabase("aws", DatabaseEndpoint{Engine: Postgres, Host: "h", Port: 5432, Database: "d", Username: "u"}.Details())
	if diff := cmp.Diff([]string{KeyPassword}, Missing(DatabaseKeys, noPassword)); diff != "" {
		t.Errorf("a secret without a password is incomplete (-want +got):\n%s", diff)
	}
	if m := Missing(BucketKeys, MergeBucket(BucketEndpoint{Provider: "gcp", Bucket: "b", Region: "r", Endpoint: "e", URL: "gs://b"}.Details())); len(m) != 0 {
		t.Errorf("a merged bucket secret misses %v", m)
	}
}
