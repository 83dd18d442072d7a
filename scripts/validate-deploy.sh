#!/usr/bin/env bash
# Validates the deployment files without a cluster or a Docker engine:
#   1. `kubectl kustomize` renders every overlay in k8s/overlays;
#   2. every rendered object, and the Secret templates, are checked against the Kubernetes API
#      types (scripts/validate-k8s.js: unknown fields, missing required fields, wrong types);
#   3. docker-compose.yml goes through a real Compose implementation's `config`, with the
#      settings of .env.example.
# Needs kubectl (with its built-in kustomize, v1.21 or later), node_modules and docker-compose
# (Debian's package) or `docker compose`.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for overlay in k8s/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" >"$out/$name.yaml"
  echo "rendered k8s/overlays/$name: $(grep -c '^kind:' "$out/$name.yaml") objects"
done
node scripts/validate-k8s.js "$out"/*.yaml k8s/base/secrets.template.yaml

if command -v docker-compose >/dev/null; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "validate-deploy: neither docker-compose nor the docker compose plugin is installed" >&2
  exit 1
fi
check=("${compose[@]}" --project-directory . --env-file .env.example -f docker-compose.yml config)
"${check[@]}" -q
echo "docker-compose.yml valid ($("${compose[@]}" version --short 2>/dev/null)): $("${check[@]}" --services | sort | tr '\n' ' ')"
