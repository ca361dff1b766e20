# syntax=docker/dockerfile:1
#
# netpolgen as a static (musl) binary in a small image:
#
#   docker build -t netpolgen:0.1.0 .
#
# - KRM function:  config.kubernetes.io/function: {container: {image: netpolgen:0.1.0}}
#   or `kpt fn eval DIR --image netpolgen:0.1.0`. The entrypoint passes
#   --root /, because a container has no .git to find; the functionConfig must
#   then be self-contained (no spec.base or spec.templates outside the
#   container, which sees only stdin).
# - Argo CD sidecar: deploy/argocd/cmp-sidecar runs this image with command
#   /var/run/argocd/argocd-cmp-server (from the repo-server's var-files
#   volume); plugin.yaml's `sh -c` steps use busybox, and kustomize is copied
#   in from the Argo CD image.
# - Init container of the kustomize.buildOptions alternative: `cp` from busybox.
#
# The final image is busybox (musl) rather than scratch or distroless/static
# because both Argo CD set-ups need a shell and cp; it adds about 1.5 MB.

ARG RUST_VERSION=1.95
ARG TARGET=x86_64-unknown-linux-musl

FROM rust:${RUST_VERSION}-slim AS build
ARG TARGET
RUN rustup target add ${TARGET}
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY templates ./templates
COPY benches ./benches
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    cargo build --release --locked --target ${TARGET} --bin netpolgen \
    && mkdir -p /out \
    && cp target/${TARGET}/release/netpolgen /out/netpolgen

FROM busybox:1.37-musl
COPY --from=build /out/netpolgen /usr/local/bin/netpolgen
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/netpolgen", "--root", "/"]
