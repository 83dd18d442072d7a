#!/usr/bin/env bash
# Generates the secrets docker-compose.yml and scripts/k8s-secrets.sh read, into secrets/ (git and
# the image ignore it). Existing files are kept, so running it again never rotates a secret
# by surprise; the signing key is replaced only when JWT_ALG asks for another key type.
#
#   scripts/gen-secrets.sh            # JWT_ALG from the environment, else .env, else EdDSA
#   JWT_ALG=ES256 scripts/gen-secrets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

alg="${JWT_ALG:-}"
if [ -z "$alg" ] && [ -f .env ]; then
  alg=$(sed -n 's/^JWT_ALG=//p' .env | tail -1)
fi
alg="${alg:-EdDSA}"
case "$alg" in HS256 | EdDSA | ES256 | RS256) ;; *)
  echo "gen-secrets: JWT_ALG=$alg is not one of HS256, EdDSA, ES256, RS256" >&2
  exit 1
  ;;
esac

dir=secrets
mkdir -p "$dir"
# The folder keeps other host users out. The files stay world-readable because compose bind-mounts
# them as they are and the services run as the image's non-root user (uid 1000).
chmod 0700 "$dir"
umask 022

random() { node -e 'process.stdout.write(require("node:crypto").randomBytes(+process.argv[1]).toString("base64url"))' "$1"; }
write() { # name, value: only when missing
  if [ -s "$dir/$1" ]; then echo "kept      $dir/$1"; else printf '%s' "$2" >"$dir/$1" && echo "generated $dir/$1"; fi
}

write jwt-secret "$(random 48)"
write postgres-password "$(random 24)"
write database-url "postgres://authfarm:$(cat "$dir/postgres-password")@postgres:5432/authfarm"
write redis-url "redis://redis:6379"

# The auth service reads the private key whenever one is named, so HS256 gets an (unused) EdDSA key.
key_alg=$([ "$alg" = HS256 ] && echo EdDSA || echo "$alg")
if [ "$(cat "$dir/jwt-private-key.alg" 2>/dev/null)" != "$key_alg" ]; then
  rm -f "$dir/jwt-private-key.pem"
fi
if [ ! -s "$dir/jwt-private-key.pem" ]; then
  node -e '
    const { generateKeyPairSync } = require("node:crypto");
    const kind = { EdDSA: ["ed25519", {}], ES256: ["ec", { namedCurve: "P-256" }], RS256: ["rsa", { modulusLength: 2048 }] }[process.argv[1]];
    const { privateKey } = generateKeyPairSync(kind[0], kind[1]);
    process.stdout.write(privateKey.export({ type: "pkcs8", format: "pem" }));
  ' "$key_alg" >"$dir/jwt-private-key.pem"
  printf '%s' "$key_alg" >"$dir/jwt-private-key.alg"
  echo "generated $dir/jwt-private-key.pem ($key_alg, PKCS#8)"
else
  echo "kept      $dir/jwt-private-key.pem ($key_alg)"
fi
