"""The one translation table: Russian by default, English on request. UI and domain messages alike."""

DEFAULT_LOCALE = 'ru'
LOCALES = ('ru', 'en')

TEXTS: dict[str, dict[str, str]] = {
    # errors
    'error.generic': {'ru': 'Не удалось выполнить действие', 'en': 'The action could not be done'},
    'error.not_found': {'ru': 'Не найдено', 'en': 'Not found'},
    'error.forbidden': {'ru': 'Недостаточно прав для этого действия', 'en': 'You are not allowed to do this'},
    'error.forbidden_client': {
        'ru': 'Клиент «{client}» закреплён за {responsible}: изменять его может только ответственный',
        'en': 'Client “{client}” belongs to {responsible}: only the responsible may change it',
    },
    'error.invalid': {'ru': 'Неверные данные', 'en': 'Invalid input'},
    'error.conflict': {'ru': 'Конфликт данных', 'en': 'Conflicting data'},
    'error.stale': {
        'ru': 'Клиента только что изменил другой пользователь. Показаны свежие данные — проверьте и сохраните снова',
        'en': 'Someone else has just changed this client. Fresh data is shown: check it and save again',
    },
    'error.phone_required': {'ru': 'Укажите номер телефона', 'en': 'Enter a phone number'},
    'error.phone_not_number': {
        'ru': '«{phone}» не похоже на номер телефона',
        'en': '“{phone}” does not look like a phone number',
    },
    'error.phone_impossible': {
        'ru': 'Номер «{phone}» не может существовать: проверьте количество цифр',
        'en': 'The number “{phone}” cannot exist: check the number of digits',
    },
    'error.duplicate_phone': {
        'ru': 'Клиент с номером {phone} уже есть: «{client}» (ответственный {responsible})',
        'en': 'A client with the number {phone} exists already: “{client}” (responsible {responsible})',
    },
    'error.duplicate_phone_hidden': {
        'ru': 'Клиент с номером {phone} уже есть, за него отвечает {responsible}',
        'en': 'A client with the number {phone} exists already; {responsible} is responsible for it',
    },
    'error.duplicate_phone_in_request': {
        'ru': 'Номер {phone} указан дважды',
        'en': 'The number {phone} is given twice',
    },
    'error.name_required': {'ru': 'Укажите имя клиента', 'en': 'Enter the client’s name'},
    'error.reason_required': {
        'ru': 'Для этапа «{stage}» нужно выбрать причину',
        'en': 'The stage “{stage}” needs a reason',
    },
    'error.reason_wrong_stage': {
        'ru': 'Причина не относится к этапу «{stage}»',
        'en': 'This reason does not belong to the stage “{stage}”',
    },
    'error.transition': {
        'ru': 'Переход из «{source}» в «{target}» не разрешён',
        'en': 'Moving from “{source}” to “{target}” is not allowed',
    },
    'error.same_stage': {'ru': 'Клиент уже на этапе «{stage}»', 'en': 'The client is already at “{stage}”'},
    'error.not_closed': {'ru': 'Клиент не закрыт — переоткрывать нечего', 'en': 'The client is not closed'},
    'error.reopen_target': {
        'ru': 'Переоткрыть можно только в рабочий этап',
        'en': 'A client can be reopened only into a working stage',
    },
    'error.stage_board': {'ru': 'Этот этап не относится к канбану клиентов', 'en': 'This stage is not a clients stage'},
    'error.inactive_user': {
        'ru': 'Пользователь «{user}» деактивирован и не может быть ответственным',
        'en': 'The user “{user}” is deactivated and cannot be responsible',
    },
    'error.unknown_user': {'ru': 'Нет такого пользователя', 'en': 'No such user'},
    'error.unknown_channel': {'ru': 'Нет такого канала: «{channel}»', 'en': 'No such channel: “{channel}”'},
    'error.unknown_project': {'ru': 'Нет такого проекта: «{project}»', 'en': 'No such project: “{project}”'},
    'error.unknown_ref': {'ru': 'Нет такого значения: {what}', 'en': 'No such value: {what}'},
    'error.bad_touch_type': {
        'ru': 'Тип касания должен быть «request» или «call»',
        'en': 'The touch type must be “request” or “call”',
    },
    'error.task_title': {'ru': 'Укажите, что нужно сделать', 'en': 'Enter what is to be done'},
    'error.task_done': {'ru': 'Задача уже выполнена', 'en': 'The task is done already'},
    'error.comment_empty': {'ru': 'Комментарий пуст', 'en': 'The comment is empty'},
    'error.comment_author': {
        'ru': 'Изменять и удалять комментарий может только его автор',
        'en': 'Only its author may edit or delete a comment',
    },
    'error.creator_immutable': {'ru': 'Создателя клиента изменить нельзя', 'en': 'The creator cannot be changed'},
    'error.login': {'ru': 'Неверный логин или пароль', 'en': 'Wrong login or password'},
    'error.login_locked': {
        'ru': 'Слишком много неудачных попыток. Попробуйте через {seconds} с',
        'en': 'Too many failed attempts. Try again in {seconds} s',
    },
    'error.login_taken': {'ru': 'Логин «{login}» уже занят', 'en': 'The login “{login}” is taken'},
    'error.bad_role': {
        'ru': 'Роль должна быть admin, head или manager',
        'en': 'The role must be admin, head or manager',
    },
    'error.amount': {'ru': 'Сумма должна быть положительным числом', 'en': 'The amount must be a positive number'},
    'error.token': {'ru': 'Нужен действительный токен доступа', 'en': 'A valid access token is required'},
    # feed entries written by the system
    'feed.created': {'ru': 'Клиент создан', 'en': 'Client created'},
    'feed.stage': {'ru': 'Этап: {source} → {target}', 'en': 'Stage: {source} → {target}'},
    'feed.stage_reason': {
        'ru': 'Этап: {source} → {target} (причина: {reason})',
        'en': 'Stage: {source} → {target} (reason: {reason})',
    },
    'feed.reopened_by_request': {
        'ru': 'Возвращён в работу из «{source}»: новое обращение',
        'en': 'Back to work from “{source}”: a new request came in',
    },
    'feed.responsible': {'ru': 'Ответственный: {source} → {target}', 'en': 'Responsible: {source} → {target}'},
    'feed.fields': {'ru': 'Изменено: {changes}', 'en': 'Changed: {changes}'},
    'feed.request': {'ru': 'Новое обращение ({channel})', 'en': 'New request ({channel})'},
    'feed.task_created': {'ru': 'Задача: {title}', 'en': 'Task: {title}'},
    'feed.task_done': {'ru': 'Задача выполнена: {title}', 'en': 'Task done: {title}'},
    'feed.deal_created': {'ru': 'Бронь: {object}, {amount}', 'en': 'Booking: {object}, {amount}'},
    # client fields, as the feed and forms name them
    'field.name': {'ru': 'Имя', 'en': 'Name'},
    'field.email': {'ru': 'Email', 'en': 'Email'},
    'field.phones': {'ru': 'Телефоны', 'en': 'Phones'},
    'field.project_id': {'ru': 'Проект', 'en': 'Project'},
    'field.channel_id': {'ru': 'Канал', 'en': 'Channel'},
    'field.agency_id': {'ru': 'Агентство', 'en': 'Agency'},
    'field.realtor_id': {'ru': 'Риэлтор', 'en': 'Realtor'},
    'field.situation': {'ru': 'Ситуация', 'en': 'Situation'},
    'field.custom': {'ru': 'Доп. поля', 'en': 'Custom fields'},
    'field.tags': {'ru': 'Метки', 'en': 'Tags'},
    'field.touch_type': {'ru': 'Тип касания', 'en': 'Touch type'},
    # screens
    'app.title': {'ru': 'Воронка', 'en': 'Voronka'},
    'nav.board': {'ru': 'Канбан', 'en': 'Kanban'},
    'nav.tasks': {'ru': 'Мои задачи', 'en': 'My tasks'},
    'nav.api': {'ru': 'API', 'en': 'API'},
    'login.title': {'ru': 'Вход в Воронку', 'en': 'Sign in to Voronka'},
    'login.login': {'ru': 'Логин', 'en': 'Login'},
    'login.password': {'ru': 'Пароль', 'en': 'Password'},
    'login.submit': {'ru': 'Войти', 'en': 'Sign in'},
    'login.expired': {'ru': 'Сессия истекла — войдите снова', 'en': 'Your session has expired: sign in again'},
    'login.ended': {'ru': 'Вы вышли из системы', 'en': 'You have signed out'},
    'logout': {'ru': 'Выйти', 'en': 'Sign out'},
    'search.placeholder': {'ru': 'Поиск: имя или 4+ цифры телефона', 'en': 'Search: name or 4+ phone digits'},
    'search.nothing': {'ru': 'Ничего не найдено', 'en': 'Nothing found'},
    'tasks.counter': {
        'ru': 'Открытые задачи: {open}, просрочено: {overdue}',
        'en': 'Open tasks: {open}, overdue: {overdue}',
    },
    'tasks.due_now': {'ru': 'Пора: {title} — {client}', 'en': 'Due now: {title} — {client}'},
    'tasks.none': {'ru': 'Открытых задач нет', 'en': 'No open tasks'},
    'board.mine': {'ru': 'Мои', 'en': 'Mine'},
    'board.all': {'ru': 'Все', 'en': 'All'},
    'board.new_client': {'ru': 'Клиент', 'en': 'Client'},
    'board.more': {'ru': 'Показать ещё', 'en': 'Show more'},
    'board.empty': {'ru': 'Нет клиентов', 'en': 'No clients'},
    'board.closing_hint': {'ru': 'Перетащите сюда, чтобы закрыть', 'en': 'Drop here to close'},
    'board.moved_by': {'ru': '{who}', 'en': '{who}'},
    'card.open': {'ru': 'Открыть', 'en': 'Open'},
    'card.move': {'ru': 'Переместить…', 'en': 'Move…'},
    'card.overdue': {'ru': 'просрочено', 'en': 'overdue'},
    'move.title': {'ru': 'Переместить «{client}»', 'en': 'Move “{client}”'},
    'move.stage': {'ru': 'Этап', 'en': 'Stage'},
    'reason.title': {'ru': 'Причина: «{stage}»', 'en': 'Reason: “{stage}”'},
    'reason.pick': {'ru': 'Выберите причину', 'en': 'Choose a reason'},
    'booking.title': {'ru': 'Поставить бронь', 'en': 'Book'},
    'booking.project': {'ru': 'Проект', 'en': 'Project'},
    'booking.unit': {'ru': 'Объект (квартира, помещение)', 'en': 'Unit'},
    'booking.amount': {'ru': 'Сумма, ₽', 'en': 'Amount, ₽'},
    'action.ok': {'ru': 'Готово', 'en': 'Done'},
    'action.cancel': {'ru': 'Отмена', 'en': 'Cancel'},
    'action.save': {'ru': 'Сохранить', 'en': 'Save'},
    'action.close': {'ru': 'Закрыть', 'en': 'Close'},
    'action.create': {'ru': 'Создать', 'en': 'Create'},
    'action.add': {'ru': 'Добавить', 'en': 'Add'},
    'action.delete': {'ru': 'Удалить', 'en': 'Delete'},
    'action.edit': {'ru': 'Изменить', 'en': 'Edit'},
    'action.open_existing': {'ru': 'Открыть существующего', 'en': 'Open the existing one'},
    'client.new': {'ru': 'Новый клиент', 'en': 'New client'},
    'client.name': {'ru': 'Имя (ФИО)', 'en': 'Name'},
    'client.phone': {'ru': 'Телефон', 'en': 'Phone'},
    'client.phones': {'ru': 'Телефоны (по одному в строке)', 'en': 'Phones (one per line)'},
    'client.email': {'ru': 'Email', 'en': 'Email'},
    'client.project': {'ru': 'Проект', 'en': 'Project'},
    'client.channel': {'ru': 'Канал привлечения', 'en': 'Sales channel'},
    'client.agency': {'ru': 'Агентство', 'en': 'Agency'},
    'client.realtor': {'ru': 'Риэлтор', 'en': 'Realtor'},
    'client.situation': {'ru': 'Ситуация', 'en': 'Situation'},
    'client.tags': {'ru': 'Метки', 'en': 'Tags'},
    'client.responsible': {'ru': 'Ответственный', 'en': 'Responsible'},
    'client.creator': {'ru': 'Создатель', 'en': 'Creator'},
    'client.created': {'ru': 'Создан', 'en': 'Created'},
    'client.touch_type': {'ru': 'Тип касания', 'en': 'Touch type'},
    'client.stage': {'ru': 'Этап', 'en': 'Stage'},
    'client.readonly': {
        'ru': 'Только просмотр: клиент закреплён за {responsible}',
        'en': 'Read-only: the client belongs to {responsible}',
    },
    'client.changed_by': {'ru': '{who} только что изменил(а) клиента', 'en': '{who} has just changed this client'},
    'client.feed': {'ru': 'Лента', 'en': 'Feed'},
    'client.comment': {'ru': 'Комментарий', 'en': 'Comment'},
    'client.send': {'ru': 'Отправить', 'en': 'Send'},
    'client.tasks': {'ru': 'Задачи', 'en': 'Tasks'},
    'client.requests': {'ru': 'Обращения', 'en': 'Requests'},
    'client.deals': {'ru': 'Сделки', 'en': 'Deals'},
    'client.reopen': {'ru': 'Вернуть в работу', 'en': 'Reopen'},
    'client.book': {'ru': 'Поставить бронь', 'en': 'Book'},
    'client.close': {'ru': 'Закрыть…', 'en': 'Close…'},
    'client.saved': {'ru': 'Сохранено', 'en': 'Saved'},
    'client.edited': {'ru': 'изменено', 'en': 'edited'},
    'task.title': {'ru': 'Что сделать', 'en': 'What to do'},
    'task.type': {'ru': 'Тип', 'en': 'Type'},
    'task.due': {'ru': 'Срок', 'en': 'Due'},
    'task.done': {'ru': 'Выполнено', 'en': 'Done'},
    'task.type.call': {'ru': 'Звонок', 'en': 'Call'},
    'task.type.meeting': {'ru': 'Встреча', 'en': 'Meeting'},
    'task.type.showing': {'ru': 'Показ', 'en': 'Showing'},
    'task.type.other': {'ru': 'Другое', 'en': 'Other'},
    'touch.request': {'ru': 'Заявка', 'en': 'Request'},
    'touch.call': {'ru': 'Звонок', 'en': 'Call'},
    'method.manual': {'ru': 'Вручную', 'en': 'Manually'},
    'method.integration': {'ru': 'Интеграция', 'en': 'Integration'},
    'method.import': {'ru': 'Импорт', 'en': 'Import'},
    'role.admin': {'ru': 'Администратор', 'en': 'Admin'},
    'role.head': {'ru': 'Руководитель', 'en': 'Head of sales'},
    'role.manager': {'ru': 'Менеджер', 'en': 'Manager'},
}


def translate(key: str, locale: str = DEFAULT_LOCALE, **params) -> str:
    """The text for a key in a locale, falling back to Russian, then to the key itself."""
    entry = TEXTS.get(key)
    if entry is None:
        return key
    text = entry.get(locale) or entry[DEFAULT_LOCALE]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


t = translate
