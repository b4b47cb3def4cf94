"""Schemathesis against /api/v1/openapi.json: no server error and no response off the spec."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from baogong.app import create_app
from tests.integration.test_api_fixtures import City, token

EXAMPLES = int(os.environ.get("BAOGONG_SCHEMA_EXAMPLES", "10"))
FRESH_TOKEN = {("DELETE", "/api/v1/auth/token")}
"""Operations that would spend the shared token: each case gets a token of its own."""

pytestmark = pytest.mark.slow  # generates hundreds of requests


@pytest.fixture(scope="module")
def app_and_auth(city: City) -> tuple[Any, dict[str, str]]:
    """The app (its event streams ending after 0.3 s) and the command centre's bearer
    header."""
    app = create_app(city.engine, login_limit=100_000)
    app.state.bus.max_age_s, app.state.bus.keepalive_s = 0.3, 0.1
    with TestClient(app) as client:
        return app, token(client, "command")


def test_api_conforms_to_its_spec(app_and_auth: tuple[Any, dict[str, str]]) -> None:
    """Every operation (the event stream and the planning job included), with generated
    parameters and bodies, answers within its documented responses and schemas, and never
    with a server error.

    A valid-looking request refused by a business rule (400: a driver account without a
    vehicle) is allowed: the spec documents that answer.
    """
    app, headers = app_and_auth
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    signer = TestClient(app)
    for result in schema.get_all_operations():
        op = result.ok()
        fresh = (op.method.upper(), op.path) in FRESH_TOKEN
        operations += 1

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            sent = token(signer, "command") if fresh else headers  # noqa: B023 (run at once)
            case.call_and_validate(headers=sent, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{op.label}: {str(exc)[:600]}")
    while app.state.jobs.running("plan"):  # a plan the cases started ends before the wipe
        time.sleep(0.2)
    assert operations == sum(len(item) for item in app.openapi()["paths"].values()) >= 30
    assert failures == []
