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

# The CLI is given the organization's id: coderd's API takes "default" for
# the default organization, the CLI only its real name, which is "coder" on
# a deployment created by Coder 2.13 or later (seen on v2.30.0).
org_id=$(organization_id "$org")

# 1. Content: push the composed directory, or promote the version pushed
# before. coderd looks the version up by its exact name: 200 means it was
# pushed (by an earlier run), 404 that it was not (or that the template is
# new); anything else is an error, never a reason to push again.
code=$(status "/organizations/${org_id}/templates/${TEMPLATE_NAME}/versions/${TEMPLATE_VERSION}")
case "$code" in
  200)
    # A version whose build failed cannot be promoted: say so, and how.
    version=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}/versions/${TEMPLATE_VERSION}")
    job=$(printf '%s\n' "$version" | json_get job | json_get status)
    case "$job" in
      failed | canceled)
        echo "template ${TEMPLATE_NAME}: version ${TEMPLATE_VERSION} exists but its import ${job}; fix the template and publish a new version" >&2
        exit 1 ;;
    esac
    # An unchanged re-run changes nothing: the active version stays as is.
    active=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}" | json_get active_version_id)
    if [ "$active" = "$(printf '%s\n' "$version" | json_get id)" ]; then
      echo "template ${TEMPLATE_NAME}: version ${TEMPLATE_VERSION} is active"
    else
      echo "template ${TEMPLATE_NAME}: version ${TEMPLATE_VERSION} exists; making it active"
      coder templates versions promote --template "$TEMPLATE_NAME" --template-version "$TEMPLATE_VERSION" -O "$org_id"
    fi ;;
  404)
    echo "template ${TEMPLATE_NAME}: pushing version ${TEMPLATE_VERSION}"
    mkdir -p "$work/template" && cp -RL "$template_dir/." "$work/template/"
    # The import job carries the default region's tag (PROVISIONER_TAGS):
    # every provisioner key is region-tagged, and an untagged job only goes
    # to an untagged provisioner.
    tags=()
    for t in ${PROVISIONER_TAGS:-}; do tags+=(--provisioner-tag "$t"); done
    coder templates push "$TEMPLATE_NAME" -d "$work/template" --variables-file "$vars_file" \
      --name "$TEMPLATE_VERSION" -m "$TEMPLATE_MESSAGE" ${tags[@]+"${tags[@]}"} --activate --ignore-lockfile --yes -O "$org_id" ;;
  *)
    echo "template ${TEMPLATE_NAME}: looking up version ${TEMPLATE_VERSION} answered HTTP ${code}" >&2
    exit 1 ;;
esac

# 2. Settings of the template object, compared first and written only
# when they differ. coderd (and its CLI) serve the scheduling flags only
# with advanced_template_scheduling, deprecation and require-active-version
# only with access_control (cli/templateedit.go); the stack declares both
# whenever it delivers templates.
sorted() { tr ',' '\n' <<<"$1" | sed '/^$/d' | sort | paste -sd, -; }
current=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}")
field() { printf '%s\n' "$current" | json_get "$@"; }
have="$(field display_name)|$(field description)|$(field icon)|$(field default_ttl_ms)|$(field activity_bump_ms)"
want="${TEMPLATE_DISPLAY_NAME}|${TEMPLATE_DESCRIPTION}|${TEMPLATE_ICON}|$(ms "$DEFAULT_TTL")|$(ms "$ACTIVITY_BUMP")"
settings=(--display-name "$TEMPLATE_DISPLAY_NAME" --description "$TEMPLATE_DESCRIPTION" --icon "$TEMPLATE_ICON"
  --default-ttl "$DEFAULT_TTL" --activity-bump "$ACTIVITY_BUMP")
if licensed advanced_template_scheduling; then
  have="${have}|$(field autostop_requirement | json_get days_of_week | words)|$(field autostop_requirement | json_get weeks)"
  have="${have}|$(field autostart_requirement | json_get days_of_week | words)|$(field allow_user_autostart)|$(field allow_user_autostop)"
  want="${want}|$(sorted "$AUTOSTOP_REQUIREMENT_DAYS")|${AUTOSTOP_REQUIREMENT_WEEKS}|$(sorted "$AUTOSTART_DAYS")|${ALLOW_USER_AUTOSTART}|${ALLOW_USER_AUTOSTOP}"
  settings+=(--autostop-requirement-weekdays "$AUTOSTOP_REQUIREMENT_DAYS" --autostop-requirement-weeks "$AUTOSTOP_REQUIREMENT_WEEKS"
    --autostart-requirement-weekdays "$AUTOSTART_DAYS"
    --allow-user-autostart="$ALLOW_USER_AUTOSTART" --allow-user-autostop="$ALLOW_USER_AUTOSTOP")
fi
# Deprecation is declared too: a message deprecates the template (no new
# workspaces; running ones keep going), and no message lifts a deprecation
# an earlier delivery set.
if licensed access_control; then
  have="${have}|$(field require_active_version)|$(field deprecation_message)"
  want="${want}|${REQUIRE_ACTIVE_VERSION}|${DEPRECATION_MESSAGE:-}"
  settings+=(--require-active-version="$REQUIRE_ACTIVE_VERSION" --deprecated "${DEPRECATION_MESSAGE:-}")
elif [ -n "${DEPRECATION_MESSAGE:-}" ]; then
  echo "template ${TEMPLATE_NAME}: cannot deprecate it without the access_control licence feature" >&2
  exit 1
fi
if [ "$have" = "$want" ]; then
  echo "template ${TEMPLATE_NAME}: settings unchanged"
else
  coder templates edit "$TEMPLATE_NAME" -O "$org_id" --yes "${settings[@]}"
fi

# 3. Access (licensed: template_rbac; without it every member may use every
# template): the declared groups may use it and no other group may:
# Everyone (whose id is the organization's) and any group granted before but
# no longer declared lose their grant (an empty role deletes it; the ACL is
# patched, not replaced). A grant to an individual fails the run.
if ! licensed template_rbac; then
  echo "template ${TEMPLATE_NAME}: ${TEMPLATE_VERSION} active; open to every member (no template_rbac licence)"
  exit 0
fi
template_id=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}" | json_get id)
declared=" "
for g in ${ACCESS_GROUPS//,/ }; do
  case "$(status "/organizations/${org_id}/groups/${g}")" in
    200) gid=$(api GET "/organizations/${org_id}/groups/${g}" | json_get id) ;;
    404) echo "group ${g} does not exist in ${org}; the Day-2 configuration creates every declared group: check that its Job ran" >&2; exit 1 ;;
    *) echo "looking up group ${g} in ${org} failed" >&2; exit 1 ;;
  esac
  declared="${declared}${gid} "
done
granted=$(api GET "/templates/${template_id}/acl" | json_get group)
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

echo "template ${TEMPLATE_NAME}: ${TEMPLATE_VERSION} active; groups ${ACCESS_GROUPS}"
