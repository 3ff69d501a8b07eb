"""The remembered answer to «does this handler take arguments?» is NiceGUI's own, for every kind of handler."""

import functools

import pytest
from nicegui.helpers import functions as nicegui_functions

from app import signature_cache


class Handlers:
    def takes_nothing(self):
        pass

    def takes_event(self, event):
        pass

    def takes_optional(self, event=None):
        pass

    def __call__(self, event):
        pass


def _plain(event):
    pass


def _keyword_only(*, event):
    pass


def _keyword_optional(*, event=None):
    pass


def _variadic(*args, **kwargs):
    pass


async def _async_event(event):
    pass


def _decorated_wrapper(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


CASES = [
    lambda: None,
    lambda e: None,
    lambda e=None: None,
    _plain,
    _keyword_only,
    _keyword_optional,
    _variadic,
    _async_event,
    Handlers().takes_nothing,
    Handlers().takes_event,
    Handlers().takes_optional,
    Handlers(),
    functools.partial(_plain, 1),
    _decorated_wrapper(_plain),
    _decorated_wrapper(lambda: None),
]


@pytest.mark.parametrize('handler', CASES)
def test_the_answer_is_nicegui_s_own_and_stays_so(handler):
    expected = nicegui_functions.expects_arguments(handler)
    assert signature_cache.expects_arguments(handler) is expected
    assert signature_cache.expects_arguments(handler) is expected  # remembered
