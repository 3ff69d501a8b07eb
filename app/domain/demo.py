"""Realistic Russian demo data for a developer's sales team: users to log in as, and many clients fast.

Clients are written with bulk Core inserts and ids assigned here (not ORM objects one by one), so a
demo or benchmark database of 100,000 clients takes seconds. No events are emitted: demo data is
written before anyone watches a board.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, text
from sqlmodel import select

from app.i18n import translate

from .clients import fold
from .models import (
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
    StageKind,
    Tag,
    Task,
    TaskType,
    TouchType,
    User,
    utcnow,
)
from .seed import seed_defaults
from .users import create_user, passwords

DEMO_PASSWORD = 'voronka'
CHUNK = 5000
DAYS_BACK = 180

ADMIN = ('admin', 'Ольга Смирнова', Role.admin)
HEAD = ('head', 'Андрей Волков', Role.head)
MANAGER_NAMES = [
    'Екатерина Соколова',
    'Дмитрий Кузнецов',
    'Анна Морозова',
    'Игорь Лебедев',
    'Марина Павлова',
    'Сергей Новиков',
    'Татьяна Егорова',
    'Алексей Фёдоров',
    'Юлия Козлова',
    'Максим Орлов',
    'Наталья Белова',
    'Роман Захаров',
    'Светлана Макарова',
    'Павел Никитин',
    'Ирина Зайцева',
    'Артём Борисов',
    'Елена Яковлева',
    'Кирилл Григорьев',
    'Дарья Романова',
    'Олег Тарасов',
]

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

MALE_NAMES = [
    'Александр',
    'Алексей',
    'Андрей',
    'Антон',
    'Артём',
    'Борис',
    'Вадим',
    'Валерий',
    'Василий',
    'Виктор',
    'Виталий',
    'Владимир',
    'Владислав',
    'Вячеслав',
    'Геннадий',
    'Георгий',
    'Денис',
    'Дмитрий',
    'Евгений',
    'Егор',
    'Иван',
    'Игорь',
    'Илья',
    'Кирилл',
    'Константин',
    'Леонид',
    'Максим',
    'Михаил',
    'Никита',
    'Николай',
    'Олег',
    'Павел',
    'Пётр',
    'Роман',
    'Руслан',
    'Сергей',
    'Станислав',
    'Степан',
    'Тимофей',
    'Тимур',
    'Фёдор',
    'Юрий',
    'Ярослав',
    'Марат',
    'Ринат',
    'Эдуард',
    'Григорий',
    'Матвей',
    'Арсений',
    'Максимилиан',
]
FEMALE_NAMES = [
    'Александра',
    'Алина',
    'Алла',
    'Анастасия',
    'Анна',
    'Валентина',
    'Валерия',
    'Вера',
    'Виктория',
    'Галина',
    'Дарья',
    'Диана',
    'Екатерина',
    'Елена',
    'Елизавета',
    'Жанна',
    'Инна',
    'Ирина',
    'Карина',
    'Ксения',
    'Лариса',
    'Любовь',
    'Людмила',
    'Маргарита',
    'Марина',
    'Мария',
    'Надежда',
    'Наталья',
    'Нина',
    'Оксана',
    'Ольга',
    'Полина',
    'Светлана',
    'София',
    'Тамара',
    'Татьяна',
    'Ульяна',
    'Юлия',
    'Яна',
    'Эльвира',
    'Гульнара',
    'Камила',
    'Алсу',
    'Кристина',
    'Евгения',
    'Василиса',
    'Таисия',
]
# patronymics as (for a man, for a woman)
PATRONYMICS = [
    ('Александрович', 'Александровна'),
    ('Алексеевич', 'Алексеевна'),
    ('Андреевич', 'Андреевна'),
    ('Анатольевич', 'Анатольевна'),
    ('Борисович', 'Борисовна'),
    ('Вадимович', 'Вадимовна'),
    ('Валерьевич', 'Валерьевна'),
    ('Васильевич', 'Васильевна'),
    ('Викторович', 'Викторовна'),
    ('Витальевич', 'Витальевна'),
    ('Владимирович', 'Владимировна'),
    ('Вячеславович', 'Вячеславовна'),
    ('Геннадьевич', 'Геннадьевна'),
    ('Георгиевич', 'Георгиевна'),
    ('Григорьевич', 'Григорьевна'),
    ('Денисович', 'Денисовна'),
    ('Дмитриевич', 'Дмитриевна'),
    ('Евгеньевич', 'Евгеньевна'),
    ('Игоревич', 'Игоревна'),
    ('Ильич', 'Ильинична'),
    ('Константинович', 'Константиновна'),
    ('Леонидович', 'Леонидовна'),
    ('Максимович', 'Максимовна'),
    ('Маратович', 'Маратовна'),
    ('Михайлович', 'Михайловна'),
    ('Николаевич', 'Николаевна'),
    ('Олегович', 'Олеговна'),
    ('Павлович', 'Павловна'),
    ('Петрович', 'Петровна'),
    ('Ринатович', 'Ринатовна'),
    ('Романович', 'Романовна'),
    ('Русланович', 'Руслановна'),
    ('Сергеевич', 'Сергеевна'),
    ('Станиславович', 'Станиславовна'),
    ('Степанович', 'Степановна'),
    ('Тимурович', 'Тимуровна'),
    ('Фёдорович', 'Фёдоровна'),
    ('Эдуардович', 'Эдуардовна'),
    ('Юрьевич', 'Юрьевна'),
    ('Ярославович', 'Ярославовна'),
]
SURNAMES = [
    'Иванов',
    'Смирнов',
    'Кузнецов',
    'Попов',
    'Васильев',
    'Петров',
    'Соколов',
    'Михайлов',
    'Новиков',
    'Фёдоров',
    'Морозов',
    'Волков',
    'Алексеев',
    'Лебедев',
    'Семёнов',
    'Егоров',
    'Павлов',
    'Козлов',
    'Степанов',
    'Николаев',
    'Орлов',
    'Андреев',
    'Макаров',
    'Никитин',
    'Захаров',
    'Зайцев',
    'Соловьёв',
    'Борисов',
    'Яковлев',
    'Григорьев',
    'Романов',
    'Воробьёв',
    'Сергеев',
    'Кузьмин',
    'Фролов',
    'Александров',
    'Дмитриев',
    'Королёв',
    'Гусев',
    'Киселёв',
    'Ильин',
    'Максимов',
    'Поляков',
    'Сорокин',
    'Виноградов',
    'Ковалёв',
    'Белов',
    'Медведев',
    'Антонов',
    'Тарасов',
    'Жуков',
    'Баранов',
    'Филиппов',
    'Комаров',
    'Давыдов',
    'Беляев',
    'Герасимов',
    'Богданов',
    'Осипов',
    'Сидоров',
    'Матвеев',
    'Титов',
    'Марков',
    'Миронов',
    'Крылов',
    'Куликов',
    'Карпов',
    'Власов',
    'Мельников',
    'Денисов',
    'Гаврилов',
    'Тихонов',
    'Казаков',
    'Афанасьев',
    'Данилов',
    'Савельев',
    'Тимофеев',
    'Фомин',
    'Чернов',
    'Абрамов',
    'Мартынов',
    'Ефимов',
    'Федотов',
    'Щербаков',
    'Назаров',
    'Калинин',
    'Исаев',
    'Чернышёв',
    'Быков',
    'Маслов',
    'Родионов',
    'Коновалов',
    'Лазарев',
    'Воронин',
    'Климов',
    'Филатов',
    'Пономарёв',
    'Голубев',
    'Кудрявцев',
    'Прохоров',
    'Наумов',
    'Потапов',
    'Журавлёв',
    'Овчинников',
    'Трофимов',
    'Леонов',
    'Соболев',
    'Ермаков',
    'Колесников',
    'Гончаров',
    'Емельянов',
    'Никифоров',
    'Грачёв',
    'Котов',
    'Гришин',
    'Ефремов',
    'Архипов',
    'Громов',
    'Кириллов',
    'Малышев',
    'Панов',
    'Моисеев',
    'Румянцев',
    'Акимов',
    'Кондратьев',
    'Бирюков',
    'Горбунов',
    'Анисимов',
    'Тихомиров',
    'Галкин',
    'Лукьянов',
    'Михеев',
    'Скворцов',
    'Юдин',
    'Белоусов',
    'Нестеров',
    'Симонов',
    'Харитонов',
    'Князев',
    'Цветков',
    'Левин',
    'Митрофанов',
    'Аксёнов',
    'Мальцев',
    'Логинов',
    'Горшков',
    'Савин',
    'Краснов',
    'Демидов',
    'Рыбаков',
    'Сафонов',
    'Плотников',
    'Хохлов',
    'Жданов',
    'Носов',
    'Рябов',
    'Зуев',
    'Лавров',
    'Алиев',
    'Ахметов',
    'Хабибуллин',
    'Сафин',
    'Галиев',
    'Вишневский',
    'Ковальский',
    'Добровольский',
    'Преображенский',
    'Вознесенский',
    'Рождественский',
    'Покровский',
    'Успенский',
    'Троицкий',
    'Константинопольский',
    'Новодворский',
    'Белозерский',
    'Трубецкой',
    'Кравченко',
    'Шевченко',
    'Бондаренко',
    'Ткаченко',
    'Коваленко',
    'Шевчук',
    'Полищук',
    'Мельник',
    'Черных',
    'Седых',
    'Гуревич',
    'Ли',
    'Ким',
    'Цой',
]
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
    'Выбирает между СП и РК, важна транспортная доступность.',
    'Нужна квартира с отделкой под ключ, ремонтом заниматься не хочет.',
    'IT-ипотека, подтверждение от работодателя уже есть.',
    'Интересует только угловая квартира с окнами на две стороны.',
    'Молодая пара, первая квартира, бюджет ограничен 6 млн.',
    'Покупает для родителей, нужен низкий этаж и лифт.',
    'Есть собака, важна близость парка.',
    'Клиент от сотрудника компании, просил особое внимание.',
    'Ипотека отказана в одном банке, подаём в три других.',
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
EMAIL_DOMAINS = ['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru', 'inbox.ru', 'list.ru', 'rambler.ru']
TRANSLIT = dict(
    zip(
        'абвгдеёжзийклмнопрстуфхцчшщъыьэюя',
        [
            'a',
            'b',
            'v',
            'g',
            'd',
            'e',
            'e',
            'zh',
            'z',
            'i',
            'y',
            'k',
            'l',
            'm',
            'n',
            'o',
            'p',
            'r',
            's',
            't',
            'u',
            'f',
            'kh',
            'ts',
            'ch',
            'sh',
            'shch',
            '_',
            'y',
            '_',
            'e',
            'yu',
            'ya',
        ],
        strict=True,
    )
)
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
# share of clients per stage kind; working stages share theirs with earlier stages fuller
KIND_SHARES = {StageKind.working: 0.70, StageKind.success: 0.07, StageKind.failure: 0.13, StageKind.trash: 0.10}


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


def _surname(male_form: str, male: bool) -> str:
    if male:
        return male_form
    for ending, female in (('ский', 'ская'), ('цкий', 'цкая'), ('ой', 'ая')):
        if male_form.endswith(ending):
            return male_form[: -len(ending)] + female
    if male_form.endswith(('ов', 'ев', 'ёв', 'ин', 'ын')):
        return male_form + 'а'
    return male_form


def _person(rng: random.Random) -> tuple[str, str, bool]:
    """(full name as a manager types it, surname, is male)."""
    male = rng.random() < 0.48
    first = rng.choice(MALE_NAMES if male else FEMALE_NAMES)
    surname = _surname(rng.choice(SURNAMES), male)
    roll = rng.random()
    if roll < 0.74:
        patronymic = rng.choice(PATRONYMICS)[0 if male else 1]
        return f'{surname} {first} {patronymic}', surname, male
    if roll < 0.86:
        return f'{first} {surname}', surname, male
    if roll < 0.93:
        return f'{surname} {first}', surname, male
    return first, surname, male


def _email(rng: random.Random, surname: str) -> str:
    latin = ''.join(TRANSLIT.get(ch, ch) for ch in surname.lower()).replace('_', '')
    return f'{latin}{rng.randint(1, 999) if rng.random() < 0.6 else ""}@{rng.choice(EMAIL_DOMAINS)}'


def _spoken_phone(rng: random.Random, number: str) -> str:
    """A phone as a web form or telephony sends it, before normalisation."""
    d = number[2:]
    return rng.choice(
        [
            number,
            f'8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}',
            f'+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}',
            f'7{d}',
            f'8{d}',
        ]
    )


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


def _next_ids(session, *models) -> dict:
    return {model: (session.exec(select(func.max(model.id))).one() or 0) + 1 for model in models}


def _bulk_insert(session, model, rows: list[dict]) -> None:
    """Insert rows through the driver's executemany: the statement is compiled once and each value goes
    through its column type's bind processor, which is all SQLAlchemy's own executemany would add."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(model.__table__).compile(dialect=dialect, column_keys=list(rows[0]))
    names = compiled.positiontup if compiled.positional else list(compiled.binds)
    columns = model.__table__.columns
    processors = [(name, columns[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
    plain = [name for name, processor in processors if processor is None]
    processed = [(name, processor) for name, processor in processors if processor is not None]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if compiled.positional:
            params = [
                tuple(row[name] if processor is None else processor(row[name]) for name, processor in processors)
                for row in chunk
            ]
        else:
            params = []
            for row in chunk:
                values = {name: row[name] for name in plain}
                for name, processor in processed:
                    values[name] = processor(row[name])
                params.append(values)
        connection.exec_driver_sql(compiled.string, params)


def _reference_data(session, rng: random.Random) -> tuple[list, list, list]:
    """Projects, agencies with realtors and tags: the existing ones, or the demo set when there are none."""
    projects = list(session.exec(select(Project).where(Project.active).order_by(Project.id)))
    if not projects:
        projects = [Project(name=name, abbreviation=abbreviation) for name, abbreviation in PROJECTS]
        session.add_all(projects)
    agencies = list(session.exec(select(Agency).order_by(Agency.id)))
    if not agencies:
        agencies = [Agency(name=name) for name in AGENCIES]
        session.add_all(agencies)
        session.flush()
        for agency in agencies:
            for name in AGENCIES[agency.name]:
                phone = f'+79{rng.randrange(10**9):09d}'
                session.add(Realtor(agency_id=agency.id, name=name, phone=phone))
    if session.exec(select(Tag.id)).first() is None:
        session.add_all([Tag(name=name, color=color) for name, color in TAGS])
    session.flush()
    realtors = list(session.exec(select(Realtor).order_by(Realtor.id)))
    by_agency = [(agency.id, [r.id for r in realtors if r.agency_id == agency.id]) for agency in agencies]
    tags = list(session.exec(select(Tag.id).order_by(Tag.id)))
    return projects, by_agency, tags


def _stage_plan(session) -> tuple[list[tuple[Stage, float]], dict[int, list[ClosingReason]]]:
    """Client stages with the share of clients each gets, and the active reasons of each stage."""
    stages = list(session.exec(select(Stage).where(Stage.board == Board.clients).order_by(Stage.position, Stage.id)))
    reasons: dict[int, list[ClosingReason]] = {}
    for reason in session.exec(select(ClosingReason).where(ClosingReason.active).order_by(ClosingReason.id)):
        reasons.setdefault(reason.stage_id, []).append(reason)
    plan = []
    for kind, share in KIND_SHARES.items():
        of_kind = [s for s in stages if s.kind == kind]
        # earlier working stages hold more clients, as a real funnel does
        weights = [len(of_kind) - i + 1 for i in range(len(of_kind))]
        plan += [(stage, share * w / sum(weights)) for stage, w in zip(of_kind, weights, strict=True)]
    return plan, reasons


def _fix_sequences(session, models) -> None:
    """PostgreSQL's id sequences do not see explicitly assigned ids: move them past the new rows."""
    for model in models:
        name = model.__tablename__
        session.execute(
            text(f'SELECT setval(pg_get_serial_sequence(:table, \'id\'), (SELECT max(id) FROM "{name}"))'),
            {'table': f'"{name}"'},
        )


def create_demo_data(session, *, clients: int, seed: int = 1) -> None:
    """Add `clients` demo clients with phones, requests, feed, comments, tasks, tags and deals.

    Runs inside the caller's transaction; reuses the projects, agencies and tags already there, so it
    may be called again to grow a database. Ids are assigned here to allow bulk inserts; on PostgreSQL
    the tables are locked meanwhile and their sequences moved on afterwards.
    """
    seed_defaults(session)
    session.flush()
    postgres = session.get_bind().dialect.name == 'postgresql'
    bulk_models = (Client, ClientPhone, Request, FeedEntry, Task, Deal)
    if postgres:
        names = ', '.join(f'"{m.__tablename__}"' for m in (*bulk_models, ClientTag))
        session.execute(text(f'LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE'))
    next_id = _next_ids(session, *bulk_models)
    # a different stream on every call, so growing a database adds new faces, yet reproducibly
    rng = random.Random(f'{seed}:{next_id[Client]}')

    managers = list(session.exec(select(User).where(User.active, User.role == Role.manager).order_by(User.id))) or list(
        session.exec(select(User).where(User.active).order_by(User.id))
    )
    if not managers:
        create_demo_users(session)
        managers = list(session.exec(select(User).where(User.active, User.role == Role.manager)))
    integration_author = session.exec(
        select(User.id).where(User.active, User.role == Role.admin).order_by(User.id)
    ).first()
    projects, agencies, tag_ids = _reference_data(session, rng)
    plan, reasons = _stage_plan(session)
    working = [stage for stage, _ in plan if stage.kind == StageKind.working]
    first_stage = working[0]
    deal_stages = list(session.exec(select(Stage).where(Stage.board == Board.deals).order_by(Stage.position, Stage.id)))
    deal_stages = [s for s in deal_stages if s.kind in (StageKind.working, StageKind.success)]
    # most deals are still on their way to payment
    deal_weights = [len(deal_stages) - i + 1 for i in range(len(deal_stages))]
    channels = list(session.exec(select(Channel).where(Channel.active).order_by(Channel.position, Channel.id)))
    channel_weights = [CHANNEL_WEIGHTS.get(c.name, 5) for c in channels]
    agency_channel = next((c.id for c in channels if c.name == 'Агентство'), None)
    channel_names = {c.id: c.name for c in channels}
    phones = _Phones(session, rng)
    showcase = [
        name
        for name in SHOWCASE_NAMES
        if session.exec(select(Client.id).where(Client.name_folded == fold(name))).first() is None
    ]
    if clients <= 0:
        return

    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    stage_choices = [stage for stage, _ in plan]
    stage_weights = [share for _, share in plan]
    created_text = translate('feed.created', 'ru')
    ids = dict(next_id)

    def moment_between(start: datetime, end: datetime) -> datetime:
        return start + (end - start) * rng.random()

    def feed(rows, client_id, kind, author_id, at, text, data) -> None:
        rows.append(
            dict(
                id=ids[FeedEntry],
                client_id=client_id,
                kind=kind,
                author_id=author_id,
                created_at=at,
                text=text,
                data=data,
                edited_at=None,
            )
        )
        ids[FeedEntry] += 1

    def system(rows, client_id, kind, author_id, at, key, **params) -> None:
        feed(rows, client_id, kind, author_id, at, translate(key, 'ru', **params), {'key': key, 'params': params})

    remaining = clients
    while remaining > 0:
        batch = min(CHUNK, remaining)
        remaining -= batch
        rows = {model: [] for model in (*bulk_models, ClientTag)}
        for _ in range(batch):
            client_id = ids[Client]
            ids[Client] += 1
            name, surname, _male = _person(rng)
            if showcase:
                name, surname = showcase.pop(0), 'demo'
            responsible = rng.choice(managers).id
            method = rng.choices(
                [CreationMethod.manual, CreationMethod.integration, CreationMethod.import_], [45, 50, 5]
            )[0]
            creator = integration_author if method == CreationMethod.integration else responsible
            touch = TouchType.request if rng.random() < 0.6 else TouchType.call
            # newer clients are more numerous; contacts come in during working hours, Moscow time
            days = int(DAYS_BACK * rng.random() ** 1.4)
            created = midnight - timedelta(days=days, seconds=-rng.randint(6 * 3600, 18 * 3600))
            if created > now:
                created -= timedelta(days=1)
            stage = rng.choices(stage_choices, stage_weights)[0]
            reason = None
            if stage.needs_reason and reasons.get(stage.id):
                reason = rng.choice(reasons[stage.id]).id
            stage_changed = created if stage.id == first_stage.id else moment_between(created, now)
            last_activity = max(created, stage_changed)
            agency_id = realtor_id = None
            channel_id = rng.choices(channels, channel_weights)[0].id
            if agencies and rng.random() < 0.18:
                agency_id, agency_realtors = rng.choice(agencies)
                realtor_id = rng.choice(agency_realtors) if agency_realtors and rng.random() < 0.85 else None
                channel_id = agency_channel or channel_id
            project = rng.choice(projects) if rng.random() < 0.85 else None
            number = phones.take()
            rows[ClientPhone].append(
                dict(id=ids[ClientPhone], client_id=client_id, number=number, extension='', position=0)
            )
            ids[ClientPhone] += 1
            if rng.random() < 0.07:
                rows[ClientPhone].append(
                    dict(id=ids[ClientPhone], client_id=client_id, number=phones.take(), extension='', position=1)
                )
                ids[ClientPhone] += 1
            for tag_id in rng.sample(tag_ids, k=min(len(tag_ids), rng.choice((1, 1, 2)))) if rng.random() < 0.3 else ():
                rows[ClientTag].append(dict(client_id=client_id, tag_id=tag_id))

            feed_rows = rows[FeedEntry]
            feed(
                feed_rows,
                client_id,
                FeedKind.created,
                creator,
                created,
                created_text,
                {'key': 'feed.created', 'params': {}},
            )
            # the first contact, and sometimes the person calls or writes again later
            for index in range(1 if rng.random() < 0.75 else rng.randint(2, 4)):
                at = created if index == 0 else moment_between(created, now)
                request_channel = channel_id if index == 0 else rng.choices(channels, channel_weights)[0].id
                rows[Request].append(
                    dict(
                        id=ids[Request],
                        client_id=client_id,
                        channel_id=request_channel,
                        project_id=project.id if project and rng.random() < 0.9 else None,
                        touch_type=touch if index == 0 else rng.choice((TouchType.request, TouchType.call)),
                        source=method if index == 0 else CreationMethod.integration,
                        name=name,
                        phone=_spoken_phone(rng, number),
                        comment=rng.choice(REQUEST_COMMENTS),
                        created_at=at,
                        created_by_id=creator if index == 0 else integration_author,
                    )
                )
                ids[Request] += 1
                if index:
                    system(
                        feed_rows,
                        client_id,
                        FeedKind.request,
                        integration_author,
                        at,
                        'feed.request',
                        channel=channel_names[request_channel],
                    )
                    last_activity = max(last_activity, at)
            if stage.id != first_stage.id:
                source = (
                    rng.choice(working[: max(1, working.index(stage))]) if stage in working else rng.choice(working)
                )
                params = {'source': source.name, 'target': stage.name}
                if reason is not None:
                    params['reason'] = next(r.name for r in reasons[stage.id] if r.id == reason)
                key = 'feed.stage_reason' if reason is not None else 'feed.stage'
                system(feed_rows, client_id, FeedKind.stage, responsible, stage_changed, key, **params)
            last_comment = None
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
                at = moment_between(created, now)
                feed(feed_rows, client_id, FeedKind.comment, responsible, at, rng.choice(COMMENTS), {})
                last_comment = max(last_comment or at, at)
                last_activity = max(last_activity, at)

            # tasks: most working clients have an open one, some of them overdue; past ones are done
            task_plan = []
            if stage.kind == StageKind.working:
                roll = rng.random()
                if roll < 0.28:
                    task_plan.append('overdue')
                elif roll < 0.78:
                    task_plan.append('future')
                if rng.random() < 0.3:
                    task_plan.append('done')
            elif rng.random() < 0.4:
                task_plan.append('done')
            for state in task_plan:
                task_type = rng.choices(list(TASK_TITLES), [50, 20, 20, 10])[0]
                title = rng.choice(TASK_TITLES[task_type])
                if state == 'future':
                    set_at = moment_between(max(created, now - timedelta(days=5)), now)
                    due = now + timedelta(minutes=rng.randint(30, 14 * 24 * 60))
                else:
                    set_at = moment_between(created, now)
                    due = moment_between(set_at, now)
                done = state == 'done'
                rows[Task].append(
                    dict(
                        id=ids[Task],
                        client_id=client_id,
                        title=title,
                        type=task_type,
                        due_at=due,
                        assignee_id=responsible,
                        done=done,
                        done_at=moment_between(set_at, now) if done else None,
                        created_by_id=responsible,
                        created_at=set_at,
                    )
                )
                ids[Task] += 1
                system(
                    feed_rows, client_id, FeedKind.task_created, responsible, set_at, 'feed.task_created', title=title
                )
                last_activity = max(last_activity, set_at)

            # a booked client has a deal; a returning buyer now and then has two
            if stage.kind == StageKind.success and deal_stages:
                for _ in range(2 if rng.random() < 0.08 else 1):
                    deal_project = project or rng.choice(projects)
                    unit = f'корп. {rng.randint(1, 5)}, кв. {rng.randint(1, 420)}'
                    amount = float(rng.randint(450, 2400) * 10_000)
                    rows[Deal].append(
                        dict(
                            id=ids[Deal],
                            client_id=client_id,
                            project_id=deal_project.id,
                            unit=unit,
                            amount=amount,
                            stage_id=rng.choices(deal_stages, deal_weights)[0].id,
                            closing_reason_id=None,
                            responsible_id=responsible,
                            creator_id=responsible,
                            created_at=stage_changed,
                            version=1,
                        )
                    )
                    ids[Deal] += 1
                    system(
                        feed_rows,
                        client_id,
                        FeedKind.deal_created,
                        responsible,
                        stage_changed,
                        'feed.deal_created',
                        object=f'{deal_project.abbreviation} {unit}',
                        amount=f'{amount:,.0f}'.replace(',', ' '),
                    )

            rows[Client].append(
                dict(
                    id=client_id,
                    name=name,
                    name_folded=fold(name),
                    email=_email(rng, surname) if surname != 'demo' and rng.random() < 0.3 else '',
                    project_id=project.id if project else None,
                    channel_id=channel_id,
                    agency_id=agency_id,
                    realtor_id=realtor_id,
                    situation=' '.join(rng.sample(SITUATIONS, rng.choice((1, 1, 2)))) if rng.random() < 0.75 else '',
                    responsible_id=responsible,
                    creator_id=creator,
                    creation_method=method,
                    touch_type=touch,
                    created_at=created,
                    stage_id=stage.id,
                    closing_reason_id=reason,
                    stage_changed_at=stage_changed,
                    last_activity_at=last_activity,
                    last_comment_at=last_comment,
                    custom={},
                    version=1,
                )
            )
        # parents before children, for the foreign keys
        for model in (Client, ClientPhone, ClientTag, Request, Task, Deal, FeedEntry):
            _bulk_insert(session, model, rows[model])
    if postgres:
        _fix_sequences(session, bulk_models)
