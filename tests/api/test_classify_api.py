"""
The category of a report the resident left to the platform: the cold
start by the catalogue's names and keywords (on the shared server, which
has no model), and a model learnt from the demo city's closed cases by
`civicgrid train --db` (on a server of its own, which loads it at start):
filing under the top suggestion, accepting automatically above the
`classify.auto_accept` confidence with a note saying why, waiting for a
dispatcher below it, and the dispatcher correcting the category when
accepting; and the server retraining by itself once cases have closed
since its model, under the lease that keeps servers sharing a database
from training at the same time, and still stopping cleanly.
"""
import os
import re
import shutil
import tempfile
import time

import pytest

from conftest import (Api, City, connect, err_of, make_case, make_demo, run,
                      start_server, stop_server)

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
    closed = connect(db).execute(
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
    with connect(api.srv.db) as c:
        c.execute("INSERT INTO settings (key, value)"
                  " VALUES ('classify.auto_accept', ?)"
                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  (str(value),))


def clear_text(api):
    """The text of a closed case and what the model makes of it."""
    with connect(api.srv.db) as c:
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


# ---- retraining in the background as cases close --------------------------

def models(db):
    with connect(db, readonly=True) as c:
        return c.execute("SELECT id, n_examples, created_at FROM models"
                         " ORDER BY id").fetchall()


def closed_count(db):
    with connect(db, readonly=True) as c:
        return c.execute("SELECT COUNT(*) FROM cases"
                         " WHERE state = 'closed'").fetchone()[0]


def test_server_retrains_when_cases_close():
    """A model from `civicgrid train --db`, a server told to look every
    second and to learn again after one closed case: closing a case
    through the API makes it store a newer model that has learnt it, with
    nobody running `train`; the lease names the server that trained."""
    tmp = tempfile.mkdtemp(prefix="civicgrid-retrain-")
    db, blobs = make_demo(tmp)
    r = run(["train", "--db", db])
    assert r.returncode == 0, r.stderr
    with connect(db) as c:
        c.executemany("INSERT INTO settings (key, value) VALUES (?, ?)"
                      " ON CONFLICT (key) DO UPDATE SET"
                      " value = excluded.value",
                      [("classify.retrain_every", "1"),
                       ("classify.retrain_after", "1")])
    proc, port, log = start_server(tmp, db, blobs)
    try:
        class Srv:
            pass
        s = Srv()
        s.tmp, s.db, s.blobs, s.port = tmp, db, blobs, port
        s.url = "http://127.0.0.1:%d" % port
        api = Api(s)
        # Nothing has closed since the model: the server leaves it be.
        time.sleep(2.5)
        assert [m[0] for m in models(db)] == [1]
        first = models(db)[0]
        make_case(api, City(api), state="closed",
                  description="楼道里堆满了杂物，影响通行，请清理")
        closed = closed_count(db)
        assert closed == first[1] + 1
        deadline = time.time() + 15
        while time.time() < deadline and len(models(db)) < 2:
            time.sleep(0.2)
        got = models(db)
        assert len(got) >= 2, "no model retrained within 15 s; see %s" % (
            log.name)
        assert got[1][0] == 2 and got[1][1] == closed
        assert got[1][2] >= first[2]
        # One look later there is nothing new to learn: no third model.
        time.sleep(2.5)
        assert len(models(db)) == 2
        with connect(db, readonly=True) as c:
            lease, = c.execute("SELECT value FROM settings WHERE key ="
                               " 'classify.retrain_lease'").fetchone()
        assert re.match(r"%d@\S+ until \d{4}-" % proc.pid, lease), lease
    finally:
        stop_server(proc, log)
    with open(log.name, errors="replace") as f:
        text = f.read()
    assert text.count('msg="category model retrained" model=2') == 1, text
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_running_lease_keeps_another_server_from_training():
    """Another server's lease that has not run out: this one, though it
    has cases to learn from, leaves the training to the holder."""
    tmp = tempfile.mkdtemp(prefix="civicgrid-lease-")
    db, blobs = make_demo(tmp)
    with connect(db) as c:
        c.executemany("INSERT INTO settings (key, value) VALUES (?, ?)"
                      " ON CONFLICT (key) DO UPDATE SET"
                      " value = excluded.value",
                      [("classify.retrain_every", "1"),
                       ("classify.retrain_after", "1"),
                       ("classify.retrain_lease",
                        "1@elsewhere until 2999-01-01T00:00:00Z")])
    proc, port, log = start_server(tmp, db, blobs)
    try:
        time.sleep(3)
        assert models(db) == []
        with connect(db) as c:
            c.execute("UPDATE settings SET value ="
                      " '1@elsewhere until 2000-01-01T00:00:00Z'"
                      " WHERE key = 'classify.retrain_lease'")
        deadline = time.time() + 15
        while time.time() < deadline and not models(db):
            time.sleep(0.2)
        assert [m[0] for m in models(db)] == [1]
        assert models(db)[0][1] == closed_count(db)
    finally:
        stop_server(proc, log)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)
