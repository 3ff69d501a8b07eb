"""Default reference data every account starts with (SPEC §1), written once into an empty database."""

from sqlmodel import select

import app.domain.automation.triggers  # noqa: F401  the rules answer every commit of every process that seeds
from app.domain.excel.export_schemas import seed_export_schema
from app.domain.models import Board, Channel, ClosingReason, ExportSchema, Stage, StageKind, StageTransition

CLIENT_STAGES = [
    ('Не разобрано', StageKind.working, '#90a4ae', []),
    ('Назначение встречи', StageKind.working, '#42a5f5', []),
    ('Вывод на бронь', StageKind.working, '#ab47bc', []),
    ('Бронь поставлена', StageKind.success, '#66bb6a', []),
    (
        'Бронь не поставлена',
        StageKind.failure,
        '#ef5350',
        ['Выбрал другой объект', 'Не устроила цена', 'Не одобрена ипотека', 'Отложил покупку', 'Другое'],
    ),
    (
        'Не лид (корзина)',
        StageKind.trash,
        '#757575',
        ['Спам', 'Битый номер', 'Сотрудник компании', 'Ошибся номером', 'Другое'],
    ),
]

DEAL_STAGES = [
    ('Бронь поставлена', StageKind.working, '#66bb6a', []),
    ('Подготовка договора', StageKind.working, '#42a5f5', []),
    ('Договор подписан', StageKind.working, '#26a69a', []),
    ('Регистрация договора', StageKind.working, '#ab47bc', []),
    ('Оплата получена', StageKind.success, '#2e7d32', []),
    ('Бронь снята', StageKind.failure, '#ef5350', ['Отказ клиента', 'Не одобрена ипотека', 'Другое']),
]

CHANNELS = ['Сайт', 'Звонок', 'Авито', 'ЦИАН', 'Домклик', 'Агентство', 'Рекомендация', 'Наружная реклама']


def _seed_board(session, board: str, spec) -> None:
    stages = []
    for position, (name, kind, color, reasons) in enumerate(spec):
        stage = Stage(board=board, name=name, position=position, kind=kind, color=color)
        session.add(stage)
        session.flush()
        stages.append(stage)
        for index, reason in enumerate(reasons):
            session.add(ClosingReason(stage_id=stage.id, name=reason, position=index))
    # default transitions: from any working stage to any other stage; closed ones leave only by reopening
    for source in stages:
        if source.kind != StageKind.working:
            continue
        for target in stages:
            if target.id != source.id:
                session.add(StageTransition(from_stage_id=source.id, to_stage_id=target.id))


def seed_defaults(session) -> bool:
    """Write the default stages, reasons, transitions and channels if there are none; True if it did."""
    if session.exec(select(Stage.id)).first() is not None:
        return False
    _seed_board(session, Board.clients, CLIENT_STAGES)
    _seed_board(session, Board.deals, DEAL_STAGES)
    for position, name in enumerate(CHANNELS):
        session.add(Channel(name=name, position=position))
    if session.exec(select(ExportSchema.id)).first() is None:  # a new database has it from its migration
        seed_export_schema(session)
    session.flush()
    return True
