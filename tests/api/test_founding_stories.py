"""The founding stories, played through the API as new cases with the real
clock: report with a photo, route, handle with a closing photo, verify,
close, rate; and the felled trees closed by explanation."""
import time
from datetime import datetime

from conftest import fixture_bytes, png_bytes


def area_named(api, parent, word, default):
    r = api.get("/api/v1/areas", params={"parent": parent})
    if r.status_code == 200:
        for a in r.json()["items"]:
            if word in a["name"]:
                return a["code"]
    return default


def play(api, cid, unit_user, unit_code, note, after_photo,
         reporter, rating="satisfied"):
    api.ok(cid, "dispatcher", "accept")
    c = api.ok(cid, "dispatcher", "dispatch", unit=unit_code)
    assert c["due_at"]
    api.ok(cid, unit_user, "sign")
    ph = api.photo(unit_user, after_photo, name="after.jpg",
                   ctype="image/jpeg")
    api.ok(cid, unit_user, "handle", note=note, photos=[ph])
    api.ok(cid, "supervisor", "close")
    api.ok(cid, reporter, "rate", rating=rating)
    return ph


def check_story(api, cid, reporter, before, after, note):
    c = api.case(cid, reporter)
    assert c["state"] == "closed" and c["rating"] == "satisfied"
    assert c["mine"] is True
    evs = c["events"]
    assert [e["action"] for e in evs] == ["submit", "accept", "dispatch",
                                          "sign", "handle", "close", "rate"]
    assert [e["to"] for e in evs] == ["submitted", "filed", "dispatched",
                                      "handling", "handled", "closed",
                                      "closed"]
    assert [p["hash"] for p in evs[0]["photos"]] == [before]
    assert [p["hash"] for p in evs[4]["photos"]] == [after]
    assert evs[4]["note"] == note
    rep = datetime.fromisoformat(c["reported_at"])
    closed = datetime.fromisoformat(c["closed_at"])
    assert rep <= closed
    assert (closed - rep).total_seconds() < 600   # the same sitting
    assert c["reported_at"].endswith("+08:00")
    times = [datetime.fromisoformat(e["at"]) for e in evs]
    assert times == sorted(times)
    return c


def test_stairwell_tile_fixed_the_same_day(api, city):
    before = api.photo("resident1", fixture_bytes("tile-exif-gps.jpg"),
                       name="tile.jpg", ctype="image/jpeg")
    c = api.report("resident1",
                   category=city.category("楼道设施", "房屋", "设施"),
                   area=city.grid, title="楼道地砖破损",
                   address="呼铁菁华园小区 3号楼 2单元",
                   description="3号楼2单元一楼到二楼楼道地砖破损翘起，"
                               "老人上下楼容易绊倒，请尽快修复。",
                   photos=[before])
    assert c["state"] == "submitted"
    assert c["area"]["code"] == city.grid
    note = "已更换破损地砖6块，清理现场"
    after = play(api, c["id"], "community", city.community_unit, note,
                 fixture_bytes("tile.jpg"), "resident1")
    done = check_story(api, c["id"], "resident1", before, after, note)
    # the resident sees the closing photo beside the first one
    assert done["thumb_url"]


def test_construction_waste_in_front_of_a_building(api, city):
    before = api.photo("resident2", png_bytes(40, 30, rgb=(120, 110, 90)))
    c = api.report("resident2",
                   category=city.category("施工废弃", "建筑垃圾", "乱堆"),
                   area=city.grid, address="呼铁菁华园小区 5号楼前",
                   description="5号楼前堆放装修建筑垃圾多日无人清运，"
                               "占用消防通道。", photos=[before])
    note = "已联系装修业主清运建筑垃圾，现场已清理干净"
    after = play(api, c["id"], "sanitation", city.sanitation_unit, note,
                 png_bytes(40, 30, rgb=(90, 160, 90)), "resident2")
    check_story(api, c["id"], "resident2", before, after, note)


def test_tree_pits_at_the_park_south_gate(api, city):
    street = area_named(api, "150103", "光明路", "150103")
    before = api.photo("resident1", png_bytes(50, 40, rgb=(140, 90, 60)))
    c = api.report("resident1",
                   category=city.category("绿地", "树", unit=city.landscape_unit),
                   area=street, address="大学西街 青城公园南门",
                   description="青城公园南门大学西街新栽树的五个树坑周围"
                               "堆放泥土和铺路砖，行人无法通行。",
                   photos=[before])
    assert c["area"]["code"].startswith("150103")
    note = "已清理五个树坑周边渣土和砖块，恢复人行道通行"
    after = play(api, c["id"], "landscape", city.landscape_unit, note,
                 png_bytes(50, 40, rgb=(60, 140, 60)), "resident1")
    check_story(api, c["id"], "resident1", before, after, note)


def test_thirteen_trees_felled_closed_by_explanation(api, city):
    street = area_named(api, "150102", "海拉尔东路", "150102")
    c = api.report("resident2",
                   category=city.category("行道树", "树", "绿地",
                                          unit=city.landscape_unit),
                   area=street, address="兴松小区",
                   description="兴松小区内13棵大树被砍伐，为什么要砍？"
                               "有没有审批？以后还种不种？")
    assert c["area"]["code"].startswith("150102")
    cid = c["id"]
    api.ok(cid, "dispatcher", "accept")
    api.ok(cid, "dispatcher", "dispatch", unit=city.landscape_unit)
    api.ok(cid, "landscape", "sign")
    notice = api.photo("landscape", png_bytes(60, 80, rgb=(250, 250, 240)),
                       name="notice.jpg")
    note = ("答复：13棵树为病虫害严重的危树，经审批依法伐除；"
            "已在小区张贴公示（见照片），春季补植同等数量树木。")
    api.ok(cid, "landscape", "handle", note=note, photos=[notice])
    api.ok(cid, "supervisor", "close")
    api.ok(cid, "resident2", "rate", rating="satisfied")
    c = api.case(cid, "resident2")
    assert c["state"] == "closed" and c["rating"] == "satisfied"
    handle = [e for e in c["events"] if e["action"] == "handle"][0]
    assert "公示" in handle["note"] and "补植" in handle["note"]
    assert [p["hash"] for p in handle["photos"]] == [notice]
    assert [e["action"] for e in c["events"]] == [
        "submit", "accept", "dispatch", "sign", "handle", "close", "rate"]
    # nothing was repaired, but it is closed and counted as closed
    s = api.get("/api/v1/stats", "admin", params={"area": street}).json()
    assert s["closed"] >= 1
