"""Who may see and do what. Every read and write of the services goes through these functions."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Select, false, true

from .errors import NotFound, PermissionDenied
from .models import Client, Deal, Role, User


@dataclass(frozen=True)
class Actor:
    """The acting user as the rules need them; built fresh from the database for every request."""

    id: int
    name: str
    role: str
    active: bool = True
    can_see_others: bool = True
    can_act_on_others: bool = False
    can_export: bool = False
    can_import: bool = False
    can_bulk: bool = False
    locale: str = 'ru'

    @classmethod
    def of(cls, user: User) -> 'Actor':
        return cls(
            id=user.id,
            name=user.name,
            role=user.role,
            active=user.active,
            can_see_others=user.can_see_others,
            can_act_on_others=user.can_act_on_others,
            can_export=user.can_export,
            can_import=user.can_import,
            can_bulk=user.can_bulk,
            locale=user.locale,
        )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_head_or_admin(self) -> bool:
        return self.role in (Role.admin, Role.head)


def sees_all_clients(actor: Actor) -> bool:
    return actor.active and (actor.is_head_or_admin or actor.can_see_others)


def acts_on_all_clients(actor: Actor) -> bool:
    return actor.active and (actor.is_head_or_admin or actor.can_act_on_others)


def visibility_condition(actor: Actor):
    """The one visibility rule as a condition on Client: lists, counts, search, reports and single reads."""
    if not actor.active:
        return false()
    if sees_all_clients(actor):
        return true()
    return Client.responsible_id == actor.id


def restrict_to_visible(actor: Actor, query: Select) -> Select:
    if actor.active and sees_all_clients(actor):
        return query
    return query.where(visibility_condition(actor))


def can_see_clients_of(actor: Actor, responsible_id: int) -> bool:
    """Whether the actor sees a client with this responsible: the rule live updates apply per viewer."""
    return actor.active and (sees_all_clients(actor) or responsible_id == actor.id)


def can_act_on_clients_of(actor: Actor, responsible_id: int) -> bool:
    return actor.active and (acts_on_all_clients(actor) or responsible_id == actor.id)


def can_see_client(actor: Actor, client: Client) -> bool:
    return can_see_clients_of(actor, client.responsible_id)


def can_act_on_client(actor: Actor, client: Client) -> bool:
    return can_act_on_clients_of(actor, client.responsible_id)


def ensure_can_see(actor: Actor, client: Client | None) -> Client:
    """A client the actor may not see is reported as not found, never as forbidden."""
    if client is None or not can_see_client(actor, client):
        raise NotFound()
    return client


def ensure_can_act(actor: Actor, client: Client | None, responsible_name: str = '') -> Client:
    ensure_can_see(actor, client)
    if not can_act_on_client(actor, client):
        raise PermissionDenied('error.forbidden_client', client=client.name, responsible=responsible_name)
    return client


def restrict_deals_to_visible(actor: Actor, query: Select) -> Select:
    """The clients' visibility rule applied to deals, by the deal's own responsible."""
    if not actor.active:
        return query.where(false())
    if sees_all_clients(actor):
        return query
    return query.where(Deal.responsible_id == actor.id)


def ensure_can_see_deal(actor: Actor, deal: Deal | None) -> Deal:
    """A deal the actor may not see is reported as not found, like a client."""
    if deal is None or not can_see_clients_of(actor, deal.responsible_id):
        raise NotFound()
    return deal


def ensure_can_act_on_deal(actor: Actor, deal: Deal | None, client_name: str = '', responsible_name: str = '') -> Deal:
    ensure_can_see_deal(actor, deal)
    if not can_act_on_clients_of(actor, deal.responsible_id):
        raise PermissionDenied('error.forbidden_deal', client=client_name, responsible=responsible_name)
    return deal


def ensure_active(actor: Actor) -> None:
    if not actor.active:
        raise PermissionDenied()


def ensure_admin(actor: Actor) -> None:
    if not (actor.active and actor.is_admin):
        raise PermissionDenied()


def ensure_may_bulk(actor: Actor) -> None:
    if not (actor.active and (actor.is_head_or_admin or actor.can_bulk)):
        raise PermissionDenied()


def may_export(actor: Actor) -> bool:
    return actor.active and (actor.is_head_or_admin or actor.can_export)


def ensure_may_export(actor: Actor) -> None:
    if not may_export(actor):
        raise PermissionDenied()


def may_import(actor: Actor) -> bool:
    return actor.active and (actor.is_head_or_admin or actor.can_import)


def ensure_may_import(actor: Actor) -> None:
    if not may_import(actor):
        raise PermissionDenied()


@dataclass(frozen=True)
class ActingRule:
    """The system actor «Автоматизация (rule name)»: what the feed and the stage history record for a change an
    automation rule made (no person's id: such a change handles no lead)."""

    id: int
    name: str


@contextmanager
def acting_as_rule(session, rule: ActingRule) -> Iterator[None]:
    """Everything written in the block is the rule's doing."""
    previous = session.info.get('acting_rule')
    session.info['acting_rule'] = rule
    try:
        yield
    finally:
        session.info['acting_rule'] = previous


def rule_acting(session) -> ActingRule | None:
    return session.info.get('acting_rule')
