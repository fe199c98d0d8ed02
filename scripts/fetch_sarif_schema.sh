#!/usr/bin/env bash
# Refresh tests/data/sarif-schema-2.1.0.json from the npm package that ships it
# (see tests/data/sarif-schema-2.1.0.SOURCE.md). Needs npm; not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null && tar xzf ./*.tgz)
cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" tests/data/sarif-schema-2.1.0.json
sha256sum tests/data/sarif-schema-2.1.0.json
