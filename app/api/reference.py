"""Reference data an integration needs to speak our ids: stages, users, channels, projects."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from app.domain.account import reference
from app.domain.models import Board
from app.domain.views import StageView, UserView

from .common import Token, read_as

router = APIRouter()


class RefOut(BaseModel):
    id: int
    name: str
    abbreviation: str = ''


@router.get('/stages', response_model=list[StageView], tags=['reference'])
def get_stages(token: Token, board: Literal['clients', 'deals'] = Board.clients) -> list[StageView]:
    """Stages in order with their kinds and the reasons a failure or trash stage needs."""
    return read_as(reference.stage_views, token, as_actor=False, board=board)


@router.get('/users', response_model=list[UserView], tags=['reference'])
def get_users(token: Token) -> list[UserView]:
    return read_as(reference.user_views, token, as_actor=False)


@router.get('/channels', response_model=list[RefOut], tags=['reference'])
def get_channels(token: Token) -> list[RefOut]:
    return [RefOut(id=c.id, name=c.name) for c in read_as(reference.channels, token, as_actor=False) if c.active]


@router.get('/projects', response_model=list[RefOut], tags=['reference'])
def get_projects(token: Token) -> list[RefOut]:
    return [
        RefOut(id=p.id, name=p.name, abbreviation=p.abbreviation)
        for p in read_as(reference.projects, token, as_actor=False)
        if p.active
    ]
