"""
Two servers on one PostgreSQL database, as a city runs them behind nginx:
a case reported through one is handled through the other, and each change
reaches the event stream held open on the first within a second.
"""
import os

import pytest

from conftest import Api, make_demo, start_server, stop_server
from test_stream import Stream

pytestmark = pytest.mark.skipif(
    not os.environ.get("CIVICGRID_DB_URL"),
    reason="several servers share a database only on PostgreSQL "
           "(CIVICGRID_DB_URL)")


class Node:
    pass


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("multinode"))
    db, blobs = make_demo(tmp)
    nodes = []
    for _ in range(2):
        proc, port, log = start_server(tmp, db, blobs)
        n = Node()
        n.tmp, n.db, n.blobs, n.port = tmp, db, blobs, port
        n.url = "http://127.0.0.1:%d" % port
        n.proc, n.log = proc, log
        nodes.append(n)
    yield [Api(n) for n in nodes]
    for n in nodes:
        stop_server(n.proc, n.log)


def test_a_change_through_one_node_reaches_the_other(two_nodes):
    a, b = two_nodes
    grid = b.me("gridworker")["area"]["code"]
    watching = Stream(a, "dispatcher")
    mine = Stream(a, "resident1")
    try:
        c = b.report("resident1", area=grid, category="06010",
                     description="通过第二台服务器上报的问题")
        got = watching.next("case", 1.0)
        assert got and got["case"] == c["id"], "node A heard nothing in 1 s"
        # Handled through the other node; read back through the first.
        b.ok(c["id"], "dispatcher", "accept")
        seen = []
        while True:
            got = mine.next("case", 1.0)
            if got is None or got["state"] == "filed":
                break
            seen.append(got)
        assert got and got["case"] == c["id"], ("no 'filed' in 1 s", seen)
        assert a.case(c["id"])["state"] == "filed"
        # A session made on one node is good on the other.
        token = a.token("dispatcher")
        r = b.get("/api/v1/me", None,
                  headers={"Authorization": "Bearer " + token})
        assert r.status_code == 200 and r.json()["username"] == "dispatcher"
    finally:
        watching.close()
        mine.close()


def test_password_guessing_is_counted_across_nodes(two_nodes):
    """Failed sign-ins are counted in the database: guessing through one
    server locks the account on the other as well."""
    import requests
    a, b = two_nodes
    for i in range(10):
        node = (a, b)[i % 2]
        r = requests.post(node.url + "/api/v1/session",
                          json={"username": "supervisor",
                                "password": "wrong-%d" % i}, timeout=60)
        assert r.status_code == 401, r.text
    r = requests.post(b.url + "/api/v1/session",
                      json={"username": "supervisor",
                            "password": "civicgrid-demo"}, timeout=60)
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) > 0
