#!/bin/sh
# Runs inside the build stage of compose/Dockerfile (POSIX sh: builder images
# need not have bash).
#
#   build-binaries.sh [PROFILE]   -> /out/quorum (the binary of every service) and the
#                                    state directory /out/state
#
# PROFILE is a cargo profile, `release` by default.
set -eu

OUT=/out
PREBUILT=/prebuilt/bin/quorum
PROFILE=${1:-release}
# Matches the user the runtime image runs as.
STATE_OWNER=10001:10001

mkdir -p "$OUT"
# Air-gapped builders carry the binary compiled on the host: no toolchain and no
# crates.io needed, so the workspace does not even have to compile here.
if [ -f "$PREBUILT" ]; then
    echo "build-binaries: using the prebuilt $PREBUILT"
    cp -p "$PREBUILT" "$OUT/quorum"
else
    target_dir="${CARGO_TARGET_DIR:-target}"
    # A clean tree has nothing to reuse: no incremental cache to write.
    CARGO_INCREMENTAL=0 cargo build --profile "$PROFILE" --locked -p quorum --bin quorum
    cp -p "$target_dir/$PROFILE/quorum" "$OUT/quorum"
    # Only /out is used later; without this the layer would also keep gigabytes of
    # intermediate build output and downloaded sources.
    rm -rf "$target_dir" "${CARGO_HOME:-$HOME/.cargo}/registry"
fi
"$OUT/quorum" --version

# Named volumes start as a copy of the image's directory, owner included, which is
# what makes them writable by the non-root user.
mkdir -p "$OUT/state/secrets"
chmod 0755 "$OUT/state"
chmod 0700 "$OUT/state/secrets"
chown -R "$STATE_OWNER" "$OUT/state"
