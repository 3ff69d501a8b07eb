"""The clients kanban as managers and heads use it, through NiceGUI's simulated browser."""

import asyncio
from datetime import timedelta

import pytest
from nicegui import ElementFilter
from nicegui.testing import User

import app.live
from app.components.kanban import KanbanColumn
from app.domain.account.users import user_by_login
from app.domain.clients import clients, feed, filters, tasks
from app.domain.models import Client, utcnow
from app.domain.permissions import Actor
from tests.factories import PASSWORD, make_client, make_user, stages


async def log_in(user: User, login: str) -> None:
    """The login form's POST, as the browser sends it; the fresh session cookie stays in the user's jar."""
    response = await user.http_client.post('/login', data={'login': login, 'password': PASSWORD})
    assert response.status_code == 303 and response.headers['location'] == '/', response.text
    await user.open('/')
    await user.should_see(marker='board-ready', retries=100)


def stage_of(db, client_id: int) -> int:
    with db.read() as session:
        return session.get(Client, client_id).stage_id


def column_of(user: User, client_id: int) -> int | None:
    """The stage id of the column showing the card in this user's browser (None when not shown)."""
    with user:
        found = list(ElementFilter(marker=f'card-{client_id}'))
    if not found:
        return None
    element = found[0]
    column = next((a for a in element.ancestors() if isinstance(a, KanbanColumn)), None)
    return column.stage.id if column else None


async def sent_to_login(user: User) -> bool:
    """Whether this browser is logged out: asking for the board gets it the login page instead."""
    response = await user.http_client.get('/')
    return response.status_code == 303 and response.headers['location'].startswith('/login')


def tabs_of(user_id: int) -> list:
    """The open tabs of a user that follow live changes."""
    return [view for view in app.live.hub.views if view.actor.id == user_id]


async def eventually(check, tries: int = 60) -> None:
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


def pick(user: User, marker: str, value) -> None:
    with user:
        next(iter(user.find(marker=marker).elements)).set_value(value)


async def test_board_shows_working_columns_with_exact_counts(user: User, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    make_client(db, anna, name='Константинопольская Александра Вячеславовна', phone='+79120000001')
    make_client(db, anna, name='Петров Пётр', phone='+79120000002')
    await log_in(user, 'anna')
    by_name = stages(db)
    await user.should_see('Не разобрано')
    await user.should_see('Назначение встречи')
    await user.should_see('Константинопольская Александра Вячеславовна')
    with user:
        counter = next(iter(user.find(marker=f'count-{by_name["Не разобрано"].id}').elements))
        assert counter.text == '2'
        assert next(iter(user.find(marker=f'count-{by_name["Вывод на бронь"].id}').elements)).text == '0'
    await user.should_see(marker=f'closing-{by_name["Не лид (корзина)"].id}')


async def test_moving_a_card_with_the_click_path(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    target = stages(db)['Назначение встречи']
    await log_in(user, 'anna')
    user.find(marker=f'card-{client.id}').trigger('move')
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', target.id)
    user.find(marker='dialog-ok').click()
    await eventually(lambda: stage_of(db, client.id) == target.id)
    await eventually(lambda: column_of(user, client.id) == target.id)


async def test_a_failure_stage_asks_for_its_reason(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    failure = stages(db)['Бронь не поставлена']
    await log_in(user, 'anna')
    user.find(marker=f'card-{client.id}').trigger('move')
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', failure.id)
    user.find(marker='dialog-ok').click()
    await user.should_see('Выберите причину')
    assert stage_of(db, client.id) != failure.id
    pick(user, 'move-reason', failure.reasons[2].id)
    user.find(marker='dialog-ok').click()
    await eventually(lambda: stage_of(db, client.id) == failure.id)
    await eventually(lambda: column_of(user, client.id) is None)
    with db.read() as session:
        assert session.get(Client, client.id).closing_reason_id == failure.reasons[2].id


async def test_a_colleagues_card_cannot_be_moved_even_by_a_crafted_event(user: User, db):
    make_user(db, 'anna')
    boris = make_user(db, 'boris', name='Борис Колесников')
    theirs = make_client(db, boris)
    target = stages(db)['Назначение встречи']
    await log_in(user, 'anna')
    await user.should_see(marker=f'card-{theirs.id}')
    user.find(marker=f'card-{theirs.id}').trigger('move')  # the menu hides "Move", a crafted message still arrives
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', target.id)
    user.find(marker='dialog-ok').click()
    await user.should_see('ответственный — Борис Колесников')
    assert stage_of(db, theirs.id) == stages(db)['Не разобрано'].id


async def test_mine_all_toggle_is_one_click_and_remembered(user: User, db):
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris')
    mine = make_client(db, anna, name='Мой Клиент', phone='+79120000001')
    theirs = make_client(db, boris, name='Чужой Клиент', phone='+79120000002')
    await log_in(user, 'anna')
    await user.should_see(marker=f'card-{theirs.id}')
    pick(user, 'scope-toggle', True)
    # the choice is saved and the board read again before the card goes: more than NiceGUI's 0.15 s when busy
    await user.should_not_see(marker=f'card-{theirs.id}', retries=40)
    await user.should_see(marker=f'card-{mine.id}')
    await user.open('/')
    await user.should_see(marker=f'card-{mine.id}')
    await user.should_not_see(marker=f'card-{theirs.id}')


async def test_creating_a_duplicate_offers_the_existing_client(user: User, db):
    anna = make_user(db, 'anna')
    existing = make_client(db, anna, name='Уже Есть', phone='+79123334455')
    await log_in(user, 'anna')
    user.find(marker='new-client').click()
    await user.should_see(marker='new-name')
    user.find(marker='new-name').type('Новый Человек')
    user.find(marker='new-phone').type('8 (912) 333-44-55')
    user.find(marker='new-create').click()
    await user.should_see('уже есть: «Уже Есть»')
    user.find(marker='open-existing').click()
    await user.should_see(marker='window-name')
    with db.read() as session:
        assert clients.list_clients(session, actor=anna).total == 1
    assert existing.id


async def test_creating_a_client_puts_it_on_the_board(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    user.find(marker='new-client').click()
    await user.should_see(marker='new-name')
    user.find(marker='new-name').type('Совсем Новый Клиент')
    user.find(marker='new-phone').type('+7 (999) 125-99-99')
    user.find(marker='new-create').click()
    await user.should_see('Совсем Новый Клиент', retries=50)


async def test_a_new_client_takes_several_phones_one_per_line_as_the_client_window_shows_them(user: User, db):
    """One word for one thing: the form asks for «Телефоны (по одному в строке)», as the client window does."""
    anna = make_user(db, 'anna')
    await log_in(user, 'anna')
    user.find(marker='new-client').click()
    await user.should_see('Телефоны (по одному в строке)')
    await user.should_not_see('через запятую')
    user.find(marker='new-name').type('Два Номера')
    user.find(marker='new-phone').type('+7 (999) 125-99-99\n8 912 333 44 55')
    user.find(marker='new-create').click()
    await user.should_not_see(marker='new-name', retries=50)
    with db.read() as session:
        [card] = clients.list_clients(session, actor=anna).items
        assert [p.number for p in card.phones] == ['+79991259999', '+79123334455']


async def test_editing_in_the_client_window_and_a_stale_save(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna, name='Редактируемый Клиент')
    await log_in(user, 'anna')
    user.find(marker=f'card-{client.id}').trigger('open')
    await user.should_see(marker='window-name')
    pick(user, 'field-situation', 'Ждёт одобрения ипотеки')
    user.find(marker='window-save').click()
    await user.should_see('Сохранено')
    with db.read() as session:
        assert session.get(Client, client.id).situation == 'Ждёт одобрения ипотеки'
    # a colleague (here: another tab of the same user) saves first; our stale save is refused
    pick(user, 'field-situation', 'Моя версия')
    with db.write() as session:
        clients.update_client(session, actor=anna, client_id=client.id, changes={'situation': 'Свежая версия'})
    user.find(marker='window-save').click()
    await user.should_see('только что изменил другой пользователь')
    with db.read() as session:
        assert session.get(Client, client.id).situation == 'Свежая версия'


async def test_a_colleagues_client_opens_read_only(user: User, db):
    make_user(db, 'anna')
    boris = make_user(db, 'boris', name='Борис Колесников')
    theirs = make_client(db, boris)
    await log_in(user, 'anna')
    user.find(marker=f'card-{theirs.id}').trigger('open')
    await user.should_see(marker='window-readonly')
    await user.should_not_see(marker='window-save')


async def test_comment_from_the_client_window_lands_in_the_feed(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna)
    await log_in(user, 'anna')
    user.find(marker=f'card-{client.id}').trigger('open')
    await user.should_see(marker='comment-box')
    pick(user, 'comment-box', 'Перезвонить в понедельник')
    user.find(marker='comment-send').click()
    await user.should_see('Перезвонить в понедельник')


async def test_a_move_by_one_user_appears_live_for_a_colleague_but_never_for_one_without_visibility(create_user, db):
    anna = make_user(db, 'anna', name='Анна Смирнова')
    make_user(db, 'head', role='head')
    make_user(db, 'hidden', can_see_others=False)
    client = make_client(db, anna, name='Живой Клиент')
    target = stages(db)['Вывод на бронь']
    head_browser, hidden_browser = create_user(), create_user()
    await log_in(head_browser, 'head')
    await log_in(hidden_browser, 'hidden')
    assert column_of(head_browser, client.id) == stages(db)['Не разобрано'].id
    with db.write() as session:  # Anna moves it from anywhere: the API, another tab...
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=target.id)
    await eventually(lambda: column_of(head_browser, client.id) == target.id)
    await head_browser.should_see('Анна Смирнова')  # the card flashes with who moved it
    with head_browser:
        count = next(iter(head_browser.find(marker=f'count-{target.id}').elements))
        assert count.text == '1'
    with db.write() as session:
        feed.add_comment(session, actor=anna, client_id=client.id, text='ещё изменение')
    await asyncio.sleep(0.3)
    assert column_of(hidden_browser, client.id) is None
    await hidden_browser.should_not_see('Живой Клиент')


async def test_logout_ends_the_session_in_every_tab(create_user, db):
    anna = make_user(db, 'anna')
    first = create_user()
    await log_in(first, 'anna')
    copied_cookie = first.http_client.cookies['voronka_session']
    response = await first.http_client.post('/logout')
    assert response.status_code == 303 and response.headers['location'] == '/login'
    await eventually(lambda: not tabs_of(anna.id))  # the open tab left for the login page and hears nothing more
    assert await sent_to_login(first)
    first.http_client.cookies.set('voronka_session', copied_cookie)  # an old copy of the cookie opens nothing
    assert await sent_to_login(first)


@pytest.fixture
def fast_task_watch(monkeypatch):
    """The due-task watcher looks every 0.2 s instead of every 10 s (set before the app starts)."""
    monkeypatch.setattr(app.live, 'TASK_CHECK_SECONDS', 0.2)


async def test_a_task_falling_due_pops_up_in_the_assignees_tab(fast_task_watch, user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna, name='Клиент С Задачей')
    await log_in(user, 'anna')
    with db.write() as session:
        tasks.add_task(
            session,
            actor=anna,
            client_id=client.id,
            title='Позвонить насчёт ипотеки',
            due_at=utcnow() + timedelta(seconds=0.3),
        )
    await user.should_see('Пора: Позвонить насчёт ипотеки — Клиент С Задачей', retries=60)


async def test_global_search_finds_by_name_part_and_phone_digits_and_opens_the_client(user: User, db):
    anna = make_user(db, 'anna')
    client = make_client(db, anna, name='Ёлкина Светлана', phone='+79127654321')
    make_client(db, anna, name='Другой Человек', phone='+79120000009')
    await log_in(user, 'anna')
    pick(user, 'global-search', 'ёлкин')
    await user.should_see(marker=f'search-{client.id}')
    pick(user, 'global-search', '7654')
    await user.should_see(marker=f'search-{client.id}')
    user.find(marker=f'search-{client.id}').click()
    await user.should_see(marker='window-name')
    await user.should_see('Ёлкина Светлана')


async def test_switching_to_english_translates_the_board_and_is_remembered(user: User, db):
    make_user(db, 'anna')
    await log_in(user, 'anna')
    await user.should_see('Не разобрано')
    user.find(marker='locale-en').click()
    await user.should_see('Mine', retries=50)
    with db.read() as session:
        assert user_by_login(session, 'anna').locale == 'en'


async def test_a_cancelled_move_leaves_the_card_where_the_client_is_now(user: User, db):
    anna = make_user(db, 'anna')
    head = make_user(db, 'head', role='head')
    client = make_client(db, anna)
    failure, meeting = stages(db)['Бронь не поставлена'], stages(db)['Назначение встречи']
    await log_in(user, 'anna')
    user.find(marker=f'card-{client.id}').trigger('move')
    await user.should_see(marker='move-stage')
    pick(user, 'move-stage', failure.id)
    with db.write() as session:  # meanwhile the head moves the client elsewhere
        clients.move_client(session, actor=head, client_id=client.id, stage_id=meeting.id)
    await eventually(lambda: column_of(user, client.id) == meeting.id)
    user.find('Отмена').click()
    await asyncio.sleep(0.2)
    assert column_of(user, client.id) == meeting.id
    with user:
        assert next(iter(ElementFilter(marker=f'count-{meeting.id}'))).text == '1'
        assert next(iter(ElementFilter(marker=f'count-{stages(db)["Не разобрано"].id}'))).text == '0'


async def test_show_more_brings_every_client_once_after_live_arrivals(user: User, db):
    anna = make_user(db, 'anna')
    first = stages(db)['Не разобрано']
    trash = stages(db)['Не лид (корзина)']
    old = make_client(db, anna, name='Старый Клиент', phone='+79129990000')
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=old.id, stage_id=trash.id, reason_id=trash.reasons[0].id)
    for number in range(20):
        make_client(db, anna, name=f'Новый {number:02}', phone=f'+791288800{number:02}')
    await log_in(user, 'anna')
    with db.write() as session:  # the old client comes back: it sorts last, beyond the first page
        clients.reopen_client(session, actor=anna, client_id=old.id)
    await asyncio.sleep(0.3)
    with user:
        assert next(iter(ElementFilter(marker=f'count-{first.id}'))).text == '21'
    for _ in range(3):
        with user:
            more = next(iter(ElementFilter(marker=f'more-{first.id}')))
        if not more.visible:
            break
        user.find(marker=f'more-{first.id}').click()
        await asyncio.sleep(0.2)
    with user:
        column = next(iter(ElementFilter(marker=f'column-{first.id}')))
        names = [card.data.name for card in column.card_elements()]
    assert len(names) == 21 and len(set(names)) == 21
    assert 'Старый Клиент' in names


async def test_a_closing_stage_can_be_browsed_with_reasons(user: User, db):
    anna = make_user(db, 'anna')
    trash = stages(db)['Не лид (корзина)']
    client = make_client(db, anna, name='Спамер Спамович')
    with db.write() as session:
        clients.move_client(session, actor=anna, client_id=client.id, stage_id=trash.id, reason_id=trash.reasons[0].id)
    await log_in(user, 'anna')
    await user.should_not_see('Спамер Спамович')
    user.find(marker=f'browse-{trash.id}').click()
    await user.should_see('Спамер Спамович')
    await user.should_see(f'{trash.reasons[0].name} · ')
    user.find(marker=f'browse-client-{client.id}').click()
    await user.should_see(marker='window-name')


async def test_a_filter_date_out_of_bounds_is_refused_with_a_message_and_the_filter_stays(user: User, db):
    anna = make_user(db, 'anna')
    make_client(db, anna, name='Видимый Клиент', phone='+79120000001')
    await log_in(user, 'anna')
    user.find(marker='filter-button').click()
    await user.should_see(marker='filter-created-from')
    user.find(marker='filter-created-from').type('9999-12-31T23:59')
    user.find(marker='filter-apply').click()
    await eventually(lambda: user.notify.contains('вне допустимых лет 1900–2200'))
    await user.should_see(marker='filter-apply')  # the dialog stays open to correct the value
    with db.read() as session:
        assert filters.load_filter(session, actor=anna).created_from is None


async def test_a_new_lead_arriving_live_is_shown_on_top_of_a_full_first_column_highlighted(user: User, db):
    """Below a page of overdue clients a fresh lead would be only counted: it comes first, where it is seen."""
    anna = make_user(db, 'anna')
    boris = make_user(db, 'boris', name='Борис Лидов')
    first = stages(db)['Не разобрано']
    for number in range(15):
        overdue = make_client(db, anna, name=f'Просроченный {number:02}', phone=f'+791277700{number:02}')
        with db.write() as session:
            tasks.add_task(
                session, actor=anna, client_id=overdue.id, title='Звонок', due_at=utcnow() - timedelta(hours=1)
            )
    await log_in(user, 'anna')
    lead = make_client(db, boris, name='Горячий Лид Сегодняшний', phone='+79127770099')

    def shown_first() -> bool:
        with user:
            column = next(iter(ElementFilter(marker=f'column-{first.id}')))
            cards = column.card_elements()
            return bool(cards) and cards[0].data.id == lead.id

    await eventually(shown_first)
    with user:
        card = next(iter(ElementFilter(marker=f'card-{lead.id}')))
        assert card._props['flash'] == 'Борис Лидов'
    with db.read() as session:  # and it is where the database puts it when the board is opened again
        page = clients.board_column(session, actor=Actor.of(user_by_login(session, 'anna')), stage_id=first.id, limit=1)
    assert page.items[0].id == lead.id
