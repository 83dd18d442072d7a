#!/usr/bin/env bash
# Generates the secrets docker-compose.yml and scripts/k8s-secrets.sh read, into secrets/ (git and
# the image ignore it). Existing files are kept, so running it again never rotates a secret by
# surprise. No signing key is written: the auth service generates and rotates its own keys in
# the database, sealed under the key-encryption key written here (docs/keys.md).
#
#   scripts/gen-secrets.sh [DIR]     # DIR: where to write, secrets/ at the repo root by default
#
# Needs bash and coreutils only, not Node: the host that runs compose may have nothing else. The
# random bytes come from /dev/urandom, as base64url without padding.
set -euo pipefail

if [ $# -gt 1 ]; then
  echo "usage: scripts/gen-secrets.sh [DIR]" >&2
  exit 2
elif [ $# = 1 ]; then
  dir=${1%/}
else
  cd "$(dirname "$0")/.."
  dir=secrets
fi

fail() { # file, reason
  echo "gen-secrets: $1: $2; nothing written to it" >&2
  exit 1
}

mkdir -p "$dir"
# The folder keeps other host users out. The files stay world-readable because compose bind-mounts
# them as they are and the services run as the image's non-root user (uid 1000).
chmod 0700 "$dir"
umask 022

# A temp file of the same folder is renamed over the name, so a failure leaves no partial file.
tmp=
trap 'rm -f "$tmp"' EXIT

# name, number of random bytes: prints them as base64url, or fails naming the file. Checked for
# its exact length, so a missing tool or an empty read never becomes an empty secret.
random() {
  local value length=$((($2 * 4 + 2) / 3))
  value=$(head -c "$2" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n') ||
    fail "$dir/$1" "could not turn $2 bytes of /dev/urandom into base64url (head, base64, tr)"
  [[ ${#value} = "$length" && $value =~ ^[A-Za-z0-9_-]+$ ]] ||
    fail "$dir/$1" "generated ${#value} characters, expected $length of base64url"
  printf '%s' "$value"
}

# name, value, mode, [owner]: written whole or not at all.
put() {
  [ -n "$2" ] || fail "$dir/$1" "empty value"
  tmp=$(mktemp "$dir/.$1.XXXXXX") || fail "$dir/$1" "cannot create a temp file in $dir"
  printf '%s' "$2" >"$tmp" || fail "$dir/$1" "cannot write $tmp"
  chmod "$3" "$tmp" || fail "$dir/$1" "cannot chmod $tmp"
  [ -z "${4:-}" ] || chown "$4" "$tmp" || fail "$dir/$1" "cannot chown $tmp"
  mv -f "$tmp" "$dir/$1" || fail "$dir/$1" "cannot rename $tmp"
  tmp=
}

# Every missing value is generated and checked before the first file is written.
declare -A new=()
for spec in jwt-secret:48 postgres-password:24 jwt-key-encryption-key:32; do
  name=${spec%:*}
  if [ -s "$dir/$name" ]; then
    echo "kept      $dir/$name"
  else
    new[$name]=$(random "$name" "${spec#*:}")
  fi
done

# database-url must carry postgres-password. Taken from the password when that is new (an old URL
# would name a password the database never gets) or when the URL is missing.
url="$dir/database-url"
password=${new[postgres-password]:-$(<"$dir/postgres-password")}
if [ -n "${new[postgres-password]:-}" ] || [ ! -s "$url" ]; then
  [[ $password =~ ^[A-Za-z0-9._~-]+$ ]] ||
    fail "$url" "$dir/postgres-password has characters a URL must escape: write the URL yourself"
  new[database-url]="postgres://authfarm:$password@postgres:5432/authfarm"
fi
if [ -z "${new[database-url]:-}" ]; then
  echo "kept      $url"
  # A managed database's URL may rightly carry another password: warned about, never replaced.
  [[ $(<"$url") == *":$password@"* ]] ||
    echo "warning   $url does not carry the password in $dir/postgres-password: the compose" \
      "postgres will refuse it; fix one of them (or ignore this for a managed database)" >&2
fi

for name in jwt-secret postgres-password; do
  [ -z "${new[$name]:-}" ] || { put "$name" "${new[$name]}" 0644 && echo "generated $dir/$name"; }
done
if [ -n "${new[database-url]:-}" ]; then
  if [ -s "$url" ]; then
    note="rewrote   $url from the new postgres-password (a database created before keeps the old)"
  else
    note="generated $url from $dir/postgres-password"
  fi
  put database-url "${new[database-url]}" 0644 && echo "$note"
fi
if [ -s "$dir/redis-url" ]; then
  echo "kept      $dir/redis-url"
else
  put redis-url "redis://redis:6379" 0644 && echo "generated $dir/redis-url"
fi

# The key-encryption key opens every private key in the database: owner-only (0600), owned by the
# container's uid 1000 so auth can read the bind-mounted file (handed over when run as root). Run as
# another user, it stays readable like the files above, behind the private folder. Never replaced
# here: keys sealed under a lost or changed one no longer open.
kek="$dir/jwt-key-encryption-key"
if [ -n "${new[jwt-key-encryption-key]:-}" ]; then
  mode=0600 owner=
  if [ "$(id -u)" = 0 ]; then
    owner=1000:1000
  elif [ "$(id -u)" != 1000 ]; then
    mode=0644
  fi
  put jwt-key-encryption-key "${new[jwt-key-encryption-key]}" "$mode" "$owner"
  echo "generated $kek ($mode)"
fi

# Written by earlier versions, read by nothing now.
for old in jwt-private-key.pem jwt-private-key.alg; do
  [ ! -e "$dir/$old" ] || echo "unused    $dir/$old: auth keeps its own keys now (docs/keys.md); delete it"
done
