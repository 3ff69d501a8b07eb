"""How the columns of a file map to a client's fields: the mapping the user confirms before the row preview.

A `ColumnMapping` names, for every column of the header row, the field it fills (or SKIP, «Не загружать»), and
for the columns whose values name things in the CRM (stage, responsible, channel, project, closing reason) what
each distinct value becomes. It is plain data: JSON in and out, so a preset, the CLI's --mapping FILE and the API's
`mapping` form field all carry the same thing.
"""

import re
from dataclasses import dataclass, field

from app.i18n import LOCALES, TEXTS, translate

from ..errors import InvalidInput
from ..text import fold

SKIP = 'skip'
CUSTOM = 'custom:'  # a custom field's key is CUSTOM + its id
FIELDS = (
    'name',
    'last_name',
    'first_name',
    'middle_name',
    'phone',
    'email',
    'created_at',
    'channel',
    'project',
    'responsible',
    'stage',
    'closing_reason',
    'situation',
    'tags',
    'agency',
    'realtor',
    'touch_type',
    'note',
    'deal_amount',
)
MULTI_FIELDS = frozenset({'phone', 'note', 'tags'})  # may fill from several columns; the rest from one
VALUE_FIELDS = ('stage', 'responsible', 'channel', 'project', 'closing_reason')
KNOWN_PHONE = ('attach', 'fill_empty')

# The columns the import understands, by key. Beside these spellings, each key's export header (both
# languages) is recognised too, so an export reads back in.
ALIASES: dict[str, tuple[str, ...]] = {
    'name': ('ФИО', 'Имя', 'Клиент', 'Name', 'Client', 'Full name', 'Имя клиента', 'Контакт'),
    'phone': ('Телефон', 'Phone', 'Тел', 'Телефон 1', 'Phone 1', 'Мобильный', 'Mobile', 'Номер телефона'),
    'phone2': ('Телефон 2', 'Phone 2', 'Доп. телефон', 'Второй телефон'),
    'phones': ('Телефоны', 'Phones'),
    'email': ('Email', 'E-mail', 'Почта', 'Электронная почта'),
    'created_at': ('Дата создания', 'Created', 'Created at', 'Дата', 'Date'),
    'channel': ('Канал привлечения', 'Канал', 'Channel', 'Источник', 'Source'),
    'project': ('Проект', 'Project', 'ЖК'),
    'responsible': ('Ответственный', 'Responsible', 'Менеджер', 'Manager'),
    'situation': ('Ситуация', 'Situation'),
    'tags': ('Метки', 'Tags', 'Теги', 'Метка'),
    'agency': ('Агентство', 'Agency', 'АН'),
    'realtor': ('Риэлтор', 'Риелтор', 'Realtor', 'Агент'),
    'stage': ('Этап', 'Stage', 'Статус', 'Status'),
    'closing_reason': ('Причина закрытия', 'Closing reason', 'Причина'),
    'touch_type': ('Тип касания', 'Touch type'),
    'note': ('Примечание', 'Note', 'Комментарий', 'Comment'),
    'note2': ('Примечание 2', 'Note 2', 'Комментарий 2'),
}


def header_key(text: str) -> str:
    """A header as compared: case, ё, spaces and punctuation folded away."""
    return re.sub(r'[\s_.\-:№#]', '', fold(str(text)).replace('ё', 'е'))


def _header_index() -> dict[str, str]:
    index = {}
    for key, spellings in ALIASES.items():
        labels = [translate(f'export.field.{key}', locale) for locale in LOCALES if f'export.field.{key}' in TEXTS]
        for spelling in (*spellings, *labels):
            index.setdefault(header_key(spelling), key)
    return index


HEADERS = _header_index()


@dataclass(frozen=True)
class ValueChoice:
    """What one distinct value of a stage/responsible/channel/project/reason column becomes: an existing row by
    its id, a new one named as the value ('create', for projects and channels), or the default of the field
    (the first stage, the importer, the first channel, no project, the stage's «Другое»)."""

    kind: str  # 'existing' | 'create' | 'default'
    id: int | None = None


@dataclass
class ColumnMapping:
    fields: list[str]  # per column of the header row: a key of FIELDS, CUSTOM + id, or SKIP
    values: dict[str, dict[str, ValueChoice]] = field(default_factory=dict)  # field -> fold(value) -> choice
    known_phone: str = 'attach'  # a row whose phone is known: 'attach' as a request, or also 'fill_empty' fields
    overwrite: bool = False  # with 'fill_empty': replace filled fields too
    deals_from_amount: bool = False  # a row with an amount in the booked stage becomes a deal of its client

    def to_json(self) -> dict:
        return {
            'fields': list(self.fields),
            'values': {
                name: {value: {'kind': c.kind, 'id': c.id} for value, c in choices.items()}
                for name, choices in self.values.items()
            },
            'known_phone': self.known_phone,
            'overwrite': self.overwrite,
            'deals_from_amount': self.deals_from_amount,
        }

    @classmethod
    def from_json(cls, data, *, columns: int) -> 'ColumnMapping':
        """A mapping sent by a caller, checked against a header of `columns` columns; InvalidInput names what is
        wrong. Fields beyond the header are refused; missing ones are SKIP."""
        if not isinstance(data, dict) or not isinstance(data.get('fields'), list):
            raise InvalidInput('import.error.bad_mapping', detail='fields')
        fields = [str(f) for f in data['fields']]
        if len(fields) > columns:
            raise InvalidInput('import.error.bad_mapping', detail=f'fields: {len(fields)} > {columns}')
        for name in fields:
            if name not in FIELDS and name != SKIP and not re.fullmatch(rf'{CUSTOM}\d+', name):
                raise InvalidInput('import.error.bad_mapping', detail=name)
        values = {}
        for name, choices in (data.get('values') or {}).items():
            if name not in VALUE_FIELDS or not isinstance(choices, dict):
                raise InvalidInput('import.error.bad_mapping', detail=str(name))
            values[name] = {}
            for value, choice in choices.items():
                kind = choice.get('kind') if isinstance(choice, dict) else None
                if kind not in ('existing', 'create', 'default'):
                    raise InvalidInput('import.error.bad_mapping', detail=f'{name}: {value}')
                ident = choice.get('id')
                if kind == 'existing' and not isinstance(ident, int):
                    raise InvalidInput('import.error.bad_mapping', detail=f'{name}: {value}')
                values[name][fold(str(value))] = ValueChoice(kind, ident if kind == 'existing' else None)
        known_phone = data.get('known_phone', 'attach')
        if known_phone not in KNOWN_PHONE:
            raise InvalidInput('import.error.bad_mapping', detail='known_phone')
        return cls(
            fields=fields + [SKIP] * (columns - len(fields)),
            values=values,
            known_phone=known_phone,
            overwrite=bool(data.get('overwrite', False)),
            deals_from_amount=bool(data.get('deals_from_amount', False)),
        )
