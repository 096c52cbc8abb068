"""Statistics: each figure with its formula; the service center's published
year imported as history and read back exactly; figures as of a past
moment; an import refused whole on an illegal step."""
import json
import os
import shutil
import tempfile
from datetime import datetime, timedelta

import pytest
import requests

import gen_center_year as gen
from conftest import (Api, Server, connect, err_of, make_case, make_demo, run,
                      start_server, stop_server)

KEYS = ("reported", "closed", "open", "rejected", "withdrawn",
        "closure_rate", "satisfaction_rate")


def figure(stats, key):
    for f in stats["figures"]:
        if f["key"] == key:
            return f
    raise AssertionError("no figure %s in %s" % (key, [
        f["key"] for f in stats["figures"]]))


def test_every_figure_has_a_formula(api):
    s = api.get("/api/v1/stats", "admin").json()
    for k in KEYS:
        assert k in s, k
        f = figure(s, k)
        assert f["formula"] and isinstance(f["formula"], str), f
        assert f["label_zh"] and f["label_en"], f
        assert f["value"] == s[k]
    for f in s["figures"]:
        assert f["formula"], f
        if f.get("numerator") is not None:       # a rate
            if f["value"] is None:
                assert f["denominator"] == 0
            else:
                assert 0.0 <= f["value"] <= 1.0, f
                assert f["value"] == pytest.approx(
                    f["numerator"] / f["denominator"])
                assert f["percent"].endswith("%")
    assert "closed" in figure(s, "closure_rate")["formula"]
    # the filters say which were given: none here
    assert s["filters"] == {"area": None, "category": None, "unit": None}
    unit = api.me("community")["unit"]
    one = api.get("/api/v1/stats", "admin", params={"unit": unit["id"]}).json()
    assert one["filters"]["unit"] == unit["id"]
    # by its code, as a step names it, the same figures
    by_code = api.get("/api/v1/stats", "admin",
                      params={"unit": unit["code"]}).json()
    assert by_code["filters"]["unit"] == unit["id"]
    assert by_code["reported"] == one["reported"]
    for bad in ("no-such-unit", "99999999"):
        r = api.get("/api/v1/stats", "admin", params={"unit": bad})
        assert r.status_code == 404, r.text
        assert bad in err_of(r)["message"]


@pytest.mark.parametrize("user", ["admin", "supervisor", "hm-supervisor",
                                  "dispatcher", "community", "resident1"])
def test_stats_for_each_role(api, user):
    r = api.get("/api/v1/stats", user)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["reported"] >= 0
    for k in ("closure_rate", "satisfaction_rate"):
        assert s[k] is None or 0 <= s[k] <= 1


def test_a_units_figures_are_all_its_cases(api, city):
    """A unit's own figures count every case it was given, one sent from
    outside its territory too, as the figures for that unit do."""
    unit = api.me("community")["unit"]
    cid = api.report("resident1", category=city.general, area=city.outside,
                     description="外区转来的案件：路灯不亮")["id"]
    api.ok(cid, "dispatcher", "accept")
    api.ok(cid, "dispatcher", "dispatch", unit=unit["code"])
    mine = api.get("/api/v1/stats", "community").json()
    theirs = api.get("/api/v1/stats", "admin",
                     params={"unit": unit["id"]}).json()
    assert mine["reported"] == theirs["reported"] >= 1
    assert mine["open"] == theirs["open"] >= 1


def test_stats_outside_scope_is_403(api, city):
    r = api.get("/api/v1/stats", "hm-supervisor", params={"area": city.outside})
    assert r.status_code == 403
    err_of(r)


def test_withdrawn_counted_apart(api, city):
    """A new case and its withdrawal move reported and withdrawn as the
    definitions say, in a period no other test touches."""
    def now():
        return api.get("/api/v1/stats", "admin",
                       params={"area": city.grid}).json()
    s0 = now()
    a = make_case(api, city, "submitted")
    s1 = now()
    assert s1["reported"] == s0["reported"] + 1
    assert s1["open"] == s0["open"] + 1
    api.ok(a, "resident1", "withdraw")
    s2 = now()
    assert s2["reported"] == s0["reported"]
    assert s2["withdrawn"] == s0["withdrawn"] + 1
    assert s2["open"] == s0["open"]
    b = make_case(api, city, "closed")
    api.ok(b, "resident1", "rate", rating="unsatisfied")
    s3 = now()
    assert s3["closed"] == s0["closed"] + 1
    sat = figure(s3, "satisfaction_rate")
    sat0 = figure(s0, "satisfaction_rate")
    assert sat["denominator"] == (sat0["denominator"] or 0) + 1
    assert sat["numerator"] == (sat0["numerator"] or 0)


def test_stats_by_groups(api):
    for by in ("area", "category", "unit"):
        r = api.get("/api/v1/stats", "admin", params={"by": by})
        assert r.status_code == 200, r.text
        s = r.json()
        assert sum(g["reported"] for g in s["groups"]) == s["reported"]
        assert sum(g["closed"] for g in s["groups"]) == s["closed"]


# ---- the service center's year ------------------------------------------------

@pytest.fixture(scope="module")
def center(server):
    """A fresh demo database of its own with the year imported, served by
    a second server.  The demo is built without the real messages, some of
    which date from the same year."""
    tmp = tempfile.mkdtemp(prefix="civicgrid-year-")
    db, blobs = make_demo(tmp, ["--shared-data", "/nonexistent"])
    with connect(db, readonly=True) as c:
        area = c.execute("SELECT code FROM areas WHERE code LIKE '150103%'"
                         " ORDER BY level DESC, code LIMIT 1").fetchone()[0]
        cats = [r[0] for r in c.execute(
            "SELECT code FROM categories WHERE parent IS NOT NULL"
            " ORDER BY code")]
    category = "06036" if "06036" in cats else cats[0]
    recs = gen.generate(area, category)
    path = os.path.join(tmp, "center-2011.jsonl")
    gen.write(path, recs)
    r = run(["import", "cases", path, "--db", db, "--blob-dir", blobs])
    assert r.returncode == 0, r.stderr[-3000:]
    proc, port, log = start_server(tmp, db, blobs)
    s = Server(tmp, port, proc, log)
    s.db = db
    s.blobs = blobs
    s.recs = recs
    s.file = path
    s.area = area
    s.category = category
    yield s
    stop_server(proc, log)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


def year_stats(center, as_of):
    a = Api(center)
    r = a.get("/api/v1/stats", "admin",
              params={"as_of": as_of, "from": gen.REPORTED_FROM,
                      "to": gen.REPORTED_TO})
    assert r.status_code == 200, r.text
    return r.json()


def test_center_year_exact(center):
    s = year_stats(center, gen.iso(gen.AS_OF))
    got = {k: s[k] for k in ("reported", "closed", "open", "rejected",
                             "withdrawn")}
    assert got == {"reported": 5239, "closed": 5058, "open": 164,
                   "rejected": 17, "withdrawn": 822}
    cr = figure(s, "closure_rate")
    assert cr["numerator"] == 5058
    assert cr["denominator"] == 5058 + 17 + 161 == 5236
    assert s["closure_rate"] == pytest.approx(5058 / 5236)
    assert round(s["closure_rate"], 4) == 0.9660
    assert cr["percent"] == "96.6%"
    sr = figure(s, "satisfaction_rate")
    assert s["satisfaction_rate"] == 1.0
    assert sr["percent"] == "100.0%"
    assert sr["numerator"] == sr["denominator"] == 5058
    if "overdue" in s:
        assert s["overdue"] == 161


def test_center_year_counts_in_the_database(center):
    with connect(center.db, readonly=True) as c:
        n = c.execute("SELECT COUNT(*) FROM cases WHERE ref LIKE "
                      "'center-2011-%'").fetchone()[0]
        ev = c.execute("SELECT COUNT(*) FROM events e JOIN cases c ON"
                       " c.id = e.case_id WHERE c.ref LIKE 'center-2011-%'"
                       ).fetchone()[0]
    assert n == 5239 + 822
    assert ev == sum(1 + len(r["events"]) for r in center.recs)


@pytest.mark.parametrize("as_of", [
    "2011-03-01T00:00:00+08:00", "2011-06-15T12:00:00+08:00",
    "2011-06-15T12:30:00+08:00", "2011-10-31T23:59:59+08:00",
])
def test_center_year_as_of_a_past_moment(center, as_of):
    exp = gen.expected(center.recs, datetime.fromisoformat(as_of))
    s = year_stats(center, as_of)
    for k in ("reported", "closed", "open", "rejected", "withdrawn"):
        assert s[k] == exp[k], (k, s[k], exp[k])
    cr = figure(s, "closure_rate")
    assert cr["numerator"] == exp["closed"]
    assert cr["denominator"] >= exp["closed"] + exp["rejected"]
    sr = figure(s, "satisfaction_rate")
    assert sr["denominator"] == exp["rated"]
    assert sr["numerator"] == exp["satisfied"]


def test_center_year_rerun_adds_nothing(center):
    with connect(center.db, readonly=True) as c:
        before = c.execute("SELECT (SELECT COUNT(*) FROM cases),"
                           " (SELECT COUNT(*) FROM events)").fetchone()
    r = run(["import", "cases", center.file, "--db", center.db])
    assert r.returncode == 0, r.stderr[-2000:]
    with connect(center.db, readonly=True) as c:
        after = c.execute("SELECT (SELECT COUNT(*) FROM cases),"
                          " (SELECT COUNT(*) FROM events)").fetchone()
    assert after == before
    s = year_stats(center, gen.iso(gen.AS_OF))
    assert s["reported"] == 5239 and s["withdrawn"] == 822


BAD_LINES = [
    ("close right after accept", lambda r: dict(r, events=[
        {"at": r["reported_at"], "action": "accept"},
        {"at": r["reported_at"], "action": "close"}])),
    ("sign before dispatch", lambda r: dict(r, events=[
        r["events"][0], r["events"][2]])),
    ("rate an open case", lambda r: dict(r, events=[
        r["events"][0], {"at": r["events"][0]["at"], "action": "rate",
                         "rating": "satisfied"}])),
    ("unknown action", lambda r: dict(r, events=[
        {"at": r["reported_at"], "action": "teleport"}])),
    ("unknown category", lambda r: dict(r, category="99999")),
    ("unknown area", lambda r: dict(r, area="150199999999999")),
    ("no offset in time", lambda r: dict(r, reported_at="2011-05-05 10:00")),
    ("event before the report", lambda r: dict(r, events=[
        {"at": "2010-01-01T00:00:00+08:00", "action": "accept"}])),
    ("unknown field", lambda r: dict(r, secret=1)),
    ("not JSON", None),
]


@pytest.mark.parametrize("name,spoil", BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_import_refused_whole_with_line_number(center, tmp_path, name,
                                                spoil):
    path = str(tmp_path / "bad.jsonl")
    base = [r for r in center.recs if r["ref"].startswith(
        "center-2011-closed-")][:9]
    tag = "bad-%s-" % abs(hash(name))
    lines = []
    for i, r in enumerate(base):
        r = dict(r, ref=tag + str(i))
        if i == 6:
            lines.append("{not json" if spoil is None else
                         json.dumps(spoil(r), ensure_ascii=False))
        else:
            lines.append(json.dumps(r, ensure_ascii=False))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    with connect(center.db, readonly=True) as c:
        before = c.execute("SELECT (SELECT COUNT(*) FROM cases),"
                           " (SELECT COUNT(*) FROM events)").fetchone()
    r = run(["import", "cases", path, "--db", center.db])
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "%s:7:" % path in r.stderr, r.stderr
    with connect(center.db, readonly=True) as c:
        after = c.execute("SELECT (SELECT COUNT(*) FROM cases),"
                          " (SELECT COUNT(*) FROM events)").fetchone()
        n = c.execute("SELECT COUNT(*) FROM cases WHERE ref LIKE ?",
                      (tag + "%",)).fetchone()[0]
    assert after == before
    assert n == 0
