package report

import (
	"regexp"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Pulumi secrets are already "[secret]" in plain values (preview.PlainValue).
// A Helm value or env entry is not a Pulumi secret when a chart takes it in
// the clear, so the page also masks what looks like key material by name.

// secretWords are the parts of a key name (lower case, letters and digits
// only) that mark its value as credential material.
var secretWords = []string{
	"password", "passwd", "passphrase", "secret", "token", "credential",
	"apikey", "privatekey", "accesskey", "signingkey", "encryptionkey", "tlskey", "psk",
}

// referenceSuffixes mark a key that names or points at a secret, or
// describes it, without holding it (secretKeyRef, keySecretName,
// apiTokenSecretId, tokenLifetime): showing those helps a reviewer.
var referenceSuffixes = []string{
	"name", "names", "ref", "arn", "arns", "id", "ids", "path", "file", "enabled",
	"ttl", "lifetime", "duration", "seconds", "days", "version", "type", "kind",
}

// SecretKey reports whether a key name looks like it holds credential
// material.
func SecretKey(key string) bool {
	k := normalise(key)
	for _, s := range referenceSuffixes {
		if strings.HasSuffix(k, s) {
			return false
		}
	}
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func normalise(key string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(key) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// urlPassword is the password of a URL's userinfo (postgres://u:PW@host).
var urlPassword = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^/@\s:]*:)[^/@\s]+@`)

// Mask returns a copy of a plain value (what preview.PlainValue returns)
// with every secret-looking value replaced by preview.SecretText: values
// under secret-looking keys, the value of an env entry whose name looks
// secret, URL passwords and PEM private keys.
func Mask(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		envSecret := false
		if name, ok := x["name"].(string); ok {
			envSecret = SecretKey(name)
		}
		for k, e := range x {
			switch {
			case isFlag(e):
				out[k] = e // a flag or an absence is never the secret
			case SecretKey(k), envSecret && k == "value":
				out[k] = preview.SecretText
			default:
				out[k] = Mask(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Mask(e)
		}
		return out
	case string:
		if strings.Contains(x, "PRIVATE KEY-----") {
			return preview.SecretText
		}
		return urlPassword.ReplaceAllString(x, "${1}"+preview.SecretText+"@")
	}
	return v
}

// isFlag reports a value that cannot be a secret: null, a boolean, or a
// boolean as text (CODER_DISABLE_PASSWORD_AUTH=true).
func isFlag(v any) bool {
	switch x := v.(type) {
	case nil, bool:
		return true
	case string:
		return x == "true" || x == "false"
	}
	return false
}
