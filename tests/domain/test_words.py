"""One word for one thing: the Russian texts never use the losing spelling of a word the product has chosen."""

import re

import pytest

from app.i18n import TEXTS

# the losing variant, and the word the product uses (SPEC, seeds, the client window)
LOSERS = {
    r'риелтор': 'риэлтор',
    r'канал\w* продаж': 'канал привлечения',
}


@pytest.mark.parametrize('loser', LOSERS)
def test_russian_texts_use_one_word_for_one_thing(loser):
    found = {key: texts['ru'] for key, texts in TEXTS.items() if re.search(loser, texts.get('ru', ''), re.I)}
    assert found == {}, f'use «{LOSERS[loser]}»'
