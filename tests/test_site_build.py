"""The website's Sphinx extensions live in the package (futurecity.site), outside the staged book: their code is
staged as its checksums, so that a changed extension writes every page anew and a warm rebuild with nothing
changed still skips Jupyter Book."""

from __future__ import annotations

from conftest import PROJECT

from futurecity.book import build


def test_a_changed_extension_is_a_change_every_page_uses(tmp_path, monkeypatch):
    first = build.stage_book(PROJECT, tmp_path, [])
    assert (first.folder / build.SITE_CODE).read_bytes() == build.site_code()
    assert {line.split()[1] for line in build.site_code().decode().splitlines()} >= {
        "facts.py", "sources.py", "references.py", "launch.py"}
    again = build.stage_book(PROJECT, tmp_path, [])
    assert not again.shared_changed and again.digest == first.digest
    monkeypatch.setattr(build, "site_code", lambda: b"0" * 64 + b"  facts.py\n")
    changed = build.stage_book(PROJECT, tmp_path, [])
    assert changed.shared_changed and changed.digest != first.digest
