"""What the domain refuses, each with a message key the UI and the API translate for the user."""

from app.i18n import TEXTS, translate


class DomainError(Exception):
    """A refusal that changed nothing; `message(locale)` says why in the user's language."""

    key = 'error.generic'

    def __init__(self, key: str | None = None, **params) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(translate(self.key, 'en', **params))

    def message(self, locale: str = 'ru') -> str:
        # a parameter that is itself a text key (a field's name) is translated too
        params = {k: translate(v, locale) if isinstance(v, str) and v in TEXTS else v for k, v in self.params.items()}
        return translate(self.key, locale, **params)


class NotFound(DomainError):
    """Absent, or not visible to the acting user: the two are indistinguishable on purpose."""

    key = 'error.not_found'


class PermissionDenied(DomainError):
    key = 'error.forbidden'


class InvalidInput(DomainError):
    key = 'error.invalid'


class Overloaded(DomainError):
    """Too much is already waiting to be written: refused before it queues, so a flood cannot eat the memory."""

    key = 'error.overloaded'


class Conflict(DomainError):
    key = 'error.conflict'


class StaleUpdate(Conflict):
    """Somebody saved the same record after the caller read it; `current` is that record as the caller may see it
    now (a client's detail), when the refusing service has it, so a retry needs no second read."""

    key = 'error.stale'

    def __init__(self, key: str | None = None, *, current: object | None = None, **params) -> None:
        self.current = current
        super().__init__(key, **params)


class DuplicatePhone(Conflict):
    """The phone belongs to a client already; `client_id` is set only when the actor may see that client."""

    key = 'error.duplicate_phone_hidden'

    def __init__(self, *, phone: str, client_id: int | None, client_name: str = '', responsible_name: str = '') -> None:
        self.phone = phone
        self.client_id = client_id
        self.responsible_name = responsible_name
        key = 'error.duplicate_phone' if client_id is not None else 'error.duplicate_phone_hidden'
        super().__init__(key, phone=phone, client=client_name, responsible=responsible_name)


class LoginRefused(DomainError):
    key = 'error.login'


class LoginLocked(LoginRefused):
    key = 'error.login_locked'
