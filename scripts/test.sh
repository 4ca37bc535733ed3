#!/usr/bin/env bash
# The Quorum test command. Finds or starts what the tests need (Postgres and Redis: see
# scripts/lib/servers.sh; the mold linker and the Python-packaged tools), then runs
# every check: formatting, lints, all tests, protobuf lint, the generated-files check
# and the Kubernetes overlay validation. Works on a fresh Debian machine, again on a
# used one, and on a contributor's machine with its own Postgres, Redis or Docker.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/servers.sh
source scripts/lib/tools.sh

step() { printf '\n==> %s\n' "$*"; }

step "test servers"
ensure_postgres
ensure_redis

step "tools"
ensure_tools

step "cargo fmt"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "buf lint"
(cd proto && buf lint)

step "generated files are up to date"
cargo run --quiet --locked -p quorum-catalog -- check

step "kubernetes overlays"
bash scripts/validate-k8s.sh

step "tests"
# The contract and all-in-one tests run the real `quorum` binary, which cargo builds for
# them; each crate has one integration-test binary, so linking stays cheap.
cargo nextest run --workspace --locked --no-fail-fast
