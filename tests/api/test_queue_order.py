"""Queues and lists read from the indexes of their order: page after page
in the order asked for (by deadline, cases without one last, then by
number; or newest reported first), with exactly the cases of the filters
and of the person's scope, and the right total.

Checked against the same question put to the database directly, on a
city of a few thousand generated cases."""
import time

import pytest

from conftest import connect, demo_city

DUE = "ORDER BY c.due_at IS NULL, c.due_at, c.id"
NEW = "ORDER BY c.reported_at DESC, c.id DESC"
OPEN = ("submitted", "filed", "dispatched", "handling", "extension_pending",
        "handled", "suspended")


@pytest.fixture(scope="module")
def city():
    with demo_city("civicgrid-queue-", ["--cases", "2500"]) as api:
        yield api


def area_path(api, code):
    with connect(api.srv.db, readonly=True) as c:
        return c.execute("SELECT path FROM areas WHERE code = ?",
                         (code,)).fetchone()[0]


def expected(api, where, args, order):
    with connect(api.srv.db, readonly=True) as c:
        return [r[0] for r in c.execute(
            "SELECT c.id FROM cases c WHERE c.state <> 'none'%s %s"
            % (where, order), tuple(args)).fetchall()]


def listing(api, user, per_page=40, **params):
    """Every page of a list: (ids in order, first answer)."""
    ids, first, page = [], None, 1
    while True:
        r = api.get("/api/v1/cases", user,
                    params=dict(params, per_page=per_page, page=page))
        assert r.status_code == 200, r.text
        a = r.json()
        first = first or a
        ids += [c["id"] for c in a["items"]]
        if len(a["items"]) < per_page:
            return ids, first
        page += 1


def check(api, user, where, args, order, **params):
    want = expected(api, where, args, order)
    got, first = listing(api, user, **params)
    assert got == want, (user, params)
    assert first["total"] == len(want) and first["total_capped"] is False
    return want


def test_dispatcher_queues_by_deadline(city):
    path = area_path(city, city.me("dispatcher")["area"]["code"])
    scope = " AND substr(c.area_path, 1, length(?)) = ?"
    n = 0
    for state in ("submitted", "filed", "dispatched", "handling", "closed"):
        n += len(check(city, "dispatcher", scope + " AND c.state = ?",
                       (path, path, state), DUE, state=state, sort="due"))
    assert n > 100, "too few cases to check the order"
    # Every case, by deadline; and the ones past their deadline.
    check(city, "dispatcher", scope, (path, path), DUE, sort="due",
          per_page=100)
    # Past the deadline: the server's clock and this one agree to the
    # second, and no deadline of the demo falls in the same second.
    check(city, "dispatcher", scope + " AND c.due_at < ? AND c.state IN (%s)"
          % ",".join("'%s'" % s for s in OPEN), (path, path, int(time.time())),
          DUE, overdue=1, sort="due")


def test_newest_first(city):
    path = area_path(city, city.me("dispatcher")["area"]["code"])
    scope = " AND substr(c.area_path, 1, length(?)) = ?"
    check(city, "dispatcher", scope, (path, path), NEW, per_page=100)
    check(city, "dispatcher", scope + " AND c.state = 'dispatched'",
          (path, path), NEW, state="dispatched")


def test_area_and_category_filters(city):
    gw = city.me("gridworker")["area"]["code"]
    district = gw[:6]
    dpath = area_path(city, district)
    with connect(city.srv.db, readonly=True) as c:
        big = c.execute("SELECT substr(category_code, 1, 2) FROM cases"
                        " GROUP BY 1 ORDER BY COUNT(*) DESC").fetchone()[0]
    sub = " AND substr(c.area_path, 1, length(?)) = ?"
    cat = " AND substr(c.category_code, 1, length(?)) = ?"
    want = check(city, "dispatcher", sub, (dpath, dpath), DUE, area=district,
                 sort="due")
    assert want, "no cases in the district"
    check(city, "dispatcher", sub + cat, (dpath, dpath, big, big), DUE,
          area=district, category=big, sort="due")
    check(city, "dispatcher", sub + cat + " AND c.state = 'closed'",
          (dpath, dpath, big, big), NEW, area=district, category=big,
          state="closed")


def test_scopes(city):
    # A grid worker's list is the cases of their grid and below.
    gw = city.me("gridworker")["area"]["code"]
    r = city.get("/api/v1/cases", "gridworker")
    if r.status_code == 200:
        p = area_path(city, gw)
        check(city, "gridworker", " AND substr(c.area_path, 1, length(?)) = ?",
              (p, p), DUE, sort="due")
    # A unit's, the cases given to it.
    code = city.me("sanitation")["unit"]["code"]
    uid = city.scalar("SELECT id FROM units WHERE code = ?", code)
    check(city, "sanitation", " AND c.unit_id = ?", (uid,), DUE, sort="due")
    check(city, "sanitation", " AND c.unit_id = ? AND c.state = 'closed'",
          (uid,), NEW, state="closed")
    # A resident's own: reported, or joined.
    me = city.me("resident1")["id"]
    check(city, "resident1", " AND (c.reporter_id = ? OR c.id IN (SELECT"
          " case_id FROM supporters WHERE user_id = ?))", (me, me), NEW)


def test_new_case_takes_its_place(city):
    path = area_path(city, city.me("dispatcher")["area"]["code"])
    cat = city.get("/api/v1/categories").json()["items"][0]["children"][0]
    c = city.report("resident1", category=cat["code"],
                    area=city.me("gridworker")["area"]["code"],
                    description="小区门口的路灯坏了三天，晚上很黑。")
    state = city.case(c["id"])["state"]
    want = check(city, "dispatcher",
                 " AND substr(c.area_path, 1, length(?)) = ? AND c.state = ?",
                 (path, path, state), DUE, state=state, sort="due")
    assert c["id"] in want
    check(city, "dispatcher", " AND substr(c.area_path, 1, length(?)) = ?",
          (path, path), NEW, per_page=100)
