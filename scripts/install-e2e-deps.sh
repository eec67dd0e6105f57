#!/usr/bin/env bash
# Installs what the end-to-end test (tests/e2e, `pytest -m e2e`) needs. Safe to run again.
#   - Debian chromium + fonts-noto-cjk (Japanese glyphs), when missing
#   - the npm packages pinned in tests/e2e/package-lock.json (Microsoft 365 Agents Playground,
#     playwright-core) into tests/e2e/node_modules, which is git-ignored: the Playground's
#     pre-release licence allows installing it at test time, never vendoring it.
#   - Azurite (npm, tests/e2e/azurite) for the Azure Table Storage state-store test
# Needs apt-get (Debian) and Node.js 20+ with npm.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
    echo "install-e2e-deps: apt-get install chromium fonts-noto-cjk" >&2
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "install-e2e-deps: npm not found; install Node.js 20+ with npm first" >&2
    exit 1
fi

# `npm ci` deletes and reinstalls node_modules; skip it when the tree was installed from this lock.
npm_install_locked() {
    local dir=$1 stamp want
    stamp="$dir/node_modules/.installed-lock.sha256"
    want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        echo "install-e2e-deps: $dir/node_modules is up to date" >&2
    else
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" > "$stamp"
    fi
}

npm_install_locked tests/e2e

# Azurite (local Azure Storage emulator) for the Azure Table state-store test, pinned in its own lock.
npm_install_locked tests/e2e/azurite
