"""Deals: booking a client onto a property object, and the free objects a booking may take."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.domain.deals import deals, units
from app.domain.deals.units import UnitView
from app.domain.views import ClientDetail

from .bounds import Id, Money
from .clients import Version
from .common import Token, read_as, write_as

router = APIRouter()


class BookingIn(BaseModel):
    project_id: Id | None = None
    unit_id: Id | None = Field(None, description='a free object of the catalogue; it becomes booked')
    unit: str = Field('', max_length=units.LABEL_MAX, description='free-text object, when no `unit_id` is given')
    amount: Money | None = Field(None, description="defaults to the object's price when `unit_id` is given")
    version: Version = None


@router.post('/clients/{client_id}/book', response_model=ClientDetail, tags=['clients'])
def book(client_id: Id, body: BookingIn, token: Token) -> ClientDetail:
    return write_as(
        deals.book_client,
        token,
        client_id=client_id,
        project_id=body.project_id,
        unit=body.unit,
        amount=body.amount,
        unit_id=body.unit_id,
        expected_version=body.version,
    )


@router.get('/units/free', response_model=list[UnitView], tags=['reference'])
def get_free_units(token: Token, project_id: Id | None = None) -> list[UnitView]:
    """The free objects a booking may take (`unit_id` of /clients/{id}/book)."""
    return read_as(units.free_units, token, project_id=project_id)
