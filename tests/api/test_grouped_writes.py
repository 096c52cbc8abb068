"""Writes that arrive together share a transaction (the server's writer
groups them): each is kept or undone on its own, and every acknowledged
one is there.  New cases join SQLite's text indexes in batches: a search
finds them at once all the same, the indexes catch up by themselves and
hold each case once, cases another program wrote are added by the next
server, and a server killed midway catches up after its restart."""
import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid

import pytest
import requests

from conftest import (DB_URL, Api, Server, connect, demo_city, err_of,
                      make_case, make_demo, start_server, stop_server)


def grouping(api):
    """The writer's transactions and the writes in them so far (SQLite);
    None where writes are not grouped (PostgreSQL)."""
    if DB_URL:
        return None
    text = api.get("/metrics").text
    got = dict(re.findall(r"^(civicgrid_(?:write_groups|grouped_writes)"
                          r"_total) (\d+)$", text, re.M))
    return (int(got["civicgrid_write_groups_total"]),
            int(got["civicgrid_grouped_writes_total"]))


def at_once(api, calls):
    """Sends the (user, path, body, headers) POSTs from as many threads,
    released together; answers the responses in order."""
    gate = threading.Barrier(len(calls), timeout=120)
    out = [None] * len(calls)
    # Signed in first, one user at a time: forty sign-ins at once would
    # meet the server's limit on them (429), and a thread that failed
    # before the barrier would leave the others waiting at it.
    hdrs = [api.headers(user, headers) for user, _, _, headers in calls]

    def one(i, path, body, hdr):
        s = requests.Session()
        gate.wait()
        out[i] = s.post(api.url + path, json=body, headers=hdr, timeout=60)
    ts = [threading.Thread(target=one, args=(i, c[1], c[2], hdrs[i]))
          for i, c in enumerate(calls)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


@pytest.mark.parametrize("round", range(3))
def test_a_refused_write_undoes_only_itself(api, city, round):
    """Reports, retries of one report under one key, and one case's
    withdrawal tried many times, all at once: the retries' second case
    and the losing withdrawals are undone, everything else is kept."""
    key = str(uuid.uuid4())
    tag = uuid.uuid4().hex[:8]
    same = {"category": city.general, "area": city.grid,
            "description": "同一次上报的重试 %s" % tag}
    target = make_case(api, city, "submitted", reporter="resident2")
    before = api.case(target, "admin")
    nev = len(api.events(target))
    n0 = api.counts()
    g0 = grouping(api)
    calls = [("resident1", "/api/v1/cases", same, {"Idempotency-Key": key})
             for _ in range(12)]
    calls += [("resident1", "/api/v1/cases",
               {"category": city.general, "area": city.grid,
                "description": "各自的上报 %s 第%d件" % (tag, i)}, None)
              for i in range(8)]
    calls += [("resident2", "/api/v1/cases/%d/actions" % target,
               {"action": "withdraw", "note": "不需要了"}, None)
              for _ in range(6)]
    rs = at_once(api, calls)
    g1 = grouping(api)
    if g0 is not None:
        # Some transaction held more than one of them.
        groups, writes = g1[0] - g0[0], g1[1] - g0[1]
        assert 0 < groups < writes, (groups, writes)

    retries, own, withdrawals = rs[:12], rs[12:20], rs[20:]
    assert [r.status_code for r in own] == [201] * 8, \
        [r.text for r in own if r.status_code != 201]
    # A retry answers the first one's case, or that it is being handled.
    for r in retries:
        assert r.status_code in (201, 409), r.text
        if r.status_code == 409:
            assert err_of(r)["code"] == "conflict"
    assert len({r.json()["id"] for r in retries
                if r.status_code == 201}) == 1
    own_ids = [r.json()["id"] for r in own]
    assert len(set(own_ids)) == 8
    codes = sorted(r.status_code for r in withdrawals)
    assert codes == [200] + [409] * 5, [r.text for r in withdrawals]
    for r in withdrawals:
        if r.status_code == 409:
            assert err_of(r)["code"] in ("invalid_transition", "conflict")

    # One case for the retries, eight of their own, one withdrawal.
    assert api.counts() == (n0[0] + 9, n0[1] + 9 + 1)
    with api.db() as c:
        n = c.execute("SELECT COUNT(*) FROM cases WHERE description = ?",
                      (same["description"],)).fetchone()[0]
    assert n == 1
    for i, cid in enumerate(own_ids):
        case = api.case(cid, "admin")
        assert case["description"] == "各自的上报 %s 第%d件" % (tag, i)
        assert [e["action"] for e in api.events(cid)] == ["submit"]
    after = api.case(target, "admin")
    assert after["state"] == "withdrawn"
    assert after["version"] == before["version"] + 1
    assert len(api.events(target)) == nev + 1


def sqlite_only():
    if DB_URL:
        pytest.skip("PostgreSQL's text search follows every row; the "
                    "batches are SQLite's")


def indexed(db):
    with connect(db, readonly=True) as c:
        return c.execute("SELECT upto, (SELECT MAX(id) FROM cases)"
                         " FROM search_indexed").fetchone()


def wait_indexed(db, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        upto, top = indexed(db)
        if upto == top:
            return upto
        time.sleep(0.05)
    raise AssertionError("the text indexes stayed behind: %r" % (indexed(db),))


def varint(b):
    """SQLite's variable-length integer at the start of b."""
    v = 0
    for i, x in enumerate(b[:9]):
        if i == 8:
            return (v << 8) | x
        v = (v << 7) | (x & 0x7f)
        if x < 0x80:
            return v
    return v


def check_indexes_whole(db):
    """Each case in both text indexes once: a row of sizes for each, and
    the count of rows FTS5 keeps (its record 1) equal to the cases, which
    a case added twice would raise; and the trigram index as FTS5 reads it
    against the cases (its integrity check)."""
    with connect(db) as c:
        n = c.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        for t in ("cases_fts", "cases_grams"):
            m, missing = c.execute(
                "SELECT COUNT(*), (SELECT COUNT(*) FROM cases WHERE id NOT IN"
                " (SELECT id FROM %s_docsize)) FROM %s_docsize" % (t, t)
            ).fetchone()
            assert (m, missing) == (n, 0), t
            rows = c.execute("SELECT block FROM %s_data WHERE id = 1"
                             % t).fetchone()[0]
            assert varint(rows) == n, t
        c.execute("INSERT INTO cases_fts(cases_fts, rank)"
                  " VALUES ('integrity-check', 1)")


def search_ids(api, q):
    r = api.get("/api/v1/cases", "admin", params={"q": q, "per_page": 50})
    assert r.status_code == 200, r.text
    return sorted(c["id"] for c in r.json()["items"])


def test_new_cases_are_found_and_the_indexes_catch_up(api, city):
    sqlite_only()
    word = "鼹%s" % uuid.uuid4().hex[:6]
    ids = sorted(api.report("resident1", category=city.general,
                            area=city.grid,
                            description="第%d只%s在草坪上打洞" % (i, word))["id"]
                 for i in range(30))
    # Found at once, whether its batch was written yet or not.
    assert search_ids(api, word) == ids
    assert search_ids(api, word[:2]) == ids
    # With nobody searching, the writer adds them on its own.
    more = api.report("resident1", category=city.general, area=city.grid,
                      description="又一只%s" % word)["id"]
    assert wait_indexed(api.srv.db) >= more
    check_indexes_whole(api.srv.db)
    assert search_ids(api, word) == sorted(ids + [more])


def test_cases_reported_before_a_kill_are_found_after_the_restart():
    sqlite_only()
    tmp = tempfile.mkdtemp(prefix="civicgrid-backlog-")
    proc = log = None
    try:
        db, blobs = make_demo(tmp)
        proc, port, log = start_server(tmp, db, blobs)
        api = Api(Server(tmp, port, proc, log, db))
        cat = api.get("/api/v1/categories").json()["items"][0]["children"][0]
        area = api.me("gridworker")["area"]["code"]
        word = "獾%s" % uuid.uuid4().hex[:6]
        rs = at_once(api, [("resident1", "/api/v1/cases",
                            {"category": cat["code"], "area": area,
                             "description": "%s第%d次翻垃圾桶" % (word, i)},
                            None) for i in range(40)])
        assert [r.status_code for r in rs] == [201] * 40
        ids = sorted(r.json()["id"] for r in rs)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        log.close()
        # Whatever the last batch was, nothing acknowledged is lost and the
        # next server finds every case.
        with connect(db, readonly=True) as c:
            kept = c.execute("SELECT COUNT(*) FROM cases WHERE id IN (%s)"
                             % ",".join("?" * len(ids)), ids).fetchone()[0]
        assert kept == 40
        proc, port, log = start_server(tmp, db, blobs)
        api = Api(Server(tmp, port, proc, log, db))
        assert wait_indexed(db) >= ids[-1]
        check_indexes_whole(db)
        assert search_ids(api, word) == ids
    finally:
        if proc and proc.poll() is None:
            stop_server(proc, log)
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


def test_cases_another_program_wrote_are_added_by_the_next_server():
    """A program without the server's tokenizer sets the short-word
    index's triggers aside to write cases (docs/known-issues.md) and puts
    them back: the cases wait, and the next server adds them."""
    sqlite_only()
    tmp = tempfile.mkdtemp(prefix="civicgrid-other-")
    proc = log = None
    try:
        db, blobs = make_demo(tmp)
        word = "鼢%s" % uuid.uuid4().hex[:6]
        with connect(db) as c:
            top = c.execute("SELECT MAX(id) FROM cases").fetchone()[0]
            assert c.execute("SELECT upto FROM search_indexed"
                             ).fetchone()[0] == top
            triggers = c.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'cases_grams_%'").fetchall()
            assert len(triggers) == 3
            for name, _ in triggers:
                c.execute("DROP TRIGGER %s" % name)
            c.executemany(
                "INSERT INTO cases (city_code, description, category_code,"
                " area_code, area_path, state, reported_at, updated_at)"
                " SELECT city_code, ?, category_code, area_code, area_path,"
                " 'submitted', reported_at, updated_at FROM cases"
                " WHERE id = ?",
                [("%s第%d次在菜园里拱土" % (word, i), top) for i in range(25)])
            for _, sql in triggers:
                c.execute(sql)
            c.commit()
            ids = [r[0] for r in c.execute(
                "SELECT id FROM cases WHERE id > ? ORDER BY id", (top,))]
        assert len(ids) == 25
        assert indexed(db) == (top, ids[-1])
        proc, port, log = start_server(tmp, db, blobs)
        api = Api(Server(tmp, port, proc, log, db))
        assert wait_indexed(db) == ids[-1]
        check_indexes_whole(db)
        assert search_ids(api, word) == ids
        assert search_ids(api, word[:2]) == ids
    finally:
        if proc and proc.poll() is None:
            stop_server(proc, log)
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def a_report_waiting_for_the_lock(api, description):
    """A resident's report that waits for the database: another program
    holds SQLite's write lock for as long as the block runs; the report
    is stored once it is let go.  Yields the report's category."""
    cat = api.get("/api/v1/categories").json()["items"][0]["children"][0]
    area = api.me("gridworker")["area"]["code"]
    headers = api.headers("resident1")
    before = api.scalar("SELECT COUNT(*) FROM cases")
    holder = connect(api.srv.db)
    holder.execute("BEGIN IMMEDIATE")
    out = {}

    def report():
        out["r"] = requests.post(
            api.url + "/api/v1/cases", headers=headers, timeout=60,
            json={"category": cat["code"], "area": area,
                  "description": description})
    t = threading.Thread(target=report)
    t.start()
    try:
        time.sleep(0.5)
        assert t.is_alive(), "the report did not wait for the lock"
        yield cat
        assert t.is_alive(), "the report was answered under the lock"
    finally:
        holder.rollback()
        holder.close()
        t.join(30)
    assert out["r"].status_code == 201, out["r"].text
    assert api.scalar("SELECT COUNT(*) FROM cases") == before + 1


def test_a_write_waiting_for_the_database_holds_no_server_thread():
    """A server with one thread: while a report waits for the database,
    that thread still answers others."""
    if DB_URL:
        pytest.skip("holds SQLite's write lock from another program")
    with demo_city("civicgrid-writers-", env={
            "CIVICGRID_THREADS": "1", "CIVICGRID_WRITERS": "2"}) as api:
        text = "楼道里的灯坏了，晚上看不见台阶"
        with a_report_waiting_for_the_lock(api, text):
            r = requests.get(api.url + "/api/v1/categories", timeout=5)
            assert r.status_code == 200


def test_an_open311_post_without_a_valid_key_waits_for_no_writer():
    """The only writer waits for the database with a resident's report:
    an Open311 post with a key that names no client, or none, is refused
    at once, not queued behind the report."""
    if DB_URL:
        pytest.skip("holds SQLite's write lock from another program")
    with demo_city("civicgrid-gate-", env={"CIVICGRID_WRITERS": "1"}) as api:
        text = "单元门的门禁坏了，一直关不上"
        with a_report_waiting_for_the_lock(api, text) as cat:
            posts = [("requests.json", {
                "service_code": cat["code"], "lat": "40.81", "long": "111.66",
                "description": "路灯不亮"}), ("servicerequestupdates.xml", {
                    "service_request_id": "1", "update_id": "u1",
                    "status": "closed", "description": "已修好",
                    "updated_datetime": "2026-12-01T10:00:00+08:00"})]
            for path, form in posts:
                for key in ("not-a-key", None):
                    data = dict(form, api_key=key) if key else form
                    r = requests.post(api.url + "/open311/v2/" + path,
                                      data=data, timeout=5)
                    assert r.status_code == 403, (path, r.text)
                    assert "api_key" in r.text
