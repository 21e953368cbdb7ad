#!/usr/bin/env bash
# The test suite against the LOWEST versions pyproject.toml allows, in its own venv
# (.venv-floors). Not part of the README's test command (it needs a second install of every
# dependency); run it before lowering or raising a floor. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv-floors
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# Keep in step with [project.dependencies] in pyproject.toml.
"$VENV/bin/python" -m pip install --quiet \
  "numpy==1.24.*" "pandas==2.0.*" "scikit-learn==1.3.*" "rapidfuzz==3.0.*" \
  "jinja2==3.1.0" "openai==1.55.3" "anthropic==0.42.0" "pytest==7.4.*" \
  pytest-xdist playwright nbformat nbclient ipykernel
"$VENV/bin/python" -m pip install --quiet --no-deps -e .
"$VENV/bin/python" -m pip list 2>/dev/null | grep -iE '^(numpy|pandas|scikit-learn|rapidfuzz|jinja2|openai|anthropic|httpx|pytest) '
set +e
"$VENV/bin/python" -m pytest -n 2 -p no:cacheprovider -p no:benchmark "$@"
status=$?
set -e
[ $status -eq 5 ] && { echo "pytest collected no tests" >&2; exit 1; }
exit $status
