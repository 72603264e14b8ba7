package dbinstance

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"

	"github.com/stowage-dev/stowage/apis/aws/rds/v1alpha1"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/password"
)

// endpoint is what an application needs to reach a database.
type endpoint struct {
	Engine   v1alpha1.Engine
	Host     string
	Port     int32
	Database string
	Username string
	Password string // empty when not known yet
}

// defaultDatabase is the database a client lands in when the instance was
// created without a dbName.
func defaultDatabase(e v1alpha1.Engine) string {
	switch {
	case e == v1alpha1.EnginePostgres:
		return "postgres"
	case strings.HasPrefix(string(e), "sqlserver"):
		return "master"
	}
	return ""
}

// engineFamily is the engine as the connection contract names it.
func engineFamily(e v1alpha1.Engine) string {
	switch {
	case e == v1alpha1.EnginePostgres:
		return "postgres"
	case e == v1alpha1.EngineMySQL:
		return "mysql"
	case e == v1alpha1.EngineMariaDB:
		return "mariadb"
	case strings.HasPrefix(string(e), "sqlserver"):
		return "sqlserver"
	}
	return string(e)
}

// connectionDetails are the contract's keys for ep. The password key is
// only present when the password is known.
func connectionDetails(ep endpoint) managed.ConnectionDetails {
	return contract.DatabaseEndpoint{
		Engine:   contract.Engine(engineFamily(ep.Engine)),
		Host:     ep.Host,
		Port:     int(ep.Port),
		Database: ep.Database,
		Username: ep.Username,
		Password: ep.Password,
	}.Details()
}

// passwordChars avoid the characters RDS refuses in master passwords (/, ",
// @ and space) and anything a shell or URL would trip on.
const passwordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// generatePassword returns a random 32-character master password.
func generatePassword() (string, error) { return password.Generate(32, passwordChars) }

// finalSnapshotID is the default final snapshot name: the external name plus
// a suffix derived from the UID, so every retry of a delete asks for the same
// snapshot and two MRs of the same name never collide.
func finalSnapshotID(name, uid string) string {
	h := sha256.Sum256([]byte(uid))
	return name + "-final-" + hex.EncodeToString(h[:4])
}
