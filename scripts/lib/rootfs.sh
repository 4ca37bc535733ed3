# shellcheck shell=bash
# Helpers for making Debian root filesystems with debootstrap and turning them
# into Docker images without a registry. Sourced by scripts/local-images.sh.
# Callers set `set -euo pipefail` and call rootfs_cleanup from an EXIT trap.

ROOTFS_SUITE="${ROOTFS_SUITE:-bookworm}"
ROOTFS_MIRROR="${ROOTFS_MIRROR:-http://deb.debian.org/debian}"
ROOTFS_SECURITY_MIRROR="${ROOTFS_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
ROOTFS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Mount points to undo on exit, so an interrupted run leaves no mounts behind.
ROOTFS_MOUNTS=()

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command with its output kept back, shown only when it fails: apt and
# docker are chatty, and their output matters only when something breaks.
quiet() {
    local output status=0
    output=$(mktemp)
    "$@" >"$output" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        cat "$output" >&2
        rm -f "$output"
        die "command failed ($status): $*"
    fi
    rm -f "$output"
}

# debootstrap, chroot and the root-owned files in a root need root.
priv() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Writes stdin to a file that may be inside a root-owned tree.
priv_write() {
    local file=$1 mode=$2
    priv install -D -m "$mode" /dev/stdin "$file"
}

rootfs_ensure_debootstrap() {
    command -v debootstrap >/dev/null 2>&1 && return 0
    log "installing debootstrap"
    # Only refresh package lists when the cached ones do not know debootstrap.
    if ! priv apt-get install -y debootstrap >/dev/null 2>&1; then
        quiet priv apt-get update
        quiet priv apt-get install -y debootstrap
    fi
}

# Prints a short hash of a recipe string, used to tell whether a cached root
# was made the way the current script would make it.
rootfs_recipe_hash() {
    printf '%s' "$1" | sha256sum | cut -c1-16
}

# True when ROOT exists and was made from RECIPE.
rootfs_is_current() {
    local root=$1 recipe=$2
    [ -d "$root" ] && [ -f "$root.stamp" ] \
        && [ "$(cat "$root.stamp")" = "$(rootfs_recipe_hash "$recipe")" ]
}

rootfs_mark_current() {
    local root=$1 recipe=$2
    rootfs_recipe_hash "$recipe" | priv_write "$root.stamp" 0644
}

# The recipe of the base root; anything that changes it must change this.
rootfs_base_recipe() {
    echo "base v2 suite=$ROOTFS_SUITE mirror=$ROOTFS_MIRROR security=$ROOTFS_SECURITY_MIRROR include=ca-certificates"
}

# Makes a minimal Debian root (minbase plus CA certificates) at ROOT, built in
# a temporary directory first so an interrupted run never leaves half a root.
rootfs_make_base() {
    local root=$1 tmp="$1.tmp"
    priv rm -rf "$tmp"
    log "debootstrap $ROOTFS_SUITE (minbase) into $root"
    quiet priv debootstrap --variant=minbase --include=ca-certificates \
        "$ROOTFS_SUITE" "$tmp" "$ROOTFS_MIRROR"
    # Like Debian's slim images: no docs or man pages in later installs.
    priv_write "$tmp/etc/dpkg/dpkg.cfg.d/01-nodoc" 0644 <<'CFG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
CFG
    priv_write "$tmp/etc/apt/apt.conf.d/01-minimal" 0644 <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
CFG
    # Security and point updates too, not just the release debootstrap saw.
    priv rm -f "$tmp/etc/apt/sources.list"
    priv_write "$tmp/etc/apt/sources.list.d/debian.sources" 0644 <<CFG
Types: deb
URIs: $ROOTFS_MIRROR
Suites: $ROOTFS_SUITE $ROOTFS_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $ROOTFS_SECURITY_MIRROR
Suites: $ROOTFS_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
CFG
    rootfs_apt "$tmp" upgrade
    priv rm -rf "$root"
    priv mv "$tmp" "$root"
}

# Makes ROOT as a copy of BASE with PACKAGES installed.
rootfs_make_with_packages() {
    local base=$1 root=$2 tmp="$2.tmp"
    shift 2
    priv rm -rf "$tmp"
    log "installing $* into a copy of the base root"
    priv cp -a "$base" "$tmp"
    rootfs_apt "$tmp" install "$@"
    priv rm -rf "$root"
    priv mv "$tmp" "$root"
}

# Runs apt-get in ROOT: `upgrade`, or `install PACKAGE...`. Daemons must not
# start inside the chroot, hence policy-rc.d.
rootfs_apt() {
    local root=$1 action=$2
    shift 2
    rootfs_mount proc "$root/proc" -t proc
    rootfs_mount /dev "$root/dev" --bind
    priv cp /etc/resolv.conf "$root/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' | priv_write "$root/usr/sbin/policy-rc.d" 0755
    local apt=(priv chroot "$root" /usr/bin/env -i "PATH=$ROOTFS_PATH" LC_ALL=C.UTF-8
        DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0)
    quiet "${apt[@]}" update
    case "$action" in
        upgrade) quiet "${apt[@]}" upgrade ;;
        install) quiet "${apt[@]}" install "$@" ;;
        *) die "rootfs_apt: unknown action $action" ;;
    esac
    quiet "${apt[@]}" clean
    rootfs_prune_docs "$root"
    # The host's resolver must not end up in images; Docker provides its own.
    priv rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
    rootfs_unmount_all
}

# Removes what the dpkg excludes keep out of later installs from the packages
# debootstrap installed: about 40 MB of docs and translations per image.
rootfs_prune_docs() {
    local root=$1
    priv find "$root/usr/share/doc" -type f ! -name copyright -delete
    priv find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    priv find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf '{}' +
    priv find "$root/usr/share/man" "$root/usr/share/info" -mindepth 1 -maxdepth 1 -exec rm -rf '{}' +
}

rootfs_mount() {
    local source=$1 target=$2
    shift 2
    priv mount "$@" "$source" "$target"
    ROOTFS_MOUNTS+=("$target")
}

rootfs_unmount_all() {
    local index
    for ((index = ${#ROOTFS_MOUNTS[@]} - 1; index >= 0; index--)); do
        priv umount "${ROOTFS_MOUNTS[index]}" || priv umount -l "${ROOTFS_MOUNTS[index]}" || true
    done
    ROOTFS_MOUNTS=()
}

rootfs_cleanup() {
    if [ "${#ROOTFS_MOUNTS[@]}" -gt 0 ]; then rootfs_unmount_all; fi
}

# Imports ROOT as image TAG. Extra arguments are `docker import --change`
# instructions. Package lists, apt caches and device nodes stay out.
rootfs_import() {
    local root=$1 tag=$2
    shift 2
    local changes=(--change "ENV PATH=$ROOTFS_PATH")
    local change
    for change in "$@"; do changes+=(--change "$change"); done
    log "importing $tag"
    priv tar --numeric-owner -C "$root" \
        --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
        --exclude=./var/lib/apt/lists/* --exclude=./var/cache/apt/* \
        --exclude=./var/log/*.log --exclude=./var/log/apt/* \
        -c . | docker import "${changes[@]}" - "$tag" >/dev/null
}

# Copies PATH (relative to SOURCE_ROOT, which must have it) into
# TARGET_ROOT, plus the file a symlink finally points to, keeping modes and
# the usr-merged layout.
rootfs_copy_path() {
    local source_root=$1 target_root=$2 path=$3
    (cd "$source_root" && priv cp -a --parents "./$path" "$target_root/")
    if [ -L "$source_root/$path" ]; then
        local resolved
        resolved=$(priv chroot "$source_root" /usr/bin/readlink -f "/$path")
        (cd "$source_root" && priv cp -a --parents ".$resolved" "$target_root/")
    fi
}
