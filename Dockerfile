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

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
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

FROM gcr.io/distroless/static-debian12:debug AS ci
COPY --from=build /out/verdict /usr/local/bin/verdict
ENTRYPOINT ["/usr/local/bin/verdict"]
CMD ["--help"]

# The last stage is the default target: what the GitHub Action runs.
FROM gcr.io/distroless/static-debian12 AS action
COPY --from=build /out/verdict /usr/local/bin/verdict
ENTRYPOINT ["/usr/local/bin/verdict"]
CMD ["--help"]
