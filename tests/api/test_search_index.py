"""Search through the index: a query of one, two or more characters finds
exactly the cases whose title or description holds it (as a plain scan of
every case would), newest filed first, within the person's scope, and the
total of a common word stops at the cap and says so.

A city of its own with a few thousand real citizen messages
(../shared/data/complaints), so that common characters have more matches
than the cap."""
import os
import random
import re
import time

import pytest

from conftest import DB_URL, STRPOS, connect, demo_city, shared_data

CAP = 1000  # docs/api.md: a search's total is counted up to 1,000
CJK = re.compile(r"^[\u4e00-\u9fff]+$")


@pytest.fixture(scope="module")
def big():
    if not os.path.exists(os.path.join(shared_data(), "complaints",
                                       "messages-train.csv")):
        pytest.skip("../shared/data/complaints not present")
    with demo_city("civicgrid-search-", ["--cases", "3000"]) as api:
        yield api


def scan(api, q, extra="", args=()):
    """The ids of the listed cases holding q, by a scan of every case,
    newest filed first."""
    with connect(api.srv.db, readonly=True) as c:
        rows = c.execute(
            "SELECT c.id FROM cases c WHERE c.state <> 'none' AND"
            " (%s(c.description, ?) > 0 OR %s(COALESCE(c.title, ''), ?) > 0)"
            "%s ORDER BY c.id DESC" % (STRPOS, STRPOS, extra),
            (q, q) + tuple(args)).fetchall()
    return [r[0] for r in rows]


def search(api, user, q, **params):
    """Every page of a search: (ids in the order given, first answer)."""
    ids, first, page = [], None, 1
    while True:
        r = api.get("/api/v1/cases", user,
                    params=dict(params, q=q, per_page=100, page=page))
        assert r.status_code == 200, r.text
        a = r.json()
        first = first or a
        ids += [c["id"] for c in a["items"]]
        if len(a["items"]) < 100 or page * 100 >= CAP:
            return ids, first
        page += 1


def texts(api, n, seed):
    with connect(api.srv.db, readonly=True) as c:
        rows = c.execute("SELECT description FROM cases ORDER BY id").fetchall()
    rnd = random.Random(seed)
    return [rows[i][0] for i in rnd.sample(range(len(rows)), n)]


def words(api, length, n, seed, cjk_only=False):
    """n substrings of `length` characters of real case texts."""
    rnd = random.Random(seed)
    out = []
    for t in texts(api, 4 * n, seed):
        if len(t) < length:
            continue
        i = rnd.randrange(len(t) - length + 1)
        w = t[i:i + length]
        if w.strip() != w or (cjk_only and not CJK.match(w)):
            continue
        if w not in out:
            out.append(w)
        if len(out) == n:
            break
    assert out
    return out


def check_total(first, everywhere, scoped):
    """The total of a search in part of the city: exact when the whole
    city has no more matches than the cap, else how many of the newest
    CAP matches are in scope, capped (docs/api.md)."""
    if len(everywhere) <= CAP:
        assert (first["total"], first["total_capped"]) == (len(scoped), False)
    else:
        newest = set(everywhere[:CAP])
        assert (first["total"], first["total_capped"]) == (
            len([i for i in scoped if i in newest]), True)


def check_exact(api, q, user="admin"):
    want = scan(api, q)
    got, first = search(api, user, q)
    if len(want) > CAP:
        assert first["total"] == CAP and first["total_capped"] is True, q
        assert got == want[:len(got)], q
        assert len(got) == CAP, q
    else:
        assert first["total"] == len(want), (q, first["total"], len(want))
        assert first["total_capped"] is False, q
        assert got == want, q


@pytest.mark.parametrize("length", [1, 2])
def test_short_queries_find_exactly_the_substring_matches(big, length):
    for q in words(big, length, 12, seed=length):
        check_exact(big, q)


@pytest.mark.parametrize("length", [3, 5])
def test_longer_queries_find_exactly_the_substring_matches(big, length):
    # Chinese only: three characters or more ignore the case of Latin
    # letters (docs/api.md), which a byte-for-byte scan does not.
    for q in words(big, length, 6, seed=length, cjk_only=True):
        check_exact(big, q)


def test_digits_latin_and_punctuation(big):
    for q in ("3", "A", "a", "号楼", "，", "。", "A市", "10", '"', "*",
              "-", "'", "%", "_", "OR"):
        check_exact(big, q)


def test_common_character_is_capped_and_pages_keep_the_order(big):
    q = "的"
    want = scan(big, q)
    assert len(want) > CAP, "the city has too few cases for the check"
    got, first = search(big, "admin", q)
    assert first["total"] == CAP and first["total_capped"] is True
    assert got == want[:CAP]
    assert got == sorted(got, reverse=True)
    # A page past the capped total still answers from the index.
    r = big.get("/api/v1/cases", "admin",
                params={"q": q, "per_page": 100, "page": 11})
    assert [c["id"] for c in r.json()["items"]] == want[1000:1100]


def test_new_cases_are_found_at_once(big):
    cat = big.get("/api/v1/categories").json()["items"][0]["children"][0]
    area = big.me("gridworker")["area"]["code"]
    a = big.report("resident1", category=cat["code"], area=area,
                   title="鼗鼙声声",
                   description="楼下龘靐两家店铺夜里一直放音乐，吵得睡不着。")
    b = big.report("resident2", category=cat["code"], area=area,
                   description="龘字招牌掉了一半，悬在人行道上方。")
    # A character at the very end of a text has no neighbour after it.
    e = big.report("resident2", category=cat["code"], area=area,
                   description="门口的招牌上写着一个鱻")
    for q, ids in (("鱻", [e["id"]]), ("个鱻", [e["id"]]),
                   ("龘", [b["id"], a["id"]]), ("龘靐", [a["id"]]),
                   ("靐", [a["id"]]), ("鼗鼙", [a["id"]]), ("鼙", [a["id"]]),
                   ("龘靐两家", [a["id"]]), ("字招", [b["id"]])):
        got, first = search(big, "admin", q)
        assert got == ids, q
        assert first["total"] == len(ids), q
        check_exact(big, q)


def test_scope_applies_to_search(big):
    q = "楼"
    gw = big.me("gridworker")
    with connect(big.srv.db, readonly=True) as c:
        path = c.execute("SELECT path FROM areas WHERE code = ?",
                         (gw["area"]["code"],)).fetchone()[0]
    r = big.get("/api/v1/cases", "gridworker", params={"q": q})
    if r.status_code == 200:
        want = scan(big, q, " AND substr(c.area_path, 1, length(?)) = ?",
                    (path, path))
        got, first = search(big, "gridworker", q)
        assert got == want[:CAP]
        check_total(first, scan(big, q), want)
    # A unit sees the cases it was given.
    unit = big.me("sanitation")["unit"]
    with connect(big.srv.db, readonly=True) as c:
        uid = c.execute("SELECT id FROM units WHERE code = ?",
                        (unit["code"],)).fetchone()[0]
    want = scan(big, q, " AND c.unit_id = ?", (uid,))
    got, first = search(big, "sanitation", q)
    assert got == want[:CAP]
    check_total(first, scan(big, q), want)
    # A resident sees their own.
    me = big.me("resident1")["id"]
    want = scan(big, "龘", " AND (c.reporter_id = ? OR c.id IN (SELECT"
                " case_id FROM supporters WHERE user_id = ?))", (me, me))
    got, _ = search(big, "resident1", "龘")
    assert got == want and got
    # An area and a state narrow a search as they narrow a list.
    area = gw["area"]["code"]
    want = scan(big, q, " AND c.state = 'closed' AND"
                " substr(c.area_path, 1, length(?)) = ?", (path, path))
    got, first = search(big, "admin", q, area=area, state="closed")
    assert got == want[:CAP]
    check_total(first, scan(big, q), want)


def test_search_ordered_by_deadline(big):
    q = "路"
    with connect(big.srv.db, readonly=True) as c:
        want = [r[0] for r in c.execute(
            "SELECT id FROM cases WHERE state = 'closed' AND"
            " (%s(description, ?) > 0 OR %s(COALESCE(title, ''), ?) > 0)"
            " ORDER BY due_at IS NULL, due_at, id" % (STRPOS, STRPOS),
            (q, q)).fetchall()]
    got, first = search(big, "admin", q, state="closed", sort="due")
    assert got == want[:CAP]


@pytest.mark.skipif(bool(DB_URL), reason="the index of short searches is "
                    "SQLite's (PostgreSQL scans, docs/known-issues.md)")
def test_short_search_index_holds_every_case(big):
    # The migration filled the index from the cases there were, and the
    # server adds new ones in batches (search_indexed.upto says how far):
    # once it caught up, one row of sizes per case.
    deadline = time.time() + 10
    while time.time() < deadline:
        with connect(big.srv.db, readonly=True) as c:
            upto, top = c.execute("SELECT upto, (SELECT MAX(id) FROM cases)"
                                  " FROM search_indexed").fetchone()
        if upto == top:
            break
        time.sleep(0.05)
    assert upto == top
    with connect(big.srv.db, readonly=True) as c:
        n = c.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        m = c.execute("SELECT COUNT(*) FROM cases_grams_docsize").fetchone()[0]
        missing = c.execute(
            "SELECT COUNT(*) FROM cases WHERE id NOT IN"
            " (SELECT id FROM cases_grams_docsize)").fetchone()[0]
    assert (m, missing) == (n, 0)
