"""Every documents test starts with an empty file store, as the database starts empty."""

import pytest

from tests.factories import empty_file_store


@pytest.fixture(autouse=True)
def fresh_files(db):
    empty_file_store()
    yield
    empty_file_store()
