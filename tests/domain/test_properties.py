"""Properties over many generated inputs (hypothesis): a phone in any spelling is one E.164 number, nonsense is
refused only with InvalidInput; an import cell of any kind reads as a value or a flagged problem of its row, never as
a crash, and sane dates, numbers and phones read back as written."""

import io
import re
from datetime import date, datetime, timedelta

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl import Workbook

from app.domain.account import admin_lists
from app.domain.errors import InvalidInput
from app.domain.excel import importing, mapping
from app.domain.limits import YEAR_MAX, YEAR_MIN
from app.domain.phones import normalize_phone
from app.i18n import TEXTS
from tests.factories import make_user

# fixtures are made once per test, not per example: the properties that use them only read the database
READS_FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)

E164 = re.compile(r'\+[1-9]\d{3,14}')
# a Russian number without its country code: a mobile one, or a landline in a few big cities
NATIONAL = st.one_of(
    st.from_regex(r'9[0-9]{9}', fullmatch=True),
    st.tuples(st.sampled_from(['495', '499', '812', '343', '383']), st.from_regex(r'[0-9]{7}', fullmatch=True)).map(
        ''.join
    ),
)
SEPARATOR = st.sampled_from(['', ' ', '-', ' - ', '  '])


@st.composite
def spelling(draw, national: str) -> str:
    """The number as people type it: +7, 8, 7 or no prefix, the code in brackets or not, grouped by any spaces and
    dashes, with blanks around."""
    code, rest = national[:3], national[3:]
    parts = [
        draw(st.sampled_from(['+7', '8', '7', ''])),
        draw(st.sampled_from([code, f'({code})'])),
        rest[:3],
        rest[3:5],
        rest[5:],
    ]
    text = parts[0]
    for part in parts[1:]:
        text += draw(SEPARATOR) + part
    return draw(st.sampled_from(['', ' ', '\t'])) + text + draw(st.sampled_from(['', ' ', '\n']))


@st.composite
def national_and_spelling(draw) -> tuple[str, str]:
    national = draw(NATIONAL)
    return national, draw(spelling(national))


PHONE_LIKE = st.text(alphabet='0123456789 +-()', max_size=24)
ANY_TEXT = st.one_of(PHONE_LIKE, st.text(max_size=80))


@given(national_and_spelling())
def test_any_spelling_of_a_russian_number_is_one_e164_number(case):
    national, typed = case
    assert normalize_phone(typed).number == '+7' + national


@given(ANY_TEXT)
def test_normalising_a_normalised_number_changes_nothing(text):
    try:
        number = normalize_phone(text).number
    except InvalidInput:
        return
    assert normalize_phone(number).number == number
    assert normalize_phone(number).extension == ''


@given(ANY_TEXT)
def test_junk_is_refused_with_invalid_input_and_nothing_else(text):
    try:
        phone = normalize_phone(text)
    except InvalidInput as refusal:
        assert refusal.key in TEXTS
    else:
        assert E164.fullmatch(phone.number), phone


# what openpyxl hands over for a cell, and what else a file may hold: a number Excel made of a phone, a float
# overflowed to infinity, a date, a time, a duration, a text with control characters
CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.text(max_size=40),
    PHONE_LIKE,
    st.datetimes(),
    st.dates(),
    st.times(),
    st.timedeltas(),
)
HEADER = ('ФИО', 'Телефон', 'Телефоны', 'Дата создания', 'Email', 'Примечание', 'Бюджет', 'Дата сделки', 'Ипотека')


@pytest.fixture
def custom_fields(db) -> dict:
    """A number, a date and a yes/no custom field, by their ids as the import's row reader has them."""
    admin = make_user(db, 'admin', role='admin')
    with db.write() as session:
        for name, kind in (('Бюджет', 'number'), ('Дата сделки', 'date'), ('Ипотека', 'bool')):
            admin_lists.add_custom_field(session, actor=admin, name=name, kind=kind)
    with db.read() as session:
        return {str(field.id): field for field in importing._custom_fields(session)}


@READS_FIXTURES
@given(cells=st.lists(CELL, min_size=len(HEADER), max_size=len(HEADER)))
def test_any_cells_read_as_a_row_whose_problems_are_flagged_never_as_a_crash(db, custom_fields, cells):
    columns = importing._Columns.of(mapping.suggest_mapping(list(HEADER), [], custom_fields.values()))

    row = importing._read_row(2, tuple(cells), columns, custom_fields)

    assert all(problem.key in TEXTS for problem in row.problems)
    assert all(E164.fullmatch(phone.number) for phone in row.phones)
    assert row.phones or any(problem.error for problem in row.problems)
    assert row.created_at is None or YEAR_MIN <= row.created_at.year <= YEAR_MAX
    assert all(isinstance(v, str) and '\x00' not in v for v in row.values.values())
    with db.read() as session:  # each value on its own, as the import's plan checks them
        for key, value in row.custom.items():
            try:
                stored = admin_lists.clean_custom_values(session, {key: value})
            except InvalidInput as refusal:
                assert refusal.key in TEXTS
            else:
                assert all(isinstance(v, bool | int | float | str) for v in stored.values())


MOMENT = st.datetimes(min_value=datetime(YEAR_MIN, 1, 1), max_value=datetime(YEAR_MAX, 12, 31, 23, 59, 59)).map(
    lambda moment: moment.replace(microsecond=0)
)


@given(MOMENT)
def test_a_date_cell_reads_back_as_written_in_every_form_a_file_has_it(moment):
    serial = (moment - datetime(1899, 12, 30)) / timedelta(days=1)
    for cell in (moment, importing._cell_text(moment), moment.strftime('%Y-%m-%d %H:%M:%S')):
        assert importing._parse_date(cell) == moment, cell
    assert abs(importing._parse_date(serial) - moment) < timedelta(milliseconds=1)
    assert importing._parse_date(moment.date()) == datetime.combine(moment.date(), datetime.min.time())


@given(
    st.one_of(
        st.datetimes(max_value=datetime(YEAR_MIN - 1, 12, 31)), st.datetimes(min_value=datetime(YEAR_MAX + 1, 1, 1))
    )
)
def test_a_date_outside_the_crms_years_is_refused_and_0001_means_no_date(moment):
    if moment.year == 1:
        assert importing._parse_date(moment) is None
        return
    with pytest.raises(InvalidInput) as refusal:
        importing._parse_date(moment)
    assert refusal.value.key == 'error.date_range'


def _cell_numbers(cell) -> list[str]:
    return [normalize_phone(text).number for text in importing._phone_texts(cell)]


@given(st.lists(NATIONAL, min_size=1, max_size=4, unique=True), st.sampled_from([', ', ';', '\n']), st.data())
def test_a_text_cell_of_several_phones_reads_back_as_their_numbers_in_order(nationals, separator, data):
    cell = separator.join(data.draw(spelling(national)) for national in nationals)
    assert _cell_numbers(cell) == ['+7' + national for national in nationals]


@given(NATIONAL)
def test_a_phone_excel_turned_into_a_number_reads_back_as_the_phone(national):
    for cell in (int('7' + national), float('7' + national), int('8' + national), float('8' + national)):
        assert _cell_numbers(cell) == ['+7' + national], cell


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_a_whole_number_excel_stored_as_a_float_reads_as_the_whole_number(number):
    assert importing._cell_text(float(number)) == str(number)


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@settings(READS_FIXTURES, max_examples=40)  # each example writes and reads a real XLSX
@given(
    phone=national_and_spelling(),
    moment=MOMENT,
    budget=st.one_of(st.integers(0, 10**12), st.floats(0, 10**12).map(lambda x: round(x, 2))),
    deal_day=st.dates(min_value=date(YEAR_MIN, 1, 1), max_value=date(YEAR_MAX, 12, 31)),
)
def test_a_file_of_sane_cells_reads_back_what_was_written(db, custom_fields, phone, moment, budget, deal_day):
    national, typed = phone
    data = _xlsx([['Телефон', 'Дата создания', 'Бюджет', 'Дата сделки'], [typed, moment, budget, deal_day]])
    with db.read() as session:
        [row] = importing.read_import_file(session, data).rows
        stored = admin_lists.clean_custom_values(session, row.custom)
    assert [p.number for p in row.phones] == ['+7' + national]
    assert row.created_at == moment
    by_name = {field.name: str(field.id) for field in custom_fields.values()}
    assert stored[by_name['Бюджет']] == budget
    assert stored[by_name['Дата сделки']] == deal_day.isoformat()
