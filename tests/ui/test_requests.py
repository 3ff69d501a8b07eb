"""The requests list as a manager uses it: every incoming contact, narrowed by the filters, opening its client."""

from nicegui import ElementFilter
from nicegui.testing import User
from sqlmodel import select

from app.domain.clients import leads, requests_list
from app.domain.models import Channel
from tests.factories import make_client, make_user
from tests.ui.test_board import eventually, log_in, pick


async def open_requests(user: User, login: str) -> None:
    await log_in(user, login)
    user.find(marker='nav.requests').click()
    await user.should_see(marker='requests-ready', retries=100)


def request_rows(user: User) -> list[dict]:
    with user:
        return next(iter(ElementFilter(marker='requests-table'))).rows


def window_open(user: User) -> bool:
    with user:
        return any(dialog.value for dialog in ElementFilter(marker='client-window'))


def channel_id(db, name: str) -> int:
    with db.read() as session:
        return session.exec(select(Channel.id).where(Channel.name == name)).one()


async def test_the_requests_page_lists_every_request_and_a_channel_narrows_it(user: User, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    make_user(db, 'hidden', can_see_others=False)
    make_client(db, anna, name='Клиент С Сайта', phone='+79120000001', touch_type='request')
    with db.write() as session:
        leads.receive_lead(session, actor=anna, name='Клиент С Авито', phone='+79120000002', channel='Авито')
        leads.receive_lead(session, actor=anna, name='', phone='89120000001', channel='Авито', touch_type='call')
    avito = channel_id(db, 'Авито')

    await open_requests(user, 'anna')
    await user.should_see('Обращений: 3')
    rows = request_rows(user)
    assert [(r['client'], r['channel'], r['touch_type'], r['source']) for r in rows] == [
        ('Клиент С Сайта', 'Авито', 'Звонок', 'Интеграция'),
        ('Клиент С Авито', 'Авито', 'Заявка', 'Интеграция'),
        ('Клиент С Сайта', 'Сайт', 'Заявка', 'Вручную'),
    ]
    assert rows[0]['responsible'] == 'Анна Смирнова'

    pick(user, 'requests-channels', [avito])
    await user.should_see('Обращений: 2')
    assert {r['channel'] for r in request_rows(user)} == {'Авито'}
    pick(user, 'requests-touch-type', 'call')
    await user.should_see('Обращений: 1')
    with db.read() as session:  # remembered for the next visit, on any device
        remembered = requests_list.load_request_filter(session, actor=anna)
    assert (remembered.channel_ids, remembered.touch_type) == ([avito], 'call')

    row = request_rows(user)[0]
    user.find(marker='requests-table').trigger('rowClick', [{}, row, 0])
    await eventually(lambda: window_open(user))
    await user.should_see(marker='window-name')
    await user.should_see(marker='request-' + str(row['id']))


async def test_the_remembered_filter_comes_back_and_reset_shows_everything(user: User, db):
    anna = make_user(db, 'anna')
    make_client(db, anna, name='Первый', phone='+79120000001')
    make_client(db, anna, name='Второй', phone='+79120000002')
    with db.write() as session:
        requests_list.save_request_filter(session, actor=anna, flt=requests_list.RequestFilter(search='Втор'))

    await open_requests(user, 'anna')
    await user.should_see('Обращений: 1')
    assert [r['client'] for r in request_rows(user)] == ['Второй']
    user.find(marker='requests-reset').click()
    await user.should_see('Обращений: 2')


async def test_a_manager_who_sees_only_her_own_clients_sees_only_their_requests(user: User, db):
    anna = make_user(db, 'anna')
    hidden = make_user(db, 'hidden', can_see_others=False)
    make_client(db, anna, name='Клиент Анны', phone='+79120000001')
    make_client(db, hidden, name='Свой Клиент', phone='+79120000002')

    await open_requests(user, 'hidden')
    await user.should_see('Обращений: 1')
    assert [r['client'] for r in request_rows(user)] == ['Свой Клиент']
    await user.should_not_see('Клиент Анны')
