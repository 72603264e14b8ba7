package cloudsql

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // Cloud SQL reports SHA-1 fingerprints.
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"
)

// serverCA makes the self-signed server CA certificate Cloud SQL gives an
// instance, as a sql#sslCert.
func serverCA(project, inst string, now time.Time) (*sqladmin.SslCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	dn := newID()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Country: []string{"US"}, Organization: []string{"Google, Inc"},
			CommonName: "Google Cloud SQL Server CA",
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: []int{2, 5, 4, 46}, Value: dn}},
		},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	fp := sha1.Sum(der) //nolint:gosec // see import
	return &sqladmin.SslCert{
		Kind:             "sql#sslCert",
		Cert:             string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		CertSerialNumber: serial.String(),
		CommonName:       "C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA,dnQualifier=" + dn,
		CreateTime:       rfc3339(tmpl.NotBefore),
		ExpirationTime:   rfc3339(tmpl.NotAfter),
		Instance:         inst,
		Sha1Fingerprint:  hex.EncodeToString(fp[:]),
	}, nil
}
