#!/usr/bin/env bash
# Delivers one composed template to coderd with the pinned coder CLI.
# Idempotent: the version name carries the content hash, so a version that
# exists is promoted, not pushed again. The session token is read from the
# environment by the CLI and by api(); it is never echoed (no set -x).
set -euo pipefail
# The Job mounts the composed directory at /template and the variables at
# /vars; the overrides exist for the script's tests.
template_dir="${TEMPLATE_DIR:-/template}" vars_file="${VARS_FILE:-/vars/variables.yaml}" work="${WORK_DIR:-/tmp}"
export HOME="$work" CODER_CONFIG_DIR="$work/coder"
org="$CODER_ORGANIZATION"

api() {
  local method=$1 path=$2
  shift 2
  curl -fsS --proto '=https' --tlsv1.2 -X "$method" \
    -H "Coder-Session-Token: ${CODER_SESSION_TOKEN}" -H "Content-Type: application/json" \
    "${CODER_URL}/api/v2${path}" "$@"
}
# status prints the HTTP status of a GET, for routes whose 404 is an answer.
status() {
  curl -sS --proto '=https' --tlsv1.2 -o /dev/null -w '%{http_code}' \
    -H "Coder-Session-Token: ${CODER_SESSION_TOKEN}" "${CODER_URL}/api/v2$1"
}
# json_get KEY prints the value of KEY in the JSON object on stdin: a
# string's contents, any other value as its JSON text; it exits 1 when the
# object has no such key. json_items prints each element of the JSON array
# on stdin on a line of its own. Both parse JSON (strings, escapes, nesting,
# any white space) with the POSIX awk the coder image has (busybox), since
# the image has no jq and coderd's and the CLI's encodings differ in layout.
json_get() { json_awk get "$1"; }
json_items() { json_awk items ""; }
json_awk() {
  awk -v mode="$1" -v key="$2" '
    function fail(m) { print "json_get: " m >"/dev/stderr"; exit 2 }
    function ws(i) { while (i <= n && index(" \t\r\n", substr(doc, i, 1)) > 0) i++; return i }
    function strend(i,   c) {
      for (i++; i <= n; i++) { c = substr(doc, i, 1); if (c == "\\") i++; else if (c == "\"") return i }
      fail("unterminated string")
    }
    function valend(i,   c, d, e) {
      c = substr(doc, i, 1)
      if (c == "\"") return strend(i) + 1
      if (c == "{" || c == "[") {
        for (d = 0; i <= n; i++) {
          c = substr(doc, i, 1)
          if (c == "\"") i = strend(i)
          else if (c == "{" || c == "[") d++
          else if (c == "}" || c == "]") { if (--d == 0) return i + 1 }
        }
        fail("unterminated " c)
      }
      for (e = i; e <= n && index(",}] \t\r\n", substr(doc, e, 1)) == 0; ) e++
      if (e == i) fail("unexpected " (i > n ? "end of input" : substr(doc, i, 1)))
      return e
    }
    function unquote(s,   out, c, i) {
      for (i = 2; i < length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\") { c = substr(s, ++i, 1); if (c == "n") c = "\n"; else if (c == "t") c = "\t" }
        out = out c
      }
      return out
    }
    { doc = doc $0 "\n" }
    END {
      n = length(doc); i = ws(1)
      if (mode == "items") {
        if (substr(doc, i, 1) != "[") fail("not a JSON array")
        for (i = ws(i + 1); i <= n && substr(doc, i, 1) != "]"; ) {
          e = valend(i); v = substr(doc, i, e - i)
          gsub(/\n/, " ", v)  # white space between tokens; strings hold no raw newline
          print v
          i = ws(e)
          if (substr(doc, i, 1) == ",") i = ws(i + 1)
        }
        exit 0
      }
      if (substr(doc, i, 1) != "{") fail("not a JSON object")
      for (i = ws(i + 1); substr(doc, i, 1) == "\""; ) {
        e = strend(i); k = substr(doc, i + 1, e - i - 1)
        i = ws(e + 1)
        if (substr(doc, i, 1) != ":") fail("expected : after \"" k "\"")
        i = ws(i + 1); e = valend(i); v = substr(doc, i, e - i)
        if (k == key) {
          if (v ~ /^"/) v = unquote(v)
          print v; exit 0
        }
        i = ws(e)
        if (substr(doc, i, 1) == ",") i = ws(i + 1)
      }
      exit 1
    }'
}

org_id=$(api GET "/organizations/${org}" | json_get id)
[ -n "$org_id" ] || { echo "organization ${org} not found" >&2; exit 1; }

# 1. Content: push the composed directory, or promote the version pushed
# before. coderd looks the version up by its exact name: 200 means it was
# pushed (by an earlier run), 404 that it was not (or that the template is
# new); anything else is an error, never a reason to push again.
code=$(status "/organizations/${org_id}/templates/${TEMPLATE_NAME}/versions/${TEMPLATE_VERSION}")
case "$code" in
  200)
    # A version whose build failed cannot be promoted: say so, and how.
    job=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}/versions/${TEMPLATE_VERSION}" | json_get job | json_get status)
    case "$job" in
      failed | canceled)
        echo "template ${TEMPLATE_NAME}: version ${TEMPLATE_VERSION} exists but its import ${job}; fix the template and publish a new version" >&2
        exit 1 ;;
    esac
    echo "template ${TEMPLATE_NAME}: version ${TEMPLATE_VERSION} exists; making it active"
    coder templates versions promote --template "$TEMPLATE_NAME" --template-version "$TEMPLATE_VERSION" -O "$org" ;;
  404)
    echo "template ${TEMPLATE_NAME}: pushing version ${TEMPLATE_VERSION}"
    mkdir -p "$work/template" && cp -RL "$template_dir/." "$work/template/"
    # The import job carries the default region's tag (PROVISIONER_TAGS):
    # every provisioner key is region-tagged, and an untagged job only goes
    # to an untagged provisioner.
    tags=()
    for t in ${PROVISIONER_TAGS:-}; do tags+=(--provisioner-tag "$t"); done
    coder templates push "$TEMPLATE_NAME" -d "$work/template" --variables-file "$vars_file" \
      --name "$TEMPLATE_VERSION" -m "$TEMPLATE_MESSAGE" ${tags[@]+"${tags[@]}"} --activate --ignore-lockfile --yes -O "$org" ;;
  *)
    echo "template ${TEMPLATE_NAME}: looking up version ${TEMPLATE_VERSION} answered HTTP ${code}" >&2
    exit 1 ;;
esac

# 2. Settings of the template object. Deprecation is declared too: a message
# deprecates the template (no new workspaces; running ones keep going), and
# no message lifts a deprecation an earlier delivery set.
deprecation=()
if [ -n "${DEPRECATION_MESSAGE:-}" ]; then
  deprecation=(--deprecated "$DEPRECATION_MESSAGE")
elif [ "$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}" | json_get deprecated)" = true ]; then
  deprecation=(--deprecated "")
fi
coder templates edit "$TEMPLATE_NAME" -O "$org" --yes ${deprecation[@]+"${deprecation[@]}"} \
  --display-name "$TEMPLATE_DISPLAY_NAME" --description "$TEMPLATE_DESCRIPTION" --icon "$TEMPLATE_ICON" \
  --default-ttl "$DEFAULT_TTL" --activity-bump "$ACTIVITY_BUMP" \
  --autostop-requirement-weekdays "$AUTOSTOP_REQUIREMENT_DAYS" --autostop-requirement-weeks "$AUTOSTOP_REQUIREMENT_WEEKS" \
  --autostart-requirement-weekdays "$AUTOSTART_DAYS" \
  --allow-user-autostart="$ALLOW_USER_AUTOSTART" --allow-user-autostop="$ALLOW_USER_AUTOSTOP" \
  --require-active-version="$REQUIRE_ACTIVE_VERSION"

# 3. Access: the declared groups may use it and no other group may:
# Everyone (whose id is the organization's) and any group granted before but
# no longer declared lose their grant (an empty role deletes it; the ACL is
# patched, not replaced). A grant to an individual fails the run.
template_id=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}" | json_get id)
declared=" "
for g in ${ACCESS_GROUPS//,/ }; do
  gid=$(api GET "/organizations/${org_id}/groups/${g}" | json_get id || true)
  [ -n "$gid" ] || { echo "group ${g} does not exist in ${org}; create it or sync it from the IdP" >&2; exit 1; }
  declared="${declared}${gid} "
done
granted=$(api GET "/templates/${template_id}/acl" | json_get group)
[ "$granted" != null ] || granted='[]'
granted=$(printf '%s\n' "$granted" | json_items)
perms="\"${org_id}\":\"\""
while read -r item; do
  [ -n "$item" ] || continue
  gid=$(printf '%s\n' "$item" | json_get id)
  case "$declared" in *" ${gid} "*) ;; *) [ "$gid" = "$org_id" ] || perms="${perms},\"${gid}\":\"\"" ;; esac
done <<<"$granted"
for gid in $declared; do perms="${perms},\"${gid}\":\"use\""; done
api PATCH "/templates/${template_id}/acl" -d "{\"group_perms\":{${perms}}}" >/dev/null
users=$(api GET "/templates/${template_id}/acl" | json_get users | tr -d ' \t\r\n')
case "$users" in
  '[]' | null) ;;
  *) echo "template ${TEMPLATE_NAME} has grants to individual users; access is group-only, remove them" >&2; exit 1 ;;
esac

# 4. Quota: each workspace costs one credit a day (coder_metadata daily_cost),
# and every member gets QUOTA_ALLOWANCE credits through Everyone.
api PATCH "/groups/${org_id}" -d "{\"quota_allowance\":${QUOTA_ALLOWANCE}}" >/dev/null

echo "template ${TEMPLATE_NAME}: ${TEMPLATE_VERSION} active; groups ${ACCESS_GROUPS}; ${QUOTA_ALLOWANCE} workspaces per user"
