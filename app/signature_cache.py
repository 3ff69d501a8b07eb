"""NiceGUI asks `inspect.signature` whether a change handler takes arguments each time it builds an observable,
and every element builds three (its props, classes and style) plus one per dict or list put in its props: a
third of the server time of opening a board at 100,000 clients. The answer depends only on the function's code
and on how many of its parameters have defaults, so it is remembered by those."""

from collections.abc import Callable
from types import FunctionType, MethodType

import nicegui.helpers

_original = nicegui.helpers.expects_arguments
_answers: dict[tuple, bool] = {}


def _key(func: Callable) -> tuple | None:
    bound = isinstance(func, MethodType)
    function = func.__func__ if bound else func
    if type(function) is not FunctionType or hasattr(function, '__wrapped__') or hasattr(function, '__signature__'):
        return None  # a partial, a class, a decorated function: asked every time, as NiceGUI does
    return function.__code__, bound, len(function.__defaults__ or ()), tuple(sorted(function.__kwdefaults__ or ()))


def expects_arguments(func: Callable) -> bool:
    key = _key(func)
    if key is None:
        return _original(func)
    answer = _answers.get(key)
    if answer is None:
        answer = _answers[key] = _original(func)
    return answer


def install() -> None:
    nicegui.helpers.expects_arguments = expects_arguments
