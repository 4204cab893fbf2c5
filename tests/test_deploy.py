"""The hosted workflow (.github/workflows/book.yml) and the citation file, read as files: the workflow cannot run
here, so these tests check that it calls the README's commands, publishes the site, keeps the weekly claims and
reports their changes; and that CITATION.cff credits the edition and the paper each to its own authors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import PROJECT

WORKFLOW = PROJECT / ".github" / "workflows" / "book.yml"
CHANGES = PROJECT / ".ci" / "claims_changes.py"


def _workflow() -> dict:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    flow["on"] = flow.pop(True, flow.get("on"))  # YAML 1.1 reads the key `on` as true
    return flow


def _runs(job: dict) -> list[str]:
    return [line.strip() for step in job["steps"] for line in str(step.get("run", "")).splitlines() if line.strip()]


def _uses(job: dict) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


def readme_commands() -> list[str]:
    """The commands of the README's "Two commands" block, e.g. ['make book', 'make test']."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands\s+```bash\n(.*?)```", text, flags=re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_push_build_runs_the_readmes_commands_and_publishes_the_site():
    assert readme_commands() == ["make book", "make test"]
    flow = _workflow()
    assert flow["on"]["push"]["branches"] == ["main"]
    build = flow["jobs"]["book"]
    assert _runs(build) == readme_commands()  # the README's commands, in order, and nothing else
    assert any(u.startswith("actions/setup-python@") for u in _uses(build))
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    publish = flow["jobs"]["publish"]
    assert publish["needs"] == "book" and "refs/heads/main" in publish["if"]
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(u.startswith("actions/deploy-pages@") for u in _uses(publish))


def test_the_weekly_build_pulls_live_keeps_the_claims_and_reports_changes():
    flow = _workflow()
    cron = flow["on"]["schedule"][0]["cron"].split()
    assert len(cron) == 5 and cron[2] == "*" and cron[3] == "*" and cron[4] != "*"  # once a week
    weekly = flow["jobs"]["weekly"]
    assert "schedule" in weekly["if"] and "schedule" in flow["jobs"]["book"]["if"]  # the two never both run
    runs = _runs(weekly)
    assert "make book" in runs
    claims = next(r for r in runs if "futurecity claims" in r)
    assert "--json" in claims and "--vintage latest" in claims and claims.endswith("> claims.json")
    assert runs.index("make book") < runs.index(claims)
    assert any(".ci/claims_changes.py previous/claims.json claims.json" in r for r in runs)
    kept = next(s for s in weekly["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert kept["with"]["name"] == "claims" and kept["with"]["path"] == "claims.json"
    assert any("gh run download" in r and "--name claims" in r for r in runs)


def test_every_job_has_a_time_limit_and_pinned_actions():
    for name, job in _workflow()["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 60, name
        for use in _uses(job):
            assert re.fullmatch(r"actions/[\w-]+@v\d+", use), use


def _claim(cid: str, status: str, value: float | None = 1.0, vintage: str = "pinned") -> dict:
    return {"id": cid, "label": f"claim {cid}", "status": status, "value": value, "vintage": vintage}


def _changes(tmp_path: Path, previous: list[dict] | None, current: list[dict]) -> str:
    before, now = tmp_path / "previous.json", tmp_path / "claims.json"
    if previous is not None:
        before.write_text(json.dumps(previous), encoding="utf-8")
    now.write_text(json.dumps(current), encoding="utf-8")
    done = subprocess.run([sys.executable, str(CHANGES), str(before), str(now)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_report_names_each_claim_whose_status_changed(tmp_path: Path):
    previous = [_claim("C5-1", "needs live data", None), _claim("C5-2", "reproduced"), _claim("C4-1", "differs")]
    current = [_claim("C5-1", "reproduced", 2.5, "2026-11-23"), _claim("C5-2", "reproduced", 1.1, "2026-11-23"),
               _claim("C6-1", "differs")]
    out = _changes(tmp_path, previous, current)
    assert "- C5-1 (claim C5-1): needs live data -> reproduced (value None -> 2.5; vintage pinned -> 2026-11-23)" in out
    assert "C5-2" not in out  # same status, new value: not a change of status
    assert "- C6-1: new claim, differs" in out and "- C4-1: no longer in the ledger (was differs)" in out
    same = _changes(tmp_path, current, current)
    assert "None: all 3 claims keep their status." in same
    (tmp_path / "first").mkdir()
    first = _changes(tmp_path / "first", None, current)  # the first weekly run has nothing to compare with
    assert "No previous run to compare with; 3 claims evaluated." in first


def test_the_report_reads_what_futurecity_claims_json_prints(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "futurecity", "claims", "--json"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    claims = json.loads(done.stdout)
    changed = [dict(c, status="pending") if i == 0 else c for i, c in enumerate(claims)]
    out = _changes(tmp_path, changed, claims)
    assert f"- {claims[0]['id']} ({claims[0]['label']}): pending -> {claims[0]['status']}" in out
    assert out.count("\n- ") == 1


def test_citation_credits_the_edition_and_lists_the_paper_with_its_own_authors():
    cff = yaml.safe_load((PROJECT / "CITATION.cff").read_text(encoding="utf-8"))
    config = yaml.safe_load((PROJECT / "_config.yml").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["title"] == config["title"]
    assert cff["authors"] == [{"name": config["author"]}]  # the edition's name, no invented person
    assert set(cff["license"]) == {"MIT", "CC-BY-4.0"}
    assert "preferred-citation" not in cff  # the paper is not the edition: it is a reference, not a stand-in
    (paper,) = cff["references"]
    assert paper["title"] == "Industry 4.0 and Value Creation in the Future City"
    assert paper["authors"] == [{"family-names": "Jones", "given-names": "Calvin"},
                                {"family-names": "Henderson", "given-names": "Dylan"}]
    bib = (PROJECT / "data" / "references.bib").read_text(encoding="utf-8")
    entry = re.search(r"@\w+\{jones_henderson_future_city,(.*?)\n\}", bib, flags=re.S).group(1)
    assert "Jones, Calvin and Henderson, Dylan" in entry and paper["title"] in entry
    assert "Cardiff Business School" in paper["institution"]["name"]
