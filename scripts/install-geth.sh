#!/usr/bin/env bash
# Builds geth 1.13.15 (the last release that seals Clique) from the Go module proxy into a cache
# outside the repository, once. The network commands and tests find it there (src/network/findGeth.ts).
#
#   PYTHIA_TOOLS_DIR   where tools are cached (default: $HOME/.cache/pythia/tools)
#
# The binary ends up at $PYTHIA_TOOLS_DIR/geth-1.13.15/geth. The build is skipped when that binary
# already reports version 1.13.15.
set -euo pipefail

version=1.13.15
tools_dir="${PYTHIA_TOOLS_DIR:-${HOME:?HOME is not set; set PYTHIA_TOOLS_DIR}/.cache/pythia/tools}"
target_dir="$tools_dir/geth-$version"
target="$target_dir/geth"

reports_version() {
  [ -x "$1" ] && "$1" version 2>/dev/null | grep -q "^Version: $version-stable"
}

if reports_version "$target"; then
  echo "geth $version already installed: $target"
  exit 0
fi

# Go's own installer puts it in /usr/local/go without touching PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-geth: Go (1.20 or later) is required to build geth $version (https://go.dev/dl/); none found on PATH" >&2
  exit 1
fi

echo "building geth $version with $(go version) (several minutes on a cold Go cache)..."
mkdir -p "$target_dir"
build_dir="$(mktemp -d "$target_dir/.build.XXXXXX")"
trap 'rm -rf "$build_dir"' EXIT
# -checklinkname=0: an old dependency of geth 1.13 uses go:linkname, which Go >= 1.23 refuses to
# link without it. Older Go toolchains do not know the flag.
ldflags=""
# (`go tool link -help` exits non-zero, hence the `|| true` under pipefail.)
if { go tool link -help 2>&1 || true; } | grep -q checklinkname; then ldflags="-checklinkname=0"; fi
GOBIN="$build_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
  go install -ldflags="$ldflags" "github.com/ethereum/go-ethereum/cmd/geth@v$version"
reports_version "$build_dir/geth" || {
  echo "install-geth: the built binary does not report version $version" >&2
  exit 1
}
# Rename into place so a crash mid-build never leaves a half-written binary at the cached path.
mv -f "$build_dir/geth" "$target"
echo "geth $version installed: $target"
