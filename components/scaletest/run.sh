# The scale test, run by the Job's "scaletest" container on the coder image
# with components/delivery/lib.sh in front (api, status, json_get,
# licensed). Every `coder exp scaletest` command line is built in Go
# (commands.go) and given here as one environment variable of
# space-separated arguments. The admin token (CODER_SESSION_TOKEN) only
# mints the run's own token; every test command runs with that token,
# which expires with the run's budget and is removed at the end.
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

# Scale-test users are plain members: while the run lasts, Everyone may use
# the scale-test template (its declared access is the empty scaletest
# group, policy template-group-access). The grant goes at exit.
org_id=""
template_id=""
grant() { # grant ROLE: "use" or "" (revoke) for Everyone
  [ -n "$template_id" ] || return 0
  api PATCH "/templates/${template_id}/acl" -d "{\"group_perms\":{\"${org_id}\":\"$1\"}}" >/dev/null
}
finish() {
  [ -z "$template_id" ] || { grant "" && note "Everyone's use of ${TEMPLATE_NAME} revoked"; }
  CODER_SESSION_TOKEN=$admin_token coder tokens remove "$run_name" >/dev/null && note "run token ${run_name} removed"
  echo "$status" >/results/status
}
trap finish EXIT

if licensed template_rbac; then
  org_id=$(api GET "/organizations/${CODER_ORGANIZATION}" | json_get id) &&
    template_id=$(api GET "/organizations/${org_id}/templates/${TEMPLATE_NAME}" | json_get id) &&
    grant use && note "Everyone may use ${TEMPLATE_NAME} during the run" ||
    { record grant 1; exit 0; }
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
