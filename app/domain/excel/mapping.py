"""How the columns of a file map to a client's fields: the mapping the user confirms before the row preview.

A `ColumnMapping` names, for every column of the header row, the field it fills (or SKIP, «Не загружать»), and
for the columns whose values name things in the CRM (stage, responsible, channel, project, closing reason) what
each distinct value becomes. It is plain data: JSON in and out, so a preset, the CLI's --mapping FILE and the API's
`mapping` form field all carry the same thing.
"""

import re
from dataclasses import dataclass, field

from app.i18n import LOCALES, TEXTS, translate

from ..attribution import DIMENSIONS, TEXT_FIELDS
from ..errors import DomainError, InvalidInput
from ..phones import normalize_phone
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
    *TEXT_FIELDS,  # the request's attribution: utm tags, landing page, referrer, analytics visit ids
)
MULTI_FIELDS = frozenset({'phone', 'note', 'tags'})  # may fill from several columns; the rest from one
VALUE_FIELDS = ('stage', 'responsible', 'channel', 'project', 'closing_reason')
KNOWN_PHONE = ('attach', 'fill_empty')

# The columns the import understands, by key. Beside these spellings, each key's export header (both
# languages) is recognised too, so an export reads back in. 'phone2', 'phones' and 'note2' are our own
# template's and export's extra columns: they read as one more phone or note column.
ALIASES: dict[str, tuple[str, ...]] = {
    'name': ('ФИО', 'Имя', 'Клиент', 'Name', 'Client', 'Full name', 'Имя клиента', 'Контакт', 'Полное имя'),
    'last_name': ('Фамилия', 'Last name', 'Surname'),
    'first_name': ('First name',),
    'middle_name': ('Отчество', 'Middle name', 'Patronymic', 'Second name'),
    'phone': (
        'Телефон',
        'Phone',
        'Тел',
        'Телефон 1',
        'Phone 1',
        'Мобильный',
        'Mobile',
        'Номер телефона',
        'Рабочий телефон',
        'Мобильный телефон',
        'Домашний телефон',
        'Другой телефон',
        'Телефон для рассылок',
        'Work phone',
        'Mobile phone',
        'Home phone',
        'Other phone',
    ),
    'phone2': ('Телефон 2', 'Phone 2', 'Доп. телефон', 'Второй телефон'),
    'phones': ('Телефоны', 'Phones'),
    'email': (
        'Email',
        'E-mail',
        'Почта',
        'Электронная почта',
        'Рабочий email',
        'Личный email',
        'Другой email',
        'Рабочий e-mail',
        'Частный e-mail',
        'Домашний e-mail',
        'E-mail для рассылок',
        'Другой e-mail',
        'Work email',
        'Private email',
        'Personal email',
        'Other email',
    ),
    'created_at': ('Дата создания', 'Created', 'Created at', 'Дата', 'Date', 'Date created', 'Создано'),
    'channel': ('Канал привлечения', 'Канал', 'Channel', 'Источник', 'Source', 'Lead source', 'Источник сделки'),
    'project': ('Проект', 'Project', 'ЖК'),
    'responsible': (
        'Ответственный',
        'Responsible',
        'Менеджер',
        'Manager',
        'Responsible user',
        'Ответственный пользователь',
    ),
    'situation': ('Ситуация', 'Situation'),
    'tags': ('Метки', 'Tags', 'Теги', 'Метка', 'Теги сделки', 'Теги контакта', 'Lead tags', 'Contact tags'),
    'agency': ('Агентство', 'Agency', 'АН'),
    'realtor': ('Риэлтор', 'Риелтор', 'Realtor', 'Агент'),
    'stage': (
        'Этап',
        'Stage',
        'Статус',
        'Status',
        'Этап сделки',
        'Стадия сделки',
        'Стадия',
        'Статус лида',
        'Lead stage',
        'Статус сделки',
    ),
    'closing_reason': ('Причина закрытия', 'Closing reason', 'Причина', 'Причина отказа', 'Loss reason'),
    'touch_type': ('Тип касания', 'Touch type'),
    'note': ('Примечание', 'Note', 'Комментарий', 'Comment', 'Заметка', 'Notes', 'Примечания'),
    'note2': ('Примечание 2', 'Note 2', 'Комментарий 2'),
    'deal_amount': ('Бюджет', 'Сумма', 'Сумма сделки', 'Budget', 'Sale', 'Amount', 'Deal amount'),
    # amoCRM/Kommo export its tracking fields under their own names (`utm_source`, `referrer`, `roistat`);
    # Bitrix24 titles its UTM_* fields in Russian («Рекламная система» is UTM_SOURCE); `UTM Source`, `UTM_SOURCE`
    # read as `utm_source`, as every header is compared without case, spaces and underscores
    'utm_source': ('utm_source', 'Рекламная система'),
    'utm_medium': ('utm_medium', 'Тип трафика'),
    'utm_campaign': ('utm_campaign', 'Обозначение рекламной кампании'),
    'utm_content': ('utm_content', 'Содержание кампании'),
    'utm_term': ('utm_term', 'Условие поиска кампании'),
    'landing_url': ('landing_url', 'Landing page', 'Посадочная страница'),
    'referrer': ('referrer',),
    'roistat_visit': ('roistat_visit', 'roistat'),  # amoCRM's field Roistat's integration writes the visit into
    'calltouch_session_id': ('calltouch_session_id',),
    'comagic_visitor_id': ('comagic_visitor_id',),
}
# The columns of other CRMs' exports that hold nothing a client card or its request keeps: recognised so that
# neither their words nor their values make them look like something else.
KNOWN_SKIPPED = (
    'ID',
    'Воронка',
    'Pipeline',
    'Направление',
    'Название сделки',
    'Название лида',
    'Lead name',
    'Deal name',
    'Дата изменения',
    'Дата редактирования',
    'Кем создан',
    'Кем создана',
    'Кем изменен',
    'Кем изменена',
    'Created by',
    'Modified by',
    'Дата закрытия',
    'Closed at',
    'Ближайшая задача',
    'Дата рождения',
    'Должность',
    'Position',
    'Компания',
    'Company',
    'Обращение',
    'Валюта',
    'Currency',
    'Тип контакта',
    'Номер факса',
    'Номер пейджера',
    'Корпоративный сайт',
    'Личная страница',
    'Адрес',
    'Web',
    'Дополнительно об источнике',
    'Доступен для всех',
    'Участвует в экспорте контактов',
)
# amoCRM/Kommo name the entity after the field: «Рабочий телефон (контакт)», «Адрес (компания)». A contact's
# column is the client's; a company's is not (its phone is the office switchboard, its name not a person).
_ENTITY_SUFFIX = re.compile(r'\s*\((контакт|contact|компания|company|сделка|lead|сделки|лид|deal)\)\s*$', re.I)
_COMPANY = ('компания', 'company')


def header_key(text: str) -> str:
    """A header as compared: case, ё, spaces and punctuation folded away."""
    return re.sub(r'[\s_.\-:№#]', '', fold(str(text)).replace('ё', 'е'))


def _export_labels(key: str) -> list[str]:
    """A field's export headers in both languages; an utm tag's export column of the client's first request
    («utm_source первого обращения») reads back as the tag of the row's request."""
    keys = (key, f'first_{key}') if key in DIMENSIONS else (key,)
    return [translate(f'export.field.{k}', locale) for k in keys for locale in LOCALES if f'export.field.{k}' in TEXTS]


def _header_index() -> dict[str, str]:
    index = {}
    for key, spellings in ALIASES.items():
        for spelling in (*spellings, *_export_labels(key)):
            index.setdefault(header_key(spelling), key)
    for spelling in KNOWN_SKIPPED:
        index.setdefault(header_key(spelling), SKIP)
    return index


HEADERS = _header_index()
_AS_FIELD = {'phone2': 'phone', 'phones': 'phone', 'note2': 'note'}
# words that, anywhere in a header nobody spelled exactly, say what the column is (checked in this order)
_WORDS = (
    ('utm', SKIP),  # the utm tags a request keeps are spelled exactly above; amoCRM's utm_referrer and the like not
    ('referr', 'referrer'),
    ('referer', 'referrer'),
    ('реферер', 'referrer'),
    ('landing', 'landing_url'),
    ('посадочн', 'landing_url'),
    ('телефон', 'phone'),
    ('phone', 'phone'),
    ('мобильн', 'phone'),
    ('mobile', 'phone'),
    ('email', 'email'),
    ('почт', 'email'),
    ('фамили', 'last_name'),
    ('отчеств', 'middle_name'),
    ('фио', 'name'),
    ('имя', 'name'),
    ('name', 'name'),
    ('тег', 'tags'),
    ('метк', 'tags'),
    ('tag', 'tags'),
    ('примечан', 'note'),
    ('коммент', 'note'),
    ('заметк', 'note'),
    ('note', 'note'),
    ('comment', 'note'),
    ('датасозд', 'created_at'),
    ('created', 'created_at'),
    ('этап', 'stage'),
    ('стади', 'stage'),
    ('статус', 'stage'),
    ('stage', 'stage'),
    ('причин', 'closing_reason'),
    ('ответствен', 'responsible'),
    ('менеджер', 'responsible'),
    ('бюджет', 'deal_amount'),
    ('сумм', 'deal_amount'),
    ('источник', 'channel'),
    ('канал', 'channel'),
    ('source', 'channel'),
    ('проект', 'project'),
    ('агентств', 'agency'),
    ('риэлтор', 'realtor'),
    ('риелтор', 'realtor'),
    ('ситуац', 'situation'),
)
_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
_DATE = re.compile(r'^(\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2})([ T]\d{1,2}:\d{2}(:\d{2})?)?$')
_SHAPE_LOOKS = 30  # the non-empty sample values looked at: enough to tell, cheap for 40 columns
_SHAPE_SHARE = 0.6  # of a column's non-empty sample values, how many must look alike to say what it holds


def field_of_header(text: str, custom: dict[str, int] | None = None) -> str | None:
    """The field a header names, by its exact spelling (ours, amoCRM's, Bitrix24's; a custom field's name), or
    None when only its words or values can tell. 'skip' for a column known to hold nothing to load."""
    custom = custom or {}
    suffix = _ENTITY_SUFFIX.search(text)
    if suffix and fold(suffix.group(1)) in _COMPANY:
        return SKIP
    key = header_key(_ENTITY_SUFFIX.sub('', text))
    if key in custom:
        return f'{CUSTOM}{custom[key]}'
    found = HEADERS.get(key)
    return _AS_FIELD.get(found, found)


def _field_of_words(text: str) -> str | None:
    key = header_key(_ENTITY_SUFFIX.sub('', text))
    return next((name for word, name in _WORDS if word in key), None)


def looks_like_phone(text: str) -> bool:
    """A cell of one or more phone numbers (10+ digits each, nothing but phone punctuation)."""
    parts = [p for p in re.split(r'[,;\n]', text) if p.strip()]
    if not parts:
        return False
    for part in parts:
        if sum(ch.isdigit() for ch in part) < 10 or re.search(r'[^\d\s()+\-.\'/]', part.strip()):
            return False
        try:
            normalize_phone(part.strip().lstrip("'"))
        except DomainError:
            return False
    return True


def _field_of_values(values: list[str]) -> str | None:
    filled = [v for v in values if v][:_SHAPE_LOOKS]
    if not filled:
        return None
    for name, looks in (('phone', looks_like_phone), ('email', _EMAIL.match), ('created_at', _DATE.match)):
        if sum(1 for v in filled if looks(v)) >= _SHAPE_SHARE * len(filled):
            return name
    return None


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
        given = data.get('values') or {}
        if not isinstance(given, dict):
            raise InvalidInput('import.error.bad_mapping', detail='values')
        values = {}
        for name, choices in given.items():
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


def suggest_mapping(headers: list[str], samples: list[list[str]], custom_fields=()) -> ColumnMapping:
    """The mapping the import proposes for a header row and the first data rows under it (cell texts, one list
    per row): a header spelled as ours or amoCRM/Kommo's or Bitrix24's export spells it first, then a custom
    field's name, then the words in the header, then what the values look like (phones, emails, dates).
    A single-valued field goes to its first column only; several columns may be phones, notes or tags.
    `custom_fields`: objects with `id` and `name` (the account's CustomField rows)."""
    custom = {header_key(f.name): f.id for f in custom_fields}
    found: list[str | None] = [field_of_header(h, custom) if str(h).strip() else SKIP for h in headers]
    # Bitrix24 and amoCRM's contacts split the name: beside «Фамилия», «Имя» is the first name, not the full one
    if 'last_name' in found:
        found = [
            'first_name' if f == 'name' and header_key(_ENTITY_SUFFIX.sub('', h)) == header_key('Имя') else f
            for f, h in zip(found, headers, strict=True)
        ]
    for index, header in enumerate(headers):
        if found[index] is None:
            found[index] = _field_of_words(str(header))
    for index in range(len(headers)):
        if found[index] is None:
            found[index] = _field_of_values([row[index] if index < len(row) else '' for row in samples])
    fields, taken = [], set()
    for name in found:
        if name is None or name == SKIP or (name in taken and name not in MULTI_FIELDS):
            fields.append(SKIP)
            continue
        taken.add(name)
        fields.append(name)
    return ColumnMapping(fields=fields)
