"""Reading what teams bring: XLSX from Excel and openpyxl, CSV from Bitrix24 and amoCRM in their encodings and
separators, Bitrix24's HTML ".xls"; and refusing, cheaply and in words, an old .xls, a bomb, a broken file."""

import io
import tracemalloc
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from app.domain.errors import InvalidInput
from app.domain.excel import sources
from app.domain.excel.sources import open_source

BITRIX_HEADER = ['Фамилия', 'Имя', 'Отчество', 'Рабочий телефон', 'Мобильный телефон', 'Рабочий e-mail', 'Комментарий']
BITRIX_ROW = [
    'Иванова',
    'Мария',
    'Сергеевна',
    '+7 916 201-11-02',
    '8 916 201-11-12',
    'maria@example.ru',
    'Звонить днём',
]


def rows(data: bytes, **options) -> list[tuple[int, tuple]]:
    return list(open_source(data, **options).rows())


def refusal(data: bytes, **options) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        rows(data, **options)
    return refused.value


def workbook(lines: list[list], *, write_only: bool = False, formats: dict[str, str] | None = None) -> bytes:
    """openpyxl's ordinary mode writes shared strings, its write-only mode inline ones."""
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    for line in lines:
        sheet.append(line)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def package(sheet_data: str, *, shared: bytes | None = None, prefix: str = '', compresslevel: int = 6) -> bytes:
    """A minimal XLSX written part by part, for what no spreadsheet program saves."""
    main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
    rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
    declare = f'xmlns:{prefix[:-1]}="{main}"' if prefix else f'xmlns="{main}"'
    rels = f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared is not None:
        rels += f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr(
            'xl/workbook.xml',
            f'<{prefix}workbook {declare} xmlns:r="{rel}"><{prefix}sheets>'
            f'<{prefix}sheet name="Лист1" sheetId="1" r:id="rId1"/></{prefix}sheets></{prefix}workbook>',
        )
        archive.writestr(
            'xl/_rels/workbook.xml.rels',
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        if shared is not None:
            archive.writestr('xl/sharedStrings.xml', shared)
        archive.writestr(
            'xl/worksheets/sheet1.xml',
            f'<{prefix}worksheet {declare}><{prefix}sheetData>{sheet_data}</{prefix}sheetData></{prefix}worksheet>',
        )
    return out.getvalue()


def test_an_xlsx_keeps_numbers_dates_booleans_and_text_as_the_cells_hold_them():
    when = datetime(2024, 5, 6, 10, 30)
    lines = [
        ['Имя', 'Телефон', 'Создан', 'Сумма', 'Оплачен', 'День'],
        ['Пётр & «Ко»', 79161234567, when, 1500.5, True, date(2023, 1, 2)],
        [None, None, None, None, None, None],
        ['Анна', '+7 916 201-11-02', None, 0, False, None],
    ]
    for write_only in (False, True):
        assert rows(workbook(lines, write_only=write_only)) == [
            (1, ('Имя', 'Телефон', 'Создан', 'Сумма', 'Оплачен', 'День')),
            (2, ('Пётр & «Ко»', 79161234567, when, 1500.5, True, datetime(2023, 1, 2))),
            (4, ('Анна', '+7 916 201-11-02', None, 0, False)),
        ]
    assert open_source(workbook(lines)).format == sources.SourceFormat('xlsx')


def test_a_number_is_a_date_only_when_its_format_shows_one():
    lines = [['Дата', 'Деньги', 'Красный', 'Время'], [45000, 45000, 45000, 0.5]]
    formats = {'A2': 'dd.mm.yyyy hh:mm', 'B2': '# ##0.00 "₽"', 'C2': '[Red]0', 'D2': 'h:mm'}
    assert rows(workbook(lines, formats=formats))[1] == (
        2,
        (datetime(2023, 3, 15), 45000, 45000, datetime(1899, 12, 30, 12)),
    )


def test_each_pass_reads_the_file_again_from_the_start():
    source = open_source(workbook([['Телефон'], ['+79161234567'], ['+79161234568']]))
    first = source.rows()
    assert next(first) == (1, ('Телефон',))
    first.close()
    assert (
        list(source.rows())
        == list(source.rows())
        == [
            (1, ('Телефон',)),
            (2, ('+79161234567',)),
            (3, ('+79161234568',)),
        ]
    )


def test_shared_rich_and_inline_strings_and_prefixed_elements_are_read():
    shared = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<si><t>\xd0\x98\xd0\xbc\xd1\x8f</t></si>'
        b'<si><r><t>A </t></r><r><rPr><b/></rPr><t xml:space="preserve">&amp; B</t></r><rPh><t>x</t></rPh></si></sst>'
    )
    sheet = (
        '<x:row r="3"><x:c r="A3" t="s"><x:v>0</x:v></x:c><x:c r="C3" t="s"><x:v>1</x:v></x:c></x:row>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>тут</x:t></x:is></x:c><x:c t="b"><x:v>1</x:v></x:c></x:row>'
    )
    assert rows(package(sheet, shared=shared, prefix='x:')) == [(3, ('Имя', None, 'A & B')), (4, ('тут', True))]


def test_a_bitrix24_csv_in_windows_1251_with_semicolons_is_detected_and_read():
    text = ';'.join(BITRIX_HEADER) + '\r\n' + ';'.join(BITRIX_ROW) + '\r\n' + ';' * 6 + '\r\n'
    source = open_source(text.encode('cp1251'))
    assert source.format == sources.SourceFormat('csv', 'cp1251', ';')
    assert list(source.rows()) == [(1, tuple(BITRIX_HEADER)), (2, tuple(BITRIX_ROW))]


@pytest.mark.parametrize(
    ('encoding', 'delimiter', 'reported'),
    [('utf-8', ',', 'utf-8'), ('utf-8-sig', ';', 'utf-8-sig'), ('utf-8', '\t', 'utf-8'), ('utf-16', '\t', 'utf-16')],
)
def test_a_csv_in_unicode_with_any_of_the_three_separators_is_detected(encoding, delimiter, reported):
    lines = [['Полное имя (контакт)', 'Рабочий телефон (контакт)', 'Теги сделки'], ['Ёлкин Пётр', '+79161234567', '']]
    data = '\n'.join(delimiter.join(line) for line in lines).encode(encoding)
    source = open_source(data)
    assert source.format == sources.SourceFormat('csv', reported, delimiter)
    assert list(source.rows()) == [(1, tuple(lines[0])), (2, ('Ёлкин Пётр', '+79161234567', None))]


def test_quoted_fields_keep_their_line_breaks_separators_and_quotes():
    data = 'Имя,Телефон,Примечание\n"Пётр, старший","+7 916 201-11-02, 8 916 201-11-12",'
    data += '"Сказал: ""Перезвоните""\nвечером"\n'
    assert rows(data.encode()) == [
        (1, ('Имя', 'Телефон', 'Примечание')),
        (2, ('Пётр, старший', '+7 916 201-11-02, 8 916 201-11-12', 'Сказал: "Перезвоните"\nвечером')),
    ]


def test_a_separator_inside_values_does_not_outvote_the_one_of_the_header():
    data = 'Телефон\n+7 916 201-11-02, 8 916 201-11-12\n+7 916 201-11-03, 8 916 201-11-13\n'.encode()
    assert open_source(data).format.delimiter == ';'
    assert rows(data)[1] == (2, ('+7 916 201-11-02, 8 916 201-11-12',))


def test_the_encoding_and_the_separator_can_be_chosen_over_the_detected_ones():
    data = 'Имя;Телефон,доб.\nПётр;+79161234567,12\n'.encode('cp1251')
    chosen = open_source(data, encoding='windows-1251', delimiter=',')
    assert chosen.format == sources.SourceFormat('csv', 'cp1251', ',')
    assert list(chosen.rows())[1] == (2, ('Пётр;+79161234567', '12'))
    wrong = open_source(data, encoding='utf-8')  # shown garbled, for the user to change back, not refused
    assert '\ufffd' in list(wrong.rows())[0][1][0]
    assert open_source(data, delimiter='tab').format.delimiter == '\t'


def test_an_unknown_encoding_or_a_long_separator_is_refused_in_words():
    data = 'Имя;Телефон\n'.encode()
    assert (
        refusal(data, encoding='klingon').message('ru')
        == 'Кодировка «klingon» неизвестна: выберите UTF-8 или Windows-1251'
    )
    assert 'один символ' in refusal(data, delimiter=';;').message('ru')
    assert 'one character' in refusal(data, delimiter='"').message('en')


def test_an_unclosed_quote_or_a_nul_byte_in_a_csv_is_a_damaged_file():
    assert 'повреждён' in refusal(b'a;b\n"' + b'x' * 200_000 + b'\n').message('ru')


BITRIX_HTML = """<meta http-equiv="Content-type" content="text/html;charset=UTF-8" />
<style>td {{ mso-number-format:\\@; }}</style>
<table border="1">
<thead><tr><th>Фамилия</th><th>Имя</th><th>Рабочий телефон</th><th>Комментарий</th></tr></thead>
<tbody>
<tr><td>Иванова</td><td>Мария</td><td>+7 916 201-11-02</td><td>Сказала &laquo;да&raquo; &amp; ушла<br>завтра</td></tr>
<tr><td></td><td>&nbsp;</td><td></td><td></td></tr>
<tr><td colspan="2">Петров Пётр</td><td>89162011103</td></tr>
</tbody></table>
<table><tr><td>другая таблица</td></tr></table>
"""


@pytest.mark.parametrize('encoding', ['utf-8', 'cp1251'])
def test_bitrix24s_excel_export_which_is_an_html_table_is_read(encoding):
    source = open_source(BITRIX_HTML.format().encode(encoding))
    assert source.format == sources.SourceFormat('html', encoding)
    assert list(source.rows()) == [
        (1, ('Фамилия', 'Имя', 'Рабочий телефон', 'Комментарий')),
        (2, ('Иванова', 'Мария', '+7 916 201-11-02', 'Сказала «да» & ушла\nзавтра')),
        (4, ('Петров Пётр', None, '89162011103')),
    ]


def test_an_html_tables_colspans_count_as_cells_before_they_are_padded_out():
    """The reviewer's 48 KB row of `colspan=16384` took 365 MB before it was refused as too many cells."""
    wide = '<table><tr><th>Имя</th><th>Телефон</th></tr><tr>' + '<td colspan=16384>x</td>' * 2000 + '</tr></table>'
    many = '<table><tr><th>Имя</th></tr>' + '<tr><td colspan=16383></td><td>x</td></tr>' * 20_000 + '</table>'
    tracemalloc.start()
    try:
        # a row is no wider than a sheet: what its spans reach past the last column is dropped
        assert [len(line) for _, line in open_source(wide.encode()).rows()] == [2, sources.MAX_COLUMNS]
        with pytest.raises(InvalidInput) as refused:
            for _ in open_source(many.encode()).rows():
                pass  # each row let go as the import does
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.key == 'import.error.too_many_cells'
    assert peak < 20 * 1024 * 1024


def test_an_old_binary_xls_is_refused_with_how_to_save_it_as_xlsx():
    old = sources._OLE2_MAGIC + bytes(4096)
    message = refusal(old).message('ru')
    assert 'старого формата (.xls)' in message and 'Книга Excel (.xlsx)' in message
    assert 'Excel Workbook (.xlsx)' in refusal(old).message('en')
    xml_2003 = b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    assert refusal(xml_2003).key == 'import.error.binary_xls'


@pytest.mark.parametrize(
    'data',
    [b'', b'  \n', b'%PDF-1.7\n%binary', b'\x89PNG\r\n\x1a\n' + bytes(range(256)), b'<html><body>hi</body></html>'],
    ids=['empty', 'blank', 'pdf', 'png', 'html-without-table'],
)
def test_what_is_not_a_table_is_refused_as_such(data):
    assert refusal(data).message('ru').startswith('Это не таблица')


def test_a_truncated_or_broken_xlsx_is_a_damaged_file():
    data = workbook([['Телефон'], *[[f'+7917{n:07d}'] for n in range(3000)]])
    for broken in (data[: len(data) // 2], data[:-30], package('<row r="1"><c r="A1"><v>1</v>')):
        assert refusal(broken).key == 'import.error.corrupt'
    assert refusal(package('<row r="1"><c r="A1"><v>&bomb;</v></c></row>')).key == 'import.error.corrupt'


def test_a_zip_that_holds_no_workbook_is_not_a_table():
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        archive.writestr('word/document.xml', '<document/>')
    assert refusal(out.getvalue()).key == 'import.error.not_spreadsheet'


def test_a_shared_strings_bomb_is_refused_before_it_is_unpacked():
    """The issue's bomb in small: strings that compress a thousandfold, refused from the declared sizes alone."""
    strings = b'<sst><si><t>' + b'A' * 20_000_000 + b'</t></si></sst>'
    bomb = package('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=strings, compresslevel=9)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        refused = refusal(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.key == 'import.error.too_big_inside'
    assert 'слишком большой объём' in refused.message('ru')
    assert peak < 2 * len(bomb) + 1_000_000  # the archive's own bytes, never the 20 MB inside


def test_a_part_over_its_size_limit_is_refused_even_when_it_compresses_honestly(monkeypatch):
    monkeypatch.setattr(sources, 'MAX_SHARED_STRINGS_BYTES', 10_000)
    strings = '<sst>' + ''.join(f'<si><t>Клиент {n}</t></si>' for n in range(1000)) + '</sst>'
    assert refusal(package('', shared=strings.encode())).key == 'import.error.too_big_inside'


def test_too_many_shared_strings_or_cells_or_zip_entries_are_refused(monkeypatch):
    strings = '<sst>' + ''.join(f'<si><t>{n}</t></si>' for n in range(50)) + '</sst>'
    sheet = ''.join(f'<row r="{n + 1}"><c r="A{n + 1}" t="s"><v>{n}</v></c></row>' for n in range(50))
    data = package(sheet, shared=strings.encode())
    assert len(rows(data)) == 50
    monkeypatch.setattr(sources, 'MAX_SHARED_STRINGS', 10)
    assert refusal(data).key == 'import.error.too_big_inside'
    monkeypatch.setattr(sources, 'MAX_SHARED_STRINGS', 1000)
    monkeypatch.setattr(sources, 'MAX_CELLS', 20)
    assert refusal(data).message('ru') == 'В таблице больше 20 ячеек: разделите её на части'
    assert refusal(('Телефон\n' * 30).encode()).key == 'import.error.too_many_cells'
    monkeypatch.setattr(sources, 'MAX_ZIP_ENTRIES', 3)
    assert refusal(data).key == 'import.error.too_big_inside'


def test_two_million_blank_formatted_rows_are_skipped_without_memory():
    """What Excel writes for a column formatted to the bottom; the issue's file took 42 s of a write lock."""
    blank = (
        ''.join(
            f'<row r="{n}" spans="1:5" s="1" customFormat="1"><c r="A{n}" s="1"/><c r="B{n}" s="1"/></row>'
            if n % 2
            else f'<row r="{n}" s="1" customFormat="1"/>'
            for n in range(start, start + 100_000)
        )
        for start in range(3, 2_000_003, 100_000)
    )
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>Телефон</t></is></c></row>'
    sheet += '<row r="2"><c r="A2"><v>79161234567</v></c></row>' + ''.join(blank)
    sheet += '<row r="2000003"><c r="B2000003" t="inlineStr"><is><t>последний</t></is></c></row>'
    data = package(sheet, compresslevel=1)
    del sheet
    tracemalloc.start()
    try:
        found = rows(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == [(1, ('Телефон',)), (2, (79161234567,)), (2_000_003, (None, 'последний'))]
    assert peak < 20 * 1024 * 1024


def test_rows_without_numbers_are_numbered_by_their_place_blank_ones_included():
    sheet = '<row><c><v>1</v></c></row><row/><row><c/></row><row><c/><c><v>2</v></c></row>'
    assert rows(package(sheet)) == [(1, (1,)), (4, (None, 2))]


def test_dates_of_a_workbook_counting_from_1904_are_right():
    data = io.BytesIO()
    book = Workbook()
    book.epoch = datetime(1904, 1, 1)  # openpyxl's switch for Mac Excel's calendar
    book.active.append(['Создан'])
    book.active.append([datetime(2024, 2, 29, 9, 15)])
    book.save(data)
    assert rows(data.getvalue())[1] == (2, (datetime(2024, 2, 29, 9, 15),))


def test_zlib_damage_inside_the_sheet_is_a_damaged_file():
    data = bytearray(workbook([['Телефон'], *[[f'+7917{n:07d}'] for n in range(3000)]]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo('xl/worksheets/sheet1.xml')
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    data[start : start + 200] = bytes(200)
    with pytest.raises(InvalidInput) as refused:
        rows(bytes(data))
    assert refused.value.key == 'import.error.corrupt'


@pytest.mark.parametrize('encoding', ['utf-16', 'rot13', 'base64', 'no-such-codec'])
def test_an_encoding_that_cannot_read_the_file_is_refused_or_read_never_a_crash(encoding):
    try:
        rows = list(open_source(b'\xd0\xa2\xd0\xb5\xd0\xbb;b\n1;2\n', encoding=encoding).rows())
    except InvalidInput as refused:
        assert refused.key in ('import.error.unknown_encoding', 'import.error.no_rows', 'import.error.not_spreadsheet')
    else:
        assert rows


def test_one_unreadable_value_is_that_cells_text_not_a_damaged_file():
    """A date serial far beyond any calendar, «nan» in a number cell, a broken ISO date: the row's own rules flag
    the cell; the rest of the file loads."""
    data = workbook([['Дата', 'Число'], [1e300, 1], [45000, 2]], formats={'A2': 'dd.mm.yyyy', 'A3': 'dd.mm.yyyy'})
    assert rows(data)[1:] == [(2, ('1e+300', 1)), (3, (datetime(2023, 3, 15), 2))]
    sheet = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        '<row r="2"><c r="A2"><v>nan</v></c><c r="B2" t="d"><v>2023-13-45</v></c></row>'
    )
    assert rows(package(sheet))[1] == (2, ('nan', '2023-13-45'))
