"""Realistic Russian demo data for a developer's sales team: users to log in as, and many clients fast.

Clients and everything hanging off them are written with bulk inserts and ids assigned here (not ORM
objects one by one), so a demo or benchmark database of 100,000 clients takes well under a minute. No
events are emitted: demo data is written before anyone watches a board.
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, DateTime, func, insert, text
from sqlmodel import select

from app.domain.account.users import create_user, passwords
from app.domain.attribution import Attribution
from app.domain.clients.tasks import refresh_next_due
from app.domain.models import (
    Agency,
    Board,
    Channel,
    Client,
    ClientPhone,
    ClientTag,
    ClosingReason,
    CreationMethod,
    Deal,
    FeedEntry,
    FeedKind,
    Project,
    Realtor,
    Request,
    Role,
    Stage,
    StageChange,
    StageKind,
    Tag,
    Task,
    TaskType,
    TouchType,
    User,
    utcnow,
)
from app.domain.text import fold
from app.i18n import translate
from app.seed import seed_defaults

DEMO_PASSWORD = 'voronka'
CHUNK = 5000
DAYS_BACK = 180

ADMIN = ('admin', 'Ольга Смирнова', Role.admin)
HEAD = ('head', 'Андрей Волков', Role.head)
# fmt: off
MANAGER_NAMES = [
    'Екатерина Соколова', 'Дмитрий Кузнецов', 'Анна Морозова', 'Игорь Лебедев', 'Марина Павлова', 'Сергей Новиков',
    'Татьяна Егорова', 'Алексей Фёдоров', 'Юлия Козлова', 'Максим Орлов', 'Наталья Белова', 'Роман Захаров',
    'Светлана Макарова', 'Павел Никитин', 'Ирина Зайцева', 'Артём Борисов', 'Елена Яковлева', 'Кирилл Григорьев',
    'Дарья Романова', 'Олег Тарасов',
]
# fmt: on
PROJECTS = [
    ('ЖК Северный парк', 'СП'),
    ('ЖК Речной квартал', 'РК'),
    ('ЖК Солнечная долина', 'СД'),
    ('ЖК Зелёная гавань', 'ЗГ'),
    ('Клубный дом «Тишина»', 'КДТ'),
]
AGENCIES = {
    'АН «Ключ»': ['Смирнова Анна', 'Петров Олег', 'Власова Ирина'],
    'Агентство «Новосёл»': ['Гусев Артём', 'Ковалёва Марина'],
    'АН «Городская недвижимость»': ['Лазарева Елена', 'Миронов Денис', 'Белоусова Ольга', 'Карпов Игорь'],
    'Риэлти Групп': ['Тимофеева Кристина', 'Савин Роман'],
    'АН «Квадратный метр»': ['Фомина Светлана', 'Осипов Евгений', 'Рябова Юлия'],
    'Дом и Ко': ['Щербаков Антон', 'Лукьянова Вера'],
}
TAGS = [
    ('Ипотека', '#1976d2'),
    ('Семейная ипотека', '#0288d1'),
    ('Маткапитал', '#7b1fa2'),
    ('Рассрочка', '#f57c00'),
    ('Trade-in', '#5d4037'),
    ('Инвестор', '#388e3c'),
    ('VIP', '#c2185b'),
    ('Горячий', '#d32f2f'),
    ('Повторный', '#455a64'),
    ('Вторичка на продаже', '#8d6e63'),
]
# fmt: off
MALE_NAMES = [
    'Александр', 'Алексей', 'Андрей', 'Антон', 'Артём', 'Борис', 'Вадим', 'Валерий', 'Василий', 'Виктор', 'Виталий',
    'Владимир', 'Владислав', 'Вячеслав', 'Геннадий', 'Георгий', 'Денис', 'Дмитрий', 'Евгений', 'Егор', 'Иван',
    'Игорь', 'Илья', 'Кирилл', 'Константин', 'Леонид', 'Максим', 'Михаил', 'Никита', 'Николай', 'Олег', 'Павел',
    'Пётр', 'Роман', 'Руслан', 'Сергей', 'Станислав', 'Степан', 'Тимофей', 'Тимур', 'Фёдор', 'Юрий', 'Ярослав',
    'Марат', 'Ринат', 'Эдуард', 'Григорий', 'Матвей', 'Арсений', 'Максимилиан',
]
FEMALE_NAMES = [
    'Александра', 'Алина', 'Алла', 'Анастасия', 'Анна', 'Валентина', 'Валерия', 'Вера', 'Виктория', 'Галина',
    'Дарья', 'Диана', 'Екатерина', 'Елена', 'Елизавета', 'Жанна', 'Инна', 'Ирина', 'Карина', 'Ксения', 'Лариса',
    'Любовь', 'Людмила', 'Маргарита', 'Марина', 'Мария', 'Надежда', 'Наталья', 'Нина', 'Оксана', 'Ольга', 'Полина',
    'Светлана', 'София', 'Тамара', 'Татьяна', 'Ульяна', 'Юлия', 'Яна', 'Эльвира', 'Гульнара', 'Камила', 'Алсу',
    'Кристина', 'Евгения', 'Василиса', 'Таисия',
]
SURNAMES = [
    'Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров',
    'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов', 'Николаев',
    'Орлов', 'Андреев', 'Макаров', 'Никитин', 'Захаров', 'Зайцев', 'Соловьёв', 'Борисов', 'Яковлев', 'Григорьев',
    'Романов', 'Воробьёв', 'Сергеев', 'Кузьмин', 'Фролов', 'Александров', 'Дмитриев', 'Королёв', 'Гусев', 'Киселёв',
    'Ильин', 'Максимов', 'Поляков', 'Сорокин', 'Виноградов', 'Ковалёв', 'Белов', 'Медведев', 'Антонов', 'Тарасов',
    'Жуков', 'Баранов', 'Филиппов', 'Комаров', 'Давыдов', 'Беляев', 'Герасимов', 'Богданов', 'Осипов', 'Сидоров',
    'Матвеев', 'Титов', 'Марков', 'Миронов', 'Крылов', 'Куликов', 'Карпов', 'Власов', 'Мельников', 'Денисов',
    'Гаврилов', 'Тихонов', 'Казаков', 'Афанасьев', 'Данилов', 'Савельев', 'Тимофеев', 'Фомин', 'Чернов', 'Абрамов',
    'Мартынов', 'Ефимов', 'Федотов', 'Щербаков', 'Назаров', 'Калинин', 'Исаев', 'Чернышёв', 'Быков', 'Маслов',
    'Родионов', 'Коновалов', 'Лазарев', 'Воронин', 'Климов', 'Филатов', 'Пономарёв', 'Голубев', 'Кудрявцев',
    'Прохоров', 'Наумов', 'Потапов', 'Журавлёв', 'Овчинников', 'Трофимов', 'Леонов', 'Соболев', 'Ермаков',
    'Колесников', 'Гончаров', 'Емельянов', 'Никифоров', 'Грачёв', 'Котов', 'Гришин', 'Ефремов', 'Архипов', 'Громов',
    'Кириллов', 'Малышев', 'Панов', 'Моисеев', 'Румянцев', 'Акимов', 'Кондратьев', 'Бирюков', 'Горбунов',
    'Анисимов', 'Тихомиров', 'Галкин', 'Лукьянов', 'Михеев', 'Скворцов', 'Юдин', 'Белоусов', 'Нестеров', 'Симонов',
    'Харитонов', 'Князев', 'Цветков', 'Левин', 'Митрофанов', 'Аксёнов', 'Мальцев', 'Логинов', 'Горшков', 'Савин',
    'Краснов', 'Демидов', 'Рыбаков', 'Сафонов', 'Плотников', 'Хохлов', 'Жданов', 'Носов', 'Рябов', 'Зуев', 'Лавров',
    'Алиев', 'Ахметов', 'Хабибуллин', 'Сафин', 'Галиев', 'Вишневский', 'Ковальский', 'Добровольский',
    'Преображенский', 'Вознесенский', 'Рождественский', 'Покровский', 'Успенский', 'Троицкий',
    'Константинопольский', 'Новодворский', 'Белозерский', 'Трубецкой', 'Кравченко', 'Шевченко', 'Бондаренко',
    'Ткаченко', 'Коваленко', 'Шевчук', 'Полищук', 'Мельник', 'Черных', 'Седых', 'Гуревич', 'Ли', 'Ким', 'Цой',
]
# a woman's patronymic is derived from these
PATRONYMICS = [
    'Александрович', 'Алексеевич', 'Андреевич', 'Анатольевич', 'Борисович', 'Вадимович', 'Валерьевич', 'Васильевич',
    'Викторович', 'Витальевич', 'Владимирович', 'Вячеславович', 'Геннадьевич', 'Георгиевич', 'Григорьевич',
    'Денисович', 'Дмитриевич', 'Евгеньевич', 'Игоревич', 'Ильич', 'Константинович', 'Леонидович', 'Максимович',
    'Маратович', 'Михайлович', 'Николаевич', 'Олегович', 'Павлович', 'Петрович', 'Ринатович', 'Романович',
    'Русланович', 'Сергеевич', 'Станиславович', 'Степанович', 'Тимурович', 'Фёдорович', 'Эдуардович', 'Юрьевич',
    'Ярославович',
]
# fmt: on
# card layouts must cope with long names, so the first demo clients have them
SHOWCASE_NAMES = [
    'Константинопольская Александра Вячеславовна',
    'Преображенский Максимилиан Константинович',
    'Семья Рождественских (Анатолий и Елизавета)',
]
SITUATIONS = [
    'Ищет двухкомнатную до 9 млн, ипотека одобрена в Сбербанке.',
    'Семья с двумя детьми, рассматривают трёшку с отделкой.',
    'Хочет студию под сдачу, платит наличными.',
    'Продаёт вторичку, интересует схема trade-in.',
    'Ждёт одобрения семейной ипотеки, перезвонить после 15-го.',
    'Сравнивает с ЖК конкурента, важна цена за метр.',
    'Нужен высокий этаж с видом на реку, бюджет 12 млн.',
    'Маткапитал плюс ипотека, первоначальный взнос 15%.',
    'Живёт в другом городе, удобнее общаться в мессенджере.',
    'Был на показе, понравилась евро-двушка в третьем корпусе.',
    'Рассматривает рассрочку на 12 месяцев без удорожания.',
    'Инвестор, присматривает две однушки на этапе котлована.',
    'Днём не берёт трубку, звонить после 19:00.',
    'Переезжает из области, нужна квартира рядом со школой.',
    'Ждёт продажи своей квартиры, сделка примерно через месяц.',
    'Интересуется скидкой при стопроцентной оплате.',
    'Муж против ипотеки, обсуждают рассрочку.',
    'Нужна квартира со сдачей дома не позже 2026 года.',
    'Хочет кладовую и место в паркинге в придачу к квартире.',
    'Пенсионеры, покупают квартиру внукам.',
    'Военная ипотека, ждёт документы из части.',
    'Выбирает между двумя нашими ЖК, важна транспортная доступность.',
    'Нужна квартира с отделкой под ключ, ремонтом заниматься не хочет.',
    'IT-ипотека, подтверждение от работодателя уже есть.',
    'Интересует только угловая квартира с окнами на две стороны.',
    'Молодая пара, первая квартира, бюджет ограничен 6 млн.',
    'Покупает для родителей, нужен низкий этаж и лифт.',
    'Есть собака, важна близость парка.',
    'Клиент от сотрудника компании, просил особое внимание.',
    'Ипотеку отказали в одном банке, подаём в три других.',
    'Хочет зафиксировать цену до повышения в следующем месяце.',
    'Интересуется коммерческим помещением на первом этаже.',
    'Нужна большая кухня-гостиная, минимум 20 метров.',
    'Готов внести бронь на этой неделе, ждёт согласования с женой.',
    'Просил прислать планировки и прайс на почту.',
    'Рассматривает таунхаус, квартиры пока не интересны.',
]
COMMENTS = [
    'Перезвонил, клиент думает до выходных.',
    'Отправил планировки в WhatsApp.',
    'Договорились о показе в субботу в 12:00.',
    'Не взял трубку, написал в мессенджер.',
    'Одобрение по семейной ипотеке получено, ставка 6%.',
    'Запросил расчёт рассрочки на 24 месяца.',
    'Был на показе с супругой, выбирают между 3 и 7 этажом.',
    'Попросил перезвонить через неделю.',
    'Отправил КП и презентацию проекта.',
    'Сравнивает с вторичкой, нужна аргументация по цене.',
    'Уточнил: бюджет вырос до 11 млн.',
    'Клиент в отпуске до конца месяца.',
    'Передал контакты ипотечного брокера.',
    'Согласовали скидку 2% при брони до пятницы.',
    'Клиент просит придержать квартиру на два дня.',
    'Приедет в офис продаж с документами во вторник.',
    'Интересовался сроками выдачи ключей.',
    'Недозвон, абонент вне зоны действия сети.',
]
# what the site's and the classifieds' leads bring: (utm_source, utm_medium, campaigns) per channel
DEMO_UTM = {
    'Сайт': (
        ('yandex', 'cpc', ('brand', 'spring_sale', 'family_mortgage')),
        ('google', 'cpc', ('brand', 'it_mortgage')),
    ),
    'Авито': (('avito', 'cpc', ('listing_top',)),),
    'ЦИАН': (('cian', 'cpc', ('premium_listing',)),),
    'Домклик': (('domclick', 'referral', ('partner',)),),
}
NO_ATTRIBUTION = Attribution().model_dump()


def _demo_attribution(rng: random.Random, channel_name: str) -> dict:
    """The attribution columns of a demo request: utm tags for most leads of the online channels."""
    sources = DEMO_UTM.get(channel_name)
    if not sources or rng.random() < 0.25:
        return NO_ATTRIBUTION
    source, medium, campaigns = rng.choice(sources)
    return {**NO_ATTRIBUTION, 'utm_source': source, 'utm_medium': medium, 'utm_campaign': rng.choice(campaigns)}


REQUEST_COMMENTS = [
    '',
    '',
    '',
    'Хочу узнать цены на двухкомнатные',
    'Перезвоните мне, пожалуйста',
    'Интересует ипотека',
    'Заявка с квиза: 2 комнаты, до 10 млн',
    'Вопрос по рассрочке',
    'Пришлите планировки',
    'Удобно после 18:00',
    'Запись на экскурсию по ЖК',
]
TASK_TITLES = {
    TaskType.call: [
        'Перезвонить клиенту',
        'Уточнить бюджет и способ оплаты',
        'Узнать решение банка по ипотеке',
        'Позвонить после показа',
        'Напомнить о встрече',
    ],
    TaskType.meeting: ['Встреча в офисе продаж', 'Подписание брони', 'Консультация с ипотечным брокером'],
    TaskType.showing: ['Показ квартиры', 'Показ шоурума', 'Показ квартиры с отделкой'],
    TaskType.other: ['Отправить планировки', 'Подготовить расчёт ипотеки', 'Отправить договор на согласование'],
}
TASK_TYPE_WEIGHTS = [50, 20, 20, 10]
EMAIL_DOMAINS = ['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru', 'inbox.ru', 'list.ru', 'rambler.ru']
# fmt: off
TRANSLIT = dict(zip('абвгдеёжзийклмнопрстуфхцчшщъыьэюя', [
    'a', 'b', 'v', 'g', 'd', 'e', 'e', 'zh', 'z', 'i', 'y', 'k', 'l', 'm', 'n', 'o', 'p', 'r', 's', 't', 'u', 'f',
    'kh', 'ts', 'ch', 'sh', 'shch', '', 'y', '', 'e', 'yu', 'ya',
], strict=True))
# fmt: on
CHANNEL_WEIGHTS = {
    'Сайт': 30,
    'Звонок': 18,
    'Авито': 10,
    'ЦИАН': 14,
    'Домклик': 9,
    'Агентство': 3,
    'Рекомендация': 6,
    'Наружная реклама': 4,
}
# the share of clients per stage kind; within working stages the earlier ones are fuller, as in a funnel
KIND_SHARES = {StageKind.working: 0.70, StageKind.success: 0.07, StageKind.failure: 0.13, StageKind.trash: 0.10}
# feed data shared by many rows, so the bulk insert encodes each once
CREATED_DATA = {'key': 'feed.created', 'params': {}}
NO_DATA = {}


def create_demo_users(session, *, managers: int = 6) -> list[tuple[str, str, str]]:
    """The admin, the head of sales and `managers` managers to log in as; existing logins are kept."""
    wanted = [ADMIN, HEAD]
    rng = random.Random(7)
    for number in range(1, managers + 1):
        if number <= len(MANAGER_NAMES):
            name = MANAGER_NAMES[number - 1]
        else:
            male = rng.random() < 0.5
            name = f'{rng.choice(MALE_NAMES if male else FEMALE_NAMES)} {_surname(rng.choice(SURNAMES), male)}'
        wanted.append((f'manager{number}', name, Role.manager))
    existing = set(session.exec(select(User.login).where(User.login.in_([login for login, _, _ in wanted]))))
    password_hash = None
    for login, name, role in wanted:
        if login in existing:
            continue
        # argon2 is slow by design: one hash serves every demo account
        password_hash = password_hash or passwords.hash(DEMO_PASSWORD)
        create_user(session, login=login, name=name, role=role, password=DEMO_PASSWORD, password_hash=password_hash)
    return [(login, DEMO_PASSWORD, str(role)) for login, _, role in wanted]


def create_demo_data(session, *, clients: int, seed: int = 1) -> None:
    """Add `clients` demo clients with phones, requests, feed, comments, tasks, tags and deals.

    Runs inside the caller's transaction and reuses the projects, agencies and tags already there, so it
    may be called again to grow a database. Ids are assigned here to allow bulk inserts; on PostgreSQL
    the tables are locked meanwhile and their sequences moved on afterwards.
    """
    seed_defaults(session)
    session.flush()
    postgres = session.connection().dialect.name == 'postgresql'
    if postgres:
        names = ', '.join(f'"{model.__tablename__}"' for model in (*_WITH_IDS, ClientTag))
        session.execute(text(f'LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE'))
    sqlite = session.connection().dialect.name == 'sqlite'
    if sqlite:
        # the indexes of a large database do not fit SQLite's default 2 MB page cache; 256 MB at most
        cache_size = session.execute(text('PRAGMA cache_size')).scalar()
        session.execute(text('PRAGMA cache_size=-262144'))
    try:
        writer = _DemoWriter(session, seed)
        first_client_id = writer.ids[Client]
        remaining = max(0, clients)
        while remaining > 0:
            batch = min(CHUNK, remaining)
            remaining -= batch
            for _ in range(batch):
                writer.add_client()
            rows = writer.take_rows()
            # parents before children, for the foreign keys
            for model in (Client, ClientPhone, ClientTag, Request, Task, Deal, FeedEntry, StageChange):
                _bulk_insert(session, model, rows[model])
        refresh_next_due(session, id_from=first_client_id, id_to=writer.ids[Client] - 1)
    finally:
        if sqlite:
            session.execute(text(f'PRAGMA cache_size={int(cache_size)}'))
    if postgres:
        for model in _WITH_IDS:
            name = model.__tablename__
            # a sequence does not see explicitly assigned ids: move it past the new rows
            session.execute(
                text(f'SELECT setval(pg_get_serial_sequence(:table, \'id\'), (SELECT max(id) FROM "{name}"))'),
                {'table': f'"{name}"'},
            )


_WITH_IDS = (Client, ClientPhone, Request, FeedEntry, Task, Deal)


def _surname(male_form: str, male: bool) -> str:
    if male:
        return male_form
    for ending, female in (('ский', 'ская'), ('цкий', 'цкая'), ('ой', 'ая')):
        if male_form.endswith(ending):
            return male_form[: -len(ending)] + female
    if male_form.endswith(('ов', 'ев', 'ёв', 'ин', 'ын')):
        return male_form + 'а'
    return male_form


def _patronymic(male_form: str, male: bool) -> str:
    if male:
        return male_form
    return 'Ильинична' if male_form == 'Ильич' else male_form[:-3] + 'вна'


def _person(rng: random.Random) -> tuple[str, str]:
    """A name as managers and web forms type it (mostly surname, name, patronymic), and the surname."""
    male = rng.random() < 0.48
    first = rng.choice(MALE_NAMES if male else FEMALE_NAMES)
    surname = _surname(rng.choice(SURNAMES), male)
    roll = rng.random()
    if roll < 0.74:
        return f'{surname} {first} {_patronymic(rng.choice(PATRONYMICS), male)}', surname
    if roll < 0.86:
        return f'{first} {surname}', surname
    if roll < 0.93:
        return f'{surname} {first}', surname
    return first, surname


def _email(rng: random.Random, surname: str) -> str:
    latin = ''.join(TRANSLIT.get(ch, ch) for ch in surname.lower())
    return f'{latin}{rng.randint(1, 999) if rng.random() < 0.6 else ""}@{rng.choice(EMAIL_DOMAINS)}'


def _spoken_phone(rng: random.Random, number: str) -> str:
    """A phone as a web form or telephony sends it, before normalisation."""
    d = number[2:]
    spellings = (
        number,
        f'8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}',
        f'+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}',
        f'7{d}',
        f'8{d}',
    )
    return spellings[rng.randrange(len(spellings))]


def _funnel(count: int) -> list[int]:
    """Weights that fall along a sequence of stages."""
    return [count - i + 1 for i in range(count)]


class _Phones:
    """Unique Russian mobile numbers in E.164 that no client has yet."""

    def __init__(self, session, rng: random.Random) -> None:
        self.rng = rng
        self.used = set(session.exec(select(ClientPhone.number).where(ClientPhone.number.like('+79%'))))

    def take(self) -> str:
        while True:
            number = f'+79{self.rng.randrange(10**9):09d}'
            if number not in self.used:
                self.used.add(number)
                return number


class _DemoWriter:
    """Makes up one client at a time with everything hanging off it, as plain rows for bulk inserts."""

    def __init__(self, session, seed: int) -> None:
        self.ids = {model: (session.exec(select(func.max(model.id))).one() or 0) + 1 for model in _WITH_IDS}
        # a different stream on every call, so growing a database adds new faces, yet reproducibly
        self.rng = random.Random(f'{seed}:{self.ids[Client]}')
        self.now = utcnow()
        self.midnight = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.created_text = translate('feed.created', 'ru')
        self.rows = {model: [] for model in (*_WITH_IDS, ClientTag, StageChange)}
        self._load_people(session)
        self._load_reference(session)
        self._load_stages(session)
        self.phones = _Phones(session, self.rng)
        self.showcase = [
            name
            for name in SHOWCASE_NAMES
            if session.exec(select(Client.id).where(Client.name_folded == fold(name))).first() is None
        ]

    def _load_people(self, session) -> None:
        active = select(User.id).where(User.active).order_by(User.id)
        self.managers = list(session.exec(active.where(User.role == Role.manager))) or list(session.exec(active))
        if not self.managers:
            create_demo_users(session)
            self.managers = list(session.exec(active.where(User.role == Role.manager)))
        # leads from the website come in through the admin's integration token
        self.integration_author = session.exec(active.where(User.role == Role.admin)).first()

    def _load_reference(self, session) -> None:
        """Projects, agencies with realtors and tags: the existing ones, or the demo set when there are none."""
        if session.exec(select(Project.id).where(Project.active)).first() is None:
            session.add_all([Project(name=name, abbreviation=abbreviation) for name, abbreviation in PROJECTS])
        if session.exec(select(Agency.id)).first() is None:
            agencies = [Agency(name=name) for name in AGENCIES]
            session.add_all(agencies)
            session.flush()
            for agency in agencies:
                for name in AGENCIES[agency.name]:
                    session.add(Realtor(agency_id=agency.id, name=name, phone=f'+79{self.rng.randrange(10**9):09d}'))
        if session.exec(select(Tag.id)).first() is None:
            session.add_all([Tag(name=name, color=color) for name, color in TAGS])
        session.flush()
        self.projects = list(session.exec(select(Project.id, Project.abbreviation).where(Project.active)).all())
        realtors: dict[int, list[int]] = {}
        for realtor_id, agency_id in session.exec(select(Realtor.id, Realtor.agency_id).order_by(Realtor.id)):
            realtors.setdefault(agency_id, []).append(realtor_id)
        self.agencies = [(agency_id, realtors.get(agency_id, [])) for agency_id in session.exec(select(Agency.id))]
        self.tags = list(session.exec(select(Tag.id).order_by(Tag.id)))
        channels = list(session.exec(select(Channel).where(Channel.active).order_by(Channel.position, Channel.id)))
        self.channel_ids = [channel.id for channel in channels]
        self.channel_names = {channel.id: channel.name for channel in channels}
        self.channel_cum = list(_cumulative([CHANNEL_WEIGHTS.get(channel.name, 5) for channel in channels]))
        self.agency_channel = next((c.id for c in channels if c.name == 'Агентство'), None)

    def _load_stages(self, session) -> None:
        stages = session.exec(select(Stage).where(Stage.board == Board.clients).order_by(Stage.position, Stage.id))
        stages = [(stage.id, stage.kind, stage.name) for stage in stages]
        self.reasons: dict[int, list[tuple[int, str]]] = {}
        for reason in session.exec(select(ClosingReason).where(ClosingReason.active).order_by(ClosingReason.id)):
            self.reasons.setdefault(reason.stage_id, []).append((reason.id, reason.name))
        self.stages, shares = [], []
        for kind, share in KIND_SHARES.items():
            of_kind = [stage for stage in stages if stage[1] == kind]
            weights = _funnel(len(of_kind))
            self.stages += of_kind
            shares += [share * weight / sum(weights) for weight in weights]
        self.stage_cum = list(_cumulative(shares))
        self.working = [(stage_id, name) for stage_id, kind, name in stages if kind == StageKind.working]
        deal_stages = session.exec(
            select(Stage.id).where(Stage.board == Board.deals, Stage.kind.in_([StageKind.working, StageKind.success]))
        )
        self.deal_stages = list(deal_stages)
        self.deal_stage_cum = list(_cumulative(_funnel(len(self.deal_stages))))

    def take_rows(self) -> dict:
        rows, self.rows = self.rows, {model: [] for model in self.rows}
        return rows

    def _next_id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()

    def _feed(self, client_id, kind, author_id, at, text, data, deal_id=None) -> None:
        self.rows[FeedEntry].append(
            dict(
                id=self._next_id(FeedEntry),
                client_id=client_id,
                deal_id=deal_id,
                kind=kind,
                author_id=author_id,
                created_at=at,
                text=text,
                data=data,
                edited_at=None,
            )
        )

    def _system(self, client_id, kind, author_id, at, key, deal_id=None, **params) -> None:
        text = translate(key, 'ru', **params)
        self._feed(client_id, kind, author_id, at, text, {'key': key, 'params': params}, deal_id)

    def add_client(self) -> None:
        """One client: phones, tags, requests, feed, comments, tasks and, when booked, deals."""
        rng, now = self.rng, self.now
        client_id = self._next_id(Client)
        name, surname = (self.showcase.pop(0), '') if self.showcase else _person(rng)
        responsible = rng.choice(self.managers)
        method = rng.choices(_METHODS, cum_weights=_METHOD_CUM)[0]
        creator = self.integration_author if method == CreationMethod.integration else responsible
        touch = TouchType.request if rng.random() < 0.6 else TouchType.call
        # newer clients are more numerous; contacts come in during working hours, Moscow time
        created = self.midnight - timedelta(days=int(DAYS_BACK * rng.random() ** 1.4))
        created += timedelta(seconds=rng.randint(6 * 3600, 18 * 3600))
        if created > now:
            created -= timedelta(days=1)
        stage_id, kind, stage_name = rng.choices(self.stages, cum_weights=self.stage_cum)[0]
        reason = None
        if kind in (StageKind.failure, StageKind.trash) and self.reasons.get(stage_id):
            reason = rng.choice(self.reasons[stage_id])
        first_stage = stage_id == self.working[0][0]
        stage_changed = created if first_stage else self._between(created, now)
        last_activity = stage_changed
        channel_id = rng.choices(self.channel_ids, cum_weights=self.channel_cum)[0]
        agency_id = realtor_id = None
        if self.agencies and rng.random() < 0.18:
            agency_id, realtors = rng.choice(self.agencies)
            realtor_id = rng.choice(realtors) if realtors and rng.random() < 0.85 else None
            channel_id = self.agency_channel or channel_id
        project = rng.choice(self.projects) if self.projects and rng.random() < 0.85 else None

        number = self.phones.take()
        numbers = [number, self.phones.take()] if rng.random() < 0.07 else [number]
        for position, each in enumerate(numbers):
            self.rows[ClientPhone].append(
                dict(id=self._next_id(ClientPhone), client_id=client_id, number=each, extension='', position=position)
            )
        if self.tags and rng.random() < 0.3:
            for tag_id in rng.sample(self.tags, k=min(len(self.tags), rng.choice((1, 1, 2)))):
                self.rows[ClientTag].append(dict(client_id=client_id, tag_id=tag_id))

        self._feed(client_id, FeedKind.created, creator, created, self.created_text, CREATED_DATA)
        # the first contact, and sometimes the person calls or writes again later
        for index in range(1 if rng.random() < 0.75 else rng.randint(2, 4)):
            again = index > 0
            at = self._between(created, now) if again else created
            request_channel = rng.choices(self.channel_ids, cum_weights=self.channel_cum)[0] if again else channel_id
            source = CreationMethod.integration if again else method
            self.rows[Request].append(
                dict(
                    id=self._next_id(Request),
                    client_id=client_id,
                    channel_id=request_channel,
                    project_id=project[0] if project and rng.random() < 0.9 else None,
                    touch_type=rng.choice((TouchType.request, TouchType.call)) if again else touch,
                    source=source,
                    name=name,
                    phone=_spoken_phone(rng, number),
                    comment=rng.choice(REQUEST_COMMENTS),
                    created_at=at,
                    created_by_id=self.integration_author if again else creator,
                    is_first=not again,
                    awaits_action=False,  # the demo's past: no speed-to-lead clock runs for it
                    # hand-entered and imported contacts have a channel and no utm tags
                    **(
                        _demo_attribution(rng, self.channel_names[request_channel])
                        if source == CreationMethod.integration
                        else NO_ATTRIBUTION
                    ),
                )
            )
            if again:
                channel_name = self.channel_names[request_channel]
                self._system(
                    client_id, FeedKind.request, self.integration_author, at, 'feed.request', channel=channel_name
                )
                last_activity = max(last_activity, at)
        self._add_journey(client_id, stage_id, kind, reason, created, stage_changed, responsible)
        if not first_stage:
            position = next((i for i, (sid, _) in enumerate(self.working) if sid == stage_id), len(self.working))
            source = rng.choice(self.working[: max(1, position)])[1]
            params = {'source': source, 'target': stage_name}
            if reason is not None:
                params['reason'] = reason[1]
            key = 'feed.stage_reason' if reason is not None else 'feed.stage'
            self._system(client_id, FeedKind.stage, responsible, stage_changed, key, **params)
        last_comment = None
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
            at = self._between(created, now)
            self._feed(client_id, FeedKind.comment, responsible, at, rng.choice(COMMENTS), NO_DATA)
            last_comment = max(last_comment or at, at)
            last_activity = max(last_activity, at)
        last_activity = max(last_activity, self._add_tasks(client_id, kind, responsible, created))
        if kind == StageKind.success:
            self._add_deals(client_id, project, responsible, stage_changed, created)

        self.rows[Client].append(
            dict(
                id=client_id,
                name=name,
                name_folded=fold(name),
                email=_email(rng, surname) if surname and rng.random() < 0.3 else '',
                project_id=project[0] if project else None,
                channel_id=channel_id,
                agency_id=agency_id,
                realtor_id=realtor_id,
                situation=' '.join(rng.sample(SITUATIONS, rng.choice((1, 1, 2)))) if rng.random() < 0.75 else '',
                responsible_id=responsible,
                creator_id=creator,
                creation_method=method,
                touch_type=touch,
                created_at=created,
                stage_id=stage_id,
                closing_reason_id=reason[0] if reason else None,
                stage_changed_at=stage_changed,
                last_activity_at=last_activity,
                last_comment_at=last_comment,
                custom={},
                version=1,
            )
        )

    def _add_tasks(self, client_id: int, kind: str, responsible: int, created: datetime) -> datetime:
        """Most working clients have an open task, a good share of them overdue; older ones are done.
        Returns the latest moment a task was set, for the client's last activity."""
        rng, now = self.rng, self.now
        plan = []
        if kind == StageKind.working:
            roll = rng.random()
            if roll < 0.28:
                plan.append('overdue')
            elif roll < 0.78:
                plan.append('future')
            if rng.random() < 0.3:
                plan.append('done')
        elif rng.random() < 0.4:
            plan.append('done')
        latest = created
        for state in plan:
            task_type = rng.choices(_TASK_TYPES, cum_weights=_TASK_TYPE_CUM)[0]
            title = rng.choice(TASK_TITLES[task_type])
            if state == 'future':
                set_at = self._between(max(created, now - timedelta(days=5)), now)
                due = now + timedelta(minutes=rng.randint(30, 14 * 24 * 60))
            else:
                set_at = self._between(created, now)
                due = self._between(set_at, now)
            done = state == 'done'
            self.rows[Task].append(
                dict(
                    id=self._next_id(Task),
                    client_id=client_id,
                    title=title,
                    type=task_type,
                    due_at=due,
                    assignee_id=responsible,
                    done=done,
                    done_at=self._between(set_at, now) if done else None,
                    created_by_id=responsible,
                    created_at=set_at,
                )
            )
            self._system(client_id, FeedKind.task_created, responsible, set_at, 'feed.task_created', title=title)
            latest = max(latest, set_at)
        return latest

    def _add_journey(self, client_id, stage_id, kind, reason, created, stage_changed, responsible) -> None:
        """The stages a client went through to where it is now: the stage history the funnel report reads."""
        rng = self.rng
        working = [sid for sid, _ in self.working]
        if kind == StageKind.working:
            path = working[: working.index(stage_id) + 1]
        else:
            depth = len(working) if kind == StageKind.success else rng.randint(1, len(working))
            path = working[:depth] + [stage_id]
        moments = [created] + sorted(self._between(created, stage_changed) for _ in path[1:-1])
        if len(path) > 1:
            moments.append(stage_changed)
        for index, (target, at) in enumerate(zip(path, moments, strict=True)):
            last = index == len(path) - 1
            self.rows[StageChange].append(
                dict(
                    board=Board.clients,
                    client_id=client_id,
                    client_created_at=created,
                    deal_id=None,
                    from_stage_id=path[index - 1] if index else None,
                    to_stage_id=target,
                    reason_id=reason[0] if last and reason else None,
                    actor_id=responsible,
                    at=at,
                    seconds=None if last else int((moments[index + 1] - at).total_seconds()),
                )
            )

    def _add_deals(self, client_id: int, project, responsible: int, booked_at: datetime, client_created) -> None:
        """A booked client has a deal; a returning buyer now and then has two."""
        rng = self.rng
        if not self.deal_stages:
            return
        for _ in range(2 if rng.random() < 0.08 else 1):
            project_id, abbreviation = project or (rng.choice(self.projects) if self.projects else (None, ''))
            unit = f'корп. {rng.randint(1, 5)}, кв. {rng.randint(1, 420)}'
            amount = float(rng.randint(450, 2400) * 10_000)
            deal_id = self._next_id(Deal)
            stage_id = rng.choices(self.deal_stages, cum_weights=self.deal_stage_cum)[0]
            moved_at = booked_at if stage_id == self.deal_stages[0] else self._between(booked_at, self.now)
            for target, at, source in (
                (self.deal_stages[0], booked_at, None),
                (stage_id, moved_at, self.deal_stages[0]),
            ):
                if source is not None and target == source:
                    break
                self.rows[StageChange].append(
                    dict(
                        board=Board.deals,
                        client_id=client_id,
                        client_created_at=client_created,
                        deal_id=deal_id,
                        from_stage_id=source,
                        to_stage_id=target,
                        reason_id=None,
                        actor_id=responsible,
                        at=at,
                        seconds=int((moved_at - at).total_seconds()) if source is None and target != stage_id else None,
                    )
                )
            self.rows[Deal].append(
                dict(
                    id=deal_id,
                    client_id=client_id,
                    project_id=project_id,
                    unit=unit,
                    amount=amount,
                    stage_id=stage_id,
                    closing_reason_id=None,
                    responsible_id=responsible,
                    creator_id=responsible,
                    created_at=booked_at,
                    stage_changed_at=moved_at,
                    unit_id=None,
                    version=1,
                )
            )
            self._system(
                client_id,
                FeedKind.deal_created,
                responsible,
                booked_at,
                'feed.deal_created',
                deal_id=deal_id,
                object=f'{abbreviation} {unit}'.strip(),
                amount=f'{amount:,.0f}'.replace(',', ' '),
            )


def _cumulative(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total


_METHODS = [CreationMethod.manual, CreationMethod.integration, CreationMethod.import_]
_METHOD_CUM = list(_cumulative([45, 50, 5]))
_TASK_TYPES = list(TASK_TITLES)
_TASK_TYPE_CUM = list(_cumulative(TASK_TYPE_WEIGHTS))


def _sqlite_datetime(value: datetime | None) -> str | None:
    # the text SQLAlchemy's SQLite dialect stores for a UTC moment (checked against it in _encoders)
    return None if value is None else value.astimezone(UTC).isoformat(' ', 'microseconds')[:26]


def _encoders(table, names: list[str], dialect) -> list:
    """Per column, the function turning a Python value into what the driver takes (None: as it is).

    These are the column types' own bind processors, but on SQLite datetimes are formatted directly
    (several times faster, checked to give the same text), and each JSON object is encoded once even
    when many rows share it.
    """
    encoders = []
    for name in names:
        column_type = table.c[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        base_type = getattr(column_type, 'impl', column_type)  # what a TypeDecorator stores as
        if processor is not None and isinstance(base_type, DateTime) and dialect.name == 'sqlite':
            probe = datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC)
            if _sqlite_datetime(probe) == processor(probe):
                processor = _sqlite_datetime
        elif processor is not None and isinstance(base_type, JSON):
            processor = _shared_value_memo(processor)
        encoders.append(processor)
    return encoders


def _shared_value_memo(processor):
    # keyed by identity: the rows being inserted keep every value alive, so an id is never reused meanwhile
    memo = {}

    def encode(value):
        key = id(value)
        if key not in memo:
            memo[key] = processor(value)
        return memo[key]

    return encode


def _bulk_insert(session, model, rows: list[dict]) -> None:
    """Insert rows with the driver's bulk path (COPY on PostgreSQL with psycopg, executemany elsewhere):
    the statement built once, each value encoded by its column's type."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    table = model.__table__
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    encoded = [(index, encoder) for index, encoder in enumerate(_encoders(table, names, dialect)) if encoder]
    cursor = connection.connection.cursor()
    copying = dialect.name == 'postgresql' and hasattr(cursor, 'copy')
    for start in range(0, len(rows), CHUNK):
        params = []
        for row in rows[start : start + CHUNK]:
            values = [row[name] for name in names]
            for index, encoder in encoded:
                values[index] = encoder(values[index])
            params.append(tuple(values) if compiled.positional or copying else dict(zip(names, values, strict=True)))
        if copying:
            columns = ', '.join(f'"{name}"' for name in names)
            with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for values in params:
                    copy.write_row(values)
        else:
            connection.exec_driver_sql(compiled.string, params)
    cursor.close()
