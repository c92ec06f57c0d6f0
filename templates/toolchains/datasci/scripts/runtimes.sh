#!/usr/bin/env bash
# Installs Python 3.12 and R 4 from the distribution's repositories.
set -euo pipefail
if command -v apt-get >/dev/null; then
  . /etc/os-release
  sudo apt-get update
  [ "$VERSION_ID" = "24.04" ] || { sudo apt-get install -y software-properties-common && sudo add-apt-repository -y ppa:deadsnakes/ppa && sudo apt-get update; }
  command -v python3.12 >/dev/null || sudo apt-get install -y python3.12 python3.12-venv python3.12-dev
  command -v R >/dev/null || sudo apt-get install -y --no-install-recommends r-base
else
  command -v python3.12 >/dev/null || sudo dnf install -y python3.12 python3.12-devel
  command -v R >/dev/null || sudo dnf install -y R
fi
