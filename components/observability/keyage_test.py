"""Runs keyage.run against ListSecrets pages shaped as the API returns them."""
import datetime
import unittest

import keyage

UTC = datetime.timezone.utc


class Pages:
    def __init__(self, pages):
        self.pages, self.filters = pages, None

    def get_paginator(self, op):
        assert op == "list_secrets"
        return self

    def paginate(self, Filters):
        self.filters = Filters
        return self.pages


class Metrics:
    def __init__(self):
        self.calls = []

    def put_metric_data(self, Namespace, MetricData):
        self.calls.append((Namespace, MetricData))


class KeyAgeTest(unittest.TestCase):
    def test_days_left_per_key_and_minimum(self):
        now = datetime.datetime(2026, 11, 24, tzinfo=UTC)
        sm = Pages([{"SecretList": [
            {"ARN": "arn:aws:secretsmanager:us-east-2:123456789012:secret:coder/prod/us-east-2/provisioner-key-default-AbCdEf",
             "Name": "coder/prod/us-east-2/provisioner-key-default",
             "CreatedDate": datetime.datetime(2026, 6, 1, tzinfo=UTC),
             "LastChangedDate": datetime.datetime(2026, 9, 10, tzinfo=UTC)},
        ]}, {"SecretList": [
            {"ARN": "arn:aws:secretsmanager:us-east-2:123456789012:secret:coder/prod/us-east-2/provisioner-key-demo-XyZ123",
             "Name": "coder/prod/us-east-2/provisioner-key-demo",
             "CreatedDate": datetime.datetime(2026, 11, 1, tzinfo=UTC)},
        ]}])
        cw = Metrics()
        data = keyage.run(sm, cw, now, "coder/prod/us-east-2/provisioner-key-", 90, "prod", "us-east-2")
        self.assertEqual(sm.filters, [{"Key": "name", "Values": ["coder/prod/us-east-2/provisioner-key-"]}])
        values = {tuple(d["Value"] for d in m["Dimensions"]): m["Value"] for m in data}
        self.assertEqual(values[("prod", "us-east-2", "coder/prod/us-east-2/provisioner-key-default")], 15.0)
        self.assertEqual(values[("prod", "us-east-2", "coder/prod/us-east-2/provisioner-key-demo")], 67.0)
        self.assertEqual(values[("prod", "us-east-2")], 15.0)
        self.assertEqual(cw.calls[0][0], "Coder/Platform")

    def test_no_keys_publishes_nothing(self):
        cw = Metrics()
        self.assertEqual(keyage.run(Pages([{"SecretList": []}]), cw, datetime.datetime.now(UTC), "p-", 90, "s", "r"), [])
        self.assertEqual(cw.calls, [])


if __name__ == "__main__":
    unittest.main()
