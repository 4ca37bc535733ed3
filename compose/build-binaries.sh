#!/bin/sh
# Runs inside the build stage of compose/Dockerfile (POSIX sh: builder images
# need not have bash).
#
#   build-binaries.sh build            -> every workspace binary in /out/bin
#   build-binaries.sh select SERVICE   -> /out/bin/SERVICE as /out/quorum-service,
#                                         plus the state dir /out/state
#
# `build` must not depend on which service is being built, so that the layer
# cache turns 52 image builds into a single compile.
set -eu

OUT=/out
PREBUILT=/prebuilt/bin
# Matches the user the runtime image runs as.
STATE_OWNER=10001:10001

build() {
    mkdir -p "$OUT/bin"
    # Air-gapped builders carry binaries compiled on the host: no toolchain and
    # no crates.io needed, so the workspace does not even have to compile here.
    if [ -d "$PREBUILT" ]; then
        echo "build-binaries: using prebuilt binaries from $PREBUILT"
        copy_executables "$PREBUILT"
    else
        target_dir="${CARGO_TARGET_DIR:-target}"
        cargo build --release --locked --workspace --bins
        copy_executables "$target_dir/release"
        # Only /out/bin is used later; without this the layer would also keep
        # gigabytes of intermediate build output and downloaded sources.
        rm -rf "$target_dir" "${CARGO_HOME:-$HOME/.cargo}/registry"
    fi
    count=$(find "$OUT/bin" -type f | wc -l)
    if [ "$count" -eq 0 ]; then
        echo "build-binaries: no binaries were produced" >&2
        exit 1
    fi
    echo "build-binaries: $count binaries in $OUT/bin"
}

# Copies the executables directly in $1: target/release also holds build
# scripts and dependency artefacts in subdirectories, which are not wanted.
copy_executables() {
    for file in "$1"/*; do
        if [ -f "$file" ] && [ -x "$file" ]; then
            cp -p "$file" "$OUT/bin/"
        fi
    done
}

select_service() {
    service="${1:-}"
    if [ -z "$service" ]; then
        echo "build-binaries: SERVICE is empty; pass --build-arg SERVICE=<binary name>" >&2
        exit 1
    fi
    if [ ! -f "$OUT/bin/$service" ]; then
        echo "build-binaries: no binary named '$service' in the workspace build." >&2
        echo "build-binaries: binaries available: $(cd "$OUT/bin" && echo *)" >&2
        exit 1
    fi
    cp -p "$OUT/bin/$service" "$OUT/quorum-service"
    # Named volumes start as a copy of the image's directory, owner included,
    # which is what makes them writable by the non-root user.
    mkdir -p "$OUT/state/secrets"
    chmod 0755 "$OUT/state"
    chmod 0700 "$OUT/state/secrets"
    chown -R "$STATE_OWNER" "$OUT/state"
}

case "${1:-}" in
    build) build ;;
    select) select_service "${2:-}" ;;
    *)
        echo "usage: build-binaries.sh build | select SERVICE" >&2
        exit 2
        ;;
esac
