#!/usr/bin/env bash
# deps.sh installs the Debian packages verdict's tests use, when they are
# missing and we run as root. Without root it prints what is missing and
# carries on: the tests that need a missing tool say so loudly.
set -euo pipefail

# command -> Debian package
declare -A want=(
  [Rscript]=r-base-core
  [prometheus]=prometheus
  [promtool]=prometheus
  [xmllint]=libxml2-utils
  [chromium]=chromium
  [node]=nodejs
  [npm]=npm
  [victoria-metrics]=victoria-metrics
)
missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
/usr/bin/python3 -c 'import scipy' >/dev/null 2>&1 || missing+=(python3-scipy)
/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 || missing+=(python3-jsonschema)
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing+=(python3-prometheus-client)
# mermaid_cli installs @mermaid-js/mermaid-cli (test/browser's lock file)
# outside the tree, in $VERDICT_TOOLS/mermaid-cli (default
# ~/.cache/verdict/mermaid-cli), where report's browser test looks for it:
# `go test` itself never runs npm. Reinstalled when the lock file changes.
mermaid_cli() {
  command -v npm >/dev/null 2>&1 || { echo "deps: npm missing, mermaid-cli not installed (the Mermaid render test fails under CI)" >&2; return 0; }
  local dir="${VERDICT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/verdict}/mermaid-cli"
  local src; src="$(cd "$(dirname "$0")/../test/browser" && pwd)"
  if [ -x "$dir/node_modules/.bin/mmdc" ] && cmp -s "$src/package-lock.json" "$dir/package-lock.json"; then
    return 0
  fi
  echo "deps: installing mermaid-cli into $dir" >&2
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  [ -f "$src/puppeteer.json" ] && cp "$src/puppeteer.json" "$dir/"
  (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

if [ ${#missing[@]} -eq 0 ]; then
  mermaid_cli
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]} (not root, not installing; tests that need them will skip)" >&2
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
mermaid_cli
