# verdict built from source: the GitHub Action's image in a fork (action.yml with
# image: Dockerfile; releases run the prebuilt image from Dockerfile.release) and
# `docker run verdict judge -c canary.yaml`.
#
#   docker build -t verdict .                 # distroless static: CA certificates, no shell
#   docker build --target ci -t verdict:ci .  # the same binary with a busybox shell at /busybox/sh,
#                                             # for CI systems that run a script in the image (GitLab)
#
# No USER line: GitHub runs Docker actions as root so that they can write the
# workspace and the runner's file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).

# Base images are pinned by digest (scripts/pin-base-images.sh: --check offline,
# --verify and --update where a registry is reachable; the release workflow
# verifies them before it builds). The tag says what was pinned; the digest wins.
# golang:1.26.5 (the 1.26 line)
FROM golang:1.26.5@sha256:3aff6657219a4d9c14e27fb1d8976c49c29fddb70ba835014f477e1c70636647 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=none
ARG DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/verdict ./cmd/verdict \
 && /out/verdict version

# gcr.io/distroless/static-debian12:debug
FROM gcr.io/distroless/static-debian12:debug@sha256:ea6a51495f94a482dc431cd247bbace8f9a096ed6397005995245520ce5afcfe AS ci
COPY --from=build /out/verdict /usr/local/bin/verdict
ENTRYPOINT ["/usr/local/bin/verdict"]
CMD ["--help"]

# The last stage is the default target: what the GitHub Action runs.
# gcr.io/distroless/static-debian12:latest
FROM gcr.io/distroless/static-debian12:latest@sha256:61b7ccecebc7c474a531717de80a94709d20547cdcdaf740c25876f2a8e38b44 AS action
COPY --from=build /out/verdict /usr/local/bin/verdict
ENTRYPOINT ["/usr/local/bin/verdict"]
CMD ["--help"]
