"""
`civicgrid import 311`: the three US city exports in ../shared/data/311/
imported into a fresh demo database, then the platform's statistics
compared with counts made here, independently, from the CSV files with
Python's csv module.

Each city is filed under an area of its own (9900001 Boston, 9900002 New
York, 9900003 San Francisco); the figures are asked of the API as a
supervisor whose scope is that area.
"""
import csv
import os
import re
import shutil
import tempfile
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import (PASSWORD, Api, Server, connect, make_demo, run, shared_data,
                      start_server, stop_server)

DIR = os.path.join(shared_data(), "311")

# What the importer reads from each export: the column of each field, the
# city's zone and area, and the shapes of its times.
CITIES = {
    "boston": dict(file="boston311-100.csv", area="9900001",
                   zone="America/New_York", id="case_enquiry_id",
                   opened="open_dt", closed="closed_dt", due="target_dt",
                   status="case_status", type="type", agency="department",
                   lat="latitude"),
    "nyc": dict(file="nyc311-924.csv", area="9900002",
                zone="America/New_York", id="Unique Key",
                opened="Created Date", closed="Closed Date", due="Due Date",
                status="Status", type="Complaint Type", agency="Agency",
                lat="Latitude"),
    "sf": dict(file="sf311-4984.csv", area="9900003",
               zone="America/Los_Angeles", id="CaseID", opened="Opened",
               closed="Closed", due=None, status="Status", type="Category",
               agency="Responsible.Agency", lat="Lat"),
}

pytestmark = pytest.mark.skipif(
    not os.path.isdir(DIR),
    reason="the real 311 exports are not in %s (../shared/data is absent)"
    % DIR)


def cell(v):
    v = (v or "").strip()
    return "" if v == "NA" else v


def when(s, zone):
    """A local time of the export as an aware datetime; None when it is
    not one of the two shapes.  fold=0: a repeated autumn hour is read as
    its first (daylight) pass, as the importer does."""
    for shape in ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"):
        try:
            return datetime.strptime(s, shape).replace(tzinfo=ZoneInfo(zone))
        except ValueError:
            pass
    return None


def expected(city):
    """Reads the export as the importer should: rows that go in with
    their state, type and agency, and the line numbers of rows that must
    be skipped or that have no coordinates."""
    c = CITIES[city]
    rows, skipped, nocoord = [], set(), set()
    with open(os.path.join(DIR, c["file"]), newline="",
              encoding="utf-8") as f:
        r = csv.DictReader(f)
        last = r.line_num
        for rec in r:
            line = last + 1
            last = r.line_num
            opened = when(cell(rec[c["opened"]]), c["zone"])
            closed = cell(rec[c["status"]]) == "Closed"
            closed_at = when(cell(rec[c["closed"]]), c["zone"])
            if (not cell(rec[c["id"]]) or opened is None
                    or not cell(rec[c["type"]])
                    or not cell(rec[c["agency"]])
                    or (closed and (closed_at is None
                                    or closed_at < opened))):
                skipped.add(line)
                continue
            if not cell(rec[c["lat"]]):
                nocoord.add(line)
            rows.append(dict(rec, _closed=closed, _closed_at=closed_at,
                             _type=cell(rec[c["type"]]),
                             _agency=cell(rec[c["agency"]])))
    return rows, skipped, nocoord


@pytest.fixture(scope="module")
def us(server):
    """A fresh demo database (without the real messages) with the three
    exports imported, served by a server of its own; a supervisor for
    each city's area."""
    tmp = tempfile.mkdtemp(prefix="civicgrid-311-")
    db, blobs = make_demo(tmp, ["--shared-data", "/nonexistent"])
    out = {}
    for city, c in CITIES.items():
        r = run(["import", "311", "--format", city,
                 os.path.join(DIR, c["file"]), "--db", db])
        assert r.returncode == 0, r.stderr[-3000:]
        out[city] = r
        r = run(["user", "add", "sup-" + city, "--role", "supervisor",
                 "--area", c["area"], "--db", db], input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr[-2000:]
    proc, port, log = start_server(tmp, db, blobs)
    s = Server(tmp, port, proc, log)
    s.db = db
    s.blobs = blobs
    s.runs = out
    yield s
    stop_server(proc, log)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


def stats(us, city, **params):
    a = Api(us)
    params["area"] = CITIES[city]["area"]
    r = a.get("/api/v1/stats", "sup-" + city, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def lines(stderr, what):
    return {int(m.group(1)) for m in re.finditer(
        r"^[^\n]*\.csv:(\d+): " + what, stderr, re.M)}


@pytest.mark.parametrize("city", sorted(CITIES))
def test_skipped_rows_reported_with_line_numbers(us, city):
    rows, skipped, nocoord = expected(city)
    r = us.runs[city]
    assert lines(r.stderr, "skipped") == skipped
    assert lines(r.stderr, "imported without coordinates") == nocoord
    m = re.search(r"imported (\d+) .* (\d+) skipped, (\d+) already there",
                  r.stdout)
    assert m, r.stdout
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (
        len(rows), len(skipped), 0)


def test_sf_skips_the_rows_closed_before_opened(us):
    r = us.runs["sf"]
    reasons = re.findall(r"\.csv:\d+: skipped: (\w+)", r.stderr)
    assert len(reasons) == 55
    assert set(reasons) == {"closed"}
    assert "before it was opened" in r.stderr


@pytest.mark.parametrize("city", sorted(CITIES))
def test_open_and_closed_per_category(us, city):
    rows, _, _ = expected(city)
    want = {}
    for row in rows:
        o, c = want.get(row["_type"], (0, 0))
        want[row["_type"]] = (o + (not row["_closed"]), c + row["_closed"])
    s = stats(us, city, by="category", category="90")
    got = {g["name"]: (g["open"], g["closed"]) for g in s["groups"]}
    assert got == want
    assert all(g["key"].startswith("90") and len(g["key"]) == 5
               for g in s["groups"])
    assert s["closed"] == sum(c for _, c in want.values())
    assert s["open"] == sum(o for o, _ in want.values())


@pytest.mark.parametrize("city", sorted(CITIES))
def test_open_and_closed_per_agency(us, city):
    rows, _, _ = expected(city)
    want = {}
    for row in rows:
        o, c = want.get(row["_agency"], (0, 0))
        want[row["_agency"]] = (o + (not row["_closed"]), c + row["_closed"])
    s = stats(us, city, by="unit")
    got = {g["name"]: (g["open"], g["closed"]) for g in s["groups"]}
    assert got == want


def test_boston_on_time_and_overdue(us):
    """Boston's own `ontime` column against the platform's figures.  A
    case with a target date is on time when closed by it and overdue
    when open past it; a case without one has no deadline, which Boston
    calls ONTIME and the platform counts neither way."""
    rows, _, _ = expected("boston")
    closed = [r for r in rows if r["_closed"]]
    opened = [r for r in rows if not r["_closed"]]
    on_time = sum(1 for r in closed if r["ontime"] == "ONTIME"
                  and cell(r["target_dt"]))
    late = sum(1 for r in closed if r["ontime"] == "OVERDUE")
    no_target = sum(1 for r in closed if not cell(r["target_dt"]))
    overdue = sum(1 for r in opened if r["ontime"] == "OVERDUE")
    # Boston's column agrees with its own dates.
    tz = ZoneInfo(CITIES["boston"]["zone"])
    assert on_time == sum(1 for r in closed if cell(r["target_dt"]) and
                          r["_closed_at"] <= when(r["target_dt"], "America/"
                                                  "New_York").astimezone(tz))
    assert all(r["ontime"] == "ONTIME" for r in rows
               if not cell(r["target_dt"]))
    assert all(cell(r["target_dt"]) for r in opened
               if r["ontime"] == "OVERDUE")
    s = stats(us, "boston")
    f = {x["key"]: x for x in s["figures"]}
    assert f["ontime_rate"]["numerator"] == on_time
    assert f["ontime_rate"]["numerator"] + late + no_target == len(closed)
    assert s["overdue"] == overdue
    assert (on_time, late, no_target, overdue) == (72, 5, 8, 12)


@pytest.mark.parametrize("city", sorted(CITIES))
def test_rerun_adds_nothing(us, city):
    rows, skipped, _ = expected(city)
    with connect(us.db, readonly=True) as c:
        before = c.execute("SELECT (SELECT COUNT(*) FROM cases),"
                           " (SELECT COUNT(*) FROM events),"
                           " (SELECT COUNT(*) FROM categories),"
                           " (SELECT COUNT(*) FROM units)").fetchone()
        refs = c.execute("SELECT COUNT(*) FROM cases WHERE ref LIKE ?",
                         (city + "-%",)).fetchone()[0]
    assert refs == len(rows)
    r = run(["import", "311", "--format", city,
             os.path.join(DIR, CITIES[city]["file"]), "--db", us.db])
    assert r.returncode == 0, r.stderr[-2000:]
    assert re.search(r"imported 0 .* %d skipped, %d already there"
                     % (len(skipped), len(rows)), r.stdout), r.stdout
    with connect(us.db, readonly=True) as c:
        after = c.execute("SELECT (SELECT COUNT(*) FROM cases),"
                          " (SELECT COUNT(*) FROM events),"
                          " (SELECT COUNT(*) FROM categories),"
                          " (SELECT COUNT(*) FROM units)").fetchone()
    assert after == before


def test_bad_format_and_bad_header(us, tmp_path):
    r = run(["import", "311", "--format", "chicago",
             os.path.join(DIR, CITIES["sf"]["file"]), "--db", us.db])
    assert r.returncode != 0
    assert "boston, nyc or sf" in r.stderr
    r = run(["import", "311", "--format", "nyc",
             os.path.join(DIR, CITIES["sf"]["file"]), "--db", us.db])
    assert r.returncode != 0
    assert "no column 'Unique Key'" in r.stderr


def test_bad_rows_reported_and_the_rest_imported(us, tmp_path):
    """Rows made bad on purpose in a Boston-shaped file: each is reported
    with its line and reason, the good one goes in."""
    src = os.path.join(DIR, CITIES["boston"]["file"])
    with open(src, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r)
        good = next(r)
    col = {k: head.index(k) for k in head}

    def row(**kw):
        v = list(good)
        for k, x in kw.items():
            v[col[k]] = x
        return v
    bad = [
        row(case_enquiry_id="T1", open_dt=""),
        row(case_enquiry_id="T2", open_dt="yesterday"),
        row(case_enquiry_id="T3", open_dt="2022-02-30 10:00:00"),
        row(case_enquiry_id="T4", type=""),
        row(case_enquiry_id="T5", case_status="Closed", closed_dt=""),
        row(case_enquiry_id="T6", case_status="Closed",
            open_dt="2022-01-02 10:00:00", closed_dt="2022-01-01 10:00:00"),
        row(case_enquiry_id="T7", department=""),
        row(case_enquiry_id="T8", target_dt="next week"),
        row(case_enquiry_id="T9"),
    ]
    path = tmp_path / "bad.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(bad)
    r = run(["import", "311", "--format", "boston", str(path),
             "--db", us.db])
    assert r.returncode == 0, r.stderr
    got = dict((int(a), b) for a, b in re.findall(
        r"bad\.csv:(\d+): skipped: ([^\n]*)", r.stderr))
    assert sorted(got) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "no opened date" in got[2]
    assert "unreadable opened date" in got[3]
    assert "unreadable opened date" in got[4]
    assert "no request type" in got[5]
    assert "without a closed date" in got[6]
    assert "before it was opened" in got[7]
    assert "no agency" in got[8]
    assert "unreadable due date" in got[9]
    assert "imported 1 boston" in r.stdout


@pytest.mark.parametrize("city", sorted(CITIES))
def test_times_in_the_city_zone(us, city):
    """Every opened, closed and due time as an instant agrees with the
    zone database (the importer applies the US daylight-saving rule)."""
    c = CITIES[city]
    rows, _, _ = expected(city)
    with connect(us.db, readonly=True) as db:
        got = {r[0]: r[1:] for r in db.execute(
            "SELECT ref, reported_at, closed_at, due_at FROM cases"
            " WHERE ref LIKE ?", (city + "-%",))}
    for row in rows:
        ref = "%s-%s" % (city, cell(row[c["id"]]))
        due = when(cell(row[c["due"]]), c["zone"]) if c["due"] else None
        want = (int(when(cell(row[c["opened"]]), c["zone"]).timestamp()),
                int(row["_closed_at"].timestamp()) if row["_closed"]
                else None,
                int(due.timestamp()) if due else None)
        assert got[ref] == want, (ref, got[ref], want)
