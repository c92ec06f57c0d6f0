#!/usr/bin/env bash
# Installs Terraform, kubectl, gh, the Docker CLI and code-server.
set -euo pipefail
TERRAFORM_VERSION=1.9.8
KUBECTL_VERSION=v1.33.4
arch=$(uname -m); case "$arch" in x86_64) a=amd64 ;; aarch64) a=arm64 ;; esac
bin="$HOME/.local/bin"; mkdir -p "$bin"

if ! "$bin/terraform" version 2>/dev/null | grep -q "v${TERRAFORM_VERSION}"; then
  curl -fsSL "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_${a}.zip" -o /tmp/tf.zip
  python3 -c "import zipfile,sys; zipfile.ZipFile('/tmp/tf.zip').extract('terraform', sys.argv[1])" "$bin" && chmod +x "$bin/terraform" && rm -f /tmp/tf.zip
fi
if ! "$bin/kubectl" version --client 2>/dev/null | grep -q "${KUBECTL_VERSION}"; then
  curl -fsSL "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${a}/kubectl" -o "$bin/kubectl" && chmod +x "$bin/kubectl"
fi
if ! command -v gh >/dev/null; then
  if command -v apt-get >/dev/null; then sudo apt-get install -y gh || { curl -fsSL https://cli.github.com/packages/githubcli-archive-keyring.gpg | sudo dd of=/usr/share/keyrings/githubcli-archive-keyring.gpg;
    echo "deb [signed-by=/usr/share/keyrings/githubcli-archive-keyring.gpg] https://cli.github.com/packages stable main" | sudo tee /etc/apt/sources.list.d/github-cli.list >/dev/null;
    sudo apt-get update && sudo apt-get install -y gh; }
  else sudo dnf install -y 'dnf-command(config-manager)' && sudo dnf config-manager --add-repo https://cli.github.com/packages/rpm/gh-cli.repo && sudo dnf install -y gh; fi
fi
if ! command -v docker >/dev/null; then
  if command -v apt-get >/dev/null; then sudo apt-get install -y docker.io; else sudo dnf install -y docker; fi
fi
if [ ! -x "$HOME/.local/lib/code-server/bin/code-server" ]; then
  curl -fsSL https://code-server.dev/install.sh | sh -s -- --method=standalone --prefix="$HOME/.local"
fi
nohup "$HOME/.local/bin/code-server" --auth none --port 13337 --bind-addr 127.0.0.1:13337 >/tmp/code-server.log 2>&1 &
