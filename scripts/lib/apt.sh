# shellcheck shell=bash
# Installing Debian packages from the scripts: as root, or through sudo. Sourced by
# scripts/lib/servers.sh and scripts/lib/tools.sh.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

have_apt() { command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || command -v sudo >/dev/null; }; }

# apt_install PACKAGE...: refreshes the package lists only when the cached ones do not
# have the packages.
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 && return 0
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
