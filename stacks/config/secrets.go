package config

// The secret config keys: every key that must be set with
// `pulumi config set --secret`, in one table.
const (
	// SecretProxyTokens holds proxy session tokens as a JSON object
	// {"<region>": "<token>"}; regions without an entry read their token
	// from Secrets Manager.
	SecretProxyTokens = "proxySessionTokens"
	// SecretCloudflareToken is the Cloudflare API token (dns.provider
	// cloudflare without dns.cloudflare.apiTokenSecretId).
	SecretCloudflareToken = "cloudflareApiToken"
)

// secretKeys is the table: each key and what it holds.
var secretKeys = []struct{ key, holds string }{
	{SecretProxyTokens, "proxy session tokens by region"},
	{SecretCloudflareToken, "the Cloudflare API token"},
}

// SecretKeys lists the config keys that must be set with `--secret`.
func SecretKeys() []string {
	out := make([]string, len(secretKeys))
	for i, k := range secretKeys {
		out[i] = k.key
	}
	return out
}

// SecretState is what the program knows of a secret config key.
type SecretState int

const (
	// SecretAbsent: the key is not set.
	SecretAbsent SecretState = iota
	// SecretSealed: the key is set, but this process holds only its
	// ciphertext (the offline preview reads the stack file without the
	// stack's secrets provider). It is present and opaque.
	SecretSealed
	// SecretReadable: the key is set and its value was validated.
	SecretReadable
)

// Set reports whether the key has a value, readable or not.
func (s SecretState) Set() bool { return s != SecretAbsent }

// secret is one set secret key: its state and, when readable, its value.
type secret struct {
	state SecretState
	value string
}

// Secret is the state of the secret config key.
func (s *Stack) Secret(key string) SecretState { return s.secrets[key].state }
