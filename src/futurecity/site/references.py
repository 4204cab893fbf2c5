"""References in author-year style (a Sphinx extension, ``futurecity.site.references`` in _config.yml).

pybtex labels the bibliography with numbers ([1], [2], ...) or alpha codes ([JH]); the style ``futurecity``
(pybtex's ``plain``) labels each entry "Frey and Osborne, 2017", "Doussard et al., 2018", "Jones and Henderson,
n.d." and sorts the list by the names as printed, then year and title (pybtex's own sort puts braced corporate
names after every person's name). Two entries with the same authors and year get letters ("Office for National
Statistics, n.d.-a" / "n.d.-b"), and the citations in the text (reference style ``futurecity_author_year``) use
the same year and letter as the list, so every citation names exactly one entry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from string import ascii_lowercase

from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.plugin import register_plugin as register_pybtex_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from pybtex.style.template import node
from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
    BasicAuthorYearParentheticalReferenceStyle,
    BasicAuthorYearTextualReferenceStyle,
)
from sphinxcontrib.bibtex.style.referencing.extra_author import ExtraAuthorReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_empty import ExtraEmptyReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_label import ExtraLabelReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_year import ExtraYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join, join2, post_text, pre_text, reference

NO_YEAR = "n.d."
_TEXT = PlainTextBackend()  # one backend for every label: render_as("text") looks it up among all entry points


# --- labels of the bibliography -----------------------------------------------------------------------------

def _plain(latex: str) -> str:
    """BibTeX text as the reader sees it: braces dropped, accents decoded ({\\'A}kos -> Ákos)."""
    return Text.from_latex(latex).render(_TEXT)


def _authors(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [_plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not last:
        return _plain(entry.fields.get("title", entry.key))
    if len(last) == 1:
        return last[0]
    if len(last) == 2:
        return f"{last[0]} and {last[1]}"
    return f"{last[0]} et al."


def _year(entry) -> str:
    return _plain(entry.fields.get("year", "")) or NO_YEAR


class AuthorYearLabelStyle(BaseLabelStyle):
    """"Authors, year" with a letter for entries that would otherwise share a label (in list order)."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        bases = [(_authors(e), _year(e)) for e in entries]
        seen: dict[tuple[str, str], int] = defaultdict(int)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for base in bases:
            counts[base] += 1
        for authors, year in bases:
            if counts[authors, year] == 1:
                yield f"{authors}, {year}"
                continue
            letter = ascii_lowercase[seen[authors, year]]
            seen[authors, year] += 1
            yield f"{authors}, {year}-{letter}" if year == NO_YEAR else f"{authors}, {year}{letter}"


class AuthorYearTitleSorting(BaseSortingStyle):
    """Alphabetical by the authors' names as printed (braces dropped, case ignored), then year (undated first,
    as in APA), then title."""

    def sorting_key(self, entry):
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        # the names as the label prints them first (surnames), so that an initial spelled out or not in one
        # entry cannot put "Jones and Munday" before "Jones and Henderson"; then the given names
        surnames = tuple(_plain(" ".join(p.prelast_names + p.last_names)).casefold() for p in persons)
        given = tuple(_plain(" ".join(p.first_names + p.middle_names)).casefold() for p in persons)
        year = _year(entry)
        return (surnames, given, year != NO_YEAR, year, _plain(entry.fields.get("title", "")).casefold())


class FuturecityStyle(PlainStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = AuthorYearTitleSorting


# --- citations in the text: the year (and letter) of the entry's label ------------------------------------

@node
def label_year(children, data):
    """The part of the list's label after its last ", ": "2017", "2017a", "n.d.-b"."""
    assert not children
    return Text(data["formatted_entry"].label.rsplit(", ", 1)[-1])


@dataclass
class _Parenthetical(BasicAuthorYearParentheticalReferenceStyle):
    def inner(self, role_name):
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text,
            reference[join(sep=self.author_year_sep)[
                self.person.author_or_editor_or_title(full="s" in role_name), label_year]],
            post_text,
        ]


@dataclass
class _Textual(BasicAuthorYearTextualReferenceStyle):
    def inner(self, role_name):
        return join(sep=self.text_reference_sep)[
            self.person.author_or_editor_or_title(full="s" in role_name),
            join[self.bracket.left,
                 join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[pre_text, reference[label_year], post_text],
                 self.bracket.right],
        ]


@dataclass
class _Year(ExtraYearReferenceStyle):
    def inner(self, role_name):
        return reference[label_year]


@dataclass
class FuturecityReferenceStyle(AuthorYearReferenceStyle):
    """sphinxcontrib-bibtex's author_year, with the year taken from the bibliography's label, in round brackets:
    "Frey and Osborne (2017)", "(Frey and Osborne, 2017)"."""

    bracket_textual: BracketStyle = field(default_factory=lambda: BracketStyle(left="(", right=")"))
    bracket_parenthetical: BracketStyle = field(default_factory=lambda: BracketStyle(left="(", right=")"))

    def __post_init__(self):
        self.styles.extend([
            _Parenthetical(bracket=self.bracket_parenthetical, person=self.person,
                           author_year_sep=self.author_year_sep, pre_text_sep=self.pre_text_sep,
                           post_text_sep=self.post_text_sep),
            _Textual(bracket=self.bracket_textual, person=self.person, text_reference_sep=self.text_reference_sep,
                     pre_text_sep=self.pre_text_sep, post_text_sep=self.post_text_sep),
            ExtraAuthorReferenceStyle(bracket=self.bracket_author, person=self.person),
            ExtraLabelReferenceStyle(bracket=self.bracket_label),
            _Year(bracket=self.bracket_year),
            ExtraEmptyReferenceStyle(),
        ])
        # GroupReferenceStyle maps role names to the styles above (skipping AuthorYearReferenceStyle's own list)
        super(AuthorYearReferenceStyle, self).__post_init__()


register_pybtex_plugin("pybtex.style.formatting", "futurecity", FuturecityStyle)
register_bibtex_plugin("sphinxcontrib.bibtex.style.referencing", "futurecity_author_year", FuturecityReferenceStyle)


def setup(app):
    # the styles are registered with pybtex and sphinxcontrib-bibtex when this module is imported (above)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
