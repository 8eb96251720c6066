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
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]} (not root, not installing; tests that need them will skip)" >&2
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
