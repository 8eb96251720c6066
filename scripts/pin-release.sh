#!/usr/bin/env bash
# pin-release.sh VERSION           point the GitHub Action (action.yml), the GitLab
#                                  component's default image (templates/verdict.yml) and the
#                                  Kubernetes examples at the release images of VERSION
#                                  (1.2.0 or v1.2.0); commit, then tag.
# pin-release.sh --check VERSION   exit 1 unless they already do: the release workflow runs
#                                  this on the tag, so a release never ships an action that
#                                  runs another version's image.
# PIN_ROOT overrides the repository directory (for tests).
set -euo pipefail
image=ghcr.io/verdict-ci/verdict
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
v=${1:?usage: scripts/pin-release.sh [--check] VERSION}
v=${v#v}
if ! [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "pin-release: $v is not a version like 1.2.0" >&2
  exit 2
fi
root=${PIN_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
action_line="  image: docker://$image:$v"
gitlab_line="      default: $image:$v-debug"
examples=("$root"/examples/argo-rollouts/*.yaml "$root/examples/flagger/Dockerfile.loadtester")
re=${image//./\\.}
if ! $check; then
  sed -i -E "s|^  image: docker://$re:[^ ]*\$|$action_line|" "$root/action.yml"
  sed -i -E "s|^      default: $re:[^ ]*-debug\$|$gitlab_line|" "$root/templates/verdict.yml"
  sed -i -E "s|($re):[0-9A-Za-z._-]*-debug|\\1@DEBUG@|g; s|($re):[0-9A-Za-z._-]*|\\1:$v|g; s|($re)@DEBUG@|\\1:$v-debug|g" "${examples[@]}"
fi
ok=true
grep -qxF -- "$action_line" "$root/action.yml" ||
  { echo "pin-release: action.yml does not run $image:$v (run scripts/pin-release.sh $v and commit)" >&2; ok=false; }
grep -qxF -- "$gitlab_line" "$root/templates/verdict.yml" ||
  { echo "pin-release: templates/verdict.yml's default image is not $image:$v-debug (run scripts/pin-release.sh $v and commit)" >&2; ok=false; }
for f in "${examples[@]}"; do
  if grep -oE "$re:[0-9A-Za-z._-]*" "$f" | grep -vqxE "$re:$v(-debug)?"; then
    echo "pin-release: ${f#"$root"/} names another version of $image (run scripts/pin-release.sh $v and commit)" >&2
    ok=false
  fi
done
$ok
