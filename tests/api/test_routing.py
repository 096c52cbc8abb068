"""The routing table and the level of a case: which rule wins (a table of
rules of every specificity), the fallbacks to the category's department and
to the territorial office, who may edit rules, what a bad rule is told, and
a gas leak reported under an ordinary category."""
from datetime import datetime, timedelta
import uuid

import pytest

from conftest import PASSWORD, connect, err_of

CAT = "06010"      # 暴露垃圾, owned by the sanitation department
BIG = "06"         # its big class


def rules_now(api):
    return api.scalar("SELECT COUNT(*) FROM routing_rules")


def add_rule(api, user="admin", expect=201, **body):
    r = api.post("/api/v1/routing-rules", user, json=body)
    assert r.status_code == expect, (body, r.status_code, r.text)
    return r.json() if expect == 201 else err_of(r)


def delete_rule(api, rid, user="admin", expect=200):
    r = api.req("DELETE", "/api/v1/routing-rules/%d" % rid, user)
    assert r.status_code == expect, (rid, r.status_code, r.text)
    return r


def dry_run(api, user="admin", expect=200, **params):
    r = api.get("/api/v1/routing/dry-run", user, params=params)
    assert r.status_code == expect, (params, r.status_code, r.text)
    return r.json()


@pytest.fixture(scope="module")
def place(api, city):
    """The grid worker's grid and its ancestors, the grade that applies to
    it, and a grade that does not."""
    d = dry_run(api, category=CAT, area=city.grid)
    chain = [a["code"] for a in d["path"]]
    assert chain[-1] == city.grid and len(chain) >= 4, chain
    grade = d["area"]["grade"]
    other = "A" if grade != "A" else "C"
    return dict(city=chain[0], district=chain[1], street=chain[2],
                community=chain[3], grid=city.grid, grade=grade, other=other)


@pytest.fixture
def cleanup(api):
    """Rules a test makes are deleted afterwards, so that other tests
    route as the catalogue says."""
    made = []
    yield made
    for rid in made:
        api.req("DELETE", "/api/v1/routing-rules/%d" % rid, "admin")


# The competing rules, most specific first: (name, category, area level,
# grade).  Each is given its own unit so the winner shows in the answer.
SPECIFICITY = [
    ("small class, grid, grade", CAT, "grid", "grade"),
    ("small class, grid", CAT, "grid", None),
    ("small class, community", CAT, "community", None),
    ("small class, district, grade", CAT, "district", "grade"),
    ("small class, district", CAT, "district", None),
    ("small class, anywhere", CAT, None, None),
    ("big class, grid", BIG, "grid", None),
    ("big class, street", BIG, "street", None),
    ("any class, grid, grade", None, "grid", "grade"),
    ("any class, community", None, "community", None),
    ("any class, city", None, "city", None),
]

# Rules that must not apply to a case in the grid at all.
NOT_APPLYING = [
    ("another grade", CAT, "grid", "other"),
    ("another district", CAT, "outside", None),
    ("another class", "09006", "grid", None),
]


def make(api, place, city, cleanup, rows, units):
    ids = []
    for (name, cat, level, grade), unit in zip(rows, units):
        body = {"unit": unit, "note": name}
        if cat:
            body["category"] = cat
        if level:
            body["area"] = city.outside if level == "outside" else place[level]
        if grade:
            body["grade"] = place[grade]
        rule = add_rule(api, **body)
        cleanup.append(rule["id"])
        ids.append(rule["id"])
    return ids


def test_the_most_specific_rule_wins_in_order(api, city, place, cleanup):
    units = [u["code"] for u in api.get("/api/v1/units", "admin").json()[
        "items"] if u["kind"] == "department"]
    assert len(units) >= len(SPECIFICITY), units
    # Created in reverse, so the winner is never simply the newest or the
    # oldest rule.
    rows = list(reversed(SPECIFICITY))
    ids = list(reversed(make(api, place, city, cleanup, rows,
                             list(reversed(units[:len(rows)])))))
    make(api, place, city, cleanup, NOT_APPLYING, units[:len(NOT_APPLYING)])

    d = dry_run(api, category=CAT, area=city.grid)
    assert [r["id"] for r in d["rules"]] == ids, d["rules"]
    assert [r["won"] for r in d["rules"]] == [True] + [False] * (len(ids) - 1)
    first = d["rules"][0]["specificity"]
    assert first == {"category": "small_class", "area": "grid",
                     "grade": place["grade"]}, first
    assert d["rules"][-1]["specificity"]["category"] == "any"

    # Take the winner away, one at a time: the next in the table wins.
    for i, (name, _, _, _) in enumerate(SPECIFICITY):
        d = dry_run(api, category=CAT, area=city.grid)
        assert d["by"] == "rule", (name, d)
        assert d["rules"][0]["id"] == ids[i], (name, d["rules"])
        assert d["unit"]["code"] == units[i], (name, d["unit"])
        assert d["reason"].startswith("规则 #%d：" % ids[i]), d["reason"]
        delete_rule(api, ids[i])
    d = dry_run(api, category=CAT, area=city.grid)
    assert d["by"] == "category" and d["rules"] == [], d
    assert d["unit"]["code"] == city.sanitation_unit


def test_fallback_to_the_department_then_to_the_territorial_office(
        api, city):
    owned = dry_run(api, category=CAT, area=city.grid)
    assert owned["by"] == "category", owned
    assert owned["unit"]["code"] == city.sanitation_unit
    assert "环卫中心" in owned["reason"]

    tree = api.get("/api/v1/categories").json()["items"]
    unowned = [k["code"] for b in tree for k in b["children"]
               if not k.get("unit")]
    assert unowned, "every class has a department"
    d = dry_run(api, category=unowned[0], area=city.grid)
    assert d["by"] == "territorial", d
    assert d["unit"]["kind"] == "territorial"
    assert d["unit"]["code"] == city.community_unit, d["unit"]
    assert "兜底" in d["reason"]
    # The same answer from a point: the locate answer agrees.
    assert d["deadline"]["due_at_if_reported_now"]


def test_a_case_is_routed_by_a_rule_and_keeps_the_reason(api, city, place,
                                                         cleanup):
    rule = add_rule(api, category=CAT, area=place["district"],
                    unit=city.landscape_unit, note="测试：回民区暴露垃圾")
    cleanup.append(rule["id"])
    c = api.report("resident1", category=CAT, area=city.grid,
                   description="路边有一堆暴露垃圾（路由规则测试）")
    full = api.case(c["id"], "admin")
    assert full["unit"] == api.me("landscape")["unit"]["name"], full
    assert full["route_reason"].startswith("规则 #%d：%s" % (rule["id"], CAT))
    assert "→" in full["route_reason"]
    delete_rule(api, rule["id"])
    # Once the rule is gone, the next case goes to the department again.
    c = api.report("resident1", category=CAT, area=city.grid,
                   description="路边又有一堆暴露垃圾（路由规则测试）")
    assert api.case(c["id"])["unit"] == api.me("sanitation")["unit"]["name"]


@pytest.fixture(scope="module")
def district_admin(api, city):
    name = "adm-" + uuid.uuid4().hex[:8]
    r = api.post("/api/v1/users", "admin", json={
        "username": name, "password": PASSWORD, "role": "admin",
        "area": city.outside, "display_name": "外区管理员"})
    assert r.status_code == 201, r.text
    return name


def test_who_may_edit_rules(api, city, place, district_admin, cleanup):
    body = {"category": CAT, "area": place["district"],
            "unit": city.landscape_unit}
    before = rules_now(api)
    for user in ("dispatcher", "supervisor", "community", "resident1"):
        e = add_rule(api, user, expect=403, **body)
        assert e["code"] == "forbidden"
        r = api.get("/api/v1/routing-rules", user)
        assert r.status_code == 403, (user, r.text)
    # An administrator of another district: not for 回民区, not for
    # anywhere, yes for their own district.
    add_rule(api, district_admin, expect=403, **body)
    add_rule(api, district_admin, expect=403, category=CAT,
             unit=city.landscape_unit)
    assert rules_now(api) == before
    own = add_rule(api, district_admin, category=CAT, area=city.outside,
                   unit=city.landscape_unit)
    cleanup.append(own["id"])

    rule = add_rule(api, **body)
    cleanup.append(rule["id"])
    listed = api.get("/api/v1/routing-rules", district_admin).json()["items"]
    assert [x["id"] for x in listed if x["id"] in (own["id"], rule["id"])] \
        == [own["id"]], listed
    listed = api.get("/api/v1/routing-rules", "admin").json()["items"]
    mine = {x["id"]: x for x in listed}
    assert mine[rule["id"]]["editable"] and mine[own["id"]]["editable"]

    for user in ("dispatcher", district_admin):
        r = delete_rule(api, rule["id"], user, expect=403)
        err_of(r)
    delete_rule(api, own["id"], district_admin)
    delete_rule(api, rule["id"])
    delete_rule(api, rule["id"], expect=404)


# (body, status, error code)
INVALID = [
    ({"category": CAT, "unit": "dept-nowhere"}, 422, "unknown_unit"),
    ({"category": "99999", "unit": "dept-sanitation"}, 422,
     "unknown_category"),
    ({"area": "150199999", "unit": "dept-sanitation"}, 422, "unknown_area"),
    ({"category": CAT, "grade": "D", "unit": "dept-sanitation"}, 422,
     "invalid_field"),
    ({"category": CAT, "grade": "AB", "unit": "dept-sanitation"}, None,
     None),
    ({"grade": "A", "unit": "dept-sanitation"}, 422, "too_broad"),
    ({"category": CAT}, None, None),
    ({"category": CAT, "unit": "dept-sanitation", "priority": 1}, None,
     None),
    ({"category": 6010, "unit": "dept-sanitation"}, None, None),
]


@pytest.mark.parametrize("body,status,code", INVALID)
def test_a_bad_rule_is_refused_and_nothing_stored(api, body, status, code):
    before = rules_now(api)
    r = api.post("/api/v1/routing-rules", "admin", json=body)
    assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
    if status:
        assert r.status_code == status, (body, r.text)
    e = err_of(r)
    if code:
        assert e["code"] == code, e
    assert rules_now(api) == before


def test_an_exact_duplicate_is_409(api, city, place, cleanup):
    body = {"category": BIG, "area": place["street"], "grade": place["grade"],
            "unit": city.landscape_unit}
    rule = add_rule(api, **body)
    cleanup.append(rule["id"])
    before = rules_now(api)
    e = add_rule(api, expect=409, **dict(body, unit=city.sanitation_unit))
    assert e["code"] == "duplicate_rule"
    assert "#%d" % rule["id"] in e["message"], e
    assert rules_now(api) == before
    # The same without the grade is another rule.
    other = add_rule(api, **{k: v for k, v in body.items() if k != "grade"})
    cleanup.append(other["id"])


def test_the_dry_run_takes_a_point_and_is_for_staff(api, city):
    d = dry_run(api, category=CAT, area=city.grid)
    code = d["area"]["code"]
    r = api.get("/api/v1/areas/geojson",
                params={"level": "grid", "within": code})
    feats = r.json()["features"]
    if feats:
        ring = feats[0]["geometry"]["coordinates"][0]
        if feats[0]["geometry"]["type"] == "MultiPolygon":
            ring = ring[0]
        lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
        lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
        p = dry_run(api, category=CAT, lon=lon, lat=lat)
        assert p["unit"] == d["unit"]
    dry_run(api, "resident1", expect=403, category=CAT, area=city.grid)
    for params, status in (({"area": city.grid}, 400),
                           ({"category": "06", "area": city.grid}, 422),
                           ({"category": CAT}, 400),
                           ({"category": CAT, "lon": "x", "lat": "1"}, 400),
                           ({"category": CAT, "lon": 0, "lat": 0}, 404),
                           ({"category": CAT, "area": "1"}, 404)):
        r = api.get("/api/v1/routing/dry-run", "admin", params=params)
        assert r.status_code == status, (params, r.text)
        err_of(r)


def hours_between(c):
    return (datetime.fromisoformat(c["due_at"]) -
            datetime.fromisoformat(c["reported_at"])) / timedelta(hours=1)


def test_a_gas_leak_is_an_emergency_due_in_two_clock_hours(api, city):
    c = api.report("resident1", category=city.general, area=city.grid,
                   description="楼道里燃气泄漏，味道很大，请马上处理")
    assert c["level"] == "emergency", c
    assert hours_between(c) == 2, (c["reported_at"], c["due_at"])
    staff = api.case(c["id"], "admin")
    assert staff["level_reason"].startswith("文本含“燃气泄漏”：紧急"), staff
    assert staff["route_reason"], staff
    public = api.case(c["id"], "resident2")
    assert "level_reason" not in public and "route_reason" not in public
    # the reporter sees the level of their own case, not the staff's reasons
    own = api.case(c["id"], "resident1")
    assert own["level"] == "emergency"
    assert "level_reason" not in own and "route_reason" not in own
    assert public["level"] == "emergency"


def test_a_denied_leak_keeps_the_category_level(api, city):
    c = api.report("resident1", category=city.general, area=city.grid,
                   description="楼道堆满杂物，没有燃气泄漏，但影响通行")
    staff = api.case(c["id"], "admin")
    assert staff["level"] == "general", staff
    assert "否定词“没有”" in staff["level_reason"], staff["level_reason"]


def test_a_level_deadline_comes_from_the_settings(api, city):
    with connect(api.srv.db) as db:
        db.execute("INSERT INTO settings (key, value) VALUES "
                   "('deadline.utility', '3h') ON CONFLICT (key)"
                   " DO UPDATE SET value = excluded.value")
    try:
        c = api.report("resident1", category=city.general, area=city.grid,
                       description="整栋楼停水一天了")
        assert c["level"] == "utility", c
        # The general class is due in working days: 3 clock hours is
        # always sooner.
        assert hours_between(c) == 3, c
        d = dry_run(api, category=city.general, area=city.grid, text="停水")
        assert d["level"]["level"] == "utility", d["level"]
        assert "3 小时" in d["deadline"]["rule"], d["deadline"]
    finally:
        with connect(api.srv.db) as db:
            db.execute("DELETE FROM settings WHERE key = 'deadline.utility'")


def test_a_rule_changes_its_unit_in_place(api, city):
    """Departments are reorganised: a rule keeps what it covers and sends
    its cases to another unit from then on; only an administrator in scope
    may change it, and only to a unit that exists."""
    cat = city.category("垃圾")
    r = api.post("/api/v1/routing-rules", "admin",
                 json={"category": cat, "area": city.grid[:6],
                       "unit": "dept-sanitation", "note": "初始"})
    if r.status_code == 409:
        rid = int(r.json()["error"]["message"].split("#")[1].split()[0])
    else:
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
    r = api.req("PATCH", "/api/v1/routing-rules/%d" % rid, "admin",
                json={"unit": "dept-enforcement"})
    assert r.status_code == 200, r.text
    rule = r.json()
    assert rule["unit"]["code"] == "dept-enforcement"
    assert rule["category"]["code"] == cat
    dry = api.get("/api/v1/routing/dry-run", "admin",
                  params={"category": cat, "area": city.grid}).json()
    assert dry["unit"]["code"] == "dept-enforcement", dry
    for user, body, status in [
            ("dispatcher", {"unit": "dept-sanitation"}, 403),
            ("admin", {"unit": "no-such-unit"}, 422),
            ("admin", {}, 422),
            ("admin", {"unit": "dept-sanitation", "category": "06"}, 400)]:
        r = api.req("PATCH", "/api/v1/routing-rules/%d" % rid, user,
                    json=body)
        assert r.status_code == status, (user, body, r.text)
    r = api.req("PATCH", "/api/v1/routing-rules/999999", "admin",
                json={"unit": "dept-sanitation"})
    assert r.status_code == 404
    api.req("DELETE", "/api/v1/routing-rules/%d" % rid, "admin")
