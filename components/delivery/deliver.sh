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
# first_id prints the id of a JSON object whose first field is "id", as
# coderd encodes organizations, groups and templates.
first_id() { sed -n 's/^{"id":"\([0-9a-f-]*\)".*/\1/p'; }

org_id=$(api GET "/organizations/${org}" | first_id)
[ -n "$org_id" ] || { echo "organization ${org} not found" >&2; exit 1; }

# 1. Content: push the composed directory, or promote the version pushed before.
if coder templates versions list "$TEMPLATE_NAME" -O "$org" -o json 2>/dev/null | grep -q "\"name\":\"${TEMPLATE_VERSION}\""; then
  echo "template ${TEMPLATE_NAME}: version ${TEMPLATE_VERSION} exists; making it active"
  coder templates versions promote --template "$TEMPLATE_NAME" --template-version "$TEMPLATE_VERSION" -O "$org"
else
  echo "template ${TEMPLATE_NAME}: pushing version ${TEMPLATE_VERSION}"
  mkdir -p "$work/template" && cp -RL "$template_dir/." "$work/template/"
  coder templates push "$TEMPLATE_NAME" -d "$work/template" --variables-file "$vars_file" \
    --name "$TEMPLATE_VERSION" -m "$TEMPLATE_MESSAGE" --activate --ignore-lockfile --yes -O "$org"
fi

# 2. Settings of the template object. Deprecation is declared too: a message
# deprecates the template (no new workspaces; running ones keep going), and
# no message lifts a deprecation an earlier delivery set.
deprecation=()
if [ -n "${DEPRECATION_MESSAGE:-}" ]; then
  deprecation=(--deprecated "$DEPRECATION_MESSAGE")
elif api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}" | grep -q '"deprecated":true'; then
  deprecation=(--deprecated "")
fi
coder templates edit "$TEMPLATE_NAME" -O "$org" --yes ${deprecation[@]+"${deprecation[@]}"} \
  --display-name "$TEMPLATE_DISPLAY_NAME" --description "$TEMPLATE_DESCRIPTION" --icon "$TEMPLATE_ICON" \
  --default-ttl "$DEFAULT_TTL" --activity-bump "$ACTIVITY_BUMP" \
  --autostop-requirement-weekdays "$AUTOSTOP_REQUIREMENT_DAYS" --autostop-requirement-weeks "$AUTOSTOP_REQUIREMENT_WEEKS" \
  --autostart-requirement-weekdays "$AUTOSTART_DAYS" \
  --allow-user-autostart="$ALLOW_USER_AUTOSTART" --allow-user-autostop="$ALLOW_USER_AUTOSTOP" \
  --require-active-version="$REQUIRE_ACTIVE_VERSION"

# 3. Access: the declared groups may use it, Everyone (whose id is the
# organization's) may not, and a grant to an individual fails the run.
template_id=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}" | first_id)
perms="\"${org_id}\":\"\""
for g in ${ACCESS_GROUPS//,/ }; do
  gid=$(api GET "/organizations/${org_id}/groups/${g}" | first_id || true)
  [ -n "$gid" ] || { echo "group ${g} does not exist in ${org}; create it or sync it from the IdP" >&2; exit 1; }
  perms="${perms},\"${gid}\":\"use\""
done
api PATCH "/templates/${template_id}/acl" -d "{\"group_perms\":{${perms}}}" >/dev/null
acl=$(api GET "/templates/${template_id}/acl")
case "$acl" in
  *'"users":[]'* | *'"users":null'*) ;;
  *) echo "template ${TEMPLATE_NAME} has grants to individual users; access is group-only, remove them" >&2; exit 1 ;;
esac

# 4. Quota: each workspace costs one credit a day (coder_metadata daily_cost),
# and every member gets QUOTA_ALLOWANCE credits through Everyone.
api PATCH "/groups/${org_id}" -d "{\"quota_allowance\":${QUOTA_ALLOWANCE}}" >/dev/null

echo "template ${TEMPLATE_NAME}: ${TEMPLATE_VERSION} active; groups ${ACCESS_GROUPS}; ${QUOTA_ALLOWANCE} workspaces per user"
