"""
The one map: GET /api/v1/map (clusters per screen cell below zoom 16, the
cases themselves from zoom 16) and GET /api/v1/map/areas (areas with their
closure rate and overdue count).
"""
import pytest

from conftest import connect, err_of, make_case

WORLD = "-180,-90,180,90"
CITY = "111.3,40.5,112.1,41.1"  # the demo city and around it

# What the map draws: everything but withdrawn, merged and not yet
# reported cases.
ON_MAP = "state NOT IN ('none', 'withdrawn', 'merged')"


def map_of(api, user, **params):
    r = api.get("/api/v1/map", user, params=params)
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def cluster_sum(ans, key="count"):
    return sum(c[key] for c in ans["clusters"])


def on_map_count(api, where="1 = 1", *args):
    return api.scalar("SELECT COUNT(*) FROM cases WHERE %s AND %s"
                      % (ON_MAP, where), *args)


def test_clusters_add_up_to_the_visible_cases(api):
    want = on_map_count(api)
    for zoom in (3, 8, 11, 13):
        bbox = WORLD if zoom < 8 else CITY
        ans = map_of(api, "admin", bbox=bbox, zoom=zoom)
        assert ans["mode"] == "clusters"
        assert cluster_sum(ans) == ans["total"] == want, zoom
        for c in ans["clusters"]:
            assert c["count"] == c["open"] + c["overdue"] + c["closed"], c
    cases = map_of(api, "admin", bbox=CITY, zoom=16)
    assert cases["mode"] == "cases"
    assert cases["total"] == want
    assert len(cases["cases"]) == min(want, 2000)
    assert cases["truncated"] == (want > 2000)


def test_finer_cells_give_more_clusters(api):
    coarse = map_of(api, "admin", bbox=CITY, zoom=9)
    fine = map_of(api, "admin", bbox=CITY, zoom=14)
    assert len(fine["clusters"]) >= len(coarse["clusters"])
    assert fine["cell"]["lon"] < coarse["cell"]["lon"]


def test_state_groups_and_states(api):
    total = map_of(api, "admin", bbox=CITY, zoom=11)
    parts = {}
    for group in ("open", "overdue", "closed"):
        ans = map_of(api, "admin", bbox=CITY, zoom=11, state=group)
        parts[group] = ans["total"]
        assert cluster_sum(ans, group) == ans["total"], group
        assert cluster_sum(total, group) == ans["total"], group
    assert sum(parts.values()) == total["total"]
    closed = map_of(api, "admin", bbox=CITY, zoom=11, state="closed")
    only = map_of(api, "admin", bbox=CITY, zoom=11, state="dispatched")
    assert only["total"] == on_map_count(api, "state = 'dispatched'")
    assert closed["total"] == on_map_count(api,
                                           "state IN ('closed', 'rejected')")


def test_category_urgency_and_time_filters(api):
    big = api.scalar("SELECT substr(category_code, 1, 2) FROM cases WHERE %s"
                     " GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1" % ON_MAP)
    ans = map_of(api, "admin", bbox=CITY, zoom=11, category=big)
    assert ans["total"] == on_map_count(api, "category_code LIKE ?", big + "%")
    lv = map_of(api, "admin", bbox=CITY, zoom=11, urgency="general")
    assert lv["total"] == on_map_count(api, "level = 'general'")
    assert map_of(api, "admin", bbox=CITY, zoom=11,
                  level="general")["total"] == lv["total"]
    early = map_of(api, "admin", bbox=CITY, zoom=11, to="2000-01-01")
    assert early["total"] == 0
    recent = map_of(api, "admin", bbox=CITY, zoom=11, **{"from": "2000-01-01"})
    assert recent["total"] == map_of(api, "admin", bbox=CITY, zoom=11)["total"]


def test_a_district_supervisor_sees_only_the_district(api, city):
    ans = map_of(api, "hm-supervisor", bbox=CITY, zoom=16)
    assert ans["total"] == on_map_count(api, "area_path LIKE '/150100/150103/%'")
    paths = dict(api.db().execute("SELECT id, area_path FROM cases").fetchall())
    assert ans["cases"]
    assert all(paths[c["id"]].startswith("/150100/150103/")
               for c in ans["cases"])
    r = api.get("/api/v1/map", "hm-supervisor",
                params={"bbox": CITY, "zoom": 11, "area": city.outside})
    assert r.status_code == 403
    assert "scope" in err_of(r)["message"]
    gw = map_of(api, "gridworker", bbox=CITY, zoom=16)
    assert gw["total"] == on_map_count(api, "area_path LIKE ?",
                                       "%/" + city.grid + "/%")


def test_a_unit_sees_what_was_sent_to_it(api, city):
    unit_id = api.me("community")["unit"]["id"]
    ans = map_of(api, "community", bbox=CITY, zoom=11)
    assert ans["total"] == on_map_count(api, "unit_id = ?", unit_id)


def test_residents_get_rounded_positions_and_no_withdrawn(api, city):
    mine = api.report("resident1", category=city.general, lon=111.6523456,
                      lat=40.8187654, description="一张图测试：撤回的案件")
    assert api.ok(mine["id"], "resident1", "withdraw")["state"] == "withdrawn"
    ans = map_of(api, "resident2", bbox=CITY, zoom=17)
    assert ans["anonymised"] is True
    assert ans["cases"]
    for c in ans["cases"]:
        assert abs(c["lon"] * 1000 - round(c["lon"] * 1000)) < 1e-6, c
        assert abs(c["lat"] * 1000 - round(c["lat"] * 1000)) < 1e-6, c
        assert c["state"] not in ("withdrawn", "merged")
    assert mine["id"] not in [c["id"] for c in ans["cases"]]
    assert ans["total"] == on_map_count(api)
    # Staff do not see withdrawn cases on the map either.
    staff = map_of(api, "admin", bbox=CITY, zoom=17)
    assert mine["id"] not in [c["id"] for c in staff["cases"]]
    # Clusters for residents are built from the rounded positions too.
    cl = map_of(api, "resident2", bbox=CITY, zoom=12)
    assert cluster_sum(cl) == cl["total"] == ans["total"]


def test_a_new_case_is_on_the_map_at_once(api, city):
    before = map_of(api, "admin", bbox=CITY, zoom=11)["total"]
    c = api.report("resident1", category=city.general, lon=111.6611,
                   lat=40.8111, description="一张图测试：新案件立即上图")
    got = map_of(api, "admin", bbox="111.66,40.81,111.662,40.812", zoom=18)
    hit = [x for x in got["cases"] if x["id"] == c["id"]]
    assert hit and hit[0]["state"] == "submitted", got
    assert abs(hit[0]["lon"] - 111.6611) < 1e-9
    assert map_of(api, "admin", bbox=CITY, zoom=11)["total"] == before + 1
    api.ok(c["id"], "dispatcher", "reject", note="一张图测试")
    got = map_of(api, "admin", bbox="111.66,40.81,111.662,40.812", zoom=18)
    assert [x["state"] for x in got["cases"] if x["id"] == c["id"]] == [
        "rejected"]


def test_instants_beyond_32_bits_are_kept(api, city):
    # The map keeps instants in 32 bits while they fit; a report dated
    # before 1970 with a deadline after 2106 must be drawn as it is, not
    # with the deadline cut short into the past (overdue).
    c = api.report("resident1", category=city.general, lon=111.6644,
                   lat=40.8144, description="一张图测试：很早的报告，很远的期限")
    row = api.scalar("SELECT reported_at FROM cases WHERE id = ?", c["id"])
    with connect(api.srv.db) as db:
        db.execute("UPDATE cases SET reported_at = ?, due_at = ?"
                   " WHERE id = ?", (-400000000, 5000000000, c["id"]))
    try:
        box = "111.664,40.814,111.665,40.815"
        got = map_of(api, "admin", bbox=box, zoom=18)
        hit = [x for x in got["cases"] if x["id"] == c["id"]]
        assert hit and hit[0]["overdue"] is False, got
        old = map_of(api, "admin", bbox=box, zoom=18,
                     **{"from": "1957-01-01", "to": "1958-01-01"})
        assert [x["id"] for x in old["cases"]] == [c["id"]], old
        late = map_of(api, "admin", bbox=box, zoom=18, state="overdue")
        assert c["id"] not in [x["id"] for x in late["cases"]], late
    finally:
        # Back as reported; the rejection's event makes the map read the
        # case again.
        with connect(api.srv.db) as db:
            db.execute("UPDATE cases SET reported_at = ?, due_at = NULL"
                       " WHERE id = ?", (row, c["id"]))
        api.ok(c["id"], "dispatcher", "reject", note="一张图测试")


def test_overdue_cases_are_marked(api, city):
    ans = map_of(api, "admin", bbox=CITY, zoom=16, state="overdue")
    assert ans["total"] > 0
    assert all(c["overdue"] for c in ans["cases"])


@pytest.mark.parametrize("params, words", [
    ({"zoom": 11}, "bbox"),
    ({"bbox": "1,2,3", "zoom": 11}, "four numbers"),
    ({"bbox": "a,b,c,d", "zoom": 11}, "four numbers"),
    ({"bbox": "1,2,3,4,5", "zoom": 11}, "four numbers"),
    ({"bbox": "112,40,111,41", "zoom": 11}, "minlon < maxlon"),
    ({"bbox": "111,40,112,95", "zoom": 11}, "-90..90"),
    ({"bbox": CITY}, "zoom"),
    ({"bbox": CITY, "zoom": "eleven"}, "zoom"),
    ({"bbox": CITY, "zoom": 23}, "zoom"),
    ({"bbox": CITY, "zoom": -1}, "zoom"),
    ({"bbox": WORLD, "zoom": 15}, "too large"),
    ({"bbox": CITY, "zoom": 11, "state": "withdrawn"}, "state"),
    ({"bbox": CITY, "zoom": 11, "state": "bogus"}, "state"),
    ({"bbox": CITY, "zoom": 11, "urgency": "high"}, "urgency"),
    ({"bbox": CITY, "zoom": 11, "category": "abc"}, "category"),
    ({"bbox": CITY, "zoom": 11, "from": "yesterday"}, "from"),
    ({"bbox": CITY, "zoom": 11, "from": "2026-02-01", "to": "2026-01-01"},
     "before"),
])
def test_bad_queries_are_400(api, params, words):
    r = api.get("/api/v1/map", "admin", params=params)
    assert r.status_code == 400, (params, r.status_code, r.text)
    e = err_of(r)
    assert e["code"] == "invalid_query"
    assert words in e["message"], e


def test_the_map_needs_a_sign_in(api):
    r = api.get("/api/v1/map", None, params={"bbox": CITY, "zoom": 11})
    assert r.status_code == 401


def test_areas_with_closure_rate_and_overdue(api):
    ans = api.get("/api/v1/map/areas", "admin",
                  params={"level": "district"}).json()
    items = ans["items"]
    assert items and all(len(i["code"]) == 6 for i in items)
    total = map_of(api, "admin", bbox=CITY, zoom=11)
    assert sum(i["cases"] for i in items) == total["total"]
    assert sum(i["overdue"] for i in items) == cluster_sum(total, "overdue")
    for i in items:
        den = i["closed"] + i["rejected"] + i["overdue"]
        if den:
            assert i["closure_rate"] == pytest.approx(i["closed"] / den)
        else:
            assert i["closure_rate"] is None
    grids = api.get("/api/v1/map/areas", "admin",
                    params={"level": "grid", "within": "150103"}).json()
    assert grids["items"]
    assert all(i["code"].startswith("150103") and len(i["code"]) == 15
               for i in grids["items"])
    hm = [i for i in items if i["code"] == "150103"][0]
    assert sum(i["cases"] for i in grids["items"]) <= hm["cases"]
    od = api.get("/api/v1/map/areas", "admin",
                 params={"level": "district", "state": "overdue"}).json()
    assert [i["cases"] for i in od["items"]] == [i["overdue"] for i in items]


def test_areas_scope_and_bad_level(api, city):
    hm = api.get("/api/v1/map/areas", "hm-supervisor",
                 params={"level": "district"}).json()["items"]
    assert all(i["cases"] == 0 for i in hm if i["code"] != "150103")
    r = api.get("/api/v1/map/areas", "admin", params={"level": "building"})
    assert r.status_code == 400
    assert "district, street, community or grid" in err_of(r)["message"]
    r = api.get("/api/v1/map/areas", "admin", params={"within": "999999"})
    assert r.status_code == 404
    pub = api.get("/api/v1/map/areas", "resident1",
                  params={"level": "district"})
    assert pub.status_code == 200
