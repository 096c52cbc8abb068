"""Writes that arrive together share a transaction (the server's writer
groups them): each is kept or undone on its own, none waits for another's
refusal, and every acknowledged one is on disk."""
import threading
import uuid

import pytest
import requests

from conftest import err_of, make_case


def at_once(api, calls):
    """Sends the (user, path, body, headers) POSTs from as many threads,
    released together; answers the responses in order."""
    gate = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def one(i, user, path, body, headers):
        s = requests.Session()
        hdr = api.headers(user, headers)
        gate.wait()
        out[i] = s.post(api.url + path, json=body, headers=hdr, timeout=60)
    ts = [threading.Thread(target=one, args=(i,) + c)
          for i, c in enumerate(calls)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


@pytest.mark.parametrize("round", range(3))
def test_a_refused_write_undoes_only_itself(api, city, round):
    """Reports, retries of one report under one key, and one case's
    withdrawal tried many times, all at once: the retries' second case
    and the losing withdrawals are undone, everything else is kept."""
    key = str(uuid.uuid4())
    tag = uuid.uuid4().hex[:8]
    same = {"category": city.general, "area": city.grid,
            "description": "同一次上报的重试 %s" % tag}
    target = make_case(api, city, "submitted", reporter="resident2")
    before = api.case(target, "admin")
    nev = len(api.events(target))
    n0 = api.counts()
    calls = [("resident1", "/api/v1/cases", same, {"Idempotency-Key": key})
             for _ in range(12)]
    calls += [("resident1", "/api/v1/cases",
               {"category": city.general, "area": city.grid,
                "description": "各自的上报 %s 第%d件" % (tag, i)}, None)
              for i in range(8)]
    calls += [("resident2", "/api/v1/cases/%d/actions" % target,
               {"action": "withdraw", "note": "不需要了"}, None)
              for _ in range(6)]
    rs = at_once(api, calls)

    retries, own, withdrawals = rs[:12], rs[12:20], rs[20:]
    assert [r.status_code for r in own] == [201] * 8, \
        [r.text for r in own if r.status_code != 201]
    # A retry answers the first one's case, or that it is being handled.
    for r in retries:
        assert r.status_code in (201, 409), r.text
        if r.status_code == 409:
            assert err_of(r)["code"] == "conflict"
    assert len({r.json()["id"] for r in retries
                if r.status_code == 201}) == 1
    own_ids = [r.json()["id"] for r in own]
    assert len(set(own_ids)) == 8
    codes = sorted(r.status_code for r in withdrawals)
    assert codes == [200] + [409] * 5, [r.text for r in withdrawals]
    for r in withdrawals:
        if r.status_code == 409:
            assert err_of(r)["code"] in ("invalid_transition", "conflict")

    # One case for the retries, eight of their own, one withdrawal.
    assert api.counts() == (n0[0] + 9, n0[1] + 9 + 1)
    with api.db() as c:
        n = c.execute("SELECT COUNT(*) FROM cases WHERE description = ?",
                      (same["description"],)).fetchone()[0]
    assert n == 1
    for i, cid in enumerate(own_ids):
        case = api.case(cid, "admin")
        assert case["description"] == "各自的上报 %s 第%d件" % (tag, i)
        assert [e["action"] for e in api.events(cid)] == ["submit"]
    after = api.case(target, "admin")
    assert after["state"] == "withdrawn"
    assert after["version"] == before["version"] + 1
    assert len(api.events(target)) == nev + 1
