#!/usr/bin/env bash
# Static security checks of the Bicep templates with checkov, offline (--skip-download).
#
#   scripts/check-infra.sh [DIR]     DIR defaults to infra/
#
# Passes only when checkov reports 0 failed checks and 0 parsing errors and every check ran
# (a broken Bicep file shows up only as a parsing-error count, so a plain exit code is not enough).
# A check may be suppressed only inline, with a reason: `// checkov:skip=CKV_AZURE_x: why`.
# checkov lives in its own venv (.venv-infra) so the app's .venv stays lean; CHECKOV_BIN names
# another checkov executable instead (no install then).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${1:-$ROOT/infra}"
VENV="${INFRA_VENV:-$ROOT/.venv-infra}"
PYTHON="${PYTHON:-python3}"
REQUIREMENTS="$ROOT/infra/requirements-check.txt"
STAMP="$VENV/.installed"

if [[ ! -d "$TARGET" ]]; then
  echo "check-infra: no such directory: $TARGET" >&2
  exit 2
fi

CHECKOV="${CHECKOV_BIN:-$VENV/bin/checkov}"
# (Re)install when the pin changes.
if [[ -z "${CHECKOV_BIN:-}" ]] && { [[ ! -f "$STAMP" ]] || ! cmp -s "$REQUIREMENTS" "$STAMP"; }; then
  echo "check-infra: installing checkov into $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$STAMP"
fi

OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

set +e
"$CHECKOV" -d "$TARGET" --framework bicep --skip-download --compact >"$OUT" 2>&1
CHECKOV_RC=$?
set -e
cat "$OUT"

# "Passed checks: 28, Failed checks: 0, Skipped checks: 9[, Parsing errors: 1]"
SUMMARY="$(grep -E '^Passed checks: [0-9]+, Failed checks: [0-9]+' "$OUT" | tail -n 1 || true)"
if [[ -z "$SUMMARY" ]]; then
  echo "check-infra: FAIL: no checkov summary line (checkov exit code $CHECKOV_RC)" >&2
  exit 1
fi
count() { sed -nE "s/.*$1: ([0-9]+).*/\1/p" <<<"$SUMMARY"; }
FAILED="$(count 'Failed checks')"
PARSING="$(count 'Parsing errors')"
PARSING="${PARSING:-0}"
# A check that crashed on an expression it cannot read neither passed nor failed: treat it as a failure.
CRASHED="$(grep -c 'Failed to run check' "$OUT" || true)"

echo
echo "check-infra: $SUMMARY"
if [[ "$FAILED" != 0 || "$PARSING" != 0 || "$CRASHED" != 0 ]]; then
  echo "check-infra: FAIL: failed checks $FAILED, parsing errors $PARSING, checks that could not run $CRASHED" >&2
  exit 1
fi
if [[ "$CHECKOV_RC" != 0 ]]; then
  echo "check-infra: FAIL: checkov exited with $CHECKOV_RC" >&2
  exit 1
fi
echo "check-infra: OK (0 failed checks, 0 parsing errors)"
