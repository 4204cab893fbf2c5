"""The live client of ``berd_release_2017`` (the 2019 release, found on ONS's page of the dataset's previous
versions) against a loopback server: a page of editions and a workbook built by code in the layout the parser
documents (the real 2017 release's Tables 1, 2 and 7 written as .xlsx with fixed times, so the bytes are the
same on every run). A good pull, then each fault with that good vintage in the cache: exit 2, the source, the URL
and the remedy named, the good vintage unchanged and still the latest."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403
from test_berd_release import rewritten

from futurecity import cli
from futurecity.data import parsers, registry, store, vintages
from futurecity.data.clients import workbook_link
from futurecity.errors import EXIT_DATA

SOURCE = "berd_release_2017"
V2019 = "/economy/governmentpublicsectorandtaxes/researchanddevelopmentexpenditure/datasets/" \
        "ukbusinessenterpriseresearchanddevelopment/current/previous/v3/berd2019datasets.xlsx"
V2018 = V2019.replace("v3/berd2019", "v2/berd2018")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@functools.cache
def workbook() -> bytes:
    """The real 2017 release's tables as .xlsx: what the client downloads stands for the 2019 release here."""
    return rewritten()


def editions_page(*hrefs: tuple[str, str]) -> bytes:
    items = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in hrefs)
    return (f"<!DOCTYPE html><html><body><h1>Previous versions</h1><a href=\"/economy\">Back</a>"
            f"<ul>{items}</ul></body></html>").encode()


GOOD_PAGE = editions_page((f"/file?uri={V2018}", "xlsx (1 MB)"), (f"/file?uri={V2019}", "xlsx (1.2 MB)"))


def ending_2017() -> registry.Source:
    """The registry's source, but expecting the release that ends in 2017 (what the served workbook holds)."""
    src = registry.get(SOURCE)
    return dataclasses.replace(src, live=dataclasses.replace(src.live, last_year=2017))


def serve(api, page: bytes = GOOD_PAGE, body: bytes | None = None, status: int = 200):
    api.route(SOURCE).respond_with_data(page, content_type="text/html")
    api.server.expect_request("/file", query_string={"uri": V2019}).respond_with_data(
        workbook() if body is None else body, status=status, content_type=XLSX)


def test_the_built_workbook_is_the_same_bytes_every_time():
    assert hashlib.sha256(rewritten()).digest() == hashlib.sha256(workbook()).digest()


def test_workbook_link_takes_the_release_named_by_the_pattern():
    base = "https://www.ons.gov.uk/x/previous"
    assert workbook_link(GOOD_PAGE.decode(), base, "2019") == (f"https://www.ons.gov.uk/file?uri={V2019}",
                                                               "xlsx (1.2 MB)")
    by_text = editions_page(("/file?uri=/a/v7/datasets.xls", "BERD 2019 release (xls)"))
    assert workbook_link(by_text.decode(), base, "2019")[0] == "https://www.ons.gov.uk/file?uri=/a/v7/datasets.xls"
    assert workbook_link(editions_page((f"/file?uri={V2018}", "xlsx")).decode(), base, "2019") is None


def test_a_good_pull_is_stored_byte_for_byte_and_read_by_the_release_parser(api):
    serve(api)
    manifest = vintages.pull(ending_2017())
    assert manifest["url"] == api.server.url_for("/file") + f"?uri={V2019}"
    assert manifest["dataset_page"] == api.url(SOURCE) and manifest["parser"] == "berd_release"
    stored = store.vintages_dir(SOURCE) / manifest["vintage"] / "raw.xlsx"
    assert stored.read_bytes() == workbook() and manifest["sha256"] == hashlib.sha256(workbook()).hexdigest()
    frame = store.load(SOURCE, vintage="latest")
    assert frame.attrs["vintage"] == manifest["vintage"]
    assert frame.attrs["vintage_label"].startswith("BERD 2019 release (ONS, November 2020), live pull of ")
    pd.testing.assert_frame_equal(frame, parsers.get("berd_release")(workbook())[list(registry.get(SOURCE).schema)])


def _wrong_release(api):
    serve(api)  # the registry expects the release ending in 2019; this one ends in 2017


def _no_link(api):
    serve(api, page=editions_page((f"/file?uri={V2018}", "xlsx (1 MB)")))
    return api.url(SOURCE)


def _html_for_workbook(api):
    serve(api, body=b"<!DOCTYPE html><html><body>Sorry</body></html>")


def _cut_workbook(api):
    serve(api, body=workbook()[: len(workbook()) // 3])


def _missing_table(api):
    serve(api, body=rewritten(lambda books: books.pop("7")))


def _gone(api):
    serve(api, body=b"gone", status=404)


FAULTS = {  # name: (serve, message, kept among the rejected)
    "wrong-release": (_wrong_release, r"last year is 2017\b.*ends in 2019", True),
    "page-without-the-release": (_no_link, r"no \.xls or \.xlsx file .* '2019'", True),
    "html-for-the-workbook": (_html_for_workbook, r"expected a BERD release workbook", True),
    "cut-workbook": (_cut_workbook, r"could not be (opened|read)", True),
    "missing-table-7": (_missing_table, r"no Table 7", True),
    "404": (_gone, r"HTTP 404", False),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_failed_pull_leaves_the_good_vintage_alone(name, api, data_env, capsys):
    serve(api)
    good = vintages.pull(ending_2017())
    folder = data_env / SOURCE / "vintages"
    before = tree_digest(folder)
    api.reset()
    install, message, rejected = FAULTS[name]
    url = install(api) or api.server.url_for("/file") + f"?uri={V2019}"

    code = cli.main(["pull", SOURCE, "--live"])
    err = " ".join(capsys.readouterr().err.split())

    assert code == EXIT_DATA
    assert f"'{SOURCE}'" in err and flat(url) in flat(err), err
    assert re.search(message, err), err
    assert "To fix:" in err and ("retry later" in err or "FUTURECITY_URL_BERD_RELEASE_2017" in err), err
    assert tree_digest(folder) == before
    assert (data_env / SOURCE / "rejected").is_dir() == rejected
    assert store.load(SOURCE, vintage="latest").attrs["vintage"] == good["vintage"]
