"""Before a report is sent: the open cases nearby that may be the same
problem; "me too" (joining a case instead of filing another); and merged
cases following their parent to its close."""
import math
import time

import pytest

from conftest import connect, err_of, make_case

TAG = time.strftime("%H%M%S")


def grid_point(api, code):
    """A point inside area `code`, checked with the server's own lookup."""
    fc = api.get("/api/v1/areas/geojson", params={"level": "grid"}).json()
    f = next(x for x in fc["features"] if x["properties"]["code"] == code)
    g = f["geometry"]
    ring = g["coordinates"][0] if g["type"] == "Polygon" \
        else g["coordinates"][0][0]
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    for fy in (0.5, 0.4, 0.6, 0.3, 0.7):
        for fx in (0.5, 0.4, 0.6, 0.3, 0.7):
            lon = min(xs) + (max(xs) - min(xs)) * fx
            lat = min(ys) + (max(ys) - min(ys)) * fy
            r = api.get("/api/v1/areas/locate",
                        params={"lon": lon, "lat": lat})
            if r.status_code == 200 and \
                    any(a["code"] == code for a in r.json()["path"]):
                return lon, lat
    raise AssertionError("no point found inside %s" % code)


def moved(lon, lat, north_m=0.0, east_m=0.0):
    """The point so many metres north and east of (lon, lat)."""
    dlat = north_m / 111320.0
    dlon = east_m / (111320.0 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat


@pytest.fixture(scope="module")
def spot(api, city):
    return grid_point(api, city.grid)


@pytest.fixture(scope="module")
def kind(city):
    """A small class of the demo, and another one."""
    a = city.category("路灯", "照明")
    b = next(k["code"] for k in city.small
             if k["code"] != a and k["code"][:2] != a[:2])
    return a, b


def report_at(api, user, point, category, description, **kw):
    return api.report(user, category=category, lon=point[0], lat=point[1],
                      description=description, **kw)


def similar(api, user, point, category, text=None, **params):
    q = {"lon": point[0], "lat": point[1], "category": category}
    if text is not None:
        q["text"] = text
    q.update(params)
    r = api.get("/api/v1/cases/similar", user, params=q)
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def ids(ans):
    return [it["id"] for it in ans["items"]]


# ---- similar ----------------------------------------------------------------

def test_same_category_nearby_is_suggested_anonymised(api, spot, kind):
    c = report_at(api, "resident1", spot, kind[0],
                  "东门口路灯不亮，晚上很黑 %s" % TAG,
                  address="兴松小区3号楼2单元")
    near = moved(*spot, north_m=60)
    ans = similar(api, "resident2", near, kind[0], "东门路灯不亮了 %s" % TAG)
    assert c["id"] in ids(ans), ans
    it = next(i for i in ans["items"] if i["id"] == c["id"])
    assert 0 < it["distance_m"] <= 250
    assert 0 < it["similarity"] <= 1 and it["reason"]
    assert "相距约" in it["reason"] and "描述相似度" in it["reason"]
    assert it["state"] == "submitted" and it["mine"] is False
    own = similar(api, "resident1", near, kind[0], "东门路灯不亮了 %s" % TAG)
    assert next(i for i in own["items"] if i["id"] == c["id"])["mine"] is True
    assert ans["radius_m"] == 250
    # the public view: no reporter, no address, the place rounded
    for key in ("reporter", "address", "ref", "route_reason"):
        assert key not in it, (key, it)
    for v in it["location"].values():
        assert abs(v * 1000 - round(v * 1000)) < 1e-6, it["location"]


def test_other_category_or_far_is_not_suggested(api, spot, kind):
    c = report_at(api, "resident1", spot, kind[0],
                  "西门路灯闪烁不停 %s" % TAG)
    text = "西门路灯闪烁 %s" % TAG
    assert c["id"] not in ids(similar(api, "resident2", spot, kind[1], text))
    far = moved(*spot, north_m=900)
    assert c["id"] not in ids(similar(api, "resident2", far, kind[0], text))
    # unlike text a little way off is not the same problem either
    mid = moved(*spot, east_m=150)
    other = similar(api, "resident2", mid, kind[0], "完全不同的事情")
    assert c["id"] not in ids(other)


def test_alike_text_ranks_first(api, spot, kind):
    base = moved(*spot, north_m=-40)
    alike = report_at(api, "resident1", base, kind[0],
                      "南侧停车场路灯坏了一排 %s" % TAG)
    loose = report_at(api, "resident1", base, kind[0],
                      "南侧停车场照明有问题 %s" % TAG)
    ans = similar(api, "resident2", base, kind[0],
                  "南侧停车场路灯坏了一排 %s" % TAG)
    got = ids(ans)
    assert alike["id"] in got and loose["id"] in got, ans
    assert got.index(alike["id"]) < got.index(loose["id"])
    scores = [i["score"] for i in ans["items"]]
    assert scores == sorted(scores, reverse=True)


def test_closed_cases_are_not_suggested(api, city, spot, kind):
    c = report_at(api, "resident1", spot, kind[0], "北门路灯不亮 %s" % TAG)
    api.ok(c["id"], "resident1", "withdraw")
    ans = similar(api, "resident2", spot, kind[0], "北门路灯不亮 %s" % TAG)
    assert c["id"] not in ids(ans)


def test_radius_is_a_setting_per_category(api, server, spot, kind):
    c = report_at(api, "resident1", spot, kind[0],
                  "广场中央高杆灯不亮 %s" % TAG)
    away = moved(*spot, east_m=600)
    text = "广场高杆灯不亮 %s" % TAG
    assert c["id"] not in ids(similar(api, "resident2", away, kind[0], text))
    key = "dedupe.radius.%s" % kind[0]
    with connect(server.db) as db:
        db.execute("INSERT INTO settings (key, value) VALUES (?, '1000')"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   (key,))
    try:
        ans = similar(api, "resident2", away, kind[0], text)
        assert ans["radius_m"] == 1000
        assert c["id"] in ids(ans)
    finally:
        with connect(server.db) as db:
            db.execute("DELETE FROM settings WHERE key = ?", (key,))


@pytest.mark.parametrize("params,status", [
    ({"lat": "40.8", "category": "X"}, 422),
    ({"lon": "abc", "lat": "40.8", "category": "X"}, 422),
    ({"lon": "111.6", "lat": "95", "category": "X"}, 422),
    ({"lon": "111.6", "lat": "40.8", "category": "nope"}, 422),
])
def test_similar_bad_query(api, kind, params, status):
    params = {k: (kind[0] if v == "X" else v) for k, v in params.items()}
    r = api.get("/api/v1/cases/similar", "resident2", params=params)
    assert r.status_code == status, r.text
    err_of(r)


# ---- me too -----------------------------------------------------------------

def support(api, cid, user):
    return api.post("/api/v1/cases/%d/support" % cid, user)


def test_support_is_counted_once_and_followed(api, spot, kind):
    c = report_at(api, "resident1", spot, kind[0],
                  "健身区路灯不亮 %s" % TAG, address="兴松小区健身区旁")
    r = support(api, c["id"], "resident2")
    assert r.status_code == 201, r.text
    assert r.json()["supporters"] == 1 and r.json()["added"] is True
    again = support(api, c["id"], "resident2")
    assert again.status_code == 200, again.text
    assert again.json()["supporters"] == 1 and again.json()["added"] is False
    seen = api.get("/api/v1/cases/%d/support" % c["id"], "resident2").json()
    assert seen["supporting"] is True and seen["can_support"] is False
    mine = api.get("/api/v1/cases/%d/support" % c["id"], "resident1").json()
    assert mine["supporters"] == 1 and mine["can_support"] is False
    assert "reported" in mine["why_not"]
    # it is in the supporter's own list, as anyone sees it
    lst = api.get("/api/v1/cases", "resident2",
                  params={"per_page": 100}).json()
    it = next(i for i in lst["items"] if i["id"] == c["id"])
    assert it["supported"] is True
    assert "address" not in it and "reporter" not in it
    # and still in the reporter's, as their own
    own = api.get("/api/v1/cases", "resident1",
                  params={"per_page": 100}).json()
    it = next(i for i in own["items"] if i["id"] == c["id"])
    assert "supported" not in it and it.get("address")
    # the suggestion shows the count
    ans = similar(api, "resident2", spot, kind[0], "健身区路灯不亮 %s" % TAG)
    hit = next(i for i in ans["items"] if i["id"] == c["id"])
    assert hit["supporters"] == 1


def test_support_refusals(api, city, spot, kind):
    c = report_at(api, "resident1", spot, kind[0], "路灯杆倾斜 %s" % TAG)
    r = support(api, c["id"], "resident1")
    assert r.status_code == 409 and "reported" in err_of(r)["message"]
    r = support(api, c["id"], "dispatcher")
    assert r.status_code == 403, r.text
    closed = make_case(api, city, "closed")
    r = support(api, closed, "resident2")
    assert r.status_code == 409 and err_of(r)["code"] == "cannot_support"
    parent = make_case(api, city, "filed")
    child = make_case(api, city, "submitted")
    api.ok(child, "dispatcher", "merge", target=parent)
    r = support(api, child, "resident2")
    assert r.status_code == 409 and "merged" in err_of(r)["message"]
    withdrawn = make_case(api, city, "submitted")
    api.ok(withdrawn, "resident1", "withdraw")
    assert support(api, withdrawn, "resident2").status_code == 409
    assert support(api, 99999999, "resident2").status_code == 404


# ---- merged cases follow their parent -----------------------------------------

def test_merged_cases_follow_the_parent_to_its_close(api, city):
    parent = make_case(api, city, "filed", description="二号楼前井盖松动")
    kids = [make_case(api, city, "submitted", reporter="resident2",
                      description="二号楼前井盖响")
            for _ in range(2)]
    for k in kids:
        api.ok(k, "dispatcher", "merge", target=parent)
    api.ok(parent, "dispatcher", "dispatch", unit=city.community_unit)
    api.ok(parent, "community", "sign")
    api.ok(parent, "community", "handle", note="井盖已更换并固定",
           photos=[api.photo("community")])
    api.ok(parent, "supervisor", "close")
    for k in kids:
        evs = api.events(k)
        last = evs[-1]
        assert last["action"] == "follow_parent", evs
        assert "随主案件结案 #%d" % parent in last["note"]
        assert "井盖已更换并固定" in last["note"]
        # the merged case is counted once, as merged
        seen = api.case(k, "resident2")
        assert seen["state"] == "merged" and seen["parent_id"] == parent
        assert not seen["allowed_actions"]
        # the same event is in the reporter's own view of the history
        assert api.events(k, "resident2")[-1]["action"] == "follow_parent"
    # reopened: they follow again
    api.ok(parent, "resident1", "rate", rating="unsatisfied")
    api.ok(parent, "resident1", "reopen", note="井盖又松了")
    for k in kids:
        last = api.events(k)[-1]
        assert last["action"] == "follow_parent"
        assert "重新办理" in last["note"]


def test_follow_parent_is_not_a_persons_action(api, city):
    parent = make_case(api, city, "filed")
    child = make_case(api, city, "submitted")
    api.ok(child, "dispatcher", "merge", target=parent)
    r = api.act(child, "admin", "follow_parent", note="手工")
    assert r.status_code == 403, r.text
    assert "by hand" in err_of(r)["message"]


def test_similar_without_a_category_looks_where_the_words_point(api, spot):
    """A resident unsure of the category still sees the open case nearby:
    the server looks under the category the words would be filed under."""
    c = report_at(api, "resident1", spot, "01082",
                  "2号楼一楼燃气泄漏，味道很大")
    r = api.get("/api/v1/cases/similar", "resident2",
                params={"lon": spot[0], "lat": spot[1],
                        "text": "楼下燃气泄漏了，煤气味很大"})
    assert r.status_code == 200, r.text
    ans = r.json()
    assert ans["category"] == "01082" and ans["category_guessed"] is True
    assert c["id"] in [i["id"] for i in ans["items"]]
    r = api.get("/api/v1/cases/similar", "resident2",
                params={"lon": spot[0], "lat": spot[1]})
    assert r.status_code == 422
