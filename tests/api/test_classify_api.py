"""
The category of a report the resident left to the platform: the cold
start by the catalogue's names and keywords (on the shared server, which
has no model), and a model learnt from the demo city's closed cases by
`civicgrid train --db` (on a server of its own, which loads it at start):
filing under the top suggestion, accepting automatically above the
`classify.auto_accept` confidence with a note saying why, waiting for a
dispatcher below it, and the dispatcher correcting the category when
accepting.
"""
import os
import re
import shutil
import sqlite3
import tempfile

import pytest

from conftest import Api, err_of, make_demo, run, start_server, stop_server

GARBAGE = "小区门口垃圾堆了好几天没人清理，味道很大"


def report(api, user, area, description, **kw):
    body = dict(area=area, description=description, **kw)
    return api.post("/api/v1/cases", user, json=body)


# ---- the cold start: no model, the catalogue's words ----------------------

def test_suggest_answers_three_with_a_reason(api):
    r = api.get("/api/v1/categories/suggest", "resident1",
                params={"text": GARBAGE})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["by"] == "keywords"
    assert len(s["items"]) == 3
    ps = [i["p"] for i in s["items"]]
    assert ps == sorted(ps, reverse=True) and 0 < ps[0] < 1
    assert s["items"][0]["code"] == "06010"
    assert "按类别名称关键词匹配：“垃圾" in s["reason"]


def test_suggest_needs_text(api):
    r = api.get("/api/v1/categories/suggest", "resident1")
    assert r.status_code == 400
    assert err_of(r)["code"] == "invalid_query"


def test_report_without_category_is_filed_by_the_suggestion(api, city):
    r = report(api, "resident1", city.grid, GARBAGE)
    assert r.status_code == 201, r.text
    mine = r.json()
    # The resident sees the case, not the platform's guesses.
    assert "suggestions" not in mine and "category_reason" not in mine
    c = api.case(mine["id"], "dispatcher")
    assert c["state"] == "submitted"  # words alone never accept a case
    assert len(c["suggestions"]) == 3
    assert c["category"]["code"] == c["suggestions"][0]["code"] == "06010"
    assert "按类别名称关键词匹配：“垃圾" in c["category_reason"]
    assert "待受理员确认" in c["category_reason"]
    # The queue row carries the hint too.
    rows = api.get("/api/v1/cases", "dispatcher",
                   params={"state": "submitted", "sort": "new"}).json()
    row = [i for i in rows["items"] if i["id"] == mine["id"]]
    assert row and row[0]["suggestions"][0]["code"] == "06010"


def test_staff_filing_a_case_name_its_category(api, city):
    r = report(api, "dispatcher", city.grid, GARBAGE)
    assert r.status_code == 422
    assert err_of(r)["code"] == "missing_field"


def test_text_with_nothing_to_go_by_needs_a_category(api, city):
    r = report(api, "resident1", city.grid, "请尽快来看看，谢谢")
    assert r.status_code == 422, r.text
    assert err_of(r)["code"] == "missing_field"


def test_dispatcher_corrects_the_category_when_accepting(api, city):
    cid = report(api, "resident1", city.grid, GARBAGE).json()["id"]
    r = api.act(cid, "dispatcher", "accept", category="99999")
    assert r.status_code == 422
    assert err_of(r)["code"] == "unknown_category"
    r = api.act(cid, "dispatcher", "accept", category="06")
    assert r.status_code == 422  # a big class is no category to file under
    assert api.case(cid, "dispatcher")["state"] == "submitted"
    c = api.ok(cid, "dispatcher", "accept", category="06042")
    assert c["state"] == "filed"
    assert c["category"]["code"] == "06042"
    assert "06010" in c["category_reason"] and "06042" in c["category_reason"]
    assert "06042" in c["route_reason"]
    accept = [e for e in c["events"] if e["action"] == "accept"][-1]
    assert accept["note"].startswith("受理时更正类别：06010")


def test_category_goes_with_accept_only(api, city):
    cid = report(api, "resident1", city.grid, GARBAGE).json()["id"]
    r = api.act(cid, "dispatcher", "reject", note="重复", category="06042")
    assert r.status_code == 422
    assert err_of(r)["code"] == "invalid_field"


# ---- a model learnt from the deployment's closed cases --------------------

@pytest.fixture(scope="module")
def trained():
    """A demo city of its own, a model trained from its closed cases with
    the command line, and a server that loads it at start."""
    tmp = tempfile.mkdtemp(prefix="civicgrid-classify-")
    db, blobs = make_demo(tmp)
    r = run(["train", "--db", db])
    assert r.returncode == 0, r.stderr
    closed = sqlite3.connect(db).execute(
        "SELECT COUNT(*) FROM cases WHERE state = 'closed'").fetchone()[0]
    assert re.search(r"model #1: logreg on %d closed cases" % closed,
                     r.stdout), r.stdout
    proc, port, log = start_server(tmp, db, blobs)

    class Srv:
        pass
    s = Srv()
    s.tmp, s.db, s.blobs, s.port = tmp, db, blobs, port
    s.url = "http://127.0.0.1:%d" % port
    yield Api(s)
    stop_server(proc, log)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


def set_threshold(api, value):
    with sqlite3.connect(api.srv.db, timeout=10) as c:
        c.execute("INSERT OR REPLACE INTO settings (key, value)"
                  " VALUES ('classify.auto_accept', ?)", (str(value),))


def clear_text(api):
    """The text of a closed case and what the model makes of it."""
    with sqlite3.connect(api.srv.db) as c:
        text, = c.execute(
            "SELECT description FROM cases WHERE state = 'closed'"
            " ORDER BY id LIMIT 1").fetchone()
    s = api.get("/api/v1/categories/suggest", "resident1",
                params={"text": text}).json()
    assert s["by"] == "model" and s["model_id"] == 1, s
    assert len(s["items"]) == 3
    assert s["closed_since_model"] >= 0  # what a retrain would add
    return text, s


def grid_of(api):
    return api.me("gridworker")["area"]["code"]


def test_confident_case_is_accepted_automatically(trained):
    text, s = clear_text(trained)
    p1 = s["items"][0]["p"]
    set_threshold(trained, round(max(p1 - 0.01, 0.01), 2))
    r = report(trained, "resident1", grid_of(trained), text)
    assert r.status_code == 201, r.text
    c = trained.case(r.json()["id"], "dispatcher")
    assert c["state"] == "filed"
    assert c["category"]["code"] == s["items"][0]["code"]
    assert "模型 #1" in c["category_reason"]
    accept = [e for e in c["events"] if e["action"] == "accept"]
    assert len(accept) == 1
    assert accept[0]["actor_role"] == "dispatcher"
    assert "actor" not in accept[0] or not accept[0]["actor"]
    assert re.match(r"自动立案：分类置信度 \d\.\d\d ≥ \d\.\d\d（模型 #1）",
                    accept[0]["note"]), accept[0]["note"]


def test_unsure_case_waits_for_the_dispatcher(trained):
    text, s = clear_text(trained)
    set_threshold(trained, 1)
    r = report(trained, "resident1", grid_of(trained), text)
    assert r.status_code == 201, r.text
    c = trained.case(r.json()["id"], "dispatcher")
    assert c["state"] == "submitted"
    assert "低于自动立案阈值" in c["category_reason"]
    assert not [e for e in c["events"] if e["action"] == "accept"]
    other = "06042" if c["category"]["code"] != "06042" else "06010"
    c = trained.ok(c["id"], "dispatcher", "accept", category=other)
    assert c["state"] == "filed" and c["category"]["code"] == other


def test_bad_threshold_setting_falls_back_to_the_default(trained):
    set_threshold(trained, "lots")
    s = trained.get("/api/v1/categories/suggest", "resident1",
                    params={"text": GARBAGE}).json()
    assert s["auto_accept"] == 0.85
