package config

import (
	"encoding/json"
	"fmt"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/templates"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	chartVersion   = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	externalAuthID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,30}$`)
	orgName        = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,30}$`)
	provisionerTag = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	quietHours     = regexp.MustCompile(`^CRON_TZ=(\S+) (\d{1,2}) (\d{1,2}) \* \* \*$`)
	pinnedImage    = regexp.MustCompile(`^[a-z0-9./-]+(:[0-9A-Za-z._-]+)?$`)
	// bedrockModel is a Bedrock model or inference-profile ID, such as
	// anthropic.claude-3-5-haiku-20241022-v1:0 or us.anthropic.….
	bedrockModel = regexp.MustCompile(`^([a-z]{2,6}\.)?[a-z0-9-]+\.[a-z0-9.-]+(:[0-9]+)?$`)
	// externalAuthTypes are the provider types Coder's external auth knows.
	externalAuthTypes = []string{"azure-devops", "azure-devops-entra", "bitbucket-cloud", "bitbucket-server",
		"gitea", "github", "gitlab", "jfrog", "slack"}
)

// validateProxyTokens checks the shape of proxySessionTokens without ever
// echoing it, and records which regions it covers. Offline, where secure
// values cannot be decrypted, it covers every proxy region.
func validateProxyTokens(s *Plan, p *problems) {
	tok := s.secrets[SecretProxyTokens]
	if !tok.state.Set() {
		return
	}
	proxies := map[string]bool{}
	var names []string
	for _, r := range s.Regions {
		if r.Role.RunsProxy() {
			proxies[r.Name] = true
			names = append(names, r.Name)
		}
	}
	if tok.state == SecretSealed {
		s.proxyTokens = proxies
		return
	}
	var tokens map[string]string
	if err := json.Unmarshal([]byte(tok.value), &tokens); err != nil {
		p.add(SecretProxyTokens, secretValue{}, `must be a JSON object of proxy region to session token, such as {"us-west-2": "..."}`)
		return
	}
	regions := make([]string, 0, len(tokens))
	for r := range tokens {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	seen := map[string]string{}
	for _, r := range regions {
		key := SecretProxyTokens + "." + r
		switch {
		case !proxies[r]:
			p.add(key, secretValue{}, "names no proxy region of this stack; proxy regions: %s", strings.Join(names, ", "))
		case strings.TrimSpace(tokens[r]) == "":
			p.add(key, secretValue{}, "is empty; paste the token coder wsproxy create printed")
		case seen[tokens[r]] != "":
			p.add(key, secretValue{}, "is the token of %s too; every proxy needs its own token", seen[tokens[r]])
		default:
			seen[tokens[r]] = r
			s.proxyTokens[r] = true
		}
	}
}

// MaxCoderdReplicas is the 10k-user validated architecture's 10 replicas;
// Coder's scale guide advises staying below 10 and scaling up instead.
const MaxCoderdReplicas = 10

// validateCoderSettings checks the Coder deployment settings and resolves
// the effective coderd size once: the override if set, else the guidance.
func validateCoderSettings(s *Stack, p *problems) {
	c := &s.Coder
	if c.ChartVersion == "" && semverTag.MatchString(c.Version) {
		c.ChartVersion = strings.TrimPrefix(c.Version, "v") // Coder's chart versions follow its releases
	}
	if c.ChartVersion != "" && !chartVersion.MatchString(c.ChartVersion) {
		p.add("coder.chartVersion", c.ChartVersion, "must be a Helm chart version such as 2.35.1")
	}
	if !slices.Contains(workloads.PgAuths, c.PgAuth) {
		p.add("coder.pgAuth", string(c.PgAuth), "must be %q (IAM database authentication) or %q", workloads.PgAuthIAM, workloads.PgAuthPassword)
	}
	if c.Coderd != nil {
		validateSize(p, "coder.coderd", c.Coderd)
	}
	if c.Proxy != nil {
		validateSize(p, "coder.proxy", c.Proxy)
	}
	if o := c.OIDC; o != nil {
		// Issuer URLs may carry a path (Entra ID: /<tenant>/v2.0).
		if u, err := url.Parse(o.IssuerURL); err != nil || u.Scheme != "https" || u.Host == "" {
			p.add("coder.oidc.issuerUrl", o.IssuerURL, "must be the https issuer URL of the identity provider")
		}
		if strings.TrimSpace(o.ClientID) == "" {
			p.add("coder.oidc.clientId", o.ClientID, "the OIDC client ID registered with the identity provider is required")
		}
		for i, d := range o.EmailDomains {
			if !validDNSName(d) {
				p.add(fmt.Sprintf("coder.oidc.emailDomains[%d]", i), d, "must be an email domain such as example.com")
			}
		}
		if !slices.Contains(o.Scopes, "openid") {
			p.add("coder.oidc.scopes", o.Scopes, `must include "openid"`)
		}
	}
	seen := map[string]bool{}
	for i, e := range c.ExternalAuth {
		key := fmt.Sprintf("coder.externalAuth[%d]", i)
		if !externalAuthID.MatchString(e.ID) {
			p.add(key+".id", e.ID, "must be a lower-case ID such as github (letters, digits, -)")
		} else if seen[e.ID] {
			p.add(key+".id", e.ID, "is used twice; IDs must be unique")
		}
		seen[e.ID] = true
		if !slices.Contains(externalAuthTypes, e.Type) {
			p.add(key+".type", e.Type, "must be one of %s", strings.Join(externalAuthTypes, ", "))
		}
		if strings.TrimSpace(e.ClientID) == "" {
			p.add(key+".clientId", e.ClientID, "the OAuth client ID of the Git provider app is required")
		}
	}
	validateQuietHours(c.QuietHours.Schedule, p)
	validateProvisioners(&c.Provisioners, p)
	validateAIGateway(&c.AIGateway, p)
}

// validateSize checks a size override and fills its resources.
func validateSize(p *problems, key string, d *DeploymentSize) bool {
	ok := true
	if d.Replicas < 1 || d.Replicas > MaxCoderdReplicas {
		p.add(key+".replicas", d.Replicas, "must be 1–%d (Coder's 10k-user validated architecture); beyond that scale each replica up", MaxCoderdReplicas)
		ok = false
	}
	_, rok := quantities(p, quantity{key + ".cpu", d.CPU, "such as 4"}, quantity{key + ".memory", d.Memory, "such as 12Gi"})
	return ok && rok
}

func validateQuietHours(schedule string, p *problems) {
	m := quietHours.FindStringSubmatch(schedule)
	const allowed = `must be "CRON_TZ=<IANA zone> <minute> <hour> * * *", such as CRON_TZ=America/New_York 0 2 * * *`
	if m == nil {
		p.add("coder.quietHours.schedule", schedule, allowed)
		return
	}
	minute, _ := strconv.Atoi(m[2])
	hour, _ := strconv.Atoi(m[3])
	if _, err := time.LoadLocation(m[1]); err != nil || minute > 59 || hour > 23 {
		p.add("coder.quietHours.schedule", schedule, allowed)
	}
}

func validateProvisioners(pr *Provisioners, p *problems) {
	if pr.Replicas != nil && (*pr.Replicas < 1 || *pr.Replicas > 1000) {
		p.add("coder.provisioners.replicas", *pr.Replicas, "must be 1–1000")
	}
	if pr.MinReplicas < 0 {
		p.add("coder.provisioners.minReplicas", pr.MinReplicas, "must be at least 1 (0 means: from the capacity arithmetic)")
	}
	if pr.MaxReplicas < 0 || pr.MaxReplicas > 1000 {
		p.add("coder.provisioners.maxReplicas", pr.MaxReplicas, "must be 1–1000 (0 means: from the capacity arithmetic)")
	}
	if pr.MinReplicas > 0 && pr.MaxReplicas > 0 && pr.MinReplicas > pr.MaxReplicas {
		p.add("coder.provisioners.minReplicas", pr.MinReplicas, "must not exceed coder.provisioners.maxReplicas (%d)", pr.MaxReplicas)
	}
	names := map[string]bool{}
	for i, o := range pr.Organizations {
		key := fmt.Sprintf("coder.provisioners.organizations[%d].name", i)
		if !orgName.MatchString(o.Name) {
			p.add(key, o.Name, "must be a lower-case name (letters, digits, -), at most 31 characters")
		} else if names[o.Name] {
			p.add(key, o.Name, "is used twice; each organization gets one release and one key")
		}
		names[o.Name] = true
		tagKeys := make([]string, 0, len(o.Tags))
		for k := range o.Tags {
			tagKeys = append(tagKeys, k)
		}
		slices.Sort(tagKeys)
		for _, k := range tagKeys {
			if k == templates.RegionTag {
				p.add(fmt.Sprintf("coder.provisioners.organizations[%d].tags.%s", i, k), o.Tags[k],
					"is set by the platform on every key to the key's own region, which routes builds; remove it")
				continue
			}
			if !provisionerTag.MatchString(k) || !provisionerTag.MatchString(o.Tags[k]) {
				p.add(fmt.Sprintf("coder.provisioners.organizations[%d].tags.%s", i, k), o.Tags[k],
					"tag keys and values must be 1–64 letters, digits, '.', '_' or '-'")
			}
		}
		if o.Replicas < 0 || o.Replicas > 1000 {
			p.add(fmt.Sprintf("coder.provisioners.organizations[%d].replicas", i), o.Replicas, "must be 0–1000 (0 means: the default for its position)")
		}
	}
	if pr.CacheGiB < 1 || pr.CacheGiB > 1000 {
		p.add("coder.provisioners.cacheGiB", pr.CacheGiB, "must be 1–1000 GiB")
	}
	if pr.TerminationGracePeriodSeconds < 600 {
		p.add("coder.provisioners.terminationGracePeriodSeconds", pr.TerminationGracePeriodSeconds,
			"must be at least 600 so a scale-down lets a running build finish")
	}
}

func validateAIGateway(a *AIGateway, p *problems) {
	if !a.Enabled {
		return
	}
	if a.Replicas < 0 || a.Replicas > 100 {
		p.add("coder.aiGateway.replicas", a.Replicas, "must be 1–100 (0 means: from the workshop table)")
	}
	if len(a.Models) == 0 {
		p.add("coder.aiGateway.models", a.Models, "list the Amazon Bedrock model IDs the gateway serves")
	}
	for i, m := range a.Models {
		if !bedrockModel.MatchString(m) {
			p.add(fmt.Sprintf("coder.aiGateway.models[%d]", i), m, "must be an Amazon Bedrock model or inference-profile ID such as us.anthropic.claude-sonnet-4-20250514-v1:0")
		}
	}
	if !pinnedImage.MatchString(a.Image) || !strings.Contains(a.Image, ":") || strings.HasSuffix(a.Image, ":latest") {
		p.add("coder.aiGateway.image", a.Image, "must be an image pinned to a tag, such as ghcr.io/berriai/litellm:v1.72.6-stable")
	}
	quantities(p, quantity{"coder.aiGateway.cpu", a.CPU, "such as 2"}, quantity{"coder.aiGateway.memory", a.Memory, "such as 4Gi"})
}
