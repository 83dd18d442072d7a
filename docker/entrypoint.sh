#!/bin/sh
# Container entrypoint, run by tini: chooses the app, turns secret files into the variables the
# config schema reads, then replaces itself with node so signals reach the service directly.
set -eu

# Compose and Kubernetes mount secrets as files; JWT_SECRET and the store URLs (which carry a
# password) are read by the config schema as values. `NAME_FILE=/path` sets NAME from the file.
for name in JWT_SECRET DATABASE_URL REDIS_URL; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  eval "current=\${${name}:-}"
  if [ -n "$current" ]; then
    echo "authfarm: set ${name} or ${name}_FILE, not both" >&2
    exit 78
  fi
  if [ ! -r "$file" ]; then
    echo "authfarm: ${name}_FILE: cannot read ${file}" >&2
    exit 78
  fi
  value=$(cat "$file")
  export "${name}=${value}"
  unset "${name}_FILE"
done

app="${1:-${APP:-gateway}}"
[ "$#" -eq 0 ] || shift
case "$app" in
  gateway | auth | resource)
    # A compose replica has no name of its own: its container hostname tells replicas apart.
    if [ "$app" = resource ] && [ -z "${REPLICA_ID:-}" ]; then
      REPLICA_ID=$(hostname)
      export REPLICA_ID
    fi
    exec node "dist/apps/${app}/src/main.js" "$@"
    ;;
  migrate) exec node dist/apps/auth/src/migrate.js "$@" ;;
  keys) exec node dist/apps/auth/src/keys/keys.cli.js "$@" ;;
  *) exec "$app" "$@" ;;
esac
