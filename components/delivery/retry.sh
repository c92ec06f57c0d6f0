#!/usr/bin/env bash
# Retries workspace starts that failed for an infrastructure reason (EC2
# capacity, spot interruption, throttling, a provisioner lost mid-build),
# with exponential backoff and a cap. Coder v2.35.1 retries no failed build
# itself (coder/coder#14031 is open; the lifecycle executor never autostarts
# a failed workspace, coderd/autobuild/lifecycle_executor.go:723), so this runs
# on a schedule with the automation account's owner token.
#
# Per workspace whose latest build is a failed start:
#   - a failure no RETRY_ON row names, or one a NEVER_RETRY row or a job
#     error code names, is the user's or the template's: left alone;
#   - the retries already made are the failed starts this account initiated
#     right before it (coderd records the initiator of every build);
#   - the next one is due BASE_DELAY_SECONDS * 2^retries (at most
#     MAX_DELAY_SECONDS) after the failure; MAX_ATTEMPTS retries at most.
# A new start build replays the failed one: coderd takes the previous
# build's template version and parameters when the request names none
# (coderd/wsbuilder/wsbuilder.go). Safe when runs overlap: coderd refuses a
# build while another is active, and two inserts of the same build number
# (HTTP 409); the latest build is read again right before each start.
# NOW (Unix seconds) and PAGE_SIZE are for the tests.
set -euo pipefail

say() { echo "retry: $*"; }
fail() { echo "retry: $*" >&2; exit 1; }
trap 'rc=$?; [ "$rc" = 0 ] || echo "retry: FAILED (exit ${rc}); docs/runbooks.md#build-retries" >&2' EXIT

now=${NOW:-$(date +%s)}
# The prebuilds system user's workspaces have coderd's own backoff
# (coderd/database/constants.go PrebuildsSystemUserID).
prebuilds_user=c42fdf75-3097-471c-8c33-fb52454d81c0

# epoch TIME prints an RFC 3339 time, as coderd's JSON writes it, in Unix
# seconds (the coder image's busybox date cannot read fractions or zones).
epoch() {
  local re='^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|([+-])([0-9]{2}):([0-9]{2}))$'
  [[ $1 =~ $re ]] || { echo "retry: cannot read the time $1" >&2; return 1; }
  local y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
  local s=$((10#${BASH_REMATCH[4]} * 3600 + 10#${BASH_REMATCH[5]} * 60 + 10#${BASH_REMATCH[6]}))
  # Days since 1970-01-01 of a proleptic Gregorian date (years >= 1).
  [ "$m" -gt 2 ] || y=$((y - 1))
  local era=$((y / 400)) yoe doy doe
  yoe=$((y - era * 400))
  doy=$(((153 * ((m + 9) % 12) + 2) / 5 + d - 1))
  doe=$((yoe * 365 + yoe / 4 - yoe / 100 + doy))
  s=$(((era * 146097 + doe - 719468) * 86400 + s))
  if [ -n "${BASH_REMATCH[9]}" ]; then
    local off=$((10#${BASH_REMATCH[10]} * 3600 + 10#${BASH_REMATCH[11]} * 60))
    [ "${BASH_REMATCH[9]}" = + ] && s=$((s - off)) || s=$((s + off))
  fi
  echo "$s"
}

# first_row TEXT ROWS prints the first row ("text<TAB>class") whose text
# TEXT contains, as "class (text)"; it fails when none does.
first_row() {
  local row pattern class
  while IFS= read -r row; do
    [ -n "$row" ] || continue
    pattern=${row%%$'\t'*} class=${row#*$'\t'}
    case "$1" in *"$pattern"*) printf '%s (%s)\n' "$class" "$pattern"; return 0 ;; esac
  done <<<"$2"
  return 1
}

# delay RETRIES prints the backoff before the next retry, in seconds.
delay() {
  local d=$BASE_DELAY_SECONDS i
  for ((i = 0; i < $1 && d < MAX_DELAY_SECONDS; i++)); do d=$((d * 2)); done
  [ "$d" -le "$MAX_DELAY_SECONDS" ] || d=$MAX_DELAY_SECONDS
  echo "$d"
}

# start_build ID prints the HTTP status of a start build request (201:
# queued, 409: a build is active or another run inserted one first); the
# answer's body is left in $answer.
answer=${TMPDIR:-/tmp}/retry-start.json
start_build() {
  curl -sS --proto '=https' --tlsv1.2 -o "$answer" -w '%{http_code}' -X POST \
    -H "Coder-Session-Token: ${CODER_SESSION_TOKEN}" -H "Content-Type: application/json" \
    -d '{"transition":"start"}' "${CODER_URL}/api/v2/workspaces/$1/builds"
}

me=$(api GET /users/me | json_get id)

# Every failed workspace first, then the starts: a started one leaves the
# status:failed list, which would shift the pages under a running offset.
failed="" offset=0 page=${PAGE_SIZE:-100}
while :; do
  items=$(api GET "/workspaces?q=status:failed&limit=${page}&offset=${offset}" | json_get workspaces | json_items)
  n=0
  [ -z "$items" ] || { n=$(($(printf '%s\n' "$items" | wc -l))); failed="${failed}${items}"$'\n'; }
  [ "$n" -eq "$page" ] || break
  offset=$((offset + page))
done

started=0 waiting=0 exhausted=0 refused=0 errors=0
while IFS= read -r ws; do
  [ -n "$ws" ] || continue
  id=$(printf '%s\n' "$ws" | json_get id)
  who="$(printf '%s\n' "$ws" | json_get owner_name)/$(printf '%s\n' "$ws" | json_get name)"
  [ "$(printf '%s\n' "$ws" | json_get owner_id)" != "$prebuilds_user" ] || continue
  # The scale test measures its own success rate: its failures stay failed.
  case " ${SKIP_TEMPLATES:-} " in *" $(printf '%s\n' "$ws" | json_get template_name) "*) continue ;; esac
  build=$(printf '%s\n' "$ws" | json_raw latest_build)
  job=$(printf '%s\n' "$build" | json_raw job)
  [ "$(printf '%s\n' "$build" | json_get transition)" = start ] || continue
  [ "$(printf '%s\n' "$job" | json_get status)" = failed ] || continue
  number=$(printf '%s\n' "$build" | json_get build_number)
  # Starting a dormant workspace wakes it (coderd/workspacebuilds.go): its
  # owner's decision.
  if [ "$(printf '%s\n' "$ws" | json_get dormant_at || echo null)" != null ]; then
    say "${who}: build #${number} failed; dormant, left alone"
    continue
  fi
  completed=$(epoch "$(printf '%s\n' "$job" | json_get completed_at)")
  [ $((now - completed)) -le "$RETRY_WINDOW_SECONDS" ] || continue

  # Classify: coderd's job error, and the build's last error lines (a
  # failed terraform apply's job error is only "terraform apply: exit
  # status 1"; its diagnostics are error-level log lines).
  code=$(printf '%s\n' "$job" | json_get error_code || true)
  text=$(printf '%s\n' "$job" | json_get error || true)
  logs=$(api GET "/workspacebuilds/$(printf '%s\n' "$build" | json_get id)/logs" | json_items | tail -n 300)
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    [ "$(printf '%s\n' "$line" | json_get log_level)" = error ] || continue
    text="${text}"$'\n'"$(printf '%s\n' "$line" | json_get output)"
  done <<<"$logs"
  if [ -n "$code" ]; then
    say "${who}: build #${number} failed with error code ${code}; a user error, not retried"
    refused=$((refused + 1))
    continue
  fi
  if why=$(first_row "$text" "${NEVER_RETRY:-}"); then
    say "${who}: build #${number} failed: ${why}; not retried"
    refused=$((refused + 1))
    continue
  fi
  if ! why=$(first_row "$text" "${RETRY_ON:-}"); then
    say "${who}: build #${number} failed: $(printf '%s\n' "$text" | sed -n '/./{p;q}' | cut -c1-160); not an infrastructure failure, not retried"
    refused=$((refused + 1))
    continue
  fi

  # The retries made so far: this account's failed starts, newest first.
  retries=0
  history=$(api GET "/workspaces/${id}/builds?limit=$((MAX_ATTEMPTS + 1))" | json_items)
  while IFS= read -r b; do
    [ -n "$b" ] || continue
    [ "$(printf '%s\n' "$b" | json_get transition)" = start ] || break
    [ "$(printf '%s\n' "$b" | json_raw job | json_get status)" = failed ] || break
    [ "$(printf '%s\n' "$b" | json_get initiator_id)" = "$me" ] || break
    retries=$((retries + 1))
  done <<<"$history"
  if [ "$retries" -ge "$MAX_ATTEMPTS" ]; then
    say "${who}: build #${number} failed: ${why}; retries exhausted (${retries} of ${MAX_ATTEMPTS})"
    exhausted=$((exhausted + 1))
    continue
  fi
  wait=$(delay "$retries")
  if [ $((now - completed)) -lt "$wait" ]; then
    say "${who}: build #${number} failed: ${why}; retry $((retries + 1)) of ${MAX_ATTEMPTS} due in $((completed + wait - now))s"
    waiting=$((waiting + 1))
    continue
  fi
  if [ "$started" -ge "$MAX_PER_RUN" ]; then
    say "${who}: retry $((retries + 1)) of ${MAX_ATTEMPTS} deferred to the next run (${MAX_PER_RUN} started in this one)"
    waiting=$((waiting + 1))
    continue
  fi
  # Read again: the owner, or an overlapping run, may have acted since.
  latest=$(api GET "/workspaces/${id}" | json_raw latest_build)
  if [ "$(printf '%s\n' "$latest" | json_get build_number)" != "$number" ]; then
    say "${who}: build #${number} is no longer the latest; left alone"
    continue
  fi
  status=$(start_build "$id" || true)
  case "$status" in
    201) started=$((started + 1))
      say "${who}: build #${number} failed: ${why}; retry $((retries + 1)) of ${MAX_ATTEMPTS} started" ;;
    409) say "${who}: a build is already active (another run or the owner started it); left alone" ;;
    # A start of this workspace coderd will not build (its version or a
    # parameter is no longer valid): the owner's to fix, like a user error.
    400 | 406) refused=$((refused + 1))
      say "${who}: coderd refused the retry (HTTP ${status}): $(json_get message <"$answer" || true); not retried" ;;
    *) errors=$((errors + 1))
      echo "retry: ${who}: starting it answered HTTP ${status:-none}: $(json_get message <"$answer" 2>/dev/null || true)" >&2 ;;
  esac
done <<<"$failed"
say "done: ${started} started, ${waiting} waiting, ${exhausted} exhausted, ${refused} not retried"
[ "$errors" -eq 0 ] || fail "${errors} start(s) refused by coderd"
