#!/usr/bin/env bash
# A virtualenv in the persistent home with Jupyter Lab and the libraries.
# The CUDA build of PyTorch is chosen when the base exposes a GPU.
set -euo pipefail
venv="$HOME/.venvs/ds"
[ -x "$venv/bin/python" ] || python3.12 -m venv "$venv"
"$venv/bin/pip" install --upgrade pip
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  "$venv/bin/pip" install torch --index-url https://download.pytorch.org/whl/cu124
  "$venv/bin/pip" install "tensorflow[and-cuda]"
else
  "$venv/bin/pip" install torch --index-url https://download.pytorch.org/whl/cpu
  "$venv/bin/pip" install tensorflow-cpu
fi
"$venv/bin/pip" install jupyterlab scikit-learn pandas
nohup "$venv/bin/jupyter" lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=8888 \
  --ServerApp.token='' --ServerApp.base_url="${JUPYTER_BASE_URL:-/}" >/tmp/jupyter.log 2>&1 &
