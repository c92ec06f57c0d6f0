# The scale test, run by the Job's "scaletest" container on the coder image
# with components/delivery/lib.sh in front (api, status, json_get,
# licensed). Every `coder exp scaletest` command line is built in Go
# (commands.go) and given here as one environment variable of
# space-separated arguments. The admin token (CODER_SESSION_TOKEN) only
# mints the run's own token; every test command runs with that token,
# which expires with the run's budget and is expired at the end.
#
# Commands, flags and routes are Coder v2.35.1's (the module cache copy):
# `coder tokens create --name --lifetime` and `coder tokens remove`
# (cli/tokens.go:123-136, 335), `coder users create --username --email
# --login-type none` (cli/usercreate.go:168-215), and the coderd routes
# GET /users/{user} (coderd/coderd.go:1689-1707), GET
# /organizations/{organization} (coderd/coderd.go:1513-1517), GET
# /organizations/{organization}/groups/{groupName}, GET and PATCH
# /groups/{group} with add_users/remove_users (enterprise/coderd/coderd.go:497-509,
# 583-594; codersdk/groups.go:29-40, 189-191), GET /entitlements
# (enterprise/coderd/coderd.go:337; codersdk/deployment.go:371-373, 499-500).
# components/scaletest/commands_test.go checks the commands and flags.
#
# Results go to /results: one JSON file per command (the harness Results
# of coder/coder scaletest/harness) and status (the first failing command's
# exit status, 0 when all passed). The script itself exits 0
# so that the upload container still runs; the upload exits with status.
set +e
mkdir -p /results
status=0
note() { echo "scaletest: $*"; }
record() { # record NAME STATUS: the first failure is the run's status
  note "$1 exited $2"
  [ "$status" -ne 0 ] || status=$2
}

admin_token=$CODER_SESSION_TOKEN
run_name="scaletest-${RUN_ID}"
if ! CODER_SESSION_TOKEN=$(coder tokens create --name "$run_name" --lifetime "$RUN_TOKEN_LIFETIME"); then
  note "minting the run's token failed (is ${TOKEN_SECRET} an owner's token?)"
  echo 1 >/results/status
  exit 0
fi
export CODER_SESSION_TOKEN

# Every workspace is this account's own (create-workspaces
# --use-host-login): an owner may use the scale-test template, which stays
# granted to SCALETEST_GROUP only. Coder's quota is per owner (each
# workspace costs its template's daily cost; enterprise/coderd/workspacequota.go
# CommitQuota sums the allowances of the owner's groups), and Everyone's
# allowance is a person's few workspaces: the account joins
# SCALETEST_GROUP, whose allowance the Day-2 configuration holds at the
# run's workspaces (stacks/scaletest.go), while the run lasts. So do the
# dashboard command's users, so that they see the template. Only the
# members the run added leave at exit.
group_id=""
joined=()
member() { # member USER_ID: succeeds when the user is in the group
  api GET "/groups/${group_id}" | grep -q "\"$1\""
}
join() { # join USER_ID NAME
  [ -n "$group_id" ] || return 0
  member "$1" && return 0
  api PATCH "/groups/${group_id}" -d "{\"add_users\":[\"$1\"]}" >/dev/null || return 1
  joined+=("$1")
  note "$2 joined the group ${SCALETEST_GROUP} for the run"
}
leave() {
  local id
  for id in "${joined[@]}"; do
    # A user cleanup deleted is no longer the organization's: coderd
    # refuses to touch it, and it holds nothing.
    api PATCH "/groups/${group_id}" -d "{\"remove_users\":[\"${id}\"]}" >/dev/null 2>&1 ||
      [ "$id" != "$me_id" ] || note "the run's account could not leave ${SCALETEST_GROUP}: remove it by hand (docs/scaletest.md)"
  done
  [ "${#joined[@]}" -eq 0 ] || note "the run's members left ${SCALETEST_GROUP}"
}
finish() {
  leave
  # v2.35.1 expires the token (cli/tokens.go:335-380; --delete would erase
  # it): the audit log keeps it.
  CODER_SESSION_TOKEN=$admin_token coder tokens remove "$run_name" >/dev/null && note "run token ${run_name} expired"
  echo "$status" >/results/status
}
trap finish EXIT
setup_failed() { note "$*"; record setup 1; exit 0; }

# Cleanup in v2.35.1 pauses the prebuilds reconciler before it deletes
# anything (cli/exp_scaletest.go:646-656: PUT /prebuilds/settings), a
# route coderd answers with 403 unless workspace_prebuilds is entitled
# (enterprise/coderd/coderd.go:657-663): check before creating anything it
# could not delete.
if [ -n "$CLEANUP_ARGS" ]; then
  prebuilds=$(api GET /entitlements | json_get features | json_get workspace_prebuilds | json_get enabled)
  [ "$prebuilds" = true ] ||
    setup_failed "coderd's entitlements do not enable workspace_prebuilds, which coder exp scaletest cleanup needs in Coder v2.35.1; nothing was created (docs/scaletest.md, Before a scale test)"
fi

me_id=$(api GET /users/me | json_get id) || setup_failed "reading the run's account failed"
# The CLI is given the organization's id: coderd's API takes "default",
# the CLI's --org only a name or id of the caller's organizations (v2.35.1
# cli/root.go OrganizationContext.Selected), as deliver.sh does.
org_id=$(organization_id "$ORGANIZATION") || setup_failed "the organization ${ORGANIZATION} was not found"
if licensed template_rbac; then
  group=$(api GET "/organizations/${org_id}/groups/${SCALETEST_GROUP}") &&
    group_id=$(printf '%s\n' "$group" | json_get id) ||
    setup_failed "the group ${SCALETEST_GROUP} was not found (the Day-2 configuration creates it)"
  allowance=$(printf '%s\n' "$group" | json_get quota_allowance)
  [ "${allowance:-0}" -ge "$GROUP_ALLOWANCE" ] ||
    setup_failed "the group ${SCALETEST_GROUP} has a quota allowance of ${allowance:-0}, not the run's ${GROUP_ALLOWANCE}: builds past the account's own few would fail; let the Day-2 configuration run first (docs/scaletest.md)"
  join "$me_id" "the run's account" || setup_failed "the run's account could not join ${SCALETEST_GROUP}"
fi

# The dashboard command drives scale-test users (named scaletest-…, with
# @scaletest.local emails, so cleanup deletes them); create-workspaces
# makes none with --use-host-login. Members who cannot sign in (login type
# none): the command gives each a token.
if [ -n "$DASHBOARD_ARGS" ]; then
  for ((i = 0; i < DASHBOARD_USERS; i++)); do
    user="scaletest-dashboard-${i}"
    if [ "$(status "/users/${user}")" != 200 ]; then
      coder users create --org "$org_id" --username "$user" --email "dashboard-${i}@scaletest.local" --login-type none >/dev/null ||
        setup_failed "creating the dashboard user ${user} failed"
    fi
    id=$(api GET "/users/${user}" | json_get id) && join "$id" "$user" ||
      setup_failed "the dashboard user ${user} could not join ${SCALETEST_GROUP}"
  done
fi

read -ra create <<<"$CREATE_ARGS"
note "coder ${CREATE_ARGS}"
coder "${create[@]}"
record create-workspaces $?

pids=()
names=()
for var in TRAFFIC_ARGS DASHBOARD_ARGS; do
  [ -n "${!var}" ] || continue
  read -ra load <<<"${!var}"
  note "coder ${!var}"
  coder "${load[@]}" &
  pids+=($!)
  names+=("${load[2]}")
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}"
  record "${names[$i]}" $?
done

if [ -n "$CLEANUP_ARGS" ]; then
  read -ra cleanup <<<"$CLEANUP_ARGS"
  note "coder ${CLEANUP_ARGS}"
  coder "${cleanup[@]}"
  record cleanup $?
fi
exit 0
