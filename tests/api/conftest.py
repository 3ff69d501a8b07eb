"""What every API test needs: a client for the API app (bearer headers come from tests.factories)."""

import pytest
from fastapi.testclient import TestClient

from app.api import api


@pytest.fixture
def client():
    with TestClient(api) as test_client:
        yield test_client
