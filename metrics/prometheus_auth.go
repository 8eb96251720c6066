package metrics

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"

	promconfig "github.com/prometheus/common/config"

	"github.com/verdict-ci/verdict/config"
)

// httpClientConfig maps verdict's prometheus config onto prometheus/common's
// HTTP client config, and returns the secrets it holds for masking: each
// credential and the header value it is sent as (Bearer <token>, Basic
// <base64>, the base64 alone). getenv looks up bearer_token_env; nil means
// no environment.
func httpClientConfig(cfg config.Prometheus, getenv func(string) string) (promconfig.HTTPClientConfig, []string, error) {
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
		secrets = append(secrets, bearerSecrets(tok)...)
	case cfg.BearerTokenEnv != "":
		if getenv == nil {
			return hc, nil, fmt.Errorf("prometheus.bearer_token_env: no environment to read %s from", cfg.BearerTokenEnv)
		}
		tok := strings.TrimSpace(getenv(cfg.BearerTokenEnv))
		if tok == "" {
			return hc, nil, fmt.Errorf("prometheus.bearer_token_env: environment variable %s is unset or empty", cfg.BearerTokenEnv)
		}
		hc.Authorization = &promconfig.Authorization{Type: "Bearer", Credentials: promconfig.Secret(tok)}
		secrets = append(secrets, bearerSecrets(tok)...)
	}
	if ba := cfg.BasicAuth; ba != nil {
		if ba.Username == "" {
			return hc, nil, fmt.Errorf("prometheus.basic_auth.username: required")
		}
		if ba.Password != "" && ba.PasswordFile != "" {
			return hc, nil, fmt.Errorf("prometheus.basic_auth: set password or password_file, not both")
		}
		hc.BasicAuth = &promconfig.BasicAuth{Username: ba.Username, Password: promconfig.Secret(ba.Password), PasswordFile: ba.PasswordFile}
		pw := ba.Password
		if ba.PasswordFile != "" {
			var err error
			if pw, err = readSecretFile("prometheus.basic_auth.password_file", ba.PasswordFile); err != nil {
				return hc, nil, err
			}
		}
		secrets = append(secrets, basicSecrets(ba.Username, pw)...)
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

// bearerSecrets are a bearer token and its Authorization header value.
func bearerSecrets(tok string) []string { return []string{tok, "Bearer " + tok} }

// basicSecrets are a basic-auth password and the forms its Authorization
// header takes: "Basic <base64(user:password)>" and the base64 alone (which
// a server may echo without the scheme).
func basicSecrets(user, pw string) []string {
	if pw == "" {
		return nil
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
	return []string{pw, b64, "Basic " + b64}
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
// prometheus/common. Redirects are followed only on the same server (see
// sameServerRedirects).
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

// errRedirect marks a redirect the source refused to follow.
var errRedirect = errors.New("redirect refused")

// sameServerRedirects is the client's CheckRedirect: it follows a redirect
// only to the same scheme and host (or from http to https on the same host
// name), at most 10 times. Go drops Authorization on a redirect to another
// host, but the headers round tripper adds the configured headers
// (X-Scope-OrgID and the like) on every request it sends, so a redirect
// elsewhere would hand them to a server nobody configured, and one to plain
// http would send them in the clear.
func sameServerRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("%w: stopped after 10 redirects", errRedirect)
	}
	from, to := via[0].URL, req.URL
	switch {
	case to.Scheme == from.Scheme && to.Host == from.Host:
		return nil
	case from.Scheme == "http" && to.Scheme == "https" && to.Hostname() == from.Hostname():
		return nil
	case from.Scheme == "https" && to.Scheme == "http":
		return fmt.Errorf("%w: %s redirects from https to plain http (%s://%s); verdict does not send credentials or headers in the clear",
			errRedirect, from.Host, to.Scheme, to.Host)
	}
	return fmt.Errorf("%w: %s://%s redirects to another server (%s://%s); verdict sends credentials and headers only to the configured server — set prometheus.url to the server that answers",
		errRedirect, from.Scheme, from.Host, to.Scheme, to.Host)
}
