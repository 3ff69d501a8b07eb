"""Read models handed to the UI and the API: plain data, so nothing lazy-loads after a session closed."""

from datetime import datetime

from pydantic import BaseModel

from app.i18n import translate

from .attribution import Attribution


class ReasonView(BaseModel):
    id: int
    name: str


class StageView(BaseModel):
    id: int
    board: str
    name: str
    position: int
    kind: str
    color: str
    reasons: list[ReasonView] = []

    @property
    def is_closing(self) -> bool:
        return self.kind != 'working'

    @property
    def needs_reason(self) -> bool:
        return self.kind in ('failure', 'trash')


class UserView(BaseModel):
    id: int
    login: str
    name: str
    role: str
    active: bool


class RefView(BaseModel):
    """A reference item as a card shows it (channel, project, agency, realtor, tag)."""

    id: int
    name: str
    abbreviation: str = ''
    color: str = ''


class CustomFieldView(BaseModel):
    """An admin-defined client field as the client window renders it; kind: text|number|date|bool|list."""

    id: int
    name: str
    kind: str
    options: list[str] = []


class FormChoices(BaseModel):
    """The reference lists a client form offers (active users only: nobody else may be responsible)."""

    projects: list[RefView]
    channels: list[RefView]
    agencies: list[RefView]
    realtors: list[RefView]
    tags: list[RefView]
    users: list[RefView]
    everyone: list[RefView]  # deactivated users too: their clients still have to be found and handed over
    custom_fields: list[CustomFieldView] = []


class PhoneView(BaseModel):
    number: str
    extension: str = ''


class TaskView(BaseModel):
    id: int
    client_id: int
    title: str
    type: str
    due_at: datetime
    assignee_id: int
    assignee_name: str = ''
    done: bool
    done_at: datetime | None = None
    overdue: bool = False
    client_name: str = ''


class Waiting(BaseModel):
    """How long a client has waited for a person (app/domain/clients/speed_to_lead.py), as of `as_of`: since the
    oldest of its requests still waiting, in working seconds."""

    since: datetime
    seconds: int
    as_of: datetime


class ClientCard(BaseModel):
    """What a kanban card or a table row shows."""

    id: int
    name: str
    phones: list[PhoneView]
    email: str
    stage_id: int
    closing_reason_id: int | None
    project: RefView | None
    channel: RefView | None
    agency: RefView | None
    realtor: RefView | None
    situation: str
    tags: list[RefView]
    responsible: UserView
    creator: UserView | None
    creation_method: str
    touch_type: str
    created_at: datetime
    last_activity_at: datetime
    handled_at: datetime | None = None
    open_tasks: list[TaskView]
    version: int
    can_act: bool
    documents: int = 0  # how many documents the client has (the card's paperclip, the window's tab)
    waiting: Waiting | None = None  # while a request waits for a person's first action

    @property
    def overdue_count(self) -> int:
        return sum(1 for task in self.open_tasks if task.overdue)


class FeedEntryView(BaseModel):
    id: int
    kind: str
    author_id: int | None
    author_name: str
    created_at: datetime
    text: str
    data: dict
    edited_at: datetime | None

    def text_for(self, locale: str) -> str:
        """System records are rendered in the reader's language; comments are shown as written."""
        if 'changes' in self.data:
            changes = '; '.join(
                f'{translate("field." + c["field"], locale)}: {c["old"]} → {c["new"]}' for c in self.data['changes']
            )
            return translate(self.data['key'], locale, changes=changes)
        if 'key' in self.data:
            return translate(self.data['key'], locale, **self.data.get('params', {}))
        return self.text


class RequestView(BaseModel):
    id: int
    channel: RefView | None
    project: RefView | None
    touch_type: str
    source: str
    name: str
    phone: str
    comment: str
    created_at: datetime
    attribution: Attribution = Attribution()


class DealView(BaseModel):
    id: int
    client_id: int
    project: RefView | None
    unit: str
    amount: float
    stage_id: int
    responsible_id: int
    created_at: datetime
    unit_id: int | None = None


class CallView(BaseModel):
    """A call of the client as its window lists it; only those who may see the client get its recording's URL."""

    id: int
    direction: str  # incoming | outgoing | missed
    phone: str
    started_at: datetime
    duration_s: int | None
    user_name: str  # who answered or made it, '' when telephony named nobody we know
    manager: str  # the internal number or login telephony reported
    recording_url: str


class ClientDetail(ClientCard):
    """Everything the client window shows."""

    custom: dict
    closing_reason: ReasonView | None
    feed: list[FeedEntryView]
    tasks: list[TaskView]
    requests: list[RequestView]
    deals: list[DealView]
    calls: list[CallView] = []


class ClientPage(BaseModel):
    """One page of a client list, with the exact total of the filtered set."""

    total: int
    items: list[ClientCard]


class LeadResult(BaseModel):
    """What an integration learns about its lead; the client id only when it may see the client."""

    status: str  # 'created' or 'attached'
    client_id: int | None
    request_id: int | None
