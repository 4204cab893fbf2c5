"""Every chart the built book draws, in every chapter: each colour word of its title, description and note names a
colour its data marks really have, and no data mark uses a claim status's colour (green "reproduced", vermilion
"differs" are the badges' alone). The specs are read from the executed chapters, as the site embeds them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_colours_ch2 import STATUS, WORDS, _hexes, caption_problems, colour_words, mark_colours

from futurecity.book.chartdata import notebook_specs, spec_title

pytestmark = pytest.mark.build

EXECUTED = Path(__file__).resolve().parents[1] / "_build" / "executed" / "chapters"


def built_charts() -> list[tuple[str, dict]]:
    out = []
    for notebook in sorted(EXECUTED.glob("*.ipynb")):
        for spec in notebook_specs(notebook):
            out.append((f"{notebook.stem}: {spec_title(spec)[:60]}", spec))
    return out


CHARTS = built_charts()


def test_the_built_book_has_charts_in_every_chapter_with_figures():
    if not EXECUTED.is_dir():
        pytest.fail(f"{EXECUTED} holds no executed chapters: run `make book` first (make test does)")
    chapters = {name.split(":")[0] for name, _ in CHARTS}
    assert len(chapters) >= 5, f"charts found only in {sorted(chapters)}"


def _status_chart(spec: dict) -> bool:
    """The verdict chart draws statuses, each in its status colour read from the data (``scale: null``)."""
    return str(spec.get("usermeta", {}).get("futurecity", {}).get("csv", {})).find("status") >= 0 and \
        '"scale": null' in __import__("json").dumps(spec)


@pytest.mark.parametrize("name,spec", CHARTS, ids=[n for n, _ in CHARTS])
def test_every_colour_a_caption_names_is_drawn(name, spec):
    if not _status_chart(spec):
        assert caption_problems(spec) == [], name
        return
    # a status chart: its colour words name status colours, which its data rows carry
    meta = spec.get("usermeta", {}).get("futurecity", {})
    text = " ".join(str(meta.get(k, "")) for k in ("title", "description", "note"))
    drawn = _hexes(spec.get("datasets", {})) | mark_colours(spec)[0]
    missing = [w for w in colour_words(text) if w in WORDS and not WORDS[w] & drawn]
    assert missing == [], f"{name}: the caption names {missing}, not drawn"


@pytest.mark.parametrize("name,spec", CHARTS, ids=[n for n, _ in CHARTS])
def test_no_data_mark_uses_a_status_colour(name, spec):
    if _status_chart(spec):
        pytest.skip("the verdict chart draws statuses in their own colours (tests/test_verdict.py)")
    data, _ = mark_colours(spec)
    assert data, f"{name}: no mark colours found"
    assert not data & STATUS, f"{name}: data marks use a claim status's colour: {sorted(data & STATUS)}"
