"""The figures of now, answered from the rollups kept by the database,
are the figures the replay of every case's events gives at the same
moment: for the city, an area, a category, a unit and periods, grouped
every way, after cases went through every kind of step."""
import os
import shutil
import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone

import pytest

from conftest import (DB_URL, Api, City, Server, connect, make_case,
                      make_demo, new_db, run, start_server, stop_server)

TZ = timezone(timedelta(hours=8))
# A report far ahead: while it is in the database, every moment before it
# is answered by replaying the events (the rollups only serve moments no
# report or event comes after).  It has no events, so neither way counts
# it.
FUTURE = int(datetime(2100, 1, 1, tzinfo=TZ).timestamp())


@pytest.fixture(scope="module")
def town():
    """A demo city of its own, on which cases are then taken through every
    kind of step the figures count."""
    tmp = tempfile.mkdtemp(prefix="civicgrid-rollup-")
    db, blobs = make_demo(tmp)
    proc, port, log = start_server(tmp, db, blobs)
    srv = Server(tmp, port, proc, log, db)
    api = Api(srv)
    city = City(api)
    walk(api, city)
    yield api, city
    stop_server(proc, log)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


def walk(api, city):
    """Submit, dispatch, handle, close, rate, reopen, rework, withdraw,
    merge and reject, across units, areas and categories."""
    street = city.grid[:9]
    other = city.category("道路", "路灯", "绿化", unit=city.landscape_unit)
    for state in ("submitted", "filed", "dispatched", "handling", "handled",
                  "closed"):
        make_case(api, city, state)
    make_case(api, city, "handling", category=other,
              unit=city.landscape_unit)
    make_case(api, city, "closed", area=street, unit=city.sanitation_unit)
    rated = make_case(api, city, "closed")
    api.ok(rated, "resident1", "rate", rating="satisfied")
    again = make_case(api, city, "closed", reporter="resident2")
    api.ok(again, "resident2", "rate", rating="unsatisfied")
    api.ok(again, "resident2", "reopen", note="还是没修好")
    api.ok(again, "community", "sign")
    api.ok(again, "community", "handle", note="重新处理",
           photos=[api.photo("community")])
    api.ok(again, "supervisor", "close")
    sent_back = make_case(api, city, "handled")
    api.ok(sent_back, "supervisor", "rework", note="再修一次")
    gone = make_case(api, city, "submitted")
    api.ok(gone, "resident1", "withdraw")
    target = make_case(api, city, "filed")
    dup = make_case(api, city, "submitted", reporter="resident2")
    api.ok(dup, "dispatcher", "merge", target=target)
    no = make_case(api, city, "submitted")
    api.ok(no, "dispatcher", "reject", note="不属于受理范围")


def moment():
    """A moment after every event so far, as the API writes times."""
    return (datetime.now(TZ) + timedelta(minutes=5)).isoformat(
        timespec="seconds")


def without_short_word_index(c):
    """The triggers of the short-word search index, dropped on a SQLite
    database for a write made here: they need the server's own tokenizer,
    which this process lacks.  Returns their statements to put back."""
    if not isinstance(c, sqlite3.Connection):
        return []
    rows = c.execute("SELECT name, sql FROM sqlite_master WHERE type ="
                     " 'trigger' AND name LIKE 'cases_grams_%'").fetchall()
    for name, _ in rows:
        c.execute('DROP TRIGGER "%s"' % name)
    return [sql for _, sql in rows]


def both_ways(api, params):
    """The answer at one moment from the rollups, then from the replay
    (with a report ahead of the moment in the database)."""
    p = dict(params, as_of=moment())
    fast = api.get("/api/v1/stats", "admin", params=p)
    assert fast.status_code == 200, fast.text
    with connect(api.srv.db) as c:
        triggers = without_short_word_index(c)
        c.execute("INSERT INTO cases (city_code, description, category_code,"
                  " area_code, area_path, state, reported_at, updated_at)"
                  " SELECT city_code, 'ahead', category_code, area_code,"
                  " area_path, 'submitted', ?, ? FROM cases"
                  " WHERE id = (SELECT MIN(id) FROM cases)", (FUTURE, FUTURE))
        c.commit()
    try:
        slow = api.get("/api/v1/stats", "admin", params=p)
    finally:
        with connect(api.srv.db) as c:
            c.execute("DELETE FROM cases WHERE reported_at = ?", (FUTURE,))
            for sql in triggers:
                c.execute(sql)
            c.commit()
    assert slow.status_code == 200, slow.text
    return fast.json(), slow.json()


def periods():
    """Whole months, whole days that are not months, and moments that are
    not midnight, around the demo's cases (reported over recent weeks)."""
    now = datetime.now(TZ)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    prev = (month - timedelta(days=1)).replace(day=1)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    odd = now - timedelta(days=9, hours=3, minutes=17, seconds=5)
    fmt = lambda t: t.isoformat(timespec="seconds")
    return [
        {"from": fmt(prev), "to": fmt(month)},
        {"from": fmt(prev)},
        {"to": fmt(month)},
        {"from": fmt(prev - timedelta(days=40)),
         "to": fmt(month + timedelta(days=40))},
        {"from": fmt(day - timedelta(days=45)), "to": fmt(day)},
        {"from": fmt(odd)},
        {"to": fmt(odd)},
        {"from": fmt(odd - timedelta(days=50)), "to": fmt(odd)},
        {"from": fmt(now - timedelta(hours=2)), "to": fmt(now)},
        {"from": fmt(day + timedelta(hours=1)),
         "to": fmt(day + timedelta(hours=2))},
    ]


def shapes(city, api):
    unit = api.me("community")["unit"]["id"]
    big = city.general[:2]
    return [
        {},
        {"area": city.grid[:6]},
        {"area": city.grid[:9]},
        {"area": city.grid},
        {"category": big},
        {"category": city.general},
        {"category": big[:1]},
        {"unit": unit},
        {"area": city.grid[:6], "category": big},
    ]


@pytest.mark.parametrize("by", [None, "area", "category", "unit"])
def test_rollups_equal_the_replay(town, by):
    api, city = town
    seen = 0
    for shape in shapes(city, api):
        params = dict(shape, **({"by": by} if by else {}))
        fast, slow = both_ways(api, params)
        assert fast == slow, params
        seen += fast["reported"] + fast["withdrawn"] + fast["merged"]
    assert seen > 0, "no cases counted at all"


@pytest.mark.parametrize("by", [None, "area", "category"])
def test_rollups_equal_the_replay_over_periods(town, by):
    api, city = town
    counted = set()
    for period in periods():
        for shape in ({}, {"area": city.grid[:6]}, {"area": city.grid}):
            params = dict(period, **shape)
            if by:
                params["by"] = by
            fast, slow = both_ways(api, params)
            assert fast == slow, params
            counted.add(fast["reported"])
    assert len(counted) > 1, "every period counted the same cases"


def test_rollups_follow_every_step(town):
    """The steps of walk() moved the figures as the definitions say, and
    the answer still equals the replay's."""
    api, city = town
    fast, slow = both_ways(api, {"area": city.grid})
    assert fast == slow
    assert fast["withdrawn"] >= 1 and fast["merged"] >= 1
    assert fast["rejected"] >= 1 and fast["closed"] >= 3
    figures = {f["key"]: f for f in fast["figures"]}
    assert figures["rework_rate"]["numerator"] >= 1
    # Rated satisfied, and rated unsatisfied then reopened and closed
    # again: the reopening took the rating away.
    assert figures["satisfaction_rate"]["denominator"] >= 1
    assert figures["satisfaction_rate"]["numerator"] >= 1


def test_rollups_equal_a_count_of_the_cases(town):
    """What the triggers kept equals what the cases add up to now."""
    api, _ = town
    day = ("SELECT area_path, category_code, unit_id, day, SUM(reported),"
           " SUM(closed), SUM(open), SUM(rated), SUM(close_seconds)"
           " FROM stats_cases GROUP BY area_path, category_code, unit_id,"
           " day ORDER BY 1, 2, 3, 4")
    kept = ("SELECT area_path, category_code, unit_id, day, reported,"
            " closed, open, rated, close_seconds FROM stats_day"
            " WHERE reported + withdrawn + merged > 0 ORDER BY 1, 2, 3, 4")
    month = ("SELECT street_path, big_class, unit_id, month, SUM(reported),"
             " SUM(withdrawn), SUM(handled), SUM(reworked)"
             " FROM stats_cases GROUP BY street_path, big_class, unit_id,"
             " month ORDER BY 1, 2, 3, 4")
    kept_month = ("SELECT street_path, big_class, unit_id, month, reported,"
                  " withdrawn, handled, reworked FROM stats_month"
                  " WHERE reported + withdrawn + merged > 0"
                  " ORDER BY 1, 2, 3, 4")
    with connect(api.srv.db, readonly=True) as c:
        counted = [tuple(r) for r in c.execute(day).fetchall()]
        assert counted == [tuple(r) for r in c.execute(kept).fetchall()]
        assert counted, "nothing in the rollup"
        counted = [tuple(r) for r in c.execute(month).fetchall()]
        assert counted == [tuple(r) for r in
                           c.execute(kept_month).fetchall()]


@pytest.mark.skipif(not DB_URL,
                    reason="the copy goes into PostgreSQL (CIVICGRID_DB_URL)")
def test_a_copy_into_postgresql_keeps_the_rollups():
    """`migrate --from --to` copies the cases and their events; the
    target's triggers rebuild the rollups, row for row the source's."""
    tmp = tempfile.mkdtemp(prefix="civicgrid-rollup-copy-")
    try:
        src = os.path.join(tmp, "center.db")
        blobs = os.path.join(tmp, "blobs")
        r = run(["demo", "--db", src, "--blob-dir", blobs])
        assert r.returncode == 0, r.stderr
        target = new_db(tmp)
        r = run(["migrate", "--from", src, "--to", target, "--blob-dir",
                 blobs, "--to-blob-dir", os.path.join(tmp, "moved")])
        assert r.returncode == 0, r.stdout + r.stderr
        for table, key in (("stats_day", "area_path, category_code, unit_id,"
                                         " day"),
                           ("stats_month", "street_path, big_class,"
                                           " unit_id, month")):
            q = ("SELECT %s, reported, withdrawn, merged, rejected, closed,"
                 " closed_on_time, open, handled, reworked, rated,"
                 " satisfied, basically_satisfied, unsatisfied,"
                 " close_seconds FROM %s"
                 " WHERE reported + withdrawn + merged > 0" % (key, table))
            with connect(src, readonly=True) as c:
                a = sorted(tuple(r) for r in c.execute(q).fetchall())
            b = sorted(tuple(r) for r in connect(target).execute(q).fetchall())
            assert a, "nothing in %s" % table
            assert a == b, table
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
