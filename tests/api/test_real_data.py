"""The real data beside the project (../shared/data): the citizen messages
imported by the demo, counted independently from the CSV files; the Hohhot
district polygons placing points."""
import collections
import csv
import json
import math
import os
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import shared_data

TZ = timezone(timedelta(hours=8))


def need(*parts):
    p = os.path.join(shared_data(), *parts)
    if not os.path.exists(p):
        pytest.skip("../shared/data not present (%s)" % p)
    return p


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def local_time(s):
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(s.strip(), fmt).replace(tzinfo=TZ)
        except ValueError:
            pass
    raise ValueError(s)


# ---- complaints -------------------------------------------------------------

@pytest.fixture(scope="module")
def complaints():
    d = need("complaints")
    return (read_csv(os.path.join(d, "messages-train.csv")),
            read_csv(os.path.join(d, "replies.csv")))


def test_complaint_counts_match_the_csv(api, complaints):
    msgs, replies = complaints
    assert len(msgs) == 298 and len(replies) == 120
    with api.db() as c:
        rows = c.execute(
            "SELECT c.ref, c.state, k.name, p.name FROM cases c"
            " JOIN categories k ON k.code = c.category_code"
            " LEFT JOIN categories p ON p.code = k.parent"
            " WHERE c.ref LIKE 'msg-%' OR c.ref LIKE 'reply-%'").fetchall()
    by_ref = {r[0]: r for r in rows}
    msg_refs = {"msg-%s" % m["id"] for m in msgs}
    reply_refs = {"reply-%s" % m["id"] for m in replies}
    assert msg_refs <= set(by_ref), sorted(msg_refs - set(by_ref))[:5]
    assert reply_refs <= set(by_ref), sorted(reply_refs - set(by_ref))[:5]
    assert len(by_ref) == 298 + 120
    open_states = {"submitted", "filed", "dispatched", "handling",
                   "extension_pending", "handled", "suspended"}
    assert sum(by_ref[r][1] in open_states for r in msg_refs) == 298
    assert sum(by_ref[r][1] == "closed" for r in reply_refs) == 120

    # the first-level class of each message, as the CSV says and as the
    # platform filed it (the class name is its category or big class)
    want = collections.Counter(m["category"] for m in msgs)
    got = collections.Counter()
    for ref in msg_refs:
        _, _, small, big = by_ref[ref]
        got[small if small in want else big] += 1
    assert got == want


def test_complaints_through_the_api(api, complaints):
    msgs, replies = complaints
    with api.db() as c:
        ids = dict(c.execute(
            "SELECT ref, id FROM cases WHERE ref LIKE 'msg-%' OR"
            " ref LIKE 'reply-%'").fetchall())
    # a message: open, its text; never answered by the board, it came in
    # over the demo's last fortnight (at its own date, years ago, every
    # such message would be long overdue)
    m = msgs[0]
    case = api.case(ids["msg-%s" % m["id"]], "admin")
    assert case["state"] not in ("closed", "rejected", "withdrawn")
    assert m["subject"].strip()[:10] in (case.get("title") or "") + \
        case["description"]
    age = time.time() - datetime.fromisoformat(case["reported_at"]).timestamp()
    assert 4 * 3600 <= age <= 15 * 86400, age
    # a replied message: closed at the reply's time, the reply on record
    for rp in replies[:5]:
        case = api.case(ids["reply-%s" % rp["id"]], "admin")
        assert case["state"] == "closed"
        closed = datetime.fromisoformat(case["closed_at"])
        assert closed == local_time(rp["reply_time"]), (rp["id"], closed)
        notes = " ".join(e.get("note") or "" for e in case["events"])
        assert rp["reply"].strip()[:20] in notes
    # the figures agree with the database
    s = api.get("/api/v1/stats", "admin").json()
    with api.db() as c:
        closed = c.execute("SELECT COUNT(*) FROM cases WHERE state ="
                           " 'closed' AND area_path LIKE '/150100/%'"
                           ).fetchone()[0]
    assert s["closed"] == closed


def test_complaints_searchable(api, complaints):
    msgs, _ = complaints
    subject = msgs[1]["subject"].strip()
    q = subject[:6]
    r = api.get("/api/v1/cases", "admin", params={"q": q, "per_page": 100})
    assert r.status_code == 200
    with api.db() as c:
        cid = c.execute("SELECT id FROM cases WHERE ref = ?",
                        ("msg-%s" % msgs[1]["id"],)).fetchone()[0]
    assert cid in [x["id"] for x in r.json()["items"]]


# ---- Hohhot polygons ----------------------------------------------------------

def wgs84_to_gcj02(lon, lat):
    """The published GCJ-02 offset formula."""
    a, ee = 6378245.0, 0.00669342162296594323

    def tlat(x, y):
        r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + \
            0.2 * math.sqrt(abs(x))
        r += (20 * math.sin(6 * x * math.pi) +
              20 * math.sin(2 * x * math.pi)) * 2 / 3
        r += (20 * math.sin(y * math.pi) +
              40 * math.sin(y / 3 * math.pi)) * 2 / 3
        r += (160 * math.sin(y / 12 * math.pi) +
              320 * math.sin(y * math.pi / 30)) * 2 / 3
        return r

    def tlon(x, y):
        r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + \
            0.1 * math.sqrt(abs(x))
        r += (20 * math.sin(6 * x * math.pi) +
              20 * math.sin(2 * x * math.pi)) * 2 / 3
        r += (20 * math.sin(x * math.pi) +
              40 * math.sin(x / 3 * math.pi)) * 2 / 3
        r += (150 * math.sin(x / 12 * math.pi) +
              300 * math.sin(x / 30 * math.pi)) * 2 / 3
        return r
    dlat = tlat(lon - 105, lat - 35)
    dlon = tlon(lon - 105, lat - 35)
    rad = lat / 180 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = dlat * 180 / ((a * (1 - ee)) / (magic * sq) * math.pi)
    dlon = dlon * 180 / (a / sq * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def inside(lon, lat, geometry):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" \
        else [geometry["coordinates"]]
    for poly in polys:
        hit = False
        for ring in poly:      # even-odd over all rings handles holes
            n = len(ring)
            for i in range(n):
                x1, y1 = ring[i][:2]
                x2, y2 = ring[(i + 1) % n][:2]
                if (y1 > lat) != (y2 > lat) and \
                        lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                    hit = not hit
        if hit:
            return True
    return False


def district(code):
    with open(need("hohhot", "%s.json" % code), encoding="utf-8") as f:
        feats = json.load(f)
    if isinstance(feats, dict):
        feats = feats["features"]
    for ft in feats:
        if str(ft["properties"].get("adcode")) == code:
            return ft
    return feats[0]


@pytest.mark.parametrize("code,lon,lat", [
    ("150103", 111.60, 40.83),     # 回民区
    ("150102", 111.70, 40.86),     # 新城区
])
def test_point_lands_in_its_district(api, code, lon, lat):
    ft = district(code)
    glon, glat = wgs84_to_gcj02(lon, lat)
    # check the point against the data itself before asking the server
    assert inside(glon, glat, ft["geometry"]), \
        "pick another point: %s,%s is not inside %s" % (lon, lat, code)
    r = api.get("/api/v1/areas/locate", params={"lon": lon, "lat": lat})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["area"].startswith(code), body
    assert code in [a["code"] for a in body["path"]], body
    assert body["path"][0]["code"] == "150100"


def test_report_by_point_is_placed_in_huimin(api, city):
    need("hohhot", "150103.json")
    c = api.report("resident1", category=city.general, lon=111.60,
                   lat=40.83, description="按坐标上报：回民区某处堆放杂物")
    assert c["area"]["code"].startswith("150103"), c["area"]
    # the same place in GCJ-02, as a phone map would give it
    glon, glat = wgs84_to_gcj02(111.60, 40.83)
    c2 = api.report("resident1", category=city.general, lon=glon, lat=glat,
                    crs="gcj02", description="按火星坐标上报：回民区某处")
    assert c2["area"]["code"] == c["area"]["code"]
    loc = c2["location"]
    assert abs(loc["lon"] - 111.60) < 1e-4 and abs(loc["lat"] - 40.83) < 1e-4


def test_district_polygons_served(api):
    need("hohhot", "150100.json")
    fc = api.get("/api/v1/areas/geojson", params={"level": "district"}).json()
    codes = {f["properties"].get("code") for f in fc["features"]}
    assert {"150102", "150103", "150104", "150105"} <= codes, codes


def test_the_boards_open_messages_are_a_working_queue(api, complaints):
    # Dated over the last fortnight, most are still within their deadline
    # (at their own dates every one was years overdue).
    with api.db() as c:
        due = [r[0] for r in c.execute(
            "SELECT due_at FROM cases WHERE ref LIKE 'msg-%'").fetchall()]
    assert len(due) == 298
    overdue = sum(d is not None and d < time.time() for d in due)
    assert overdue < len(due) / 2, overdue
