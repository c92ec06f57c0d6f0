"""The platform's credential functions, on Lambda's Python runtime.

age_handler, every 6 hours, publishes how many days each credential in
Secrets Manager has before its renewal is due (CredentialDaysToRotation,
from the secret's coder:rotation-days tag and its last change; for a secret
the stack reads but does not hold, such as the DNS team's Cloudflare token,
from a period the stack gives), and the days
the Coder licence has before it expires (LicenseDaysToExpiry, from the
license_expires claim of the JWT, the date coderd enforces).

rotate_handler is the Secrets Manager rotation function of the coderd API
tokens (createSecret, setSecret, testSecret, finishSecret): a token mints its
successor through coderd's API, for as long as coderd allows that user's
tokens to live; the token it replaces stays valid until the next rotation,
when it is deleted.
"""
import base64
import datetime
import json
import os
import urllib.error
import urllib.request

NAMESPACE = "Coder/Platform"
CREDENTIAL_METRIC = "CredentialDaysToRotation"
LICENSE_METRIC = "LicenseDaysToExpiry"
DAYS_TAG = "coder:rotation-days"


def credential_days(secret, now):
    """Days before a secret's renewal is due, or None when it has no period."""
    tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
    if DAYS_TAG not in tags:
        return None
    changed = secret.get("LastChangedDate") or secret["CreatedDate"]
    return int(tags[DAYS_TAG]) - (now - changed).total_seconds() / 86400


def license_days(jwt, now):
    """Days before the licence JWT's license_expires (Unix seconds)."""
    payload = jwt.strip().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return (claims["license_expires"] - now.timestamp()) / 86400


def external_days(sm, name, days, now):
    """Days before renewal of a secret this stack reads but does not hold
    (it carries no tags of ours): its period comes from the stack."""
    s = sm.describe_secret(SecretId=name)
    changed = s.get("LastChangedDate") or s["CreatedDate"]
    return days - (now - changed).total_seconds() / 86400


def publish_ages(sm, cw, now, prefix, stack, region, license_secret="", external=None):
    base = [{"Name": "Stack", "Value": stack}, {"Name": "Region", "Value": region}]
    data = []
    pages = sm.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": [prefix]}])
    for page in pages:
        for s in page["SecretList"]:
            days = credential_days(s, now) if s["Name"].startswith(prefix) else None
            if days is not None:
                data.append({"MetricName": CREDENTIAL_METRIC, "Dimensions": base + [{"Name": "Secret", "Value": s["Name"]}],
                             "Value": round(days, 2), "Unit": "Count"})
    for name, days in sorted((external or {}).items()):
        data.append({"MetricName": CREDENTIAL_METRIC, "Dimensions": base + [{"Name": "Secret", "Value": name}],
                     "Value": round(external_days(sm, name, days, now), 2), "Unit": "Count"})
    if data:
        data.append({"MetricName": CREDENTIAL_METRIC, "Dimensions": base,
                     "Value": min(d["Value"] for d in data), "Unit": "Count"})
    if license_secret:
        try:
            jwt = sm.get_secret_value(SecretId=license_secret)["SecretString"]
        except sm.exceptions.ResourceNotFoundException:
            jwt = None  # not put yet: no datapoint, and the alarm treats silence as breaching
        if jwt:
            data.append({"MetricName": LICENSE_METRIC, "Dimensions": base,
                         "Value": round(license_days(jwt, now), 2), "Unit": "Count"})
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace=NAMESPACE, MetricData=data[i:i + 500])
    return data


def age_handler(event, context):
    import boto3

    return len(publish_ages(boto3.client("secretsmanager"), boto3.client("cloudwatch"),
                            datetime.datetime.now(datetime.timezone.utc), os.environ["SECRET_PREFIX"],
                            os.environ["STACK"], os.environ["REGION"], os.environ.get("LICENSE_SECRET", ""),
                            json.loads(os.environ.get("EXTERNAL_SECRETS", "{}"))))


def coderd(url, token, method, path, body=None):
    """Calls coderd's API and returns the decoded answer (None when empty)."""
    req = urllib.request.Request(url + "/api/v2" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Coder-Session-Token": token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=20) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def current_version(sm, arn):
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    return next(v for v, s in stages.items() if "AWSCURRENT" in s)


def create_secret(sm, url, arn, request):
    try:
        sm.get_secret_value(SecretId=arn, VersionId=request, VersionStage="AWSPENDING")
        return  # a retried step: this rotation's token exists already
    except sm.exceptions.ResourceNotFoundException:
        pass
    token = sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"].strip()
    # The longest lifetime coderd allows this user (CODER_MAX_TOKEN_LIFETIME,
    # or CODER_MAX_ADMIN_TOKEN_LIFETIME for an owner), in nanoseconds.
    lifetime = coderd(url, token, "GET", "/users/me/keys/tokens/tokenconfig")["max_token_lifetime"]
    name = "rotated-" + request  # unique per rotation, and the same for its retries
    body = {"lifetime": lifetime, "token_name": name}
    try:
        new = coderd(url, token, "POST", "/users/me/keys/tokens", body)["key"]
    except urllib.error.HTTPError as e:
        if e.code != 409:
            raise
        # A retry after coderd made the token but Secrets Manager did not
        # store it: that token is lost, so delete it and make another.
        old = coderd(url, token, "GET", "/users/me/keys/tokens/" + name)
        coderd(url, token, "DELETE", "/users/me/keys/" + old["id"])
        new = coderd(url, token, "POST", "/users/me/keys/tokens", body)["key"]
    sm.put_secret_value(SecretId=arn, ClientRequestToken=request, SecretString=new, VersionStages=["AWSPENDING"])


def test_secret(sm, url, arn, request):
    token = sm.get_secret_value(SecretId=arn, VersionId=request, VersionStage="AWSPENDING")["SecretString"]
    coderd(url, token.strip(), "GET", "/users/me")


def finish_secret(sm, url, arn, request):
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next(v for v, s in stages.items() if "AWSCURRENT" in s)
    if current == request:
        return
    # The token being replaced stays valid until the next rotation: the
    # workloads read it from a Kubernetes secret that External Secrets
    # refreshes hourly. The one before it (AWSPREVIOUS) goes now.
    previous = next((v for v, s in stages.items() if "AWSPREVIOUS" in s), None)
    new = sm.get_secret_value(SecretId=arn, VersionId=request)["SecretString"].strip()
    if previous:
        old = sm.get_secret_value(SecretId=arn, VersionId=previous)["SecretString"].strip()
        # A token is "<id>-<secret>"; coderd deletes it by id.
        try:
            coderd(url, new, "DELETE", "/users/me/keys/" + old.split("-")[0])
        except urllib.error.HTTPError as e:
            if e.code != 404:  # expired or deleted by a retried step already
                raise
    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=request,
                                   RemoveFromVersionId=current)


STEPS = {"createSecret": create_secret, "setSecret": lambda *args: None,
         "testSecret": test_secret, "finishSecret": finish_secret}


def rotate(sm, url, event):
    arn, request, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    meta = sm.describe_secret(SecretId=arn)
    if not meta.get("RotationEnabled"):
        raise ValueError("rotation is not enabled on %s" % arn)
    stages = meta["VersionIdsToStages"]
    if request not in stages:
        raise ValueError("version %s is not a version of %s" % (request, arn))
    if "AWSCURRENT" in stages[request]:
        return  # rotated already
    if "AWSPENDING" not in stages[request]:
        raise ValueError("version %s of %s is not pending rotation" % (request, arn))
    STEPS[step](sm, url, arn, request)


def rotate_handler(event, context):
    import boto3

    rotate(boto3.client("secretsmanager"), os.environ["CODER_URL"], event)
