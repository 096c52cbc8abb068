"""
Open311 GeoReport v2 conformance: every endpoint under /open311/v2/ in both
formats, every answer checked against the project's JSON Schemas
(tests/open311/schemas, Debian's python3-jsonschema) or its RELAX NG
grammar of the spec's XML (tests/open311/xml, libxml2's xmllint), and the
exact content types.  Written from the spec (GeoReport v2, Service
Discovery, Service Definition Attributes, the common extensions and the
mySociety servicerequestupdates extension); see
../shared/reference/anchors-311.md section 1.
"""
import datetime as dt
import functools
import importlib.util
import json
import os
import re
import subprocess
import tempfile
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import requests


HERE = os.path.dirname(os.path.abspath(__file__))


def _api_conftest():
    """tests/api/conftest.py, the server machinery, loaded by path under a
    name of its own: a second conftest.py here would take the module name
    "conftest" that the API tests import from when both folders run in one
    session (scripts/test.sh)."""
    name = "civicgrid_api_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(HERE, "..", "api", "conftest.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


apiconf = _api_conftest()
# its fixtures, used here: one demo database and server for this module
server = apiconf.server
api = apiconf.api
BASE = "/open311/v2"
FORMATS = ("xml", "json")
CTYPE = {"json": "application/json; charset=utf-8",
         "xml": "text/xml; charset=utf-8"}
FORM = "application/x-www-form-urlencoded; charset=utf-8"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
XMLDECL = re.compile(r'^<\?xml version="1\.0" encoding="(?i:utf-8)"\?>')
SPEC = "http://wiki.open311.org/GeoReport_v2"


# ---- checking answers -------------------------------------------------------

@functools.lru_cache(None)
def validator(name):
    with open(os.path.join(HERE, "schemas", name + ".schema.json")) as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)


def where(r):
    return "%s %s -> %s" % (r.request.method, r.request.url, r.status_code)


def check_json(r, name, status=200):
    assert r.status_code == status, (where(r), r.text[:600])
    assert r.headers.get("Content-Type") == CTYPE["json"], \
        (where(r), r.headers.get("Content-Type"))
    body = json.loads(r.content.decode("utf-8"))
    errs = sorted(validator(name).iter_errors(body), key=lambda e: e.path)
    nerrs = len(errs)
    assert nerrs == 0, "%s: not a valid %s answer:\n%s\n%s" % (
        where(r), name, "\n".join(
            "  at /%s: %s" % ("/".join(map(str, e.absolute_path)),
                              e.message[:200]) for e in errs[:10]),
        r.text[:600])
    return body


def xmllint(args, data):
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(data)
        f.flush()
        p = subprocess.run(["xmllint"] + args + [f.name],
                           capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.replace(f.name, "answer")


def check_xml(r, name, status=200):
    assert r.status_code == status, (where(r), r.text[:600])
    assert r.headers.get("Content-Type") == CTYPE["xml"], \
        (where(r), r.headers.get("Content-Type"))
    text = r.content.decode("utf-8")
    assert XMLDECL.match(text), (where(r), "no XML declaration "
                                 '<?xml version="1.0" encoding="utf-8"?>',
                                 text[:100])
    rc, _, err = xmllint(["--noout"], r.content)
    assert rc == 0, (where(r), "not well-formed", err[:1000])
    rng = os.path.join(HERE, "xml", name + ".rng")
    rc, _, err = xmllint(["--noout", "--relaxng", rng], r.content)
    assert rc == 0, "%s: not a valid %s document:\n%s\n%s" % (
        where(r), name, err[:1500], text[:600])
    return ET.fromstring(r.content)


def check(r, fmt, name, status=200):
    return (check_json if fmt == "json" else check_xml)(r, name, status)


def check_error(r, fmt, status):
    """An error in the spec's format, in the requested format, with the
    HTTP status the spec names; returns [(code, description)]."""
    body = check(r, fmt, "errors", status)
    if fmt == "json":
        return [(str(e["code"]), e["description"]) for e in body]
    return [(e.findtext("code"), e.findtext("description"))
            for e in body.findall("error")]


def xml_records(root, tag):
    """[{child: text}] of the records `tag` under the root."""
    return [{c.tag: (c.text or "") for c in rec} for rec in root.findall(tag)]


def when(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def w3c(t, offset_hours=0):
    """t (aware) as W3C-DTF in a given time zone."""
    tz = dt.timezone(dt.timedelta(hours=offset_hours))
    return t.astimezone(tz).replace(microsecond=0).isoformat()


# ---- the client ---------------------------------------------------------------

class Open311:
    def __init__(self, srv):
        self.url = srv.url + BASE

    def get(self, path, fmt="json", params=None):
        return requests.get("%s/%s.%s" % (self.url, path, fmt),
                            params=params or {}, timeout=60)

    def post(self, path, fmt="json", fields=(), ctype=FORM):
        """fields: pairs, repeated keys allowed; sent as UTF-8 form."""
        if isinstance(fields, dict):
            fields = list(fields.items())
        body = urllib.parse.urlencode(list(fields), encoding="utf-8")
        return requests.post("%s/%s.%s" % (self.url, path, fmt),
                             data=body.encode("ascii"),
                             headers={"Content-Type": ctype}, timeout=60)


@pytest.fixture(scope="module")
def o311(server):
    return Open311(server)


@pytest.fixture(scope="module")
def key(server, o311):
    r = apiconf.run(["client", "add", "conformance suite", "--db",
                           server.db])
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    lines = [ln.strip() for ln in r.stdout.splitlines() if ln.strip()]
    assert lines, "`civicgrid client add` printed no key"
    k = lines[-1].split()[-1]
    assert len(k) >= 16, r.stdout
    return k


@pytest.fixture(scope="module")
def services(o311):
    return check_json(o311.get("services", "json"), "services")


@pytest.fixture(scope="module")
def definitions(o311, services):
    out = {}
    for s in services:
        if s["metadata"]:
            out[s["service_code"]] = check_json(
                o311.get("services/" + s["service_code"], "json"),
                "service_definition")
    return out


def sample_value(a):
    if a["datatype"] in ("singlevaluelist", "multivaluelist"):
        return a["values"][0]["key"]
    return {"number": "3", "datetime": w3c(dt.datetime.now(dt.timezone.utc), 8),
            "string": "三楼", "text": "第一行\n第二行"}[a["datatype"]]


def attribute_fields(defn, skip=()):
    """attribute[...] pairs answering every required variable attribute."""
    out = []
    for a in (defn or {}).get("attributes", []):
        if not (a["variable"] and a["required"]) or a["code"] in skip:
            continue
        if a["datatype"] == "multivaluelist":
            out.append(("attribute[%s][]" % a["code"], sample_value(a)))
        else:
            out.append(("attribute[%s]" % a["code"], sample_value(a)))
    return out


@pytest.fixture(scope="module")
def service(services, definitions):
    """A realtime service to post to, and its required attributes."""
    rt = [s for s in services if s["type"] == "realtime"]
    assert rt, "no realtime service to post to: %r" % services[:3]
    plain = [s for s in rt if not attribute_fields(
        definitions.get(s["service_code"]))]
    s = (plain or rt)[0]
    return s["service_code"], attribute_fields(
        definitions.get(s["service_code"]))


@pytest.fixture(scope="module")
def point(o311, server):
    """A WGS84 point inside the demo city, from a request it already has."""
    r = check_json(o311.get("requests", "json"), "requests")
    for q in r:
        if q.get("lat") is not None and q.get("long") is not None:
            return q["lat"], q["long"]
    # none in the default window (the last 90 days): a case of the demo
    with apiconf.connect(server.db, readonly=True) as c:
        row = c.execute("SELECT lat, lon FROM cases WHERE lat IS NOT NULL "
                        "AND lon IS NOT NULL LIMIT 1").fetchone()
    assert row, "no case of the demo has a point to report near"
    return row


def new_request(o311, key, service, point, fmt="json", extra=(), **kw):
    code, attrs = service
    fields = [("api_key", key), ("service_code", code),
              ("lat", "%.6f" % point[0]), ("long", "%.6f" % point[1]),
              ("description", kw.pop("description", "井盖缺失，有人险些踩空"))]
    fields += attrs + list(extra)
    r = o311.post("requests", fmt, fields)
    body = check(r, fmt, "requests_post")
    if fmt == "json":
        return body[0].get("service_request_id")
    return body.find("request").findtext("service_request_id")


def one(o311, rid, fmt="json"):
    body = check(o311.get("requests/" + rid, fmt), fmt, "request")
    return body[0] if fmt == "json" else xml_records(body, "request")[0]


# ---- discovery ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(o311, server, fmt):
    body = check(o311.get("discovery", fmt), fmt, "discovery")
    if fmt == "xml":
        eps = [{"url": e.findtext("url"),
                "specification": e.findtext("specification"),
                "formats": [f.text for f in e.iter("format")]}
               for e in body.find("endpoints").findall("endpoint")]
    else:
        eps = body["endpoints"]
    ours = [e for e in eps if e["specification"] == SPEC]
    assert ours, ("no endpoint with specification %s" % SPEC, eps)
    for e in ours:
        assert re.search(r"/open311/v2/?$", e["url"]), e
        assert "text/xml" in e["formats"] and \
            "application/json" in e["formats"], e


def test_discovery_same_in_both_formats(o311):
    j = check_json(o311.get("discovery", "json"), "discovery")
    x = check_xml(o311.get("discovery", "xml"), "discovery")
    assert x.findtext("changeset") == j["changeset"]
    assert x.findtext("contact") == j["contact"]
    assert [e.findtext("url") for e in x.iter("endpoint")] == \
        [e["url"] for e in j["endpoints"]]


# ---- services and definitions ----------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_services(o311, fmt):
    body = check(o311.get("services", fmt), fmt, "services")
    codes = ([s["service_code"] for s in body] if fmt == "json" else
             [s.findtext("service_code") for s in body.findall("service")])
    assert codes, "no services"
    assert len(codes) == len(set(codes)), "service codes repeat"


def test_services_same_in_both_formats(o311, services):
    x = check_xml(o311.get("services", "xml"), "services")
    xs = {s["service_code"]: s for s in xml_records(x, "service")}
    assert set(xs) == {s["service_code"] for s in services}
    for s in services:
        assert xs[s["service_code"]]["service_name"] == s["service_name"]
        assert xs[s["service_code"]]["metadata"] == \
            ("true" if s["metadata"] else "false")
        assert xs[s["service_code"]]["type"] == s["type"]


def test_empty_jurisdiction_is_absent(o311, services):
    body = check_json(o311.get("services", "json", {"jurisdiction_id": ""}),
                      "services")
    assert body == services


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definitions(o311, services, fmt):
    withmeta = [s["service_code"] for s in services if s["metadata"]]
    if not withmeta:
        pytest.skip("no service has metadata=true")
    for code in withmeta:
        body = check(o311.get("services/" + code, fmt), fmt,
                     "service_definition")
        if fmt == "json":
            assert body["service_code"] == code
            attrs = body["attributes"]
        else:
            assert body.findtext("service_code") == code
            attrs = [{"code": a.findtext("code"), "order": a.findtext("order")}
                     for a in body.find("attributes").findall("attribute")]
        codes = [a["code"] for a in attrs]
        assert len(codes) == len(set(codes)), (code, "attribute codes repeat")
        orders = [a["order"] for a in attrs if a.get("order") not in
                  (None, "")]
        assert len(orders) == len(set(orders)), (code, "orders repeat")


def test_service_definitions_same_in_both_formats(o311, definitions):
    for code, d in definitions.items():
        x = check_xml(o311.get("services/" + code, "xml"),
                      "service_definition")
        xa = x.find("attributes").findall("attribute")
        assert [a.findtext("code") for a in xa] == \
            [a["code"] for a in d["attributes"]], code
        for a, b in zip(xa, d["attributes"]):
            assert a.findtext("required") == str(b["required"]).lower()
            assert a.findtext("datatype") == b["datatype"]
            assert [v.findtext("key") for v in a.iter("value")] == \
                [v["key"] for v in b.get("values", [])]


def test_services_without_metadata_have_no_attributes(o311, services):
    for s in services:
        if not s["metadata"]:
            r = o311.get("services/" + s["service_code"], "json")
            if r.status_code == 200:
                assert check_json(r, "service_definition")["attributes"] == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_definition(o311, fmt):
    check_error(o311.get("services/no-such-service-9z", fmt), fmt, 404)


# ---- POST requests ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_and_read_it_back(o311, key, service, point, fmt):
    rid = new_request(o311, key, service, point, fmt,
                      description="路灯不亮（%s）" % fmt)
    assert rid, "a realtime service answered without a service_request_id"
    for f in FORMATS:
        q = one(o311, rid, f)
        assert q["service_request_id"] == rid
        assert q["service_code"] == service[0]
        assert q["status"] == "open"
        # the client's text comes first; a server may add to it (civicgrid
        # appends the attribute answers for the people handling the case)
        assert q["description"].startswith("路灯不亮（%s）" % fmt), q
        assert abs(float(q["lat"]) - point[0]) < 1e-5, (q, point)
        assert abs(float(q["long"]) - point[1]) < 1e-5, (q, point)
        now = dt.datetime.now(dt.timezone.utc)
        assert abs((when(q["requested_datetime"]) - now).total_seconds()) \
            < 300, q


def test_request_same_in_both_formats(o311, key, service, point):
    rid = new_request(o311, key, service, point)
    j = one(o311, rid, "json")
    x = one(o311, rid, "xml")
    for k, v in j.items():
        if isinstance(v, (dict, list)):
            continue
        if k in x:
            want = "" if v is None else (
                ("true" if v else "false") if isinstance(v, bool) else str(v))
            if k in ("lat", "long") and v is not None:
                assert abs(float(x[k]) - v) < 1e-9, (k, x[k], v)
            else:
                assert x[k] == want, (k, x[k], v)
        else:
            assert v in (None, ""), ("only in JSON", k, v)


def test_post_form_without_charset(o311, key, service, point):
    code, attrs = service
    r = o311.post("requests", "json",
                  [("api_key", key), ("service_code", code),
                   ("lat", str(point[0])), ("long", str(point[1])),
                   ("description", "plain form")] + attrs,
                  ctype="application/x-www-form-urlencoded")
    check_json(r, "requests_post")


def test_post_empty_optional_arguments_are_absent(o311, key, service, point):
    empties = [(k, "") for k in (
        "jurisdiction_id", "email", "device_id", "account_id", "first_name",
        "last_name", "phone", "media_url", "address_string", "address_id")]
    rid = new_request(o311, key, service, point, extra=empties)
    q = one(o311, rid)
    assert q.get("media_url") in (None, ""), q


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["missing", "wrong", "empty"])
def test_post_needs_api_key(o311, key, service, point, fmt, how):
    code, attrs = service
    fields = [("service_code", code), ("lat", str(point[0])),
              ("long", str(point[1])), ("description", "no key")] + attrs
    if how == "wrong":
        fields.append(("api_key", key[:-4] + ("AAAA" if key[-4:] != "AAAA"
                                              else "BBBB")))
    elif how == "empty":
        fields.append(("api_key", ""))
    check_error(o311.post("requests", fmt, fields), fmt, 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_unknown_service_code(o311, key, point, fmt):
    r = o311.post("requests", fmt, [
        ("api_key", key), ("service_code", "no-such-service-9z"),
        ("lat", str(point[0])), ("long", str(point[1])),
        ("description", "x")])
    check_error(r, fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_missing_service_code(o311, key, point, fmt):
    r = o311.post("requests", fmt, [
        ("api_key", key), ("lat", str(point[0])), ("long", str(point[1])),
        ("description", "x")])
    check_error(r, fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("loc", ["none", "lat-only", "long-only", "empty",
                                 "not-a-number"])
def test_post_without_location(o311, key, service, point, fmt, loc):
    code, attrs = service
    fields = [("api_key", key), ("service_code", code),
              ("description", "no location")] + attrs
    fields += {"none": [], "lat-only": [("lat", str(point[0]))],
               "long-only": [("long", str(point[1]))],
               "empty": [("lat", ""), ("long", ""), ("address_string", ""),
                         ("address_id", "")],
               "not-a-number": [("lat", "north"), ("long", "east")]}[loc]
    check_error(o311.post("requests", fmt, fields), fmt, 400)


def required_attribute(definitions):
    for code, d in definitions.items():
        for a in d["attributes"]:
            if a["variable"] and a["required"]:
                return code, a
    pytest.skip("no service of the demo has a required attribute")


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_required_attribute_missing(o311, key, definitions, point, fmt):
    code, a = required_attribute(definitions)
    others = attribute_fields(definitions[code], skip=(a["code"],))
    fields = [("api_key", key), ("service_code", code),
              ("lat", str(point[0])), ("long", str(point[1])),
              ("description", "缺少必填属性")] + others
    check_error(o311.post("requests", fmt, fields), fmt, 400)
    # empty counts as absent
    name = "attribute[%s]%s" % (a["code"], "[]" if a["datatype"] ==
                                "multivaluelist" else "")
    check_error(o311.post("requests", fmt, fields + [(name, "")]), fmt, 400)
    # and given, it goes in
    check(o311.post("requests", fmt, fields + [(name, sample_value(a))]),
          fmt, "requests_post")


def test_post_multivalue_attribute(o311, key, definitions, point):
    for code, d in definitions.items():
        for a in d["attributes"]:
            if a["datatype"] == "multivaluelist" and len(a["values"]) >= 2:
                fields = [("api_key", key), ("service_code", code),
                          ("lat", str(point[0])), ("long", str(point[1])),
                          ("description", "多选")]
                fields += attribute_fields(d, skip=(a["code"],))
                fields += [("attribute[%s][]" % a["code"], v["key"])
                           for v in a["values"][:2]]
                check_json(o311.post("requests", "json", fields),
                           "requests_post")
                return
    pytest.skip("no multivaluelist attribute with two values in the demo")


def test_expected_datetime_from_deadline(o311, key, services, definitions,
                                         point, api):
    with api.db() as c:
        timed = {r[0] for r in c.execute(
            "SELECT code FROM categories WHERE limit_unit IS NOT NULL")}
    cands = [s for s in services if s["service_code"] in timed and
             s["type"] == "realtime"]
    if not cands:
        pytest.skip("no service code is a category with a deadline")
    code = cands[0]["service_code"]
    rid = new_request(o311, key, (code, attribute_fields(
        definitions.get(code))), point)
    q = one(o311, rid)
    assert q.get("expected_datetime"), ("no expected_datetime", q)
    assert when(q["expected_datetime"]) > when(q["requested_datetime"]), q


def test_post_photo_upload(o311, key, service, point):
    code, attrs = service
    fields = [("api_key", key), ("service_code", code),
              ("lat", str(point[0])), ("long", str(point[1])),
              ("description", "附照片")] + attrs
    r = requests.post(o311.url + "/requests.json", data=fields,
                      files={"media": ("p.png", apiconf.png_bytes(),
                                       "image/png")}, timeout=60)
    body = check_json(r, "requests_post")
    q = one(o311, body[0]["service_request_id"])
    assert q.get("media_url"), ("the uploaded photo has no media_url", q)
    got = requests.get(q["media_url"], timeout=30)
    assert got.status_code == 200 and \
        got.headers.get("Content-Type", "").startswith("image/"), \
        (q["media_url"], got.status_code, got.headers)


# ---- tokens ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_token(o311, fmt):
    check_error(o311.get("tokens/no-such-token-9z", fmt), fmt, 404)


# ---- GET requests ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def mine(o311, key, service, point):
    """Three fresh requests, oldest first."""
    return [new_request(o311, key, service, point,
                        description="查询用 %d" % i) for i in range(3)]


def recently(**kw):
    """Arguments narrowing a list to the last hour (the suite's own
    requests), so a server's default paging does not hide them."""
    now = dt.datetime.now(dt.timezone.utc)
    return dict(kw, start_date=w3c(now - dt.timedelta(hours=1), 8))


def ids(body, fmt="json"):
    if fmt == "json":
        return [q["service_request_id"] for q in body]
    return [q.findtext("service_request_id") for q in body.findall("request")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests(o311, mine, fmt):
    body = check(o311.get("requests", fmt), fmt, "requests")
    got = ids(body, fmt)
    assert len(got) == len(set(got)), "a request is listed twice"
    assert len(got) <= 1000
    recent = check(o311.get("requests", fmt, recently()), fmt, "requests")
    assert set(mine) <= set(ids(recent, fmt)), \
        "new requests are not listed from an hour ago"


def test_empty_query_arguments_are_absent(o311, mine):
    plain = ids(check_json(o311.get("requests"), "requests"))
    empty = {k: "" for k in (
        "jurisdiction_id", "service_request_id", "service_code", "status",
        "start_date", "end_date", "page", "page_size", "updated_after",
        "updated_before", "extensions")}
    assert ids(check_json(o311.get("requests", "json", empty),
                          "requests")) == plain


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_request_by_id(o311, mine, fmt):
    for rid in mine:
        body = check(o311.get("requests/" + rid, fmt), fmt, "request")
        assert ids(body, fmt) == [rid]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("rid", ["999999999", "abc", "0"])
def test_get_unknown_request(o311, fmt, rid):
    check_error(o311.get("requests/" + rid, fmt), fmt, 404)


def test_filter_service_request_id_overrides_everything(o311, mine):
    body = check_json(o311.get("requests", "json", {
        "service_request_id": ",".join(mine[:2]), "status": "closed",
        "service_code": "no-such-service-9z",
        "start_date": "2001-01-01T00:00:00Z",
        "end_date": "2001-01-02T00:00:00Z"}), "requests")
    assert sorted(ids(body)) == sorted(mine[:2])


def test_filter_service_code(o311, mine, service, services):
    code = service[0]
    body = check_json(o311.get("requests", "json",
                               recently(service_code=code)), "requests")
    assert body and all(q["service_code"] == code for q in body)
    assert set(mine) <= set(ids(body))
    other = next((s["service_code"] for s in services
                  if s["service_code"] != code), None)
    if other:
        both = check_json(o311.get("requests", "json", recently(
            service_code=code + "," + other)), "requests")
        assert {q["service_code"] for q in both} <= {code, other}
        assert set(ids(body)) <= set(ids(both))


@pytest.mark.parametrize("fmt", FORMATS)
def test_filter_status(o311, mine, fmt):
    op = ids(check(o311.get("requests", fmt, recently(status="open")), fmt,
                   "requests"), fmt)
    cl = ids(check(o311.get("requests", fmt, recently(status="closed")),
                   fmt, "requests"), fmt)
    both = ids(check(o311.get("requests", fmt,
                              recently(status="open,closed")),
                     fmt, "requests"), fmt)
    assert set(mine) <= set(op)
    assert not set(op) & set(cl)
    assert set(both) == set(op) | set(cl)
    for st in ("open", "closed"):
        body = check_json(o311.get("requests", "json", {"status": st}),
                          "requests")
        assert all(q["status"] == st for q in body), st


@pytest.mark.parametrize("bad", [
    {"status": "pending"}, {"start_date": "yesterday"},
    {"start_date": "2026-01-01"}, {"end_date": "2026-01-01T00:00:00"},
    {"updated_after": "2026-01-01 00:00:00Z"}, {"page_size": "many"}],
    ids=["status", "not-a-date", "date-only", "no-zone", "no-T", "page_size"])
def test_bad_query_arguments(o311, bad):
    for fmt in FORMATS:
        check_error(o311.get("requests", fmt, bad), fmt, 400)


def test_filter_dates_with_time_zones(o311, mine):
    q = one(o311, mine[1])
    t = when(q["requested_datetime"])
    s = dt.timedelta(seconds=2)
    hour = dt.timedelta(hours=1)
    # the same instants in other zones select the same requests
    inside = {"start_date": w3c(t - s, 8), "end_date": w3c(t + hour, -5)}
    got = ids(check_json(o311.get("requests", "json", inside), "requests"))
    assert mine[1] in got
    for r in check_json(o311.get("requests", "json", inside), "requests"):
        assert t - s <= when(r["requested_datetime"]) <= t + hour, r
    later = {"start_date": w3c(t + hour, 14), "end_date": w3c(t + 2 * hour)}
    assert mine[1] not in ids(check_json(
        o311.get("requests", "json", later), "requests"))
    earlier = {"start_date": w3c(t - 2 * hour, -11),
               "end_date": w3c(t - hour, 5)}
    assert mine[1] not in ids(check_json(
        o311.get("requests", "json", earlier), "requests"))
    # Z works as well as an offset
    zulu = {"start_date": w3c(t - s).replace("+00:00", "Z")}
    assert mine[1] in ids(check_json(o311.get("requests", "json", zulu),
                                     "requests"))


def test_filter_updated_after_before(o311, mine):
    q = one(o311, mine[2])
    u = when(q["updated_datetime"] or q["requested_datetime"])
    hour = dt.timedelta(hours=1)
    after = ids(check_json(o311.get("requests", "json", {
        "updated_after": w3c(u - hour, 8)}), "requests"))
    assert mine[2] in after
    for r in check_json(o311.get("requests", "json", {
            "updated_after": w3c(u - hour, 8)}), "requests"):
        assert when(r["updated_datetime"]) >= u - hour, r
    assert mine[2] not in ids(check_json(o311.get("requests", "json", {
        "updated_after": w3c(u + hour, -3)}), "requests"))
    assert mine[2] not in ids(check_json(o311.get("requests", "json", {
        "updated_before": w3c(u - hour, 2)}), "requests"))
    assert mine[2] in ids(check_json(o311.get("requests", "json", {
        "updated_after": w3c(u - hour, -8),
        "updated_before": w3c(u + hour, 2)}), "requests"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_paging(o311, mine, fmt):
    p1 = ids(check(o311.get("requests", fmt, {"page_size": "2", "page": "1"}),
                   fmt, "requests"), fmt)
    p2 = ids(check(o311.get("requests", fmt, {"page_size": "2", "page": "2"}),
                   fmt, "requests"), fmt)
    assert len(p1) == 2 and 1 <= len(p2) <= 2, (p1, p2)
    assert not set(p1) & set(p2), (p1, p2)
    first = ids(check(o311.get("requests", fmt, {"page_size": "4"}), fmt,
                      "requests"), fmt)
    assert first == p1 + p2, (first, p1, p2)


@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions(o311, mine, fmt):
    body = check(o311.get("requests", fmt, {"extensions": "true",
                                             "service_request_id":
                                             ",".join(mine)}),
                 fmt, "requests")
    recs = body if fmt == "json" else [
        {c.tag: c for c in r} for r in body.findall("request")]
    assert len(recs) == len(mine)
    for r in recs:
        assert {"attributes", "extended_attributes", "notes"} & set(r), \
            ("extensions=true added nothing", r)
    one_ = check(o311.get("requests/" + mine[0], fmt, {"extensions": "true"}),
                 fmt, "request")
    assert ids(one_, fmt) == [mine[0]]


# ---- servicerequestupdates (mySociety extension) -------------------------------------

def update_fields(key, rid, update_id, status="OPEN", **kw):
    f = [("api_key", key), ("service_request_id", rid),
         ("update_id", update_id), ("status", status),
         ("updated_datetime", w3c(dt.datetime.now(dt.timezone.utc), 8)),
         ("description", kw.pop("description", "居民补充：情况仍在"))]
    return f + list(kw.items())


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_update_and_list_it(o311, key, mine, fmt):
    uid = "conformance-%s-%d" % (fmt, os.getpid())
    text = "居民补充（%s）" % fmt
    r = o311.post("servicerequestupdates", fmt,
                  update_fields(key, mine[0], uid, description=text))
    check(r, fmt, "servicerequestupdates_post")
    now = dt.datetime.now(dt.timezone.utc)
    rng = {"start_date": w3c(now - dt.timedelta(hours=1), 8),
           "end_date": w3c(now + dt.timedelta(minutes=5), -4)}
    for f in FORMATS:
        body = check(o311.get("servicerequestupdates", f, rng), f,
                     "servicerequestupdates")
        ups = body if f == "json" else xml_records(body, "request_update")
        ours = [u for u in ups if u["service_request_id"] == mine[0] and
                u["description"] == text]
        assert ours, ("the update is not listed", ups[-5:])


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_updates(o311, fmt):
    check(o311.get("servicerequestupdates", fmt), fmt,
          "servicerequestupdates")


def test_get_updates_with_api_key_and_empty_arguments(o311, key):
    check_json(o311.get("servicerequestupdates", "json", {
        "api_key": key, "jurisdiction_id": "", "start_date": "",
        "end_date": ""}), "servicerequestupdates")


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_update_needs_api_key(o311, key, mine, fmt):
    f = [p for p in update_fields(key, mine[0], "nokey-" + fmt)
         if p[0] != "api_key"]
    check_error(o311.post("servicerequestupdates", fmt, f), fmt, 403)
    check_error(o311.post("servicerequestupdates", fmt,
                          f + [("api_key", "wrong-key-0000000000")]), fmt, 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_update_bad_input(o311, key, mine, fmt):
    uid = "dup-%s-%d" % (fmt, os.getpid())
    check(o311.post("servicerequestupdates", fmt,
                    update_fields(key, mine[1], uid)),
          fmt, "servicerequestupdates_post")
    # an update_id already seen
    check_error(o311.post("servicerequestupdates", fmt,
                          update_fields(key, mine[1], uid)), fmt, 400)
    # a required field missing or empty
    for drop in ("service_request_id", "update_id", "status",
                 "updated_datetime", "description"):
        f = [p for p in update_fields(key, mine[1], uid + drop)
             if p[0] != drop]
        r = o311.post("servicerequestupdates", fmt, f)
        check_error(r, fmt, 400)
        r = o311.post("servicerequestupdates", fmt, f + [(drop, "")])
        check_error(r, fmt, 400)
    # a date without a time zone
    f = [p if p[0] != "updated_datetime" else (p[0], "2026-01-01T10:00:00")
         for p in update_fields(key, mine[1], uid + "-tz")]
    check_error(o311.post("servicerequestupdates", fmt, f), fmt, 400)
    # an unknown request
    r = o311.post("servicerequestupdates", fmt,
                  update_fields(key, "999999999", uid + "-unknown"))
    assert r.status_code in (400, 404), where(r)
    check_error(r, fmt, r.status_code)


# ---- formats and paths --------------------------------------------------------------

@pytest.mark.parametrize("path", ["services.html", "services.rss",
                                  "requests.yaml"])
def test_unsupported_format(o311, path):
    r = requests.get(o311.url + "/" + path, timeout=30)
    assert r.status_code == 404, where(r)


def test_every_date_has_a_time_zone(o311, mine):
    """Belt and braces over the schemas: every *_datetime and changeset in
    every JSON answer matches the spec's pattern."""
    seen = 0
    for path, params in (("requests", {"extensions": "true"}),
                         ("servicerequestupdates", {}), ("discovery", {})):
        def walk(v, k=""):
            nonlocal seen
            if isinstance(v, dict):
                for kk, vv in v.items():
                    walk(vv, kk)
            elif isinstance(v, list):
                for vv in v:
                    walk(vv, k)
            elif (k.endswith("datetime") or k == "changeset") and v:
                seen += 1
                assert DATE.match(v), (path, k, v)
        walk(o311.get(path, "json", params).json())
    assert seen


# ---- last: a 4,000-character request stays in every list after it ---------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_post_description_limit(o311, key, service, point, fmt):
    code, attrs = service
    base = [("api_key", key), ("service_code", code),
            ("lat", str(point[0])), ("long", str(point[1]))] + attrs
    # 4,001 characters is refused ...
    r = o311.post("requests", fmt, base + [("description", "a" * 4001)])
    check_error(r, fmt, 400)
    # ... 4,000 (12,000 bytes of UTF-8) is allowed
    r = o311.post("requests", fmt, base + [("description", "井" * 4000)])
    body = check(r, fmt, "requests_post")
    rid = (body[0]["service_request_id"] if fmt == "json" else
           body.find("request").findtext("service_request_id"))
    # and read back whole (the schema holds it to 4,000 characters)
    assert one(o311, rid)["description"].startswith("井" * 4000)
