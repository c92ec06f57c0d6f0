#!/usr/bin/env bash
# Installs Go, Node.js and Python into the persistent home, once per version.
set -euo pipefail
GO_VERSION=1.23.12
NODE_MAJOR=22
arch=$(uname -m); case "$arch" in x86_64) goarch=amd64 ;; aarch64) goarch=arm64 ;; *) echo "unsupported arch $arch" >&2; exit 1 ;; esac
mkdir -p "$HOME/.local/bin" "$HOME/.cache"

if ! "$HOME/.local/go/bin/go" version 2>/dev/null | grep -q "go${GO_VERSION} "; then
  curl -fsSL "https://go.dev/dl/go${GO_VERSION}.linux-${goarch}.tar.gz" -o /tmp/go.tgz
  # Go publishes a SHA-256 beside every archive.
  echo "$(curl -fsSL "https://dl.google.com/go/go${GO_VERSION}.linux-${goarch}.tar.gz.sha256")  /tmp/go.tgz" | sha256sum -c -
  rm -rf "$HOME/.local/go" && tar -C "$HOME/.local" -xzf /tmp/go.tgz && rm -f /tmp/go.tgz
fi
ln -sf "$HOME/.local/go/bin/go" "$HOME/.local/go/bin/gofmt" "$HOME/.local/bin/"

if ! command -v node >/dev/null || ! node --version | grep -q "^v${NODE_MAJOR}\."; then
  if command -v apt-get >/dev/null; then
    # NodeSource's signed apt repository, configured by hand instead of
    # piping its setup script into a root shell.
    sudo install -d -m 0755 /etc/apt/keyrings
    curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | sudo gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
    echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main" | sudo tee /etc/apt/sources.list.d/nodesource.list >/dev/null
    sudo apt-get update && sudo apt-get install -y nodejs
  else
    sudo dnf install -y "nodejs${NODE_MAJOR}" && sudo alternatives --set node "/usr/bin/node-${NODE_MAJOR}" || true
  fi
fi

if ! command -v python3.12 >/dev/null; then
  if command -v apt-get >/dev/null; then
    sudo apt-get install -y software-properties-common
    . /etc/os-release
    [ "$VERSION_ID" = "24.04" ] || sudo add-apt-repository -y ppa:deadsnakes/ppa
    sudo apt-get update && sudo apt-get install -y python3.12 python3.12-venv
  else
    sudo dnf install -y python3.12 python3.12-pip
  fi
fi
