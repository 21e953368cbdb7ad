#!/usr/bin/env bash
# The README's test command: sets up everything on a fresh machine, then lints, type-checks
# and runs the whole test suite. Any failure fails the script; pytest's "no tests" (exit 5) too.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[dev]'

# The HTML report is tested in a real headless Chromium (Debian's chromium + chromium-driver).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian packages chromium, chromium-driver)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "chromium not found and cannot install it (need root and apt-get);" \
         "browser tests will be skipped locally and fail under CI=true" >&2
  fi
fi

# Every check runs, so one CI log shows every problem; any failure fails the script.
failed=()
echo "== ruff check"; ruff check . || failed+=("ruff check")
echo "== ruff format --check"; ruff format --check . || failed+=("ruff format")
echo "== mypy"; mypy || failed+=("mypy")
echo "== pytest"
set +e
python -m pytest -n 2 -p no:cacheprovider -p no:benchmark "$@"
status=$?
set -e
if [ $status -eq 5 ]; then echo "pytest collected no tests" >&2; failed+=("pytest (no tests)");
elif [ $status -ne 0 ]; then failed+=("pytest (exit $status)"); fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all checks passed"
