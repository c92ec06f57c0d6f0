package scan_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/compose"
	"github.com/platformeng/coder-platform/templates/scan"
)

func rules(fs []scan.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestScriptRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, script string
		want         []string
	}{
		{"curl piped to sh", `curl -fsSL https://code-server.dev/install.sh | sh -s -- --version 4.96.4`, []string{"pipe-to-shell"}},
		{"curl piped to sudo bash", `curl -fsSL "https://deb.nodesource.com/setup_22.x" | sudo -E bash -`, []string{"pipe-to-shell"}},
		{"bash running a fetch", `bash -c "$(curl -fsSL https://example.com/install-1.2.sh)"`, []string{"pipe-to-shell"}},
		{"process substitution", `bash <(curl -fsSL https://example.com/install-1.2.sh)`, []string{"pipe-to-shell"}},
		{"iwr piped to iex", `iwr https://chocolatey.org/install.ps1 -UseBasicParsing | iex`, []string{"pipe-to-shell"}},
		{"iex of a download string", `iex ((New-Object System.Net.WebClient).DownloadString('https://chocolatey.org/install.ps1'))`, []string{"pipe-to-shell"}},
		{"plain http", "curl -fsSL -o /tmp/t.tgz http://example.com/t-1.2.tgz\nsha256sum -c t.tgz.sha256 /tmp/t.tgz", []string{"insecure-transport"}},
		{"latest", "curl -fsSL -o /tmp/t.tgz https://example.com/latest/t.tgz\necho \"$SUM  /tmp/t.tgz\" | sha256sum -c -", []string{"unpinned-download"}},
		{"no version", "Invoke-WebRequest -Uri \"https://d1uj6qtbmh3dt5.cloudfront.net/nice-dcv-server-x64-Release.msi\" -OutFile \"$env:TEMP\\dcv.msi\"\n" +
			"$sig = Get-AuthenticodeSignature \"$env:TEMP\\dcv.msi\"", []string{"unpinned-download"}},
		{"unverified curl -o", `curl -fsSL "https://go.dev/dl/go1.23.12.linux-amd64.tar.gz" -o /tmp/go.tgz`, []string{"unverified-download"}},
		{"unverified curl -O", `curl -fsSLO "https://example.com/t-1.2.tgz"`, []string{"unverified-download"}},
		{"unverified wget", `wget -q https://example.com/t-1.2.tgz`, []string{"unverified-download"}},
		{"continued line", "curl -fsSL \\\n  -o /tmp/t.tgz https://example.com/t-1.2.tgz", []string{"unverified-download"}},
		{"verified against another file", "curl -fsSL -o /tmp/a.tgz https://example.com/a-1.2.tgz\necho \"$SUM  /tmp/b.tgz\" | sha256sum -c -", []string{"unverified-download"}},
		{"unpinned pip", `"$venv/bin/pip" install jupyterlab==4.3.4 pandas`, []string{"unpinned-package"}},
		{"unpinned pip upgrade", `python3 -m pip install --upgrade pip`, []string{"unpinned-package"}},

		{"verified with sha256sum", "curl -fsSL \"https://go.dev/dl/go${V}.linux-amd64.tar.gz\" -o /tmp/go.tgz\n" +
			"echo \"$(curl -fsSL \"https://dl.google.com/go/go${V}.linux-amd64.tar.gz.sha256\")  /tmp/go.tgz\" | sha256sum -c -", nil},
		{"verified from SHA256SUMS", "curl -fsSL \"https://releases.hashicorp.com/terraform/${V}/${tf}\" -o \"/tmp/${tf}\"\n" +
			"(cd /tmp && curl -fsSL \"https://releases.hashicorp.com/terraform/${V}/terraform_${V}_SHA256SUMS\" | grep \" ${tf}$\" | sha256sum -c -)", nil},
		{"signed msi", "Invoke-WebRequest -Uri \"https://example.com/2025.0/x-2025.0.msi\" -OutFile \"$env:TEMP\\x.msi\"\n$sig = Get-AuthenticodeSignature \"$env:TEMP\\x.msi\"", nil},
		{"signed apt keyring", `curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | sudo gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg`, nil},
		{"fetch into a variable", `digest=$(curl -fsSL "https://api.example.com/releases/v1.2")`, nil},
		{"loopback http", `curl -fsS http://localhost:13337/healthz && curl -fsS http://169.254.169.254/latest/meta-data/instance-id`, nil},
		{"pinned pip", `"$venv/bin/pip" install torch==2.5.1 --index-url https://download.pytorch.org/whl/cpu && pip install -r requirements.txt`, nil},
		{"comment", `# curl https://example.com/install.sh | sh`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := rules(scan.Script("s.sh", []byte(c.script)))
			if c.want == nil {
				c.want = []string{}
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestTerraformRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, tf string
		want     []string
	}{
		{"provider without version", `terraform {
  required_providers {
    coder = { source = "coder/coder" }
  }
}`, []string{"provider-version"}},
		{"instance without IMDSv2 or encrypted root", `resource "aws_instance" "w" {
  ami = "ami-1"
  metadata_options { http_tokens = "optional" }
}`, []string{"imdsv2", "encrypted-storage"}},
		{"unencrypted volume", `resource "aws_ebs_volume" "home" {
  size = 10
  encrypted = true
}`, []string{"encrypted-storage"}},
		{"open security group", `resource "aws_security_group" "w" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }
}`, []string{"open-ingress"}},
		{"open ingress rule", `resource "aws_vpc_security_group_ingress_rule" "w" {
  cidr_ipv6 = "::/0"
}`, []string{"open-ingress"}},
		{"open network policy", `resource "kubernetes_network_policy_v1" "w" {
  spec {
    ingress {
      from {
        ip_block { cidr = "0.0.0.0/0" }
      }
    }
  }
}`, []string{"open-ingress"}},
		{"privileged containers", `resource "kubernetes_deployment" "w" {
  spec {
    template {
      spec {
        container {
          name = "dev"
          security_context {
            allow_privilege_escalation = false
            privileged                 = true
          }
        }
        dynamic "container" {
          for_each = [1]
          content {
            name = "vnc"
          }
        }
      }
    }
  }
}`, []string{"container-hardening", "container-hardening"}},

		{"hardened", `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}
resource "aws_instance" "w" {
  metadata_options { http_tokens = "required" }
  root_block_device { encrypted = true }
}
resource "aws_ebs_volume" "home" {
  encrypted  = true
  kms_key_id = var.kms_key_arn
}
resource "aws_security_group_rule" "egress" {
  type        = "egress"
  cidr_blocks = ["0.0.0.0/0"]
}
resource "kubernetes_network_policy_v1" "w" {
  spec {
    egress {
      to {
        ip_block { cidr = "0.0.0.0/0" }
      }
    }
  }
}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := scan.Terraform("main.tf", []byte(c.tf))
			require.NoError(t, err)
			if c.want == nil {
				c.want = []string{}
			}
			assert.Equal(t, c.want, rules(fs))
		})
	}
	_, err := scan.Terraform("main.tf", []byte(`resource "x" {`))
	assert.ErrorContains(t, err, "main.tf is not valid HCL")
}

func TestExceptions(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"toolchain.yaml":  []byte("curl https://example.com/x | sh # manifests are not scanned"),
		"scripts/a.sh":    []byte("curl -fsSL -o /tmp/cs.tgz https://github.com/coder/code-server/releases/download/v4.96.4/cs.tgz\n"),
		"scripts/pipe.sh": []byte("curl -fsSL https://example.com/install-1.2.sh | sh\n"),
	}
	accept := templates.Exception{Rule: "unverified-download", Match: "github.com/coder/code-server/", Reason: "no checksums are published upstream"}

	r, err := scan.Layer("toolchain t", files, []templates.Exception{accept})
	require.NoError(t, err)
	require.Len(t, r.Accepted, 1)
	assert.Equal(t, "no checksums are published upstream", r.Accepted[0].Reason)
	assert.Equal(t, "toolchain t scripts/a.sh:1", r.Accepted[0].Location())
	assert.Equal(t, []string{"pipe-to-shell"}, rules(r.Findings), "the pipe is not accepted and the manifest is not scanned")
	assert.ErrorContains(t, r.Err(), "security scan: 1 finding(s)")
	assert.ErrorContains(t, r.Err(), "pipe-to-shell: toolchain t scripts/pipe.sh:1: curl -fsSL https://example.com/install-1.2.sh | sh")

	t.Run("a rule with no safe exception cannot be accepted", func(t *testing.T) {
		_, err := scan.Layer("toolchain t", files, []templates.Exception{accept,
			{Rule: "pipe-to-shell", Match: "example.com/install", Reason: "we trust example.com entirely"}})
		assert.EqualError(t, err, `toolchain t: exception pipe-to-shell "example.com/install" accepts no finding; remove it`)
	})
	t.Run("a stale exception is refused", func(t *testing.T) {
		_, err := scan.Layer("base b", map[string][]byte{"main.tf": []byte("locals {}\n")}, []templates.Exception{accept})
		assert.EqualError(t, err, `base b: exception unverified-download "github.com/coder/code-server/" accepts no finding; remove it`)
	})
}

func TestRuleNames(t *testing.T) {
	t.Parallel()
	assert.Len(t, scan.RuleNames(), 10)
	assert.Equal(t, "pipe-to-shell", scan.RuleNames()[0])
}

// The shipped catalog passes the scan; what it accepts is exactly the two
// upstreams that publish no checksums.
func TestCatalogScan(t *testing.T) {
	t.Parallel()
	cat, err := templates.Load(templates.Embedded())
	require.NoError(t, err)
	composed, err := compose.ComposeAll(cat)
	require.NoError(t, err)
	accepted := map[string]int{}
	for _, tpl := range composed {
		require.NoError(t, tpl.Scan.Err())
		for _, f := range tpl.Scan.Accepted {
			assert.Equal(t, "unverified-download", f.Rule)
			accepted[tpl.Name]++
		}
	}
	assert.Equal(t, map[string]int{"pod-swdev": 1, "ec2-datasci": 2, "ec2-datasci-gpu": 2}, accepted)
}
