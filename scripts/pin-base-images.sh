#!/usr/bin/env bash
# pin-base-images.sh [--check|--verify|--update]
#   The base images verdict's images are built on, pinned by digest: every FROM
#   in Dockerfile, Dockerfile.release's BASE default and .goreleaser.yaml's BASE
#   build argument are written image:tag@sha256:<digest>, the tag kept for the
#   reader (a digest wins over its tag, so the tag only documents what was pinned).
#
#   --check   (default, offline) exit 1 naming every reference that lacks a digest.
#   --verify  (needs a registry) also resolve each pinned reference: exit 1 if a
#             digest no longer resolves; say when its tag has moved on (a stale pin).
#             The release workflow runs this before it builds.
#   --update  (needs a registry) re-pin every reference to its tag's current digest.
# PIN_ROOT overrides the repository directory (for tests).
set -euo pipefail
mode=${1:---check}
root=${PIN_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
files=("$root/Dockerfile" "$root/Dockerfile.release" "$root/.goreleaser.yaml")

# refs prints "file:line<TAB>reference" for every base image reference.
refs() {
  awk '
    FNR == 1 { file = FILENAME; sub(".*/", "", file) }
    /^FROM / && $2 !~ /^\$\{/ { print file ":" FNR "\t" $2; next }
    /^ARG BASE=/ { sub(/^ARG BASE=/, ""); print file ":" FNR "\t" $0; next }
    /^ *BASE: / { sub(/^ *BASE: /, ""); print file ":" FNR "\t" $0 }
  ' "${files[@]}"
}

digest_of() { docker buildx imagetools inspect "$1" --format '{{json .Manifest}}' | sed -E 's/.*"digest":"(sha256:[0-9a-f]{64})".*/\1/'; }

pinned='^[a-z0-9./_-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$'
status=0
while IFS=$'\t' read -r where ref; do
  [ -n "$ref" ] || continue
  case $mode in
  --check)
    if ! [[ $ref =~ $pinned ]]; then
      echo "pin-base-images: $where: $ref is not pinned by digest (want image:tag@sha256:…; run scripts/pin-base-images.sh --update where a registry is reachable)" >&2
      status=1
    fi ;;
  --verify)
    if ! [[ $ref =~ $pinned ]]; then echo "pin-base-images: $where: $ref is not pinned by digest" >&2; status=1; continue; fi
    if ! docker buildx imagetools inspect "${ref%%:*}@${ref##*@}" >/dev/null; then
      echo "pin-base-images: $where: ${ref} does not resolve" >&2; status=1; continue
    fi
    now=$(digest_of "${ref%@*}")
    [ "$now" = "${ref##*@}" ] || echo "pin-base-images: $where: ${ref%@*} has moved on to $now (stale pin; --update re-pins)" ;;
  --update)
    tagged=${ref%@*}
    now=$(digest_of "$tagged")
    file=${where%%:*}; line=${where##*:}
    sed -i "${line}s|${ref//|/\\|}|${tagged}@${now}|" "$root/$file"
    echo "$where: $tagged@$now" ;;
  *) echo "usage: scripts/pin-base-images.sh [--check|--verify|--update]" >&2; exit 2 ;;
  esac
done < <(refs)
exit $status
