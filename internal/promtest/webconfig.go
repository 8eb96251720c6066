package promtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// writeWebConfig writes Prometheus' --web.config.file (and the certificates
// it names) into s.Dir and records the credentials on s.
func (s *Server) writeWebConfig(o options) (string, error) {
	var b strings.Builder
	if o.tls {
		ca, caKey, err := newCA()
		if err != nil {
			return "", err
		}
		s.CAFile = filepath.Join(s.Dir, "ca.pem")
		if err := writePEM(s.CAFile, "CERTIFICATE", ca.Raw); err != nil {
			return "", err
		}
		certFile, keyFile := filepath.Join(s.Dir, "server.pem"), filepath.Join(s.Dir, "server-key.pem")
		if err := issue(ca, caKey, "localhost", x509.ExtKeyUsageServerAuth, certFile, keyFile); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "tls_server_config:\n  cert_file: %s\n  key_file: %s\n", certFile, keyFile)
		if o.clientCert {
			s.ClientCertFile, s.ClientKeyFile = filepath.Join(s.Dir, "client.pem"), filepath.Join(s.Dir, "client-key.pem")
			if err := issue(ca, caKey, "verdict-test-client", x509.ExtKeyUsageClientAuth, s.ClientCertFile, s.ClientKeyFile); err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n", s.CAFile)
		}
	}
	if o.user != "" {
		// MinCost keeps each request's hash check cheap; the test only needs a valid bcrypt hash.
		hash, err := bcrypt.GenerateFromPassword([]byte(o.password), bcrypt.MinCost)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "basic_auth_users:\n  %q: %q\n", o.user, hash)
		s.Username, s.Password = o.user, o.password
	}
	p := filepath.Join(s.Dir, "web.yml")
	return p, os.WriteFile(p, []byte(b.String()), 0o600)
}

func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "verdict test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, err
}

// issue writes a certificate for cn (with SANs localhost and 127.0.0.1) signed by ca, and its key.
func issue(ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, usage x509.ExtKeyUsage, certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
		return err
	}
	return writePEM(keyFile, "EC PRIVATE KEY", keyDER)
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
