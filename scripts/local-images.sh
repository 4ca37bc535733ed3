#!/usr/bin/env bash
# Makes the images the compose stack needs on a machine with a Docker engine
# but no image registry: nothing is pulled, everything is built from Debian
# packages (debootstrap) and from binaries already compiled on this machine.
#
#   quorum-local/base:bookworm      minimal Debian root (debootstrap minbase)
#   quorum-local/runtime:bookworm   distroless-like runtime: glibc, CA certs, user 10001
#   quorum-local/postgres:16        stand-in for postgres:16 (Debian's PostgreSQL)
#   quorum-local/redis:7            stand-in for redis:7 (Debian's redis-server)
#   quorum-local/builder:bookworm   base + the host's `quorum` binary in /prebuilt/bin,
#                                   used as BUILDER_IMAGE by compose/Dockerfile
#
# Existing images are kept unless --rebuild; the builder is remade every run
# because the binary changes. Debian roots are cached under
# ${QUORUM_LOCAL_DIR:-.local}/images so re-runs do not debootstrap again.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/local-images.sh [options]

  --binaries DIR    directory holding the `quorum` binary for the builder image
                    (default: ${CARGO_TARGET_DIR:-target}/release)
  --no-builder      make only the base, runtime, postgres and redis images
  --rebuild         remake images that already exist (cached roots are reused)
  --fresh           like --rebuild, and debootstrap the cached roots again
  --env-file FILE   also write the compose environment to FILE
  --if-docker       exit 0 (not 1) when no Docker engine is reachable
  -h, --help        this text

Environment: QUORUM_LOCAL_DIR (cache, default .local in the repository), CARGO_TARGET_DIR,
ROOTFS_MIRROR / ROOTFS_SECURITY_MIRROR (Debian mirrors).
USAGE
}

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/rootfs.sh
source "$REPO_ROOT/scripts/lib/rootfs.sh"

BASE_IMAGE=quorum-local/base:bookworm
RUNTIME_IMAGE=quorum-local/runtime:bookworm
BUILDER_IMAGE=quorum-local/builder:bookworm
POSTGRES_IMAGE=quorum-local/postgres:16
REDIS_IMAGE=quorum-local/redis:7
RUNTIME_UID=10001

binaries_dir=""
make_builder=1
rebuild=0
fresh=0
env_file=""
if_docker=0
while [ $# -gt 0 ]; do
    case "$1" in
        --binaries) binaries_dir=${2:?--binaries needs a directory}; shift 2 ;;
        --no-builder) make_builder=0; shift ;;
        --rebuild) rebuild=1; shift ;;
        --fresh) rebuild=1; fresh=1; shift ;;
        --env-file) env_file=${2:?--env-file needs a file}; shift 2 ;;
        --if-docker) if_docker=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

# Paths given on the command line are relative to where the script was run;
# the defaults (and QUORUM_LOCAL_DIR) are relative to the repository.
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
[ -z "$binaries_dir" ] || binaries_dir=$(absolute "$binaries_dir")
[ -z "$env_file" ] || env_file=$(absolute "$env_file")
cd "$REPO_ROOT"
binaries_dir=${binaries_dir:-${CARGO_TARGET_DIR:-target}/release}
LOCAL_DIR=${QUORUM_LOCAL_DIR:-.local}
IMAGES_DIR="$(mkdir -p "$LOCAL_DIR/images" && cd "$LOCAL_DIR/images" && pwd)"
trap rootfs_cleanup EXIT

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# True when IMAGE has to be (re)made.
wanted() { [ "$rebuild" -eq 1 ] || ! image_exists "$1"; }

# Remade images leave their predecessors untagged; drop those that nothing
# uses any more (images still used by containers or other images stay).
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
drop_replaced() {
    local old_id=$1 image=$2
    if [ -n "$old_id" ] && [ "$old_id" != "$(image_id "$image")" ]; then
        docker rmi "$old_id" >/dev/null 2>&1 || true
    fi
}

# The cached roots. Made at most once per run (--fresh remakes them once),
# and not in a subshell, so the EXIT trap sees any mounts left behind.
BASE_ROOT="$IMAGES_DIR/base-root"
made_roots=" "

ensure_base_root() {
    local recipe
    recipe=$(rootfs_base_recipe)
    if [[ "$made_roots" == *" base "* ]]; then return 0; fi
    if [ "$fresh" -eq 1 ] || ! rootfs_is_current "$BASE_ROOT" "$recipe"; then
        priv rm -f "$BASE_ROOT.stamp"
        rootfs_ensure_debootstrap
        rootfs_make_base "$BASE_ROOT"
        rootfs_mark_current "$BASE_ROOT" "$recipe"
    fi
    made_roots+="base "
}

# Makes "$IMAGES_DIR/NAME-root", the base root with PACKAGES installed.
ensure_package_root() {
    local name=$1 root="$IMAGES_DIR/$1-root" recipe
    shift
    ensure_base_root
    recipe="$(rootfs_base_recipe) packages=$*"
    if [ "$fresh" -eq 1 ] || ! rootfs_is_current "$root" "$recipe"; then
        priv rm -f "$root.stamp"
        rootfs_make_with_packages "$BASE_ROOT" "$root" "$@"
        rootfs_mark_current "$root" "$recipe"
    fi
}

make_base_image() {
    wanted "$BASE_IMAGE" || { log "$BASE_IMAGE exists"; return 0; }
    local old_id
    old_id=$(image_id "$BASE_IMAGE")
    ensure_base_root
    rootfs_import "$BASE_ROOT" "$BASE_IMAGE" 'CMD ["bash"]'
    drop_replaced "$old_id" "$BASE_IMAGE"
}

# The files a dynamically linked Rust binary needs, as in distroless/cc:
# glibc (libpthread, libdl, librt, libutil are stubs since 2.34 but old
# binaries still name them), libgcc_s for unwinding, libstdc++ and OpenSSL
# for binaries that link them. Time zone data, as distroless has it.
RUNTIME_FILES=(
    usr/lib64/ld-linux-x86-64.so.2
    usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
    usr/lib/x86_64-linux-gnu/libc.so.6
    usr/lib/x86_64-linux-gnu/libm.so.6
    usr/lib/x86_64-linux-gnu/libpthread.so.0
    usr/lib/x86_64-linux-gnu/libdl.so.2
    usr/lib/x86_64-linux-gnu/librt.so.1
    usr/lib/x86_64-linux-gnu/libutil.so.1
    usr/lib/x86_64-linux-gnu/libresolv.so.2
    usr/lib/x86_64-linux-gnu/libgcc_s.so.1
    usr/lib/x86_64-linux-gnu/libstdc++.so.6
    usr/lib/x86_64-linux-gnu/libssl.so.3
    usr/lib/x86_64-linux-gnu/libcrypto.so.3
    usr/lib/x86_64-linux-gnu/libz.so.1
    usr/lib/os-release
    etc/os-release
    etc/nsswitch.conf
    etc/ssl/certs/ca-certificates.crt
    usr/share/zoneinfo
)

make_runtime_image() {
    wanted "$RUNTIME_IMAGE" || { log "$RUNTIME_IMAGE exists"; return 0; }
    local base="$BASE_ROOT" root="$IMAGES_DIR/runtime-root" path old_id
    old_id=$(image_id "$RUNTIME_IMAGE")
    ensure_base_root
    log "assembling the runtime root"
    priv rm -rf "$root"
    priv mkdir -p "$root"
    # The usr-merged layout: /lib64/ld-linux-x86-64.so.2 is the ELF interpreter path.
    priv cp -a "$base/lib" "$base/lib64" "$root/"
    for path in "${RUNTIME_FILES[@]}"; do
        if [ -e "$base/$path" ]; then
            rootfs_copy_path "$base" "$root" "$path"
        else
            log "runtime: $path not in the base root, skipped"
        fi
    done
    priv_write "$root/etc/passwd" 0644 <<PASSWD
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:$RUNTIME_UID:$RUNTIME_UID:nonroot:/home/nonroot:/sbin/nologin
PASSWD
    priv_write "$root/etc/group" 0644 <<GROUP
root:x:0:
nogroup:x:65534:
nonroot:x:$RUNTIME_UID:
GROUP
    priv install -d -m 1777 "$root/tmp"
    priv install -d -m 0700 "$root/root"
    priv install -d -m 0700 -o "$RUNTIME_UID" -g "$RUNTIME_UID" "$root/home/nonroot"
    priv install -d -m 0755 "$root/usr/local/bin" "$root/var/lib"
    rootfs_import "$root" "$RUNTIME_IMAGE" \
        "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" \
        "USER $RUNTIME_UID:$RUNTIME_UID" "WORKDIR /home/nonroot"
    drop_replaced "$old_id" "$RUNTIME_IMAGE"
}

# Imports a package root under a temporary tag, adds the entry point with the
# small Dockerfile in compose/local/NAME, then drops the temporary tag (the
# layer stays, as the parent of the final image).
make_service_image() {
    local name=$1 image=$2 rootfs_tag="quorum-local/rootfs-$1:tmp" old_id
    shift 2
    wanted "$image" || { log "$image exists"; return 0; }
    old_id=$(image_id "$image")
    ensure_package_root "$name" "$@"
    rootfs_import "$IMAGES_DIR/$name-root" "$rootfs_tag"
    log "building $image"
    quiet docker build -t "$image" --build-arg "ROOT_IMAGE=$rootfs_tag" \
        "$REPO_ROOT/compose/local/$name"
    quiet docker rmi "$rootfs_tag"
    drop_replaced "$old_id" "$image"
}

make_builder_image() {
    local context="$IMAGES_DIR/builder-context" binary="$binaries_dir/quorum"
    [ -x "$binary" ] || die "$binary does not exist (cargo build --release -p quorum first, or pass --binaries DIR)"
    rm -rf "$context"
    mkdir -p "$context/bin"
    cp "$REPO_ROOT/compose/local/builder/Dockerfile" "$context/Dockerfile"
    # A hard link when possible: the binary is tens of megabytes.
    ln "$binary" "$context/bin/quorum" 2>/dev/null || cp -p "$binary" "$context/bin/quorum"
    log "building $BUILDER_IMAGE with $binary"
    local old_id
    old_id=$(image_id "$BUILDER_IMAGE")
    quiet docker build -t "$BUILDER_IMAGE" --build-arg "BASE_IMAGE=$BASE_IMAGE" "$context"
    drop_replaced "$old_id" "$BUILDER_IMAGE"
    rm -rf "$context"
}

print_environment() {
    cat <<ENV
QUORUM_BUILDER_IMAGE=$BUILDER_IMAGE
QUORUM_RUNTIME_IMAGE=$RUNTIME_IMAGE
QUORUM_POSTGRES_IMAGE=$POSTGRES_IMAGE
QUORUM_REDIS_IMAGE=$REDIS_IMAGE
ENV
}

main() {
    if ! docker info >/dev/null 2>&1; then
        echo "local-images: no Docker engine reachable (docker info failed); nothing done" >&2
        [ "$if_docker" -eq 1 ] && exit 0
        exit 1
    fi
    make_base_image
    make_runtime_image
    make_service_image postgres "$POSTGRES_IMAGE" postgresql
    make_service_image redis "$REDIS_IMAGE" redis-server
    # Last, so a missing binary still leaves the other images in place.
    if [ "$make_builder" -eq 1 ]; then
        make_builder_image
    fi
    echo "# environment for the compose stack"
    print_environment
    if [ -n "$env_file" ]; then
        print_environment >"$env_file"
        log "wrote $env_file"
    fi
}

main
