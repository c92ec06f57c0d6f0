"""Tests the credential functions: ages against ListSecrets pages shaped as
the API returns them, and, when CODER_URL and CODER_TOKEN name a real coderd
(TestCoderdRotatesTokens starts one), the rotation of a token against it,
with Secrets Manager kept in memory as its API behaves."""
import base64
import datetime
import json
import os
import unittest
import urllib.error
import uuid

import credentials

UTC = datetime.timezone.utc


class NotFound(Exception):
    pass


class SecretsManager:
    """Secrets Manager's versions and staging labels, in memory."""

    class exceptions:
        ResourceNotFoundException = NotFound

    def __init__(self, pages=None):
        self.pages, self.filters = pages or [], None
        self.values, self.stages, self.rotation = {}, {}, True

    # ListSecrets
    def get_paginator(self, op):
        assert op == "list_secrets"
        return self

    def paginate(self, Filters):
        self.filters = Filters
        return self.pages

    # Versions
    def put(self, value, stages):
        vid = str(uuid.uuid4())
        self.values[vid] = value
        for s in stages:
            self._move(s, vid)
        self.stages.setdefault(vid, set())
        return vid

    def _move(self, stage, vid):
        for v in self.stages.values():
            v.discard(stage)
        self.stages.setdefault(vid, set()).add(stage)

    def start_rotation(self):
        """What RotateSecret does before createSecret: a pending version id."""
        vid = str(uuid.uuid4())
        self._move("AWSPENDING", vid)
        return vid

    def describe_secret(self, SecretId):
        if SecretId in getattr(self, "external", {}):
            return self.external[SecretId]
        return {"RotationEnabled": self.rotation,
                "VersionIdsToStages": {v: sorted(s) for v, s in self.stages.items() if s}}

    def get_secret_value(self, SecretId, VersionId=None, VersionStage=None):
        for vid, stages in self.stages.items():
            if (VersionId is None or vid == VersionId) and (VersionStage is None or VersionStage in stages):
                if vid in self.values:
                    return {"SecretString": self.values[vid], "VersionId": vid}
        raise NotFound(SecretId)

    def put_secret_value(self, SecretId, ClientRequestToken, SecretString, VersionStages):
        self.values[ClientRequestToken] = SecretString
        for s in VersionStages:
            self._move(s, ClientRequestToken)

    def update_secret_version_stage(self, SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId):
        assert VersionStage in self.stages[RemoveFromVersionId]
        self._move(VersionStage, MoveToVersionId)
        self.stages[MoveToVersionId].discard("AWSPENDING")
        if VersionStage == "AWSCURRENT":  # Secrets Manager labels the replaced version
            self._move("AWSPREVIOUS", RemoveFromVersionId)


class Metrics:
    def __init__(self):
        self.calls = []

    def put_metric_data(self, Namespace, MetricData):
        self.calls.append((Namespace, MetricData))


def license_jwt(expires):
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    claims = json.dumps({"jti": str(uuid.uuid4()), "license_expires": expires, "features": {"user_limit": 3000}}).encode()
    return enc(b'{"alg":"EdDSA","typ":"JWT"}') + "." + enc(claims) + "." + enc(b"sig")


class AgeTest(unittest.TestCase):
    def test_days_left_per_credential_minimum_and_licence(self):
        now = datetime.datetime(2026, 11, 24, tzinfo=UTC)
        tags = lambda days: [{"Key": "coder:rotation-days", "Value": str(days)}, {"Key": "coder:rotation", "Value": "manual"}]
        sm = SecretsManager([{"SecretList": [
            {"Name": "coder/prod/us-east-2/provisioner-keys/default", "Tags": tags(90),
             "CreatedDate": datetime.datetime(2026, 6, 1, tzinfo=UTC),
             "LastChangedDate": datetime.datetime(2026, 9, 10, tzinfo=UTC)},
            {"Name": "coder/prod/us-east-2/admin-token", "Tags": tags(7),
             "CreatedDate": datetime.datetime(2026, 11, 20, tzinfo=UTC)},
        ]}, {"SecretList": [
            {"Name": "coder/prod/us-east-2/license", "Tags": [],
             "CreatedDate": datetime.datetime(2026, 11, 1, tzinfo=UTC)},
        ]}])
        sm.put(license_jwt(int(datetime.datetime(2027, 1, 3, tzinfo=UTC).timestamp())), ["AWSCURRENT"])
        sm.external = {"coder/prod/cloudflare-api-token": {"Name": "coder/prod/cloudflare-api-token",
                                                          "CreatedDate": datetime.datetime(2026, 1, 1, tzinfo=UTC),
                                                          "LastChangedDate": datetime.datetime(2026, 9, 25, tzinfo=UTC)}}
        cw = Metrics()
        data = credentials.publish_ages(sm, cw, now, "coder/prod/us-east-2/", "prod", "us-east-2", "coder/prod/us-east-2/license",
                                        {"coder/prod/cloudflare-api-token": 90})
        self.assertEqual(sm.filters, [{"Key": "name", "Values": ["coder/prod/us-east-2/"]}])
        values = {(m["MetricName"],) + tuple(d["Value"] for d in m["Dimensions"]): m["Value"] for m in data}
        self.assertEqual(values[("CredentialDaysToRotation", "prod", "us-east-2", "coder/prod/us-east-2/provisioner-keys/default")], 15.0)
        self.assertEqual(values[("CredentialDaysToRotation", "prod", "us-east-2", "coder/prod/us-east-2/admin-token")], 3.0)
        self.assertEqual(values[("CredentialDaysToRotation", "prod", "us-east-2")], 3.0)
        self.assertEqual(values[("LicenseDaysToExpiry", "prod", "us-east-2")], 40.0)
        self.assertEqual(values[("CredentialDaysToRotation", "prod", "us-east-2", "coder/prod/cloudflare-api-token")], 30.0,
                         "a secret of another team, by the stack's period")
        self.assertNotIn(("CredentialDaysToRotation", "prod", "us-east-2", "coder/prod/us-east-2/license"), values,
                         "the licence expires on its own date, not by a rotation period")
        self.assertEqual(cw.calls[0][0], "Coder/Platform")

    def test_nothing_to_publish(self):
        cw = Metrics()
        sm = SecretsManager([{"SecretList": []}])
        self.assertEqual(credentials.publish_ages(sm, cw, datetime.datetime.now(UTC), "p/", "s", "r", "p/license"), [])
        self.assertEqual(cw.calls, [])


@unittest.skipUnless(os.environ.get("CODER_URL"), "run by TestCoderdRotatesTokens with a real coderd")
class RotationTest(unittest.TestCase):
    def setUp(self):
        self.url, self.token = os.environ["CODER_URL"], os.environ["CODER_TOKEN"]
        self.sm = SecretsManager()
        self.arn = "arn:aws:secretsmanager:us-east-2:123456789012:secret:coder/prod/us-east-2/admin-token-AbCdEf"

    def steps(self, request):
        for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
            credentials.rotate(self.sm, self.url, {"SecretId": self.arn, "ClientRequestToken": request, "Step": step})

    def tokens(self, token):
        return credentials.coderd(self.url, token, "GET", "/users/me/keys/tokens") or []

    def test_a_token_mints_its_successor(self):
        # The operator's token, as put by hand.
        first = credentials.coderd(self.url, self.token, "POST", "/users/me/keys/tokens",
                                   {"lifetime": 3600 * 10**9, "token_name": "operator-put"})["key"]
        self.sm.put(first, ["AWSCURRENT"])

        request = self.sm.start_rotation()
        self.steps(request)
        second = self.sm.get_secret_value(SecretId=self.arn, VersionStage="AWSCURRENT")["SecretString"]
        self.assertNotEqual(first, second)
        me = credentials.coderd(self.url, second, "GET", "/users/me")
        self.assertEqual(me["username"], "automation")
        # The replaced token keeps working until the next rotation: pods
        # read it from a secret External Secrets refreshes hourly.
        credentials.coderd(self.url, first, "GET", "/users/me")
        minted = [t for t in self.tokens(second) if t["token_name"] == "rotated-" + request]
        self.assertEqual(len(minted), 1)
        # The longest lifetime coderd allows an owner (CODER_MAX_ADMIN_TOKEN_LIFETIME, 7 days by default).
        self.assertEqual(minted[0]["lifetime_seconds"], 7 * 24 * 3600)

        # A retried step changes nothing; a finished rotation is not redone.
        credentials.rotate(self.sm, self.url, {"SecretId": self.arn, "ClientRequestToken": request, "Step": "createSecret"})
        credentials.rotate(self.sm, self.url, {"SecretId": self.arn, "ClientRequestToken": request, "Step": "finishSecret"})
        self.assertEqual(len([t for t in self.tokens(second) if t["token_name"] == "rotated-" + request]), 1)

        # The next rotation starts from the rotated token and deletes the
        # one before it.
        self.steps(self.sm.start_rotation())
        third = self.sm.get_secret_value(SecretId=self.arn, VersionStage="AWSCURRENT")["SecretString"]
        credentials.coderd(self.url, third, "GET", "/users/me")
        credentials.coderd(self.url, second, "GET", "/users/me")
        with self.assertRaises(urllib.error.HTTPError) as e:
            credentials.coderd(self.url, first, "GET", "/users/me")
        self.assertEqual(e.exception.code, 401, "the token two rotations back is deleted")

    def test_a_lost_token_is_replaced(self):
        """coderd made the token, Secrets Manager failed to store it; the
        step is retried with the same request."""
        self.sm.put(self.token, ["AWSCURRENT"])
        request = self.sm.start_rotation()
        put = self.sm.put_secret_value
        self.sm.put_secret_value = lambda **kw: (_ for _ in ()).throw(RuntimeError("throttled"))
        with self.assertRaises(RuntimeError):
            credentials.rotate(self.sm, self.url, {"SecretId": self.arn, "ClientRequestToken": request, "Step": "createSecret"})
        self.sm.put_secret_value = put
        credentials.rotate(self.sm, self.url, {"SecretId": self.arn, "ClientRequestToken": request, "Step": "createSecret"})
        pending = self.sm.get_secret_value(SecretId=self.arn, VersionId=request, VersionStage="AWSPENDING")["SecretString"]
        credentials.coderd(self.url, pending, "GET", "/users/me")
        named = [t for t in self.tokens(self.token) if t["token_name"] == "rotated-" + request]
        self.assertEqual(len(named), 1, "the lost token was deleted, one remains")

    def test_a_rejected_token_fails_the_rotation(self):
        self.sm.put("AAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBB", ["AWSCURRENT"])
        request = self.sm.start_rotation()
        with self.assertRaises(urllib.error.HTTPError) as e:
            credentials.rotate(self.sm, self.url, {"SecretId": self.arn, "ClientRequestToken": request, "Step": "createSecret"})
        self.assertEqual(e.exception.code, 401)
        self.assertEqual(self.sm.get_secret_value(SecretId=self.arn, VersionStage="AWSCURRENT")["SecretString"],
                         "AAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBB", "nothing moved")

    def test_only_when_rotation_is_on(self):
        self.sm.rotation = False
        self.sm.put(self.token, ["AWSCURRENT"])
        with self.assertRaises(ValueError):
            credentials.rotate(self.sm, self.url, {"SecretId": self.arn, "ClientRequestToken": self.sm.start_rotation(),
                                                   "Step": "createSecret"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
