"""Publishes how many days each provisioner key has left before its rotation
is due, for the provisioner-key-expiry alarm. A key's age counts from the
last change of its secret value (LastChangedDate), or its creation."""
import datetime
import os

NAMESPACE = "Coder/Platform"
METRIC = "ProvisionerKeyDaysToRotation"


def days_left(secret, now, period):
    changed = secret.get("LastChangedDate") or secret["CreatedDate"]
    return period - (now - changed).total_seconds() / 86400


def run(sm, cw, now, prefix, period, stack, region):
    base = [{"Name": "Stack", "Value": stack}, {"Name": "Region", "Value": region}]
    data = []
    pages = sm.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": [prefix]}])
    for page in pages:
        for s in page["SecretList"]:
            if not s["Name"].startswith(prefix):
                continue
            data.append({"MetricName": METRIC, "Dimensions": base + [{"Name": "Secret", "Value": s["Name"]}],
                         "Value": round(days_left(s, now, period), 2), "Unit": "Count"})
    if data:
        data.append({"MetricName": METRIC, "Dimensions": base,
                     "Value": min(d["Value"] for d in data), "Unit": "Count"})
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace=NAMESPACE, MetricData=data[i:i + 500])
    return data


def handler(event, context):
    import boto3

    return len(run(boto3.client("secretsmanager"), boto3.client("cloudwatch"),
                   datetime.datetime.now(datetime.timezone.utc), os.environ["KEY_SECRET_PREFIX"],
                   int(os.environ["ROTATION_DAYS"]), os.environ["STACK"], os.environ["REGION"]))
