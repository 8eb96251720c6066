package metrics

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"

	promconfig "github.com/prometheus/common/config"

	"github.com/verdict-ci/verdict/config"
)

// httpClientConfig maps verdict's prometheus config onto prometheus/common's
// HTTP client config, and returns the secrets it holds for masking.
func httpClientConfig(cfg config.Prometheus) (promconfig.HTTPClientConfig, []string, error) {
	hc := promconfig.DefaultHTTPClientConfig
	var secrets []string
	if len(cfg.Headers) > 0 {
		hc.HTTPHeaders = &promconfig.Headers{Headers: map[string]promconfig.Header{}}
		for k, v := range cfg.Headers {
			if strings.TrimSpace(k) == "" || strings.ContainsAny(k+v, "\r\n") {
				return hc, nil, fmt.Errorf("prometheus.headers: %q is not a valid header", k)
			}
			hc.HTTPHeaders.Headers[k] = promconfig.Header{Values: []string{v}}
			secrets = append(secrets, v)
		}
	}
	switch {
	case cfg.BearerTokenFile != "" && cfg.BearerTokenEnv != "":
		return hc, nil, fmt.Errorf("prometheus: set bearer_token_file or bearer_token_env, not both")
	case (cfg.BearerTokenFile != "" || cfg.BearerTokenEnv != "") && cfg.BasicAuth != nil:
		return hc, nil, fmt.Errorf("prometheus: set a bearer token or basic_auth, not both")
	case cfg.BearerTokenFile != "":
		tok, err := readSecretFile("prometheus.bearer_token_file", cfg.BearerTokenFile)
		if err != nil {
			return hc, nil, err
		}
		// Read again on every request, so a rotated token is picked up.
		hc.Authorization = &promconfig.Authorization{Type: "Bearer", CredentialsFile: cfg.BearerTokenFile}
		secrets = append(secrets, tok)
	case cfg.BearerTokenEnv != "":
		tok := strings.TrimSpace(os.Getenv(cfg.BearerTokenEnv))
		if tok == "" {
			return hc, nil, fmt.Errorf("prometheus.bearer_token_env: environment variable %s is unset or empty", cfg.BearerTokenEnv)
		}
		hc.Authorization = &promconfig.Authorization{Type: "Bearer", Credentials: promconfig.Secret(tok)}
		secrets = append(secrets, tok)
	}
	if ba := cfg.BasicAuth; ba != nil {
		if ba.Username == "" {
			return hc, nil, fmt.Errorf("prometheus.basic_auth.username: required")
		}
		if ba.Password != "" && ba.PasswordFile != "" {
			return hc, nil, fmt.Errorf("prometheus.basic_auth: set password or password_file, not both")
		}
		hc.BasicAuth = &promconfig.BasicAuth{Username: ba.Username, Password: promconfig.Secret(ba.Password), PasswordFile: ba.PasswordFile}
		secrets = append(secrets, ba.Password)
		if ba.PasswordFile != "" {
			pw, err := readSecretFile("prometheus.basic_auth.password_file", ba.PasswordFile)
			if err != nil {
				return hc, nil, err
			}
			secrets = append(secrets, pw)
		}
	}
	if t := cfg.TLS; t != nil {
		if (t.CertFile == "") != (t.KeyFile == "") {
			return hc, nil, fmt.Errorf("prometheus.tls: cert_file and key_file go together")
		}
		for _, f := range []struct{ key, path string }{{"ca_file", t.CAFile}, {"cert_file", t.CertFile}, {"key_file", t.KeyFile}} {
			if f.path == "" {
				continue
			}
			if _, err := os.Stat(f.path); err != nil {
				return hc, nil, fmt.Errorf("prometheus.tls.%s: %w", f.key, err)
			}
		}
		hc.TLSConfig = promconfig.TLSConfig{
			CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile,
			ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify,
		}
	}
	if err := hc.Validate(); err != nil {
		return hc, nil, fmt.Errorf("prometheus: %w", err)
	}
	return hc, secrets, nil
}

func readSecretFile(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", key, path)
	}
	return s, nil
}

// newRoundTripper builds the HTTP transport chain (TLS, auth, headers) from
// prometheus/common. Redirects are followed, as curl -L would.
func newRoundTripper(hc promconfig.HTTPClientConfig) (http.RoundTripper, error) {
	rt, err := promconfig.NewRoundTripperFromConfig(hc, "verdict", promconfig.WithUserAgent("verdict"))
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	return rt, nil
}

// dedupSecrets drops empty and repeated secrets and sorts the longest first,
// so that masking one never leaves part of another visible.
func dedupSecrets(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
