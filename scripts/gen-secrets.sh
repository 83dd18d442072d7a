#!/usr/bin/env bash
# Generates the secrets docker-compose.yml and scripts/k8s-secrets.sh read, into secrets/ (git and
# the image ignore it). Existing files are kept, so running it again never rotates a secret by
# surprise. No signing key is written: the auth service generates and rotates its own keys in
# the database, sealed under the key-encryption key written here (docs/keys.md).
#
#   scripts/gen-secrets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

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

# The key-encryption key opens every private key in the database: owner-only (0600), owned by the
# container's uid 1000 so auth can read the bind-mounted file (handed over when run as root). Run as
# another user, it stays readable like the files above, behind the private folder. Never replaced
# here: keys sealed under a lost or changed one no longer open.
kek="$dir/jwt-key-encryption-key"
if [ -s "$kek" ]; then
  echo "kept      $kek"
else
  (umask 077 && random 32 >"$kek")
  mode=0600
  if [ "$(id -u)" = 0 ]; then
    chown 1000:1000 "$kek"
  elif [ "$(id -u)" != 1000 ]; then
    mode=0644 && chmod "$mode" "$kek"
  fi
  echo "generated $kek ($mode)"
fi

# Written by earlier versions, read by nothing now.
for old in jwt-private-key.pem jwt-private-key.alg; do
  [ ! -e "$dir/$old" ] || echo "unused    $dir/$old: auth keeps its own keys now (docs/keys.md); delete it"
done
