#!/usr/bin/env bash
# Static checks: ruff (style, bugs, flake8-bandit rules) on the whole repository, mypy and bandit on the
# packages. Settings live in pyproject.toml. Exits non-zero when any tool reports a finding; all three
# run either way, so one run shows everything.
#
#   scripts/static-checks.sh            PY defaults to .venv/bin/python
#
# A finding is fixed or suppressed inline with its reason: `# noqa: S608  # nosec B608  # why`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PY:-.venv/bin/python}"
# The same packages for mypy (pyproject.toml [tool.mypy] files) and bandit.
PACKAGES=(bot retrieval indexer eval state manifest prompts app.py settings.py services.py logs.py)

failed=()
run() {
  local name="$1"; shift
  echo "== $name"
  if "$@"; then
    echo "== $name: OK"
  else
    echo "== $name: FAILED" >&2
    failed+=("$name")
  fi
}

run ruff "$PY" -m ruff check --no-cache .
run mypy "$PY" -m mypy
run bandit "$PY" -m bandit --quiet --configfile pyproject.toml --recursive "${PACKAGES[@]}"

if (( ${#failed[@]} )); then
  echo "static-checks: FAIL: ${failed[*]}" >&2
  exit 1
fi
echo "static-checks: OK (ruff, mypy, bandit)"
