# syntax=docker/dockerfile:1
# Vigil's image: one static binary, run as a non-root user.
#   docker build -t vigil .
#   docker run --rm vigil validate-config --config /etc/vigil/scheduler.json
# deploy/docker-compose.yml runs PostgreSQL, the migrate step and one container per role.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/vigil ./cmd/vigil
# Fail the build if the binary is not static (it must run on distroless/static).
RUN ! ldd /out/vigil >/dev/null 2>&1 && /out/vigil version

# wget for the compose healthchecks: distroless has no shell or HTTP client, and
# busybox's musl build is one static file (the applet runs by its file name).
FROM busybox:1.37-musl AS probe

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vigil /usr/local/bin/vigil
COPY --from=probe /bin/busybox /usr/local/bin/wget
COPY config/scheduler/scheduler.json /etc/vigil/scheduler.json
# distroless's nonroot user (65532); backups (VIGIL_BACKUP_DIR) default to
# ./backups under this directory: mount a volume here to keep them.
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8001 8002
ENTRYPOINT ["/usr/local/bin/vigil"]
CMD ["serve", "--config", "/etc/vigil/scheduler.json"]
