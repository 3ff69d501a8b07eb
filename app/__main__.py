"""`python -m app`: serve the CRM (the default), manage users, tokens and demo data, export and import clients."""

import argparse
import getpass
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import text

from app.config import load_settings
from app.domain.account import users
from app.domain.db import SchemaTooNew
from app.domain.errors import DomainError, InvalidInput, NotFound
from app.setup import prepare_database


def _read_password(prompt: str) -> str:
    """From a terminal: asked twice without echo; from a pipe: the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip('\n')
    first = getpass.getpass(prompt)
    if getpass.getpass('Повторите пароль: ') != first:
        raise SystemExit('Пароли не совпадают')
    return first


def _demo_logins_text(logins: list[tuple[str, str, str]], url: str) -> str:
    lines = [f'Воронка: {url}', 'Демо-входы (логин / пароль / роль):']
    lines += [f'  {login} / {password} / {role}' for login, password, role in logins]
    return '\n'.join(lines)


def cmd_serve(args) -> None:
    """Serve the app; on a database without users, create the demo team and demo clients first."""
    settings = load_settings()
    # NiceGUI keeps its per-browser storage beside our data, not in whatever folder the server started in
    os.environ.setdefault('NICEGUI_STORAGE_PATH', str(settings.data_dir / 'nicegui'))
    from app import demo
    from app.main import run

    created: list[tuple[str, str, str]] = []

    def first_run(session) -> None:
        if not users.any_user(session):
            created.extend(demo.create_demo_users(session))
            demo.create_demo_data(session, clients=args.demo_clients)

    prepare_database(settings, first_run=first_run)
    host = args.host or settings.host
    port = args.port or settings.port
    url = f'http://{"localhost" if host in ("0.0.0.0", "127.0.0.1") else host}:{port}/'
    if created:
        print(_demo_logins_text(created, url), flush=True)
    else:
        print(f'Воронка: {url}', flush=True)
    run(host=host, port=port)


def cmd_migrate(args) -> None:
    """The deploy step: the schema brought to this version, the defaults written; no demo data, no server."""
    database = prepare_database(load_settings())
    with database.read() as session:
        version = session.execute(text('SELECT version_num FROM alembic_version')).scalar_one()
    print(f'Схема базы данных: {version}')


def cmd_user_add(args) -> None:
    password = _read_password('Пароль: ')
    if len(password) < 6:
        raise SystemExit('Пароль должен быть не короче 6 символов')
    database = prepare_database(load_settings())
    with database.write() as session:
        user = users.create_user(
            session,
            login=args.login,
            name=args.name or args.login,
            role=args.role,
            password=password,
            internal_number=args.internal_number,
        )
    number = f', внутренний номер {user.internal_number}' if user.internal_number else ''
    print(f'Создан пользователь {user.login} ({user.role}){number}')


def cmd_user_deactivate(args) -> None:
    database = prepare_database(load_settings())
    with database.write() as session:
        user = users.deactivate_user(session, login=args.login)
    print(f'Пользователь {user.login} деактивирован; его клиенты остались за ним до передачи')


def cmd_user_list(args) -> None:
    from app.domain.account.reference import user_views

    database = prepare_database(load_settings())
    with database.read() as session:
        for user in user_views(session):
            state = '' if user.active else '  (деактивирован)'
            print(f'{user.login:20} {user.role:8} {user.name}{state}')


def cmd_token_create(args) -> None:
    database = prepare_database(load_settings())
    with database.write() as session:
        token = users.create_token(session, login=args.login, label=args.label)
    print(token)


def cmd_demo(args) -> None:
    from app import demo

    database = prepare_database(load_settings())
    with database.write() as session:
        logins = demo.create_demo_users(session, managers=args.managers)
        demo.create_demo_data(session, clients=args.clients)
    database.optimize()
    print(f'Добавлено демо-клиентов: {args.clients}')
    print(_demo_logins_text(logins, 'python -m app'))


def _actor(session, login: str):
    """The user a command acts as: their permissions and visibility apply, as on the screens."""
    from app.domain.permissions import Actor

    try:
        user = users.user_by_login(session, login)
    except NotFound:
        raise SystemExit(f'Нет пользователя с логином «{login}»') from None
    if not user.active:
        raise SystemExit(f'Пользователь {user.login} деактивирован')
    return Actor.of(user)


def _progress(verb: str):
    def report(done: int, total: int) -> None:
        print(f'{verb} {done} из {total}', file=sys.stderr, flush=True)

    return report


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'ожидается дата ГГГГ-ММ-ДД, а не «{text}»') from None


def _ids_by_name(given: list[str] | None, items: list[tuple[int, str, list[str]]], unknown: str) -> list[int]:
    """Names as typed (any case) to ids; `items` are (id, shown name, spellings). An unknown name stops the
    command and lists the names there are."""
    from app.domain.text import fold

    index: dict[str, int] = {}
    for item_id, _, spellings in items:
        index.setdefault(fold(spellings[0]), item_id)
    for item_id, _, spellings in items:  # aliases (a project's abbreviation) never shadow another item's name
        for alias in spellings[1:]:
            if alias:
                index.setdefault(fold(alias), item_id)
    ids = []
    for name in given or []:
        found = index.get(fold(name))
        if found is None:
            known = ', '.join(shown for _, shown, _ in items) or '—'
            raise SystemExit(f'{unknown} «{name}». Есть: {known}')
        ids.append(found)
    return list(dict.fromkeys(ids))


def _export_filter(session, args):
    """The client filter of the command line: --filter JSON as the base, then the named options over it."""
    from pydantic import ValidationError

    from app.domain.account import reference
    from app.domain.account_time import from_local_naive
    from app.domain.clients.filters import ClientFilter

    try:
        flt = ClientFilter.model_validate_json(args.filter) if args.filter else ClientFilter()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = '.'.join(str(part) for part in error['loc'])
        raise SystemExit(f'Неверный --filter: {where + ": " if where else ""}{error["msg"]}') from None
    changes: dict = {}
    if args.search is not None:
        changes['search'] = args.search
    if args.all_stages:
        changes['all_stages'] = True
    if args.stage:
        stages = [(s.id, s.name, [s.name]) for s in reference.stage_views(session)]
        changes['stage_ids'] = _ids_by_name(args.stage, stages, 'Неизвестный этап')
    if args.responsible:
        people = [(u.id, u.login, [u.login, u.name]) for u in reference.user_views(session)]
        changes['responsible_ids'] = _ids_by_name(args.responsible, people, 'Нет пользователя')
    if args.project:
        projects = [(p.id, p.name, [p.name, p.abbreviation]) for p in reference.projects(session)]
        changes['project_ids'] = _ids_by_name(args.project, projects, 'Неизвестный проект')
    if args.tag:
        tags = [(t.id, t.name, [t.name]) for t in reference.tags(session)]
        changes['tag_ids'] = _ids_by_name(args.tag, tags, 'Неизвестная метка')
    if args.created_from:
        changes['created_from'] = from_local_naive(datetime.combine(args.created_from, datetime.min.time()))
    if args.created_to:
        # the filter takes the end to the minute and includes that whole minute
        changes['created_to'] = from_local_naive(datetime.combine(args.created_to, datetime.max.time()))
    return flt.model_copy(update=changes)


def cmd_export(args) -> None:
    """Clients the user may see that the filter matches, into an XLSX by a named export schema."""
    from app.domain.excel import exporting
    from app.domain.excel.export_schemas import export_schemas
    from app.domain.text import fold

    out = Path(args.out)
    database = prepare_database(load_settings())
    with database.read() as session:
        actor = _actor(session, args.as_login)
        schemas = export_schemas(session, actor=actor)
        schema = next((s for s in schemas if fold(s.name) == fold(args.schema)), None)
        if schema is None:
            known = ', '.join(f'«{s.name}»' for s in schemas) or '—'
            raise SystemExit(f'Нет схемы выгрузки «{args.schema}». Есть: {known}')
        flt = _export_filter(session, args)
        # written beside the target and renamed at the end: a failed export never leaves half a file
        partial = out.with_name(f'.{out.name}.{os.getpid()}.part')
        try:
            rows = exporting.export_clients(
                session, actor=actor, schema_id=schema.id, flt=flt, target=partial, progress=_progress('выгружено')
            )
            os.replace(partial, out)
        except OSError as exc:
            raise SystemExit(f'Не удалось записать {out}: {exc.strerror}') from None
        finally:
            partial.unlink(missing_ok=True)
    print(f'Выгружено клиентов: {rows} → {out}')


def _column_name(key: str) -> str:
    from app.i18n import translate

    for text_key in (f'import.column.{key}', f'export.field.{key}'):
        text = translate(text_key, 'ru')
        if text != text_key:
            return text
    return key


def _format_text(found: dict) -> str:
    """How the file was read, as the import screen says it: «CSV, Windows-1251, разделитель «;»»."""
    if found['kind'] != 'csv':
        return {'xlsx': 'XLSX', 'html': 'HTML-таблица'}.get(found['kind'], found['kind'])
    encoding = {'utf-8': 'UTF-8', 'utf-8-sig': 'UTF-8 с BOM', 'cp1251': 'Windows-1251'}.get(found['encoding'])
    delimiter = 'табуляция' if found['delimiter'] == '\t' else f'«{found["delimiter"]}»'
    return f'CSV, {encoding or found["encoding"]}, разделитель {delimiter}'


def _import_summary_text(summary: dict, shown_errors: int = 20) -> str:
    """The import's outcome for a person at a terminal."""
    committed = summary['committed']
    lines = [
        'Загрузка завершена.'
        if committed
        else 'Предпросмотр: ничего не записано (чтобы загрузить, добавьте --commit).',
        f'Файл: {_format_text(summary["format"])}',
        f'Сопоставление: шаблон «{summary["preset"]}»' if summary['preset'] else 'Сопоставление: предложенное',
        f'Строк с клиентами: {summary["rows"]}',
        f'{"Создано" if committed else "Будет создано"} клиентов: {summary["new_clients"]}',
        f'Обращений к уже известным клиентам: {summary["attached"]}',
        f'Строк с ошибками (пропущены): {summary["errors"]}',
    ]
    if summary['unknown_columns']:
        lines.append('Неизвестные столбцы (не загружаются): ' + ', '.join(summary['unknown_columns']))
    created = summary['created']
    titles = (('projects', 'проекты'), ('tags', 'метки'), ('agencies', 'агентства'), ('realtors', 'риэлторы'))
    parts = [f'{title}: {", ".join(created[key])}' for key, title in titles if created[key]]
    if parts:
        lines.append(('Созданы справочники — ' if committed else 'Будут созданы справочники — ') + '; '.join(parts))
    errors = summary['error_list']
    if errors:
        lines.append('Ошибки:')
        lines += [f'  строка {e["row"]}, {_column_name(e["column"])}: {e["message"]}' for e in errors[:shown_errors]]
        if len(errors) > shown_errors:
            lines.append(f'  … и ещё {len(errors) - shown_errors}')
    return '\n'.join(lines)


def _mapping_file(path: str) -> str:
    """The text of --mapping FILE (as --print-mapping wrote it, maybe edited by hand)."""
    try:
        return Path(path).read_text(encoding='utf-8-sig')
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(
            f'Не удалось прочитать сопоставление {path}: {getattr(exc, "strerror", None) or exc}'
        ) from None


def cmd_import(args) -> None:
    """Preview a file of clients, or with --commit write every good row in one transaction; the columns are mapped
    by --mapping FILE, a saved --preset, the preset saved for the same headers, or the suggestion."""
    from dataclasses import replace

    from app.domain.excel import importing, presets, sources

    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f'Файл не найден: {path}')
    if path.stat().st_size > sources.MAX_BYTES:
        raise InvalidInput('import.error.too_large', limit=sources.MAX_BYTES // (1024 * 1024))
    data = path.read_bytes()
    mapping_json = _mapping_file(args.mapping) if args.mapping else None
    text = {'encoding': args.encoding, 'delimiter': args.delimiter, 'file_name': path.name}
    database = prepare_database(load_settings())
    with database.read() as session:  # the file is read outside the write lock: the app stays responsive
        actor = _actor(session, args.as_login)
        layout = importing.inspect_import_file(session, actor=actor, data=data, **text)
        mapping, preset = presets.resolve_import_mapping(
            session, actor=actor, layout=layout, mapping_json=mapping_json, preset_name=args.preset
        )
        if args.known_phone:
            mapping = replace(mapping, known_phone=args.known_phone)
        if args.print_mapping:
            # the headers ride along so a person editing the file sees which field is which column
            print(json.dumps({'headers': layout.headers, **mapping.to_json()}, ensure_ascii=False, indent=2))
            return
        file = importing.read_import_file(session, data, mapping=mapping, preset=preset, **text)
        plan = importing.plan_import(session, actor=actor, file=file)
    if args.save_preset:
        with database.write() as session:
            saved = presets.save_import_preset(
                session, actor=actor, name=args.save_preset, headers=file.headers, mapping=file.mapping
            )
        print(f'Сопоставление сохранено как шаблон «{saved.name}»', file=sys.stderr)
    if args.commit:
        with database.write() as session:
            plan = importing.commit_import(
                session, actor=actor, file=plan.file, plan=plan, progress=_progress('записано')
            )
        database.optimize()
    summary = plan.summary('ru')
    print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else _import_summary_text(summary))


# the spellings people type beside the names the import knows (sources.ENCODINGS, sources.DELIMITERS)
ENCODING_ALIASES = {'utf8': 'utf-8', 'windows-1251': 'cp1251', 'utf16': 'utf-16'}
DELIMITER_ALIASES = {'tab': '\t', '\\t': '\t'}
IMPORT_HELP_TEXT = """\
Загрузка клиентов из файла: XLSX, CSV (UTF-8 с BOM или без, Windows-1251, UTF-16; разделитель «;», «,» или
табуляция — определяются сами, --encoding и --delimiter их задают) или HTML-таблица, которую Битрикс24
сохраняет как .xls. Файл узнаётся по содержимому, не по имени.

Сопоставление столбцов — какое поле Воронки заполняет каждый столбец файла. Без подсказок оно
предлагается само: заголовки выгрузок amoCRM/Kommo и Битрикс24, шаблона и выгрузки Воронки, а затем
слова заголовка и то, на что похожи значения. Порядок выбора:
  1. --mapping FILE.json — сопоставление из файла;
  2. --preset NAME — сохранённый шаблон сопоставления (к другим столбцам применяется по заголовкам);
  3. шаблон, сохранённый для тех же заголовков (на экране «Загрузка» или через --save-preset);
  4. предложенное сопоставление.
--print-mapping печатает выбранное сопоставление в JSON: поправьте его и передайте в --mapping
(для ночной загрузки той же выгрузки) или сохраните шаблоном: --save-preset 'Из amoCRM'.
{json}

Без --commit ничего не записывается: печатается предпросмотр (--json — итог с ошибками по строкам).
Пример: python -m app import amocrm.csv --as head --preset 'Из amoCRM' --commit
"""


IMPORT_HELP_JSON = (
    'В JSON: "fields" — по полю на столбец ({fields}, custom:<id> — дополнительное поле, или skip — не загружать), '
    '"values" — во что превращаются значения этапа, ответственного, канала, проекта и причины закрытия, '
    '"known_phone" (или --known-phone), "overwrite" и "deals_from_amount".'
)


def _import_help() -> str:
    """The import's --help, naming the mapping's fields as the JSON spells them."""
    import textwrap

    from app.domain.excel.mapping import FIELDS

    return IMPORT_HELP_TEXT.format(json=textwrap.fill(IMPORT_HELP_JSON.format(fields=', '.join(FIELDS)), 104))


def _encoding(text: str) -> str:
    from app.domain.excel.sources import ENCODINGS

    name = text.strip().lower()
    name = ENCODING_ALIASES.get(name, name)
    if name not in ENCODINGS:
        known = ', '.join(ENCODINGS)
        raise argparse.ArgumentTypeError(f'кодировка «{text}» не поддерживается: {known}')
    return name


def _delimiter(text: str) -> str:
    from app.domain.excel.sources import DELIMITERS

    found = DELIMITER_ALIASES.get(text.strip().lower(), text)  # a bare tab is kept: stripping would lose it
    if found not in DELIMITERS:
        raise argparse.ArgumentTypeError(f'разделитель «{text}» не поддерживается: «;», «,» или tab')
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m app',
        description='Воронка — CRM с живым канбаном клиентов. Без команды запускает сервер.',
    )
    parser.add_argument('--host', help='адрес (по умолчанию VORONKA_HOST или 127.0.0.1)')
    parser.add_argument('--port', type=int, help='порт (по умолчанию VORONKA_PORT или 8080)')
    parser.add_argument(
        '--demo-clients', type=int, default=300, help='сколько демо-клиентов создать при первом запуске'
    )
    parser.set_defaults(handler=cmd_serve)
    commands = parser.add_subparsers(title='команды')

    serve = commands.add_parser('serve', help='запустить сервер (по умолчанию)')
    serve.add_argument('--host')
    serve.add_argument('--port', type=int)
    serve.add_argument('--demo-clients', type=int, default=300)
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser('migrate', help='обновить схему базы данных (шаг развёртывания; сервер не запускает)')
    migrate.set_defaults(handler=cmd_migrate)

    user = commands.add_parser('user', help='пользователи').add_subparsers(title='действия', required=True)
    add = user.add_parser('add', help='добавить пользователя (пароль из stdin или с запросом)')
    add.add_argument('login')
    add.add_argument('--name', help='имя, как его видят коллеги')
    add.add_argument('--role', choices=['admin', 'head', 'manager'], default='manager')
    add.add_argument('--internal-number', help='внутренний номер в АТС: звонок откроется у того, кто ответил')
    add.set_defaults(handler=cmd_user_add)
    deactivate = user.add_parser('deactivate', help='деактивировать: вход и новые клиенты закрыты')
    deactivate.add_argument('login')
    deactivate.set_defaults(handler=cmd_user_deactivate)
    listing = user.add_parser('list', help='список пользователей')
    listing.set_defaults(handler=cmd_user_list)

    token = commands.add_parser('token', help='токены API').add_subparsers(title='действия', required=True)
    create = token.add_parser('create', help='выпустить токен для пользователя (показывается один раз)')
    create.add_argument('login')
    create.add_argument('--label', default='')
    create.set_defaults(handler=cmd_token_create)

    demo = commands.add_parser('demo', help='добавить демо-данные')
    demo.add_argument('--clients', type=int, default=300)
    demo.add_argument('--managers', type=int, default=6)
    demo.set_defaults(handler=cmd_demo)

    export = commands.add_parser(
        'export', help='выгрузить клиентов в XLSX по схеме выгрузки (с правами указанного пользователя)'
    )
    export.add_argument('--schema', required=True, help='название схемы выгрузки, например «Основная»')
    export.add_argument('--as', dest='as_login', required=True, metavar='LOGIN', help='от имени этого пользователя')
    export.add_argument('--out', required=True, metavar='FILE.xlsx', help='куда записать файл')
    export.add_argument('--search', metavar='TEXT', help='часть имени или 4+ цифры телефона')
    export.add_argument('--stage', action='append', metavar='NAME', help='этап (можно несколько раз)')
    export.add_argument(
        '--responsible', action='append', metavar='LOGIN', help='ответственный: логин или имя (можно несколько раз)'
    )
    export.add_argument('--project', action='append', metavar='NAME', help='проект или его сокращение')
    export.add_argument('--tag', action='append', metavar='NAME', help='метка (клиенты с любой из меток)')
    export.add_argument('--created-from', type=_day, metavar='YYYY-MM-DD', help='созданы с этого дня')
    export.add_argument('--created-to', type=_day, metavar='YYYY-MM-DD', help='созданы по этот день включительно')
    export.add_argument('--all-stages', action='store_true', help='и закрытые этапы (без --stage: только рабочие)')
    export.add_argument('--filter', metavar='JSON', help='фильтр целиком, как в API (ClientFilter); опции выше поверх')
    export.set_defaults(handler=cmd_export)

    load = commands.add_parser(
        'import',
        help='загрузить клиентов из XLSX или CSV (без --commit — только предпросмотр)',
        description=_import_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load.add_argument('file', metavar='FILE', help='XLSX, CSV или HTML-таблица (.xls из Битрикс24)')
    load.add_argument('--as', dest='as_login', required=True, metavar='LOGIN', help='от имени этого пользователя')
    given = load.add_mutually_exclusive_group()
    given.add_argument('--mapping', metavar='FILE.json', help='сопоставление столбцов из файла (см. --print-mapping)')
    given.add_argument('--preset', metavar='NAME', help='сохранённый шаблон сопоставления, например «Из amoCRM»')
    load.add_argument('--save-preset', metavar='NAME', help='сохранить использованное сопоставление как шаблон')
    load.add_argument(
        '--encoding', type=_encoding, metavar='utf-8|cp1251|utf-16', help='кодировка CSV (по умолчанию определяется)'
    )
    load.add_argument(
        '--delimiter', type=_delimiter, metavar="';'|','|tab", help='разделитель CSV (по умолчанию определяется)'
    )
    load.add_argument(
        '--known-phone',
        choices=['attach', 'fill_empty'],
        help='строка с известным телефоном: attach — обращение клиента (по умолчанию), '
        'fill_empty — ещё и заполнить его пустые поля',
    )
    load.add_argument(
        '--print-mapping', action='store_true', help='напечатать сопоставление в JSON и выйти (ничего не загружая)'
    )
    load.add_argument('--commit', action='store_true', help='записать хорошие строки (одной транзакцией)')
    load.add_argument('--json', action='store_true', help='итог в JSON')
    load.set_defaults(handler=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except DomainError as exc:
        raise SystemExit(exc.message('ru')) from None
    except SchemaTooNew as exc:
        raise SystemExit(str(exc)) from None


if __name__ == '__main__':
    main()
