#!/usr/bin/env bash
# Smoke test on a real Kubernetes cluster (kind, minikube, k3d, a cloud): deploys an overlay into
# the namespace authfarm, walks the README's curl walk-through through the gateway, scales the
# replicas and checks the gateway spreads over them, switches to a second overlay and walks it
# again, then deletes the namespace (also on failure, unless --keep).
#
#   scripts/cluster-smoke.sh [--overlay NAME] [--then OVERLAY] [--image REF] [--keep]
#
# The cluster must be able to run the image authfarm:0.1.0 (docker build -t authfarm:0.1.0 .,
# then kind load docker-image authfarm:0.1.0 or minikube image load authfarm:0.1.0), or the one
# --image names (pushed to a registry the cluster pulls from).
#
# Exit codes: 0 passed; 1 failed (the last line says which step); 2 bad usage; 3 skipped: kubectl
# is missing or no cluster answers (CI tells "skipped" from "failed" by it).
set -euo pipefail
cd "$(dirname "$0")/.."

# Bounds of every wait, in seconds.
readonly PROBE_TIMEOUT=5        # is a cluster there at all
readonly REQUEST_TIMEOUT=30     # one kubectl call to the API server
readonly ROLLOUT_TIMEOUT=300    # every workload of an overlay rolled out (image pulls, migrations)
readonly TERMINATING_TIMEOUT=90 # pods of the previous rollout gone (grace period 30 s)
readonly PORT_FORWARD_TIMEOUT=20
readonly GATEWAY_READY_TIMEOUT=60
readonly CURL_TIMEOUT=10          # one HTTP request through the port-forward
readonly REVOCATION_TIMEOUT=3     # hybrid: a logged-out token refused (measured p99: 15 ms)
readonly SPREAD_TIMEOUT=60        # new replicas in the gateway's view (DNS_REFRESH_MS=2000)
readonly DELETE_TIMEOUT=180       # the namespace and its volumes gone

readonly NAMESPACE=authfarm # set by every overlay
readonly SCALE_TO=5
readonly SPREAD_REQUESTS=100
readonly SPREAD_MIN_REPLICAS=4
readonly REVOKED_CHECKS=10 # requests after the first 401: every replica must refuse too

usage() {
  local overlays='' dir
  for dir in k8s/overlays/*/; do [[ -f $dir/kustomization.yaml ]] && overlays+="$(basename "$dir") "; done
  cat <<EOF
usage: scripts/cluster-smoke.sh [--overlay NAME] [--then OVERLAY] [--image REF] [--keep]

Deploys k8s/overlays/NAME (default jwt) into the namespace $NAMESPACE of kubectl's current
cluster, runs the README walk-through through the gateway in the overlay's mode (the first of its
AUTH_MODES), scales the resource replicas to $SCALE_TO and checks requests reach at least
$SPREAD_MIN_REPLICAS of them, switches to --then OVERLAY (default session) and walks it again, then
deletes the namespace. It refuses to run if the namespace already exists.

  --overlay NAME  the first overlay (one of: ${overlays:-none found})
  --then OVERLAY  the overlay to switch to afterwards
  --image REF     deploy REF instead of authfarm:0.1.0 (registry/authfarm:tag or name@sha256:...;
                  without a tag, 0.1.0 is kept); set through a temporary kustomization
  --keep          leave the namespace in place (kubectl delete namespace $NAMESPACE)

Exit codes: 0 passed, 1 failed, 2 bad usage, 3 skipped (no kubectl, or no cluster answers).
EOF
}

log() { printf 'cluster-smoke: %s\n' "$*"; }
usage_error() {
  printf 'cluster-smoke: %s\n' "$1" >&2
  usage >&2
  exit 2
}
skip() {
  log "skipped: no cluster reachable ($1)"
  exit 3
}
# One line: the cleanup trap prints it last, after the namespace is gone.
failure=''
fail() {
  failure="$1: $(printf '%s' "$2" | tr '\r\n\t' '   ' | cut -c1-400)"
  exit 1
}

overlay=jwt
then_overlay=session
image=''
keep=0
while (($# > 0)); do
  case $1 in
    --overlay | --then | --image)
      (($# >= 2)) || usage_error "$1 needs a value"
      case $1 in
        --overlay) overlay=$2 ;;
        --then) then_overlay=$2 ;;
        --image) image=$2 ;;
      esac
      shift 2
      ;;
    --keep) keep=1 && shift ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
for name in "$overlay" "$then_overlay"; do
  [[ $name =~ ^[A-Za-z0-9._-]+$ && -f k8s/overlays/$name/kustomization.yaml ]] ||
    usage_error "no overlay k8s/overlays/$name"
done
if [[ -n $image && ! $image =~ ^[A-Za-z0-9._:/@+-]+$ ]]; then
  usage_error "--image: not an image reference: $image"
fi

# --- is there a cluster -------------------------------------------------------------------------
command -v kubectl >/dev/null || skip 'kubectl is not installed'
# Prints why not, on its last line.
cluster_answers() {
  # Without a context kubectl falls back to localhost:8080, where the local farm's gateway listens.
  if ! kubectl config current-context >/dev/null 2>&1 && [[ -z ${KUBERNETES_SERVICE_HOST:-} ]]; then
    echo 'kubectl has no current context'
    return 1
  fi
  kubectl --request-timeout="${PROBE_TIMEOUT}s" get --raw /version
}
# Bounded as a whole: kubectl retries a request that timed out, and a wrapper such as gcloud's
# kubectl dispatcher asks the server for its version before any command. No `timeout` on macOS.
probe=$(mktemp)
cluster_answers >"$probe" 2>&1 &
probe_pid=$!
for ((tenths = 0; tenths < PROBE_TIMEOUT * 10; tenths++)); do
  kill -0 "$probe_pid" 2>/dev/null || break
  sleep 0.1
done
if kill "$probe_pid" 2>/dev/null; then
  # Not waited for: its kubectl ends at its own request timeout.
  rm -f "$probe"
  skip "no answer within ${PROBE_TIMEOUT}s"
elif ! wait "$probe_pid"; then
  reason=$(grep -v '^[[:space:]]*$' "$probe" | tail -n 1 | cut -c1-200)
  rm -f "$probe"
  skip "$reason"
fi
rm -f "$probe"

# --- from here on, a failure cleans up ----------------------------------------------------------
work=$(mktemp -d)
created=0
pf_pid=''
base=''

k() { kubectl --request-timeout="${REQUEST_TIMEOUT}s" -n "$NAMESPACE" "$@"; }

stop_port_forward() {
  if [[ -n $pf_pid ]]; then
    kill "$pf_pid" 2>/dev/null || true
    wait "$pf_pid" 2>/dev/null || true
    pf_pid=''
  fi
}

diagnose() {
  {
    echo "cluster-smoke: pods and recent warnings in $NAMESPACE:"
    k get pods -o wide 2>&1 | sed 's/^/  /' || true
    k get events --field-selector type=Warning --sort-by=.lastTimestamp 2>&1 |
      tail -n 10 | sed 's/^/  /' || true
  } >&2
}

cleanup() {
  local rc=$?
  stop_port_forward
  if ((rc != 0)) && [[ -z $failure ]]; then
    failure="unexpected error (exit $rc)"
  fi
  if ((created)); then
    ((rc == 0)) || diagnose
    if ((keep)); then
      log "kept namespace $NAMESPACE (--keep); remove it with: kubectl delete namespace $NAMESPACE"
    else
      log "cleanup: deleting namespace $NAMESPACE"
      if ! kubectl delete namespace "$NAMESPACE" --wait --timeout="${DELETE_TIMEOUT}s" \
        >"$work/delete.log" 2>&1; then
        if ((rc == 0)); then
          rc=1
          failure="cleanup: $(tail -n 1 "$work/delete.log")"
        else
          log "cleanup: namespace $NAMESPACE not deleted: $(tail -n 1 "$work/delete.log")"
        fi
      fi
    fi
  fi
  rm -rf "$work"
  if [[ -n $failure ]]; then
    printf 'cluster-smoke: FAILED: %s\n' "$failure" >&2
  elif ((rc == 0)); then
    log passed
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'failure=${failure:-interrupted}; exit 130' INT
trap 'failure=${failure:-terminated}; exit 143' TERM

# Runs a command, its output kept in a file; on failure, `fail STEP` with its last line.
run() {
  local step=$1
  shift
  if ! "$@" >"$work/run.log" 2>&1; then
    fail "$step" "$(grep -v '^[[:space:]]*$' "$work/run.log" | tail -n 1)"
  fi
}

# The ../ that lead from an absolute, physical path to the root (no realpath on macOS).
relative_to() {
  local up='' dir=$1
  while [[ $dir != / ]]; do
    up+=..
    dir=$(dirname "$dir")
    [[ $dir == / ]] || up+=/
  done
  printf '%s' "$up"
}

# Sets apply_dir: the overlay itself, or a kustomization on top of it that sets --image.
apply_dir=''
kustomization() {
  local name=$1
  apply_dir="k8s/overlays/$name"
  [[ -n $image ]] || return 0
  local dir="$work/kustomize-$name" ref=$image new_name tag='' digest=''
  if [[ $ref == *@* ]]; then
    new_name=${ref%%@*} digest=${ref#*@}
    [[ ${new_name##*/} != *:* ]] || new_name=${new_name%:*} # name:tag@digest: the digest wins
  elif [[ ${ref##*/} == *:* ]]; then
    new_name=${ref%:*} tag=${ref##*:}
  else
    new_name=$ref
  fi
  mkdir -p "$dir"
  {
    echo 'apiVersion: kustomize.config.k8s.io/v1beta1'
    echo 'kind: Kustomization'
    echo 'resources:'
    # kustomize takes a base outside the kustomization's folder by a relative path only.
    echo "  - $(relative_to "$(cd "$dir" && pwd -P)")$(pwd -P)/k8s/overlays/$name"
    echo 'images:'
    echo '  - name: authfarm'
    echo "    newName: $new_name"
    [[ -z $tag ]] || echo "    newTag: '$tag'"
    [[ -z $digest ]] || echo "    digest: $digest"
  } >"$dir/kustomization.yaml"
  apply_dir=$dir
}

# Waits for the three Deployments and every StatefulSet (the demo stores) to be rolled out, then
# for the pods they replaced to be gone: a terminating replica of the previous mode may still
# answer the gateway until its next DNS refresh.
wait_rollouts() {
  local deadline=$((SECONDS + ROLLOUT_TIMEOUT)) targets target left reason
  # Every StatefulSet (the demo stores; none with managed stores), then the farm.
  local stores
  stores=$(k get statefulsets -o name 2>&1) || fail 'rollout' "$stores"
  targets=()
  while IFS= read -r target; do
    [[ -z $target ]] || targets+=("$target")
  done <<<"$stores"
  targets+=(deployment.apps/auth deployment.apps/resource deployment.apps/gateway)
  log "waiting for ${targets[*]##*/} (up to ${ROLLOUT_TIMEOUT}s)"
  for target in "${targets[@]}"; do
    left=$((deadline - SECONDS))
    ((left > 0)) || left=1
    if ! kubectl -n "$NAMESPACE" rollout status "$target" --timeout="${left}s" \
      >"$work/rollout.log" 2>&1; then
      # Why, when a container says: the image (not loaded into the cluster), a missing Secret, a
      # crash loop (a bad setting stops a service with exit code 78).
      reason=$(k get pods -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.initContainerStatuses[*].state.waiting.reason}{" "}{.status.containerStatuses[*].state.waiting.reason}{"\n"}{end}' 2>/dev/null |
        awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^(ContainerCreating|PodInitializing)$/) { print $1 ": " $i; exit } }' || true)
      case $reason in
        '') reason=$(tail -n 1 "$work/rollout.log") ;;
        *Image*) reason="$reason: is ${image:-authfarm:0.1.0} available to the cluster?" ;;
        *) reason="$reason (kubectl -n $NAMESPACE logs ${reason%%:*} --all-containers)" ;;
      esac
      fail "rollout ${target##*/}" "$reason"
    fi
  done
  local leaving
  leaving=$(k get pods -o jsonpath='{range .items[?(@.metadata.deletionTimestamp)]}pod/{.metadata.name}{" "}{end}' 2>&1) ||
    fail 'old pods' "$leaving"
  if [[ -n $leaving ]]; then
    log "waiting for the replaced pods to stop"
    # shellcheck disable=SC2086 # one word per pod
    run 'old pods' kubectl -n "$NAMESPACE" wait --for=delete $leaving \
      --timeout="${TERMINATING_TIMEOUT}s"
  fi
}

current='' # the overlay deployed
deploy() {
  local name=$1
  current=$name
  kustomization "$name"
  log "applying k8s/overlays/$name${image:+ with image $image}"
  run "apply $name" kubectl --request-timeout="${REQUEST_TIMEOUT}s" apply -k "$apply_dir"
  wait_rollouts
}

# Sets mode: the one the overlay logs in with by default, the first of AUTH_MODES in auth's
# ConfigMap (read from the cluster, so a new overlay needs no change here).
mode=''
overlay_mode() {
  local maps map modes=''
  maps=$(k get deployment auth -o jsonpath='{.spec.template.spec.containers[*].envFrom[*].configMapRef.name}' 2>&1) ||
    fail 'mode' "$maps"
  for map in $maps; do
    [[ $map == authfarm-config* ]] || continue
    modes=$(k get configmap "$map" -o jsonpath='{.data.AUTH_MODES}' 2>&1) || fail 'mode' "$modes"
  done
  mode=${modes%%,*}
  mode=${mode// /}
  case $mode in
    session | jwt | hybrid) ;;
    *) fail 'mode' "AUTH_MODES of auth's ConfigMap is '${modes}'" ;;
  esac
}

# A port-forward to the gateway Service, on a local port kubectl picks. Started again for each
# overlay: it is bound to one gateway pod, which a rollout replaces.
start_port_forward() {
  stop_port_forward
  local out="$work/port-forward.log" deadline=$((SECONDS + PORT_FORWARD_TIMEOUT)) port=''
  kubectl -n "$NAMESPACE" port-forward --address 127.0.0.1 svc/gateway :8080 >"$out" 2>&1 &
  pf_pid=$!
  while [[ -z $port ]]; do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out" | head -n 1)
    [[ -n $port ]] && break
    kill -0 "$pf_pid" 2>/dev/null || fail 'port-forward' "$(tail -n 1 "$out")"
    ((SECONDS < deadline)) || fail 'port-forward' "no local port after ${PORT_FORWARD_TIMEOUT}s"
    sleep 0.2
  done
  base="http://127.0.0.1:$port"
  deadline=$((SECONDS + GATEWAY_READY_TIMEOUT))
  until http GET /health/ready && [[ $status == 200 ]]; do
    ((SECONDS < deadline)) || fail 'gateway ready' "GET /health/ready: HTTP $status"
    sleep 1
  done
  log "gateway at $base (port-forward)"
}

# http METHOD PATH [curl options...]: sets status, body and the headers file.
status=''
body=''
http() {
  local method=$1 path=$2
  shift 2
  status=$(curl -sS -X "$method" -o "$work/body" -D "$work/headers" -w '%{http_code}' \
    --max-time "$CURL_TIMEOUT" "$@" "$base$path" 2>"$work/curl.log") || status=000
  body=$(cat "$work/body" 2>/dev/null || true)
}
expect() { # step, status wanted
  [[ $status == "$2" ]] || fail "$1" "HTTP $status, want $2: ${body:-$(tail -n 1 "$work/curl.log")}"
}
# A string field of the flat JSON answers this test reads (no jq or Node needed).
field() {
  printf '%s' "$body" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" | head -n 1
}
header() { tr -d '\r' <"$work/headers" | awk -F': *' -v name="$1" 'tolower($1) == name { print $2 }'; }
# The credentials as JSON: both are made of [A-Za-z0-9-] here, nothing to escape.
credentials_json() { # [mode]
  printf '{"username":"%s","password":"%s"%s}' "$user" "$password" "${1:+,\"mode\":\"$1\"}"
}

user=''
password=''
credential=() # curl options that authenticate as $user

register() {
  user="smoke-$(date +%s)-$RANDOM$RANDOM"
  password=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
  http POST /auth/register -H 'content-type: application/json' \
    -d "$(credentials_json)"
  expect 'register' 201
  [[ $(field username) == "$user" ]] || fail 'register' "unexpected body: $body"
}

login() { # mode
  local mode=$1 jar="$work/jar"
  rm -f "$jar"
  http POST /auth/login -c "$jar" -H 'content-type: application/json' \
    -d "$(credentials_json "$mode")"
  expect "login ($mode)" 200
  [[ $(field mode) == "$mode" ]] || fail "login ($mode)" "mode in the answer: $(field mode)"
  if [[ $mode == session ]]; then
    grep -q '__Host-sid' "$jar" 2>/dev/null || fail 'login (session)' 'no __Host-sid cookie'
    credential=(-b "$jar")
  else
    local token
    token=$(field access_token)
    [[ -n $token ]] || fail "login ($mode)" 'no access_token in the answer'
    credential=(-H "authorization: Bearer $token")
  fi
}

me() { # step, status wanted
  http GET /api/me "${credential[@]}"
  expect "$1" "$2"
  if [[ $2 == 200 ]]; then
    [[ $(field username) == "$user" && $(field mode) == "$mode" ]] ||
      fail "$1" "unexpected body: $body"
  fi
}

# The README's "Walk-through (curl)", in $mode.
walk_through() {
  log "walk-through ($current, mode $mode): register, login, /api/me, logout"
  register
  login "$mode"
  me "/api/me ($mode)" 200
  http POST /auth/logout "${credential[@]}"
  expect "logout ($mode)" 204
  case $mode in
    session) me '/api/me after logout (session)' 401 ;;
    # The stateless trade-off: refreshes are revoked, the access token lives until exp.
    jwt) me '/api/me after logout (jwt, valid until exp)' 200 ;;
    hybrid)
      local deadline=$((SECONDS + REVOCATION_TIMEOUT)) i
      until http GET /api/me "${credential[@]}" && [[ $status == 401 ]]; do
        ((SECONDS < deadline)) ||
          fail '/api/me after logout (hybrid)' "HTTP $status after ${REVOCATION_TIMEOUT}s, want 401"
        sleep 0.1
      done
      for ((i = 0; i < REVOKED_CHECKS; i++)); do
        http GET /api/me "${credential[@]}"
        [[ $status == 401 ]] || fail '/api/me after logout (hybrid)' \
          "replica $(header x-served-by): HTTP $status, want 401"
      done
      ;;
  esac
  log "walk-through ($current, mode $mode): ok"
}

# Scales the replicas (the HPA's floor too, or it scales them back) and checks the gateway
# spreads requests over them once its DNS refresh sees them.
check_spread() {
  log "scaling deploy/resource to $SCALE_TO"
  run 'scale' k patch hpa resource -p "{\"spec\":{\"minReplicas\":$SCALE_TO}}"
  run 'scale' k scale deployment/resource --replicas="$SCALE_TO"
  run 'scale' kubectl -n "$NAMESPACE" rollout status deployment/resource \
    --timeout="${ROLLOUT_TIMEOUT}s"
  login "$mode"
  local deadline=$((SECONDS + SPREAD_TIMEOUT)) i served=() distinct=0
  while :; do
    served=()
    for ((i = 0; i < SPREAD_REQUESTS; i++)); do
      http GET /api/me "${credential[@]}"
      expect '/api/me while scaled' 200
      served+=("$(header x-served-by)")
    done
    distinct=$(printf '%s\n' "${served[@]}" | grep . | sort -u | wc -l | tr -d ' ')
    ((distinct >= SPREAD_MIN_REPLICAS)) && break
    ((SECONDS < deadline)) ||
      fail 'spread' "$SPREAD_REQUESTS requests reached $distinct replicas, want $SPREAD_MIN_REPLICAS"
  done
  log "spread: $SPREAD_REQUESTS requests reached $distinct replicas: $(printf '%s\n' "${served[@]}" |
    sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep = " " }')"
}

# --- the run ------------------------------------------------------------------------------------
log "cluster: $(kubectl config current-context 2>/dev/null || echo in-cluster)"
if [[ -n $(k get namespace "$NAMESPACE" --ignore-not-found -o name 2>/dev/null) ]]; then
  fail 'namespace' "$NAMESPACE already exists; this test deletes what it creates, so it needs none (kubectl delete namespace $NAMESPACE)"
fi

log 'creating secrets (scripts/gen-secrets.sh, scripts/k8s-secrets.sh)'
run 'secrets' scripts/gen-secrets.sh
created=1
run 'secrets' scripts/k8s-secrets.sh "$NAMESPACE"

deploy "$overlay"
start_port_forward
overlay_mode
walk_through
check_spread

log "switching to k8s/overlays/$then_overlay"
deploy "$then_overlay"
start_port_forward
overlay_mode
walk_through
