#!/usr/bin/env bash
# A virtualenv in the persistent home with Jupyter Lab and the libraries.
# The CUDA build of PyTorch is chosen when the base exposes a GPU. Every
# package is pinned, so a toolchain version installs the same libraries.
set -euo pipefail
venv="$HOME/.venvs/ds"
[ -x "$venv/bin/python" ] || python3.12 -m venv "$venv"
"$venv/bin/pip" install pip==24.3.1
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  "$venv/bin/pip" install torch==2.5.1 --index-url https://download.pytorch.org/whl/cu124
  "$venv/bin/pip" install "tensorflow[and-cuda]==2.18.0"
else
  "$venv/bin/pip" install torch==2.5.1 --index-url https://download.pytorch.org/whl/cpu
  "$venv/bin/pip" install tensorflow-cpu==2.18.0
fi
"$venv/bin/pip" install jupyterlab==4.3.4 scikit-learn==1.6.1 pandas==2.2.3
nohup "$venv/bin/jupyter" lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=8888 \
  --ServerApp.token='' --ServerApp.base_url="${JUPYTER_BASE_URL:-/}" >/tmp/jupyter.log 2>&1 &
