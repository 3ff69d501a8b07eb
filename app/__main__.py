"""`python -m app`: serve the CRM (the default), or manage users, tokens and demo data."""

import argparse
import getpass
import os
import sys

from app.config import load_settings
from app.domain import users
from app.domain.errors import DomainError
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
    from app.domain import demo
    from app.main import run

    database = prepare_database(settings)
    with database.write() as session:
        first_run = not users.any_user(session)
        logins = demo.create_demo_users(session) if first_run else []
        if first_run:
            demo.create_demo_data(session, clients=args.demo_clients)
    if first_run:
        database.optimize()
    host = args.host or settings.host
    port = args.port or settings.port
    url = f'http://{"localhost" if host in ("0.0.0.0", "127.0.0.1") else host}:{port}/'
    if first_run:
        print(_demo_logins_text(logins, url), flush=True)
    else:
        print(f'Воронка: {url}', flush=True)
    run(host=host, port=port)


def cmd_user_add(args) -> None:
    password = _read_password('Пароль: ')
    if len(password) < 6:
        raise SystemExit('Пароль должен быть не короче 6 символов')
    database = prepare_database(load_settings())
    with database.write() as session:
        user = users.create_user(
            session, login=args.login, name=args.name or args.login, role=args.role, password=password
        )
    print(f'Создан пользователь {user.login} ({user.role})')


def cmd_user_deactivate(args) -> None:
    database = prepare_database(load_settings())
    with database.write() as session:
        user = users.deactivate_user(session, login=args.login)
    print(f'Пользователь {user.login} деактивирован; его клиенты остались за ним до передачи')


def cmd_user_list(args) -> None:
    from app.domain.reference import user_views

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
    from app.domain import demo

    database = prepare_database(load_settings())
    with database.write() as session:
        logins = demo.create_demo_users(session, managers=args.managers)
        demo.create_demo_data(session, clients=args.clients)
    database.optimize()
    print(f'Добавлено демо-клиентов: {args.clients}')
    print(_demo_logins_text(logins, 'python -m app'))


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

    user = commands.add_parser('user', help='пользователи').add_subparsers(title='действия', required=True)
    add = user.add_parser('add', help='добавить пользователя (пароль из stdin или с запросом)')
    add.add_argument('login')
    add.add_argument('--name', help='имя, как его видят коллеги')
    add.add_argument('--role', choices=['admin', 'head', 'manager'], default='manager')
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
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except DomainError as exc:
        raise SystemExit(exc.message('ru')) from None


if __name__ == '__main__':
    main()
