"""
`civicgrid migrate --from civicgrid.db --to postgres://...`: a service
center's whole deployment (the demo city, with an imported 311 history
when the real data is here) moved into PostgreSQL, verified table by table,
and served from there: the same cases and people, photos included, and new
cases numbered after the old ones.
"""
import os
import re
import shutil
import tempfile

import pytest
import requests

from conftest import (Api, new_db, run, shared_data, start_server,
                      stop_server)

pytestmark = pytest.mark.skipif(
    not os.environ.get("CIVICGRID_DB_URL"),
    reason="the copy goes into PostgreSQL (CIVICGRID_DB_URL)")


def test_a_service_center_moves_into_postgresql():
    tmp = tempfile.mkdtemp(prefix="civicgrid-move-")
    src = os.path.join(tmp, "center.db")
    blobs, moved = os.path.join(tmp, "blobs"), os.path.join(tmp, "shared")
    r = run(["demo", "--db", src, "--blob-dir", blobs])
    assert r.returncode == 0, r.stderr
    boston = os.path.join(shared_data(), "311", "boston311-100.csv")
    if os.path.exists(boston):
        r = run(["import", "311", "--format", "boston", boston, "--db", src])
        assert r.returncode == 0, r.stderr
    target = new_db(tmp)
    r = run(["migrate", "--from", src, "--to", target, "--blob-dir", blobs,
             "--to-blob-dir", moved])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the copy is whole" in r.stdout
    verified = dict(re.findall(r"verified (\w+)\s+(\d+) rows", r.stdout))
    assert int(verified["cases"]) > 400 and int(verified["events"]) > 1000
    assert len(verified) >= 18

    # A second copy into the same database is refused: it holds a
    # deployment now.
    r = run(["migrate", "--from", src, "--to", target])
    assert r.returncode == 1 and "already holds" in r.stderr

    proc, port, log = start_server(tmp, target, moved)
    try:
        class Srv:
            pass
        s = Srv()
        s.tmp, s.db, s.blobs, s.port = tmp, target, moved, port
        s.url = "http://127.0.0.1:%d" % port
        api = Api(s)
        metrics = requests.get(s.url + "/metrics", timeout=30).text
        held = sum(int(v) for v in re.findall(
            r'^civicgrid_cases\{state="\w+"\} (\d+)$', metrics, re.M))
        assert held == int(verified["cases"])
        first = api.get("/api/v1/cases", "admin",
                        params={"per_page": 1}).json()["items"][0]
        case = api.case(first["id"])
        assert case["description"] == first["description"]
        grid = api.me("gridworker")["area"]["code"]
        new = api.report("resident1", area=grid, category="06010",
                         description="迁移之后的第一件新案件")
        assert new["id"] > int(verified["cases"])
        photos = [e for e in api.events(first["id"]) if e.get("photos")]
        for e in photos[:1]:
            url = e["photos"][0]["url"]
            assert api.get(url).status_code == 200
    finally:
        stop_server(proc, log)
        shutil.rmtree(tmp, ignore_errors=True)
