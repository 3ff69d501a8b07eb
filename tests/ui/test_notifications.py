"""The header's bell: a rule's notification reaches the head's open tab live, is listed, and is read on opening."""

from nicegui.element_filter import ElementFilter
from nicegui.testing import User

from app.domain.automation import rules
from app.domain.automation.notifications import my_notifications
from tests.factories import make_client, make_user, stages
from tests.ui.test_board import eventually, log_in


def badge(user: User):
    with user:
        return next(iter(ElementFilter(marker='notification-unread')))


async def test_a_rules_notification_rings_the_heads_bell_live_and_is_read_on_opening(user: User, db):
    admin = make_user(db, 'admin', role='admin')
    head = make_user(db, 'olga', role='head', name='Ольга')
    with db.write() as session:
        rules.create_rule(
            session,
            actor=admin,
            values=rules.RuleInput(
                name='Новый клиент', stage_id=stages(db)['Не разобрано'].id, trigger='entered', action='notify'
            ),
        )
    await log_in(user, 'olga')
    assert not badge(user).visible
    make_client(db, admin, name='Пётр Петров')
    await eventually(lambda: badge(user).visible and badge(user).text == '1')
    user.find(marker='notification-bell').click()
    await user.should_see('«Новый клиент»: Пётр Петров — этап «Не разобрано»')

    def unread() -> int:
        with db.read() as session:
            return my_notifications(session, actor=head)[0]

    await eventually(lambda: unread() == 0)
    await eventually(lambda: not badge(user).visible)
