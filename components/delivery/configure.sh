#!/usr/bin/env bash
# The Day-2 configuration of coderd, declared by the stack: the licence,
# the owners, and the groups templates are granted to with their quota
# allowances. Idempotent: it reads first and writes only what differs, so a
# run with nothing changed changes nothing. Runs before template delivery
# (its groups must exist) with the automation account's owner token.
set -euo pipefail

changes=0
say() { echo "configure: $*"; }
fail() { echo "configure: $*" >&2; exit 1; }
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
# Whatever fails, the run ends with one line the platform alarms on
# (observability.Day2FailurePattern, a CloudWatch Logs metric filter).
trap 'rc=$?; [ "$rc" = 0 ] || echo "configure: FAILED (exit ${rc}); docs/runbooks.md#alarm-day2-configuration" >&2' EXIT

# 1. Licence (CODER_LICENSE, the JWT from Secrets Manager): installed once.
# coderd lists a licence by its uuid, the JWT's jti claim
# (enterprise/coderd/license); the JWT itself is never printed.
# A JWT has no white space; a secret pasted with a trailing newline does.
license=$(printf '%s' "${CODER_LICENSE:-}" | tr -d ' \t\r\n')
if [ -n "$license" ]; then
  payload=$(printf '%s' "$license" | cut -d. -f2 | tr '_-' '/+')
  case $((${#payload} % 4)) in 2) payload="${payload}==" ;; 3) payload="${payload}=" ;; esac
  claims=$(printf '%s' "$payload" | base64 -d 2>/dev/null) || fail "the licence is not a JWT (coder/<stack>/<region>/license)"
  jti=$(printf '%s\n' "$claims" | json_get jti) || fail "the licence has no id (jti claim)"
  expires=$(printf '%s\n' "$claims" | json_get license_expires || echo unknown)
  # Read into a variable first: a failed call must stop the run, and a
  # command substitution inside <<< would hide its failure.
  licenses=$(api GET /licenses | json_items)
  installed=no
  while read -r item; do
    [ -n "$item" ] || continue
    if [ "$(printf '%s\n' "$item" | json_get uuid)" = "$jti" ]; then installed=yes; fi
  done <<<"$licenses"
  if [ "$installed" = yes ]; then
    say "licence ${jti} is installed (expires at ${expires}, Unix time)"
  else
    api POST /licenses -d "{\"license\":\"${license}\"}" >/dev/null
    changes=$((changes + 1))
    say "licence ${jti} installed (expires at ${expires}, Unix time)"
  fi
fi

# 2. Owners: the declared people (OWNERS, emails) and this automation
# account, no one else. An undeclared owner fails the run: removing a role
# is a person's decision, never this script's.
me=$(api GET /users/me | json_get id)
owners=$(api GET '/users?q=role:owner&limit=1000' | json_get users | json_items)
extra=""
while read -r u; do
  [ -n "$u" ] || continue
  id=$(printf '%s\n' "$u" | json_get id)
  email=$(printf '%s\n' "$u" | json_get email)
  [ "$id" = "$me" ] && continue
  # Emails compare without case: IdPs and people spell them differently.
  case ",$(lower "$OWNERS")," in *",$(lower "$email"),"*) ;; *) extra="${extra:+${extra}, }${email}" ;; esac
done <<<"$owners"
[ -z "$extra" ] || fail "coderd has owners that coder.identity.owners does not declare: ${extra}; remove them from the IdP group that maps to owner (role sync sets an OIDC user's roles at every sign-in), or for an account outside the IdP run coder users edit-roles; or declare them"
say "owners are the declared ones (${OWNERS}) and this automation account"

# 3. Groups (licensed: template_rbac). DAY2_GROUPS (not GROUPS, which is
# bash's own) lists "organization group
# allowance" lines: the groups templates are granted to, created before
# delivery so it never waits for the IdP's first sign-in, and Everyone
# (whose id is the organization's), which carries every member's quota.
if licensed template_rbac; then
  while read -r org name allowance; do
    [ -n "$org" ] || continue
    org_id=$(api GET "/organizations/${org}" | json_get id)
    if [ "$name" = Everyone ]; then
      path="/groups/${org_id}" code=200
    else
      code=$(status "/organizations/${org_id}/groups/${name}")
      path="/organizations/${org_id}/groups/${name}"
    fi
    case "$code" in
      200)
        group=$(api GET "$path")
        gid=$(printf '%s\n' "$group" | json_get id)
        if [ "$(printf '%s\n' "$group" | json_get quota_allowance)" != "$allowance" ]; then
          api PATCH "/groups/${gid}" -d "{\"quota_allowance\":${allowance}}" >/dev/null
          changes=$((changes + 1))
          say "group ${org}/${name}: quota allowance set to ${allowance}"
        fi ;;
      404)
        api POST "/organizations/${org_id}/groups" -d "{\"name\":\"${name}\",\"quota_allowance\":${allowance}}" >/dev/null
        changes=$((changes + 1))
        say "group ${org}/${name}: created (quota allowance ${allowance}); IdP group sync fills it" ;;
      *) fail "group ${org}/${name}: looking it up answered HTTP ${code}" ;;
    esac
  done <<<"${DAY2_GROUPS:-}"
fi
# 3b. Group sync (licensed: template_rbac), written into coderd's settings
# of the templates' organization (PATCH .../settings/idpsync/groups), so it
# holds in any organization and a change made in the dashboard is undone
# by the next run. The mapping is by group id: coderd refuses names
# (legacy_group_name_mapping); a mapped group that does not exist yet is
# created. DAY2_GROUP_SYNC_MAPPING lines are "<IdP group><TAB><Coder group>".
if licensed template_rbac && [ -n "${DAY2_GROUP_SYNC_FIELD:-}" ]; then
  org_id=$(organization_id "$DAY2_ORGANIZATION")
  entries=""
  while IFS=$'\t' read -r idp coder_group; do
    [ -n "$idp" ] || continue
    if [ "$(status "/organizations/${org_id}/groups/${coder_group}")" = 404 ]; then
      api POST "/organizations/${org_id}/groups" -d "{\"name\":\"${coder_group}\",\"quota_allowance\":0}" >/dev/null
      changes=$((changes + 1))
      say "group ${DAY2_ORGANIZATION}/${coder_group}: created for the group sync mapping"
    fi
    gid=$(api GET "/organizations/${org_id}/groups/${coder_group}" | json_get id)
    entries="${entries}$(json_string "$idp"):[\"${gid}\"]"$'\n'
  done <<<"${DAY2_GROUP_SYNC_MAPPING:-}"
  # Keys in byte order, as coderd (Go) writes a map.
  mapping="{$(printf '%s' "$entries" | LC_ALL=C sort | paste -sd, -)}"
  regex=null
  [ -z "${DAY2_GROUP_SYNC_REGEX:-}" ] || regex=$(json_string "$DAY2_GROUP_SYNC_REGEX")
  want="{\"field\":$(json_string "$DAY2_GROUP_SYNC_FIELD"),\"mapping\":${mapping},\"regex_filter\":${regex},\"auto_create_missing_groups\":${DAY2_GROUP_SYNC_AUTO_CREATE:-false}}"
  current=$(api GET "/organizations/${org_id}/settings/idpsync/groups")
  part() { printf '%s\n' "$current" | json_raw "$1" | json_compact; }
  mapping_now=$(part mapping)
  [ "$mapping_now" != null ] || mapping_now='{}'
  have="{\"field\":$(part field),\"mapping\":${mapping_now},\"regex_filter\":$(part regex_filter),\"auto_create_missing_groups\":$(part auto_create_missing_groups)}"
  if [ "$have" = "$want" ]; then
    say "group sync of ${DAY2_ORGANIZATION}: unchanged"
  else
    api PATCH "/organizations/${org_id}/settings/idpsync/groups" -d "$want" >/dev/null
    changes=$((changes + 1))
    say "group sync of ${DAY2_ORGANIZATION}: set (claim ${DAY2_GROUP_SYNC_FIELD})"
  fi
fi

# 4. Inactive accounts (SUSPEND_INACTIVE_DAYS > 0): suspended when not seen
# for that long, so an account the IdP never deprovisions does not stay
# open. Owners, service accounts and this account are never suspended; a user-admin
# reactivates (coder users activate). NOW (Unix seconds) is for the tests.
if [ "${SUSPEND_INACTIVE_DAYS:-0}" -gt 0 ]; then
  cutoff=$(date -u -d "@$((${NOW:-$(date +%s)} - SUSPEND_INACTIVE_DAYS * 86400))" +%Y-%m-%dT%H:%M:%SZ)
  # The time is quoted (%22): coderd's search splits a term at every ':'.
  # created_before too: an account that never signed in has last_seen_at
  # 0001-01-01 (seen on v2.30.0), and a new one is not an inactive one.
  inactive=$(api GET "/users?q=last_seen_before:%22${cutoff}%22%20created_before:%22${cutoff}%22&limit=1000" | json_get users | json_items)
  while read -r u; do
    [ -n "$u" ] || continue
    id=$(printf '%s\n' "$u" | json_get id)
    email=$(printf '%s\n' "$u" | json_get email)
    [ "$id" != "$me" ] || continue
    [ "$(printf '%s\n' "$u" | json_get status)" != suspended ] || continue
    # Service accounts (login type none: automation, template-admin, queue
    # reader) sign in with tokens only, seldom: never suspended.
    [ "$(printf '%s\n' "$u" | json_get login_type)" != none ] || continue
    case ",$(lower "$OWNERS")," in *",$(lower "$email"),"*) continue ;; esac
    api PUT "/users/${id}/status/suspend" >/dev/null
    changes=$((changes + 1))
    say "suspended ${email}: not seen since ${cutoff} (last seen $(printf '%s\n' "$u" | json_get last_seen_at))"
  done <<<"$inactive"
fi
say "done: ${changes} change(s)"
