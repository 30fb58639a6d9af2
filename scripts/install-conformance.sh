#!/usr/bin/env bash
# Makes the venv of the Python device client written from docs/ alone (test/conformance/, run by
# test/e2e/docsClient.test.ts): .venv-conformance in the repository (ignored by git), its pinned
# packages from PyPI. Skipped when the venv holds exactly the packages requirements.txt names.
# Needs python3 with venv (Debian: python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=test/conformance/requirements.txt
venv=.venv-conformance
if cmp -s "$requirements" "$venv/requirements.installed" 2>/dev/null; then
  exit 0
fi
echo "making $venv for the conformance client ($requirements)"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
cp "$requirements" "$venv/requirements.installed"
