"""A request's attribution: where the lead came from (utm tags, the landing page, the referrer, the visit ids
analytics systems send, a free `extra` object). Bounded here once, so the API, the site forms and the client form
refuse the same things; stored on the Request (app/domain/models.py)."""

import json
from collections.abc import Mapping

from pydantic import BaseModel

from .errors import InvalidInput
from .limits import NESTING_MAX, check_text, nested_deeper_than

UTM_MAX = 200  # an utm tag: campaign names run long, keyword lists in utm_term longer still
URL_MAX = 2048  # what browsers and proxies pass reliably
VISIT_ID_MAX = 100  # an analytics system's visit or session id
EXTRA_MAX_BYTES = 4096  # the `extra` object as JSON
EXTRA_KEYS_MAX = 50
EXTRA_KEY_MAX = 100

UTM_FIELDS = ('utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term')
URL_FIELDS = ('landing_url', 'referrer')
VISIT_FIELDS = ('roistat_visit', 'calltouch_session_id', 'comagic_visitor_id')
TEXT_FIELDS = UTM_FIELDS + URL_FIELDS + VISIT_FIELDS
FIELD_LIMITS = {
    **dict.fromkeys(UTM_FIELDS, UTM_MAX),
    **dict.fromkeys(URL_FIELDS, URL_MAX),
    **dict.fromkeys(VISIT_FIELDS, VISIT_ID_MAX),
}
# what the lists and reports break requests down by, besides the channel
DIMENSIONS = ('utm_source', 'utm_medium', 'utm_campaign')


class Attribution(BaseModel):
    """The attribution of one request as stored; empty texts and an empty `extra` when it came without any."""

    utm_source: str = ''
    utm_medium: str = ''
    utm_campaign: str = ''
    utm_content: str = ''
    utm_term: str = ''
    landing_url: str = ''
    referrer: str = ''
    roistat_visit: str = ''
    calltouch_session_id: str = ''
    comagic_visitor_id: str = ''
    extra: dict = {}

    def label(self) -> str:
        """The compact line a list shows: «yandex / cpc / spring_sale», or '' for a request without tags."""
        return ' / '.join(v for v in (self.utm_source, self.utm_medium, self.utm_campaign) if v)

    @classmethod
    def of(cls, row) -> 'Attribution':
        """Read from a Request row (or anything with the same attributes)."""
        return cls(**{name: getattr(row, name) or '' for name in TEXT_FIELDS}, extra=dict(row.extra or {}))


def _check_extra(extra) -> dict:
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise InvalidInput('attribution.error.extra_object')
    if len(extra) > EXTRA_KEYS_MAX:
        raise InvalidInput('attribution.error.extra_keys', limit=EXTRA_KEYS_MAX)
    if any(not isinstance(key, str) or len(key) > EXTRA_KEY_MAX for key in extra):
        raise InvalidInput('attribution.error.extra_key', limit=EXTRA_KEY_MAX)
    if nested_deeper_than(extra, NESTING_MAX):
        raise InvalidInput('attribution.error.extra_depth', limit=NESTING_MAX)
    try:
        size = len(json.dumps(extra, ensure_ascii=False, allow_nan=False).encode())
    except (TypeError, ValueError):
        raise InvalidInput('attribution.error.extra_object') from None
    if size > EXTRA_MAX_BYTES:
        raise InvalidInput('attribution.error.extra_size', limit=EXTRA_MAX_BYTES)
    # NUL cannot be stored by PostgreSQL in JSON text either; a round trip through JSON gives plain values
    return json.loads(json.dumps(extra, ensure_ascii=False).replace('\\u0000', ''))


def check_attribution(values: Mapping | None) -> Attribution:
    """The attribution as stored, from what came in (unknown keys are not attribution and are ignored by the
    callers' own models): every text trimmed and within its bound, `extra` a small JSON object. Refused whole,
    with the field named, when anything is over its bound."""
    values = values or {}
    texts = {
        name: check_text(str(values.get(name) or ''), limit, name, one_line=True)
        for name, limit in FIELD_LIMITS.items()
    }
    return Attribution(**texts, extra=_check_extra(values.get('extra')))
