#!/usr/bin/env bash
# The README's first command: installs evalkit into .venv and runs the offline demo comparison
# (recorded outputs of real models, no API key), writing the HTML report into reports/.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e .
exec evalkit demo "$@"
