"""A cell a spreadsheet could run as a formula is made text, also when it starts with a Unicode look-alike."""
from __future__ import annotations

import pytest
from test_export import as_dicts, project, read_csv  # noqa: F401  (project: the fixture)

LOOKALIKES = [
    "\uff1d1+1",  # full-width ＝ (Excel and LibreOffice fold full-width operators typed in a cell)
    "\uff0b1", "\uff0d1", "\uff20SUM(A1)",  # full-width ＋ － ＠
    "\ufe661+1", "\ufe621", "\ufe631", "\ufe6bSUM(A1)",  # small ﹦ ﹢ ﹣ ﹫
    "\u207c1+1", "\u207a1", "\u208c1+1",  # superscript and subscript = +
    "\u22121+1", "\u207b1",  # the minus sign U+2212, and its superscript form
    " =1+1", "\u00a0=1+1", "\u3000\uff1d1+1", "\n=1+1",  # after a space, no-break space, ideographic space, line break
    "\u200b=1+1", "\ufeff@SUM(A1)", "\u200f-1",  # after invisible characters: zero-width space, BOM, right-to-left mark
]
LEFT_ALONE = ["Bra økt", "1+1", "  to mellomrom", "\u2013 tankestrek", "«=sitat»", "(=1)", "\uff21BC", "①=1"]


@pytest.mark.parametrize("payload, harmless", [(payload, LEFT_ALONE[index % len(LEFT_ALONE)])
                                               for index, payload in enumerate(LOOKALIKES)])
def test_a_formula_start_spelled_with_a_unicode_lookalike_is_made_text_unless_raw(app, actions, project, payload,
                                                                                  harmless):
    store = actions.store()
    store.update("feedback", project["feedback"]["id"], {"worked": payload, "improve": harmless})
    with app.test_request_context():
        row = as_dicts(read_csv(store, "feedback")[1])[0]
        assert row["worked"] == "'" + payload
        assert row["improve"] == harmless  # ordinary text (a dash, a quote, a full-width letter) is left as it is
        assert as_dicts(read_csv(store, "feedback", neutralise=False)[1])[0]["worked"] == payload
