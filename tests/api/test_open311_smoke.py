"""
Open311 GeoReport v2 at /open311/v2/, against the real server: discovery,
services and a definition in both formats, a report posted with a
registered client's key and read back (through GeoReport and through
civicgrid's own API), the spec's errors, and a photo uploaded as
multipart `media`.  The conformance suite checks every field; this file
checks that the endpoint works end to end.
"""
import json
import os
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import png_bytes, run

V2 = "/open311/v2"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


@pytest.fixture(scope="module")
def key(server):
    r = run(["client", "add", "open311-smoke", "--db", server.db])
    assert r.returncode == 0, r.stderr
    k = r.stdout.strip()
    assert len(k) >= 32 and "\n" not in k, r.stdout
    return k


@pytest.fixture(scope="module")
def place(api):
    """A WGS-84 point inside the demo city, taken from a public request."""
    r = api.get(V2 + "/requests.json", params={"page_size": "100"})
    assert r.status_code == 200, r.text
    item = [i for i in r.json() if i.get("lat") is not None][0]
    return item["lat"], item["long"]


def xml_of(r):
    assert r.headers["Content-Type"] == XML_TYPE, r.headers
    assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(r.content)


def json_of(r):
    assert r.headers["Content-Type"] == JSON_TYPE, r.headers
    return r.json()


def post(api, fmt="json", **kw):
    return requests.post(api.url + V2 + "/requests." + fmt, timeout=60,
                         **kw)


def test_client_help():
    r = run(["client", "--help"])
    assert r.returncode == 0 and "client add NAME" in r.stdout


def test_discovery(api):
    root = xml_of(api.get(V2 + "/discovery.xml"))
    assert root.tag == "discovery"
    for tag in ("changeset", "contact", "key_service"):
        assert root.find(tag) is not None, tag
    ep = root.find("endpoints/endpoint")
    assert ep.findtext("url").endswith("/open311/v2")
    assert [f.text for f in ep.findall("formats/format")] == [
        "text/xml", "application/json"]
    d = json_of(api.get(V2 + "/discovery.json"))
    assert d["endpoints"][0]["specification"].endswith("GeoReport_v2")


def test_services_and_definition(api):
    services = json_of(api.get(V2 + "/services.json"))
    assert services
    s = services[0]
    assert isinstance(s["service_code"], str) and len(s["service_code"]) == 5
    assert s["type"] == "realtime" and s["metadata"] is True and s["group"]
    root = xml_of(api.get(V2 + "/services.xml"))
    assert root.tag == "services"
    assert len(root.findall("service")) == len(services)
    code = s["service_code"]
    d = json_of(api.get(V2 + "/services/%s.json" % code))
    assert d["service_code"] == code
    urgency = [a for a in d["attributes"] if a["code"] == "urgency"][0]
    assert urgency["required"] is True
    assert {v["key"] for v in urgency["values"]} == {"normal", "urgent"}
    root = xml_of(api.get(V2 + "/services/%s.xml" % code))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None
    r = api.get(V2 + "/services/99999.json")
    assert r.status_code == 404 and json_of(r)[0]["code"] == 404


def test_post_and_read_back(api, key, place, city):
    lat, lon = place
    code = city.general
    r = post(api, data={
        "api_key": key, "service_code": code, "lat": lat, "long": lon,
        "description": "楼道里堆满纸箱，挡住了消防通道",
        "attribute[urgency]": "urgent", "attribute[details]": "三单元二楼",
        "first_name": "明", "last_name": "李", "phone": "13800000000",
        "account_id": "acct-7",
        # empty optional arguments are the same as absent ones
        "email": "", "address_string": "", "device_id": "", "media_url": ""})
    assert r.status_code == 200, r.text
    reply = json_of(r)
    sid = reply[0]["service_request_id"]
    assert isinstance(sid, str) and sid.isdigit()
    assert reply[0]["account_id"] == "acct-7" and reply[0]["service_notice"]

    got = json_of(api.get(V2 + "/requests/%s.json" % sid))
    assert len(got) == 1 and got[0]["service_request_id"] == sid
    req = got[0]
    assert req["status"] == "open" and req["service_code"] == code
    assert req["requested_datetime"].endswith("+08:00")
    assert req["expected_datetime"].endswith("+08:00")
    assert "李明" not in json.dumps(req, ensure_ascii=False)
    assert "13800000000" not in json.dumps(req)
    root = xml_of(api.get(V2 + "/requests/%s.xml" % sid))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == sid

    ext = json_of(api.get(V2 + "/requests/%s.json" % sid,
                          params={"extensions": "true"}))[0]
    assert ext["extended_attributes"]["channel"] == "open311"
    assert ext["extended_attributes"]["state"] == "submitted"
    assert ext["notes"][0]["type"] == "submitted"

    case = api.case(int(sid))
    assert case["channel"] == "open311"
    assert case["reporter"]["name"] == "李明"
    assert "紧急" in case["description"]

    listed = json_of(api.get(V2 + "/requests.json", params={
        "service_request_id": sid + ",999999", "status": "",
        "service_code": ""}))
    assert [x["service_request_id"] for x in listed] == [sid]
    listed = json_of(api.get(V2 + "/requests.json", params={
        "service_code": code, "status": "open", "page_size": "1000"}))
    assert sid in [x["service_request_id"] for x in listed]


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("api_key", [None, "", "not-a-key"])
def test_post_needs_a_valid_key(api, place, city, fmt, api_key):
    data = {"service_code": city.general, "lat": place[0],
            "long": place[1], "attribute[urgency]": "normal"}
    if api_key is not None:
        data["api_key"] = api_key
    before = api.counts()
    r = post(api, fmt, data=data)
    assert r.status_code == 403, r.text
    if fmt == "xml":
        root = xml_of(r)
        assert root.tag == "errors" and root.findtext("error/code") == "403"
    else:
        assert json_of(r)[0]["code"] == 403
    assert api.counts() == before


def test_post_errors(api, key, place, city):
    lat, lon = place
    base = {"api_key": key, "service_code": city.general, "lat": lat,
            "long": lon, "attribute[urgency]": "normal"}
    r = post(api, data=dict(base, service_code="99999"))
    assert r.status_code == 404 and json_of(r)[0]["code"] == 404
    r = post(api, data=dict(base, description="长" * 4001))
    assert r.status_code == 400, r.text
    r = post(api, "xml", data={k: v for k, v in base.items()
                               if k not in ("lat", "long")})
    assert r.status_code == 400 and xml_of(r).tag == "errors"
    r = post(api, data={k: v for k, v in base.items()
                        if k != "attribute[urgency]"})
    assert r.status_code == 400 and "urgency" in r.text
    r = post(api, data=dict(base, description="长" * 4000))
    assert r.status_code == 200, r.text


def test_media_upload(api, key, place, city):
    lat, lon = place
    r = post(api, data={"api_key": key, "service_code": city.general,
                        "lat": str(lat), "long": str(lon),
                        "attribute[urgency]": "normal",
                        "description": "井盖旁边的垃圾"},
             files={"media": ("p.png", png_bytes(16, 16), "image/png")})
    assert r.status_code == 200, r.text
    sid = json_of(r)[0]["service_request_id"]
    req = json_of(api.get(V2 + "/requests/%s.json" % sid))[0]
    assert req["media_url"].endswith(".jpg"), req
    photo = requests.get(req["media_url"], timeout=30)
    assert photo.status_code == 200
    assert photo.headers["Content-Type"] == "image/jpeg"


def test_tokens_and_updates(api, key):
    r = api.get(V2 + "/tokens/1.json")
    assert r.status_code == 404 and json_of(r)[0]["code"] == 404
    ups = json_of(api.get(V2 + "/servicerequestupdates.json", params={
        "start_date": "", "end_date": ""}))
    for u in ups:
        assert isinstance(u["update_id"], str)
        assert u["updated_datetime"].endswith("+08:00")
    root = xml_of(api.get(V2 + "/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    r = requests.post(api.url + V2 + "/servicerequestupdates.json",
                      data={"api_key": "bad", "service_request_id": "1"},
                      timeout=30)
    assert r.status_code == 403


def test_a_phone_sized_photo_fits_in_a_client_post(api, key, city):
    """A photo of a few hundred KiB, more than the small limit for callers
    without a session, goes through with the client's key."""
    big = png_bytes(400, 300) + os.urandom(200 * 1024)
    r = requests.post(api.url + "/open311/v2/requests.json", data={
        "api_key": key, "service_code": city.general,
        "address_id": city.grid, "attribute[urgency]": "normal",
        "description": "楼道里堆满杂物"},
        files={"media": ("p.png", big, "image/png")})
    assert r.status_code in (200, 201), r.text
    sid = r.json()[0]["service_request_id"]
    got = requests.get(api.url + "/open311/v2/requests/%s.json" % sid).json()
    assert got[0]["media_url"].endswith(".jpg")


def test_address_in_words_is_placed_on_the_area_it_names(api, key, city):
    """A client that knows only an address in words (no point) is placed on
    the area the words name; words that name no area here are refused with
    a reason, and nothing is filed."""
    known = [i for i in json_of(api.get(V2 + "/requests.json",
                                        params={"page_size": "100"}))
             if i.get("lat") is not None][0]
    grid_name, grid_code = known["address"], known["address_id"]
    assert grid_name and grid_code
    words = grid_name + "北门东侧垃圾桶旁"
    r = post(api, data={"api_key": key, "service_code": city.general,
                        "attribute[urgency]": "normal",
                        "address_string": words,
                        "description": "垃圾桶满了没人清运"})
    assert r.status_code == 200, r.text
    sid = json_of(r)[0]["service_request_id"]
    got = json_of(api.get(V2 + "/requests/%s.json" % sid))[0]
    assert got["address_id"] == grid_code
    assert "lat" not in got or got["lat"] in (None, "")

    before = len(json_of(api.get(V2 + "/requests.json",
                                 params={"page_size": "1000"})))
    for words, reason in [("123 Main Street, Boston", "names no"),
                          ("门口", "names no")]:
        r = post(api, data={"api_key": key, "service_code": city.general,
                            "attribute[urgency]": "normal",
                            "address_string": words})
        assert r.status_code == 400, r.text
        assert reason in json_of(r)[0]["description"]
    r = post(api, data={"api_key": key, "service_code": city.general,
                        "attribute[urgency]": "normal",
                        "address_string": "路" * 201, "lat": "40.8",
                        "long": "111.6"})
    assert r.status_code == 400 and "200 characters" in r.text
    after = len(json_of(api.get(V2 + "/requests.json",
                                params={"page_size": "1000"})))
    assert after == before


def test_multivalue_answer_reaches_the_case(api, key, place, city):
    """The "affected" question takes several answers; they reach the people
    who take the case in, and a value off the list is refused."""
    lat, lon = place
    defn = json_of(api.get(V2 + "/services/%s.json" % city.general))
    aff = [a for a in defn["attributes"] if a["code"] == "affected"][0]
    assert aff["datatype"] == "multivaluelist" and not aff["required"]
    keys = [v["key"] for v in aff["values"]]
    assert "pedestrians" in keys and "elderly_children" in keys
    base = [("api_key", key), ("service_code", city.general),
            ("lat", str(lat)), ("long", str(lon)),
            ("attribute[urgency]", "normal"), ("description", "路面塌陷")]
    r = post(api, data=base + [("attribute[affected][]", "pedestrians"),
                               ("attribute[affected][]", "elderly_children")])
    assert r.status_code == 200, r.text
    sid = json_of(r)[0]["service_request_id"]
    case = api.case(int(sid))
    assert "受影响：行人、老人或儿童" in case["description"], case
    for bad in [[("attribute[affected][]", "dogs")],
                [("attribute[affected][]", "shops"),
                 ("attribute[affected][]", "shops")]]:
        r = post(api, data=base + bad)
        assert r.status_code == 400, r.text
        assert "attribute[affected]" in json_of(r)[0]["description"]
