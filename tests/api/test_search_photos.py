"""Chinese substring search, and the photo pipeline: type by content,
metadata stripped, EXIF rotation applied, stored by hash, thumbnails."""
import uuid

import pytest
import requests

from conftest import fixture_bytes, png_bytes


@pytest.fixture(scope="module")
def tile_case(api, city):
    tag = "tag" + uuid.uuid4().hex[:8]
    c = api.report("resident1", category=city.category("楼道设施", "乱堆杂物"),
                   area=city.grid, title="三号楼楼道地砖破损",
                   description="呼铁菁华园小区三号楼一单元楼道地砖破损翘起，"
                               "老人容易绊倒。编号%s" % tag)
    return c["id"], tag


@pytest.mark.parametrize("q", [
    "砖",            # one character
    "地砖",          # two
    "楼道地",        # three: the trigram index
    "楼道地砖破损",   # a phrase
    "菁华园小区",
    "绊倒",
    "三号楼",        # in the title
])
def test_chinese_substring_search(api, tile_case, q):
    cid, _ = tile_case
    for user in ("admin", "dispatcher", "resident1"):
        r = api.get("/api/v1/cases", user, params={"q": q, "per_page": 100})
        assert r.status_code == 200, r.text
        ids = [c["id"] for c in r.json()["items"]]
        if cid not in ids and r.json()["total"] > 100:
            continue  # a very common word; the count proves it matched
        assert cid in ids, (user, q, r.json()["total"])


def test_search_misses_what_is_not_there(api, tile_case):
    cid, tag = tile_case
    for q in ("地砖完好无损", "破损地", "zz" + tag):
        r = api.get("/api/v1/cases", "admin", params={"q": q})
        assert cid not in [c["id"] for c in r.json()["items"]], q
    r = api.get("/api/v1/cases", "admin", params={"q": tag})
    assert [c["id"] for c in r.json()["items"]] == [cid]


def test_search_other_resident_sees_none_of_it(api, tile_case):
    cid, tag = tile_case
    r = api.get("/api/v1/cases", "resident2", params={"q": tag})
    assert r.json()["items"] == []


def test_search_with_filters(api, city, tile_case):
    cid, tag = tile_case
    r = api.get("/api/v1/cases", "admin",
                params={"q": "地砖", "state": "submitted", "area": "150103"})
    assert cid in [c["id"] for c in r.json()["items"]]
    r = api.get("/api/v1/cases", "admin",
                params={"q": "地砖", "state": "closed", "per_page": 100})
    assert cid not in [c["id"] for c in r.json()["items"]]
    r = api.get("/api/v1/cases", "admin",
                params={"q": tag, "area": city.outside})
    assert r.json()["items"] == []


# ---- photos -----------------------------------------------------------------

def stored(api, h, thumb=False):
    r = requests.get(api.url + "/photos/%s%s" % (
        h, ".thumb.jpg" if thumb else ".jpg"), timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.content[:3] == b"\xff\xd8\xff"
    return r.content


@pytest.mark.parametrize("name,data,ctype", [
    ("png", png_bytes(16, 12), "image/png"),
    ("jpeg", fixture_bytes("tile.jpg"), "image/jpeg"),
    ("webp", fixture_bytes("tile.webp"), "image/webp"),
    ("png named .jpg", png_bytes(9, 9, rgb=(1, 2, 3)), "image/jpeg"),
    ("jpeg sent as octet-stream", fixture_bytes("tile.jpg"),
     "application/octet-stream"),
])
def test_photo_types_by_content(api, name, data, ctype):
    r = api.post("/api/v1/photos", "resident1",
                 files={"photo": ("upload.bin", data, ctype)})
    assert r.status_code == 201, r.text
    h = r.json()["hash"]
    assert len(h) == 64 and all(c in "0123456789abcdef" for c in h)
    stored(api, h)
    stored(api, h, thumb=True)


def test_same_photo_twice_same_hash(api):
    data = png_bytes(20, 20, rgb=(9, 99, 199))
    a = api.photo("resident1", data)
    b = api.photo("resident2", data)
    assert a == b


def test_exif_gps_stripped_and_rotation_applied(api):
    src = fixture_bytes("tile-exif-gps.jpg")
    assert b"Exif" in src and b"CIVICGRID-GPS-TEST" in src
    r = api.post("/api/v1/photos", "resident1",
                 files={"photo": ("gps.jpg", src, "image/jpeg")})
    assert r.status_code == 201, r.text
    h = r.json()["hash"]
    for thumb in (False, True):
        out = stored(api, h, thumb)
        assert b"Exif" not in out
        assert b"CIVICGRID-GPS-TEST" not in out
        assert b"GPS" not in out
        # the GPS rationals of the fixture (40/1 49/1 ... 111/1 38/1)
        assert b"\x00\x00\x00\x6f\x00\x00\x00\x01" not in out
        assert b"http://ns.adobe.com/xap" not in out   # no XMP either
    w, hgt = jpeg_size(stored(api, h))
    # the fixture is 64x48 with Orientation 6: upright it is 48x64
    assert (w, hgt) == (48, 64), (w, hgt)
    row = api.scalar("SELECT width || 'x' || height FROM photos WHERE "
                     "hash = ?", h)
    assert row == "48x64"


def jpeg_size(b):
    i = 2
    while i < len(b):
        assert b[i] == 0xFF
        marker = b[i + 1]
        ln = int.from_bytes(b[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return (int.from_bytes(b[i + 7:i + 9], "big"),
                    int.from_bytes(b[i + 5:i + 7], "big"))
        i += 2 + ln
    raise AssertionError("no SOF")


def test_report_with_photo_multipart_shows_before_and_after(api, city):
    form = {"category": (None, city.general), "area": (None, city.grid),
            "description": (None, "楼前堆放建筑垃圾，附照片"),
            "photo": ("before.jpg", fixture_bytes("tile.jpg"), "image/jpeg")}
    r = api.post("/api/v1/cases", "resident1", files=form)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["thumb_url"] and c["thumb_url"].endswith(".thumb.jpg")
    assert len(c["events"][0]["photos"]) == 1
    before = c["events"][0]["photos"][0]["hash"]
    cid = c["id"]
    api.ok(cid, "dispatcher", "accept")
    api.ok(cid, "dispatcher", "dispatch", unit=city.community_unit)
    api.ok(cid, "community", "sign")
    after = api.photo("community", png_bytes(30, 20, rgb=(0, 200, 0)))
    api.ok(cid, "community", "handle", note="已清运", photos=[after])
    api.ok(cid, "supervisor", "close")
    evs = api.case(cid, "resident1")["events"]
    hashes = [p["hash"] for e in evs for p in e["photos"]]
    assert hashes == [before, after]
    stored(api, after)
