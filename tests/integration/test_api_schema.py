"""Schemathesis against /api/v1/openapi.json: no server error and no response off the spec."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from baogong.app import create_app
from tests.integration.test_api_fixtures import City, token

SKIP = {("GET", "/api/v1/events"),  # an endless stream
        ("POST", "/api/v1/plans")}  # starts the planning job: exercised in test_api_core
EXAMPLES = 10

pytestmark = pytest.mark.slow  # generates hundreds of requests


@pytest.fixture(scope="module")
def app_and_auth(city: City) -> tuple[Any, dict[str, str]]:
    """The app and the command centre's bearer header."""
    app = create_app(city.engine, login_limit=100_000)
    with TestClient(app) as client:
        return app, token(client, "command")


def test_api_conforms_to_its_spec(app_and_auth: tuple[Any, dict[str, str]]) -> None:
    """Every operation, with generated parameters and bodies, answers within its documented
    responses and schemas, and never with a server error.

    A valid-looking request refused by a business rule (400: a driver account without a
    vehicle) is allowed: the spec documents that answer.
    """
    app, headers = app_and_auth
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue
        operations += 1

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{op.label}: {str(exc)[:600]}")
    assert operations >= 20
    assert failures == []
