#!/usr/bin/env bash
# Creates (or updates) the three Secrets the k8s manifests read, from the files that
# scripts/gen-secrets.sh writes into secrets/. Their shape: k8s/base/secrets.template.yaml.
#
#   scripts/gen-secrets.sh && scripts/k8s-secrets.sh [namespace]
#
# For managed stores, edit secrets/database-url and secrets/redis-url first (or create
# authfarm-stores yourself) and leave components/stores out of the overlay.
set -euo pipefail
cd "$(dirname "$0")/.."
namespace="${1:-authfarm}"
dir=secrets

for file in database-url redis-url postgres-password jwt-key-encryption-key jwt-secret; do
  [ -s "$dir/$file" ] || { echo "k8s-secrets: $dir/$file is missing: run scripts/gen-secrets.sh" >&2; exit 1; }
done

kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
# --dry-run=client | apply: create the first time, update afterwards, no secret on the command line.
kubectl -n "$namespace" create secret generic authfarm-stores \
  --from-file=DATABASE_URL="$dir/database-url" \
  --from-file=REDIS_URL="$dir/redis-url" \
  --from-file=POSTGRES_PASSWORD="$dir/postgres-password" \
  --dry-run=client -o yaml | kubectl apply -f -
# Mounted into the auth pods only. No private key: auth keeps its keys in Postgres, sealed under
# key-encryption-key (docs/keys.md).
kubectl -n "$namespace" create secret generic authfarm-jwt \
  --from-file=key-encryption-key="$dir/jwt-key-encryption-key" \
  --dry-run=client -o yaml | kubectl apply -f -
# Read by auth and the replicas, with JWT_ALG=HS256 only (components/hs256).
kubectl -n "$namespace" create secret generic authfarm-hs256 \
  --from-file=JWT_SECRET="$dir/jwt-secret" \
  --dry-run=client -o yaml | kubectl apply -f -
