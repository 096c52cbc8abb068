"""What either database backend must get right the same way: the search
takes the characters of a query literally, and (PostgreSQL) a server
whose database connections were cut keeps answering."""
import concurrent.futures
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from conftest import DB_URL, psql


@pytest.fixture(scope="module")
def odd_case(api, city):
    tag = uuid.uuid4().hex[:8]
    c = api.report("resident1", category=city.general, area=city.grid,
                   description="楼道广告写着全场5%_折优惠\"限时\"，"
                               "贴满了墙面。编号" + tag)
    return c["id"], tag


def search(api, q):
    r = api.get("/api/v1/cases", "admin", params={"q": q, "per_page": 100})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("q", [
    "%",            # one character
    "5%",           # two
    "%_折",         # three
    "5%_折优惠",
    "\"限时\"",      # quotes, which a query language might read
])
def test_search_takes_wildcards_and_quotes_literally(api, odd_case, q):
    cid, _ = odd_case
    got = search(api, q)
    ids = [c["id"] for c in got["items"]]
    assert cid in ids or got["total"] > 100, (q, got["total"])
    for c in got["items"]:
        assert q in c["description"] or q in (c.get("title") or ""), (q, c)


def test_search_wildcard_is_no_match_for_other_text(api, odd_case):
    """'_' and '%' stand for themselves: a query that differs from the
    text only where a wildcard would match anything finds nothing."""
    cid, tag = odd_case
    for q in ("5%x折", "5__折", "%%" + tag):
        assert cid not in [c["id"] for c in search(api, q)["items"]], q


def reports_at_once(api, city, n, word):
    """n reports sent together, so that every writer worker has one in
    hand; their answers."""
    def one(i):
        return requests.post(
            api.url + "/api/v1/cases", headers=api.headers("resident1"),
            json={"category": city.general, "area": city.grid,
                  "description": "%s第%d盏路灯不亮" % (word, i)}, timeout=60)
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_server_keeps_answering_after_its_connections_are_cut(api, city):
    if not DB_URL:
        pytest.skip("SQLite has no connection to cut; set CIVICGRID_DB_URL")
    # Every writer worker holds a connection before they are cut.
    rs = reports_at_once(api, city, 40, "断线前")
    assert [r.status_code for r in rs] == [201] * 40, [r.text for r in rs]
    ids = [r.json()["id"] for r in rs]
    dbname = urlsplit(api.srv.db).path.lstrip("/")
    cut = psql(DB_URL, "SELECT count(pg_terminate_backend(pid))"
                       " FROM pg_stat_activity WHERE datname = '%s'"
               % dbname.replace("'", "''"))
    assert int(cut.strip()) >= 1, "the server had no connection to cut"
    # More requests than the server has threads and writers: each finds
    # its connection gone and opens a new one, reads and writes alike.
    for _ in range(12):
        r = api.get("/api/v1/cases", "admin", params={"per_page": 1})
        assert r.status_code == 200, r.text
        assert r.json()["total"] >= 1
    # A step begins its transaction before it reads anything.
    dsp = api.headers("dispatcher")
    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        rs = list(pool.map(lambda cid: requests.post(
            api.url + "/api/v1/cases/%d/actions" % cid, headers=dsp,
            json={"action": "accept"}, timeout=60), ids))
    assert [r.status_code for r in rs] == [200] * 40, [r.text for r in rs]
    rs = reports_at_once(api, city, 40, "断线后")
    assert [r.status_code for r in rs] == [201] * 40, [r.text for r in rs]
