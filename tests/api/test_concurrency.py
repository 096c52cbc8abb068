"""The same change fired at once from many connections: exactly one wins;
a repeated POST with an Idempotency-Key creates nothing new."""
import threading
import uuid

import pytest
import requests

from conftest import err_of, make_case


def fire(api, n, path, user, body, headers=None):
    """Sends n identical POSTs from n threads released together; answers
    the responses."""
    hdr = api.headers(user, headers)
    gate = threading.Barrier(n)
    out = [None] * n

    def one(i):
        s = requests.Session()
        gate.wait()
        out[i] = s.post(api.url + path, json=body, headers=hdr, timeout=60)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


@pytest.mark.parametrize("state,user,action,kw,n", [
    ("dispatched", "community", "sign", {}, 10),
    ("handled", "supervisor", "close", {}, 2),
    ("handled", "supervisor", "close", {}, 8),
    ("submitted", "dispatcher", "accept", {}, 8),
    ("submitted", "resident1", "withdraw", {}, 6),
])
def test_one_of_many_wins(api, city, state, user, action, kw, n):
    cid = make_case(api, city, state)
    before = api.case(cid)
    nev = len(api.events(cid))
    rs = fire(api, n, "/api/v1/cases/%d/actions" % cid, user,
              dict(action=action, **kw))
    codes = sorted(r.status_code for r in rs)
    assert codes.count(200) == 1, codes
    assert codes.count(409) == n - 1, [r.text for r in rs]
    for r in rs:
        if r.status_code != 200:
            err_of(r)
    assert len(api.events(cid)) == nev + 1
    assert api.case(cid)["version"] == before["version"] + 1


def test_two_different_actions_at_once(api, city):
    """A supervisor closes while another sends back to rework: one wins,
    the case is in that one's state, one event."""
    cid = make_case(api, city, "handled")
    nev = len(api.events(cid))
    gate = threading.Barrier(2)
    out = {}

    def go(action, kw):
        s = requests.Session()
        gate.wait()
        out[action] = s.post(api.url + "/api/v1/cases/%d/actions" % cid,
                             json=dict(action=action, **kw),
                             headers=api.headers("supervisor"), timeout=60)
    ts = [threading.Thread(target=go, args=a) for a in
          (("close", {}), ("rework", {"note": "再修一次"}))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    codes = {a: r.status_code for a, r in out.items()}
    assert sorted(codes.values()) == [200, 409], codes
    winner = [a for a, c in codes.items() if c == 200][0]
    assert api.case(cid)["state"] == {"close": "closed",
                                       "rework": "handling"}[winner]
    assert len(api.events(cid)) == nev + 1


def test_idempotent_report_repeated(api, city):
    key = str(uuid.uuid4())
    body = {"category": city.general, "area": city.grid,
            "description": "幂等测试：楼门口堆放杂物"}
    n0 = api.counts()
    first = api.post("/api/v1/cases", "resident1", json=body,
                     headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    for _ in range(3):
        again = api.post("/api/v1/cases", "resident1", json=body,
                         headers={"Idempotency-Key": key})
        assert again.status_code == 201, again.text
        assert again.json()["id"] == first.json()["id"]
    assert api.counts() == (n0[0] + 1, n0[1] + 1)
    # the same key with another body is refused and changes nothing
    other = dict(body, description="另一件事")
    r = api.post("/api/v1/cases", "resident1", json=other,
                 headers={"Idempotency-Key": key})
    assert r.status_code == 422, r.text
    assert err_of(r)["code"] == "idempotency_key_reused"
    assert api.counts() == (n0[0] + 1, n0[1] + 1)
    # keys belong to their user: another user's same key is a new request
    r = api.post("/api/v1/cases", "resident2", json=body,
                 headers={"Idempotency-Key": key})
    assert r.status_code == 201 and r.json()["id"] != first.json()["id"]


def test_idempotent_report_concurrent(api, city):
    key = str(uuid.uuid4())
    body = {"category": city.general, "area": city.grid,
            "description": "并发幂等测试：楼道灯不亮"}
    n0 = api.counts()
    rs = fire(api, 8, "/api/v1/cases", "resident1", body,
              {"Idempotency-Key": key})
    codes = [r.status_code for r in rs]
    assert all(c == 201 for c in codes), [r.text for r in rs]
    ids = {r.json()["id"] for r in rs}
    assert len(ids) == 1, ids
    assert api.counts() == (n0[0] + 1, n0[1] + 1)


def test_idempotent_action(api, city):
    cid = make_case(api, city, "submitted")
    key = str(uuid.uuid4())
    nev = len(api.events(cid))
    for _ in range(3):
        r = api.post("/api/v1/cases/%d/actions" % cid, "dispatcher",
                     json={"action": "accept"},
                     headers={"Idempotency-Key": key})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "filed"
    assert len(api.events(cid)) == nev + 1


@pytest.mark.parametrize("key", ["", "k" * 129])
def test_bad_idempotency_key(api, city, key):
    n0 = api.counts()
    r = api.post("/api/v1/cases", "resident1",
                 json={"category": city.general, "area": city.grid,
                       "description": "坏的幂等键"},
                 headers={"Idempotency-Key": key})
    assert r.status_code == 400, r.text
    err_of(r)
    assert api.counts() == n0


def test_parallel_reports_all_land(api, city):
    """Many residents' reports at once: every acknowledged one is there."""
    n0 = api.counts()
    body = {"category": city.general, "area": city.grid,
            "description": "并发上报测试"}
    rs = fire(api, 12, "/api/v1/cases", "resident2", body)
    ok = [r for r in rs if r.status_code == 201]
    assert len(ok) == 12, [r.text for r in rs if r.status_code != 201]
    assert len({r.json()["id"] for r in ok}) == 12
    assert api.counts()[0] == n0[0] + 12
