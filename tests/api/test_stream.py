"""
Live updates: GET /api/v1/stream is a server-sent-events stream of the
changes a signed-in user may see.  A change made through the API reaches
the streams of the people who may see that case, within a second, and no
one else's.
"""
import http.client
import json
import queue
import socket
import threading
import urllib.parse

import requests


class Stream:
    """Reads one event stream in a thread; events land in a queue.  Plain
    http.client, so that closing it shuts the socket at once."""

    def __init__(self, api, user):
        self.q = queue.Queue()
        u = urllib.parse.urlsplit(api.url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.conn.request("GET", "/api/v1/stream",
                          headers=api.headers(user))
        self.r = self.conn.getresponse()
        assert self.r.status == 200, self.r.read()
        assert self.r.getheader("Content-Type").startswith(
            "text/event-stream")
        self.t = threading.Thread(target=self.read, daemon=True)
        self.t.start()
        assert self.next("hello", 5) is not None

    def read(self):
        event, data = None, None
        try:
            while True:
                line = self.r.readline()
                if not line:
                    return
                line = line.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and event:
                    self.q.put((event, data))
                    event, data = None, None
        except Exception:  # noqa: BLE001 - the test closed the stream
            return

    def next(self, kind, timeout):
        while True:
            try:
                event, data = self.q.get(timeout=timeout)
            except queue.Empty:
                return None
            if event == kind:
                return data

    def cases(self, timeout):
        """Case ids of the case events arriving within timeout seconds."""
        seen = set()
        while True:
            data = self.next("case", timeout)
            if data is None:
                return seen
            seen.add(data["case"])
            timeout = 0.3

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def test_stream_needs_sign_in(api):
    r = requests.get(api.url + "/api/v1/stream", timeout=10)
    assert r.status_code == 401


def test_changes_reach_those_who_may_see_them(api, city):
    staff = Stream(api, "dispatcher")
    mine = Stream(api, "resident1")
    other = Stream(api, "resident2")
    try:
        cid = api.report("resident1", category=city.general, area=city.grid,
                         description="单元门禁坏了，进不去")["id"]
        got = staff.next("case", 1.0)
        assert got is not None, "the dispatcher heard nothing within 1 s"
        assert got["case"] == cid and got["state"] == "submitted"
        got = mine.next("case", 1.0)
        assert got and got["case"] == cid
        # The event names the case and its state only: pages read the rest
        # through the API, with its masking.
        assert set(got) == {"case", "state", "version"}

        api.ok(cid, "dispatcher", "accept")
        got = mine.next("case", 1.0)
        assert got and got["case"] == cid and got["state"] != "submitted"
        assert cid not in other.cases(1.0)
    finally:
        for s in (staff, mine, other):
            s.close()


def test_supporters_hear_of_the_case_they_joined(api, city):
    cid = api.report("resident1", category=city.general, area=city.grid,
                     description="小区东门路灯不亮")["id"]
    api.ok(cid, "dispatcher", "accept")
    r = api.post("/api/v1/cases/%d/support" % cid, "resident2")
    assert r.status_code in (200, 201), r.text
    joined = Stream(api, "resident2")
    try:
        api.ok(cid, "dispatcher", "dispatch", unit=city.community_unit)
        assert cid in joined.cases(1.0)
    finally:
        joined.close()


def test_signing_out_ends_the_stream(api):
    import requests as rq
    tok = rq.post(api.url + "/api/v1/session",
                  json={"username": "resident2", "password": "civicgrid-demo"},
                  timeout=30).json()["token"]
    u = urllib.parse.urlsplit(api.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", "/api/v1/stream",
                 headers={"Authorization": "Bearer " + tok})
    r = conn.getresponse()
    assert r.status == 200
    assert rq.delete(api.url + "/api/v1/session", timeout=30,
                     headers={"Authorization": "Bearer " + tok}
                     ).status_code == 200
    # What was sent, then the end: reading finishes instead of waiting
    # for the next keep-alive.
    body = r.read()
    assert b"event: hello" in body
    conn.close()
    again = rq.get(api.url + "/api/v1/stream", timeout=10,
                   headers={"Authorization": "Bearer " + tok})
    assert again.status_code == 401
