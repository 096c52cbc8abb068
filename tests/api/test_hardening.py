"""Requests a careless or hostile client sends: each gets a clear answer,
changes nothing it should not, and leaves the server answering others."""
import socket
import threading
import uuid

import requests

from conftest import PASSWORD, err_of, make_case, png_bytes


def raw(api, data):
    """Sends bytes as they are and returns the status line."""
    with socket.create_connection(("127.0.0.1", api.srv.port), 10) as s:
        s.sendall(data)
        return s.recv(4096).split(b"\r\n", 1)[0].decode()


def test_a_path_without_a_slash_is_refused_and_the_server_lives(api):
    assert " 400 " in raw(api, b"GET foo HTTP/1.1\r\nHost: x\r\n\r\n")
    assert api.get("/healthz").status_code == 200


def test_invalid_utf8_in_the_path_gets_a_json_404(api):
    r = api.get("/api/%FF%FE")
    assert r.status_code == 404
    err_of(r)
    r = api.post("/api/x" + "%E4%B8%AD" * 200, "resident1", json={})
    assert r.status_code == 404
    err_of(r)


def new_user(api, role="resident", **extra):
    name = "u" + uuid.uuid4().hex[:10]
    body = dict(username=name, password=PASSWORD, role=role, **extra)
    r = api.post("/api/v1/users", "admin", json=body)
    assert r.status_code == 201, r.text
    return name


def test_a_long_chinese_display_name_signs_in(api):
    name = new_user(api, display_name="张" * 50)
    r = requests.post(api.url + "/api/v1/session",
                      json={"username": name, "password": PASSWORD})
    assert r.status_code == 201, r.text
    assert r.json()["user"]["display_name"] == "张" * 50


# A hash of "old-setting-pass" made with the 64 MiB, two-pass argon2id
# settings of earlier versions.
OLD_HASH = ("$argon2id$v=19$m=65536,t=2,p=1$3NMQ2e1Fb1/0j/Bv4ZFAUA$"
            "bX8c8YGBr7g6OtGVs6kXZL9Npy8zvghk+uIhkN18nM0")


def test_a_password_hashed_with_older_settings_signs_in_and_is_renewed(api):
    from conftest import connect
    name = new_user(api)
    with connect(api.srv.db) as c:
        c.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                  (OLD_HASH, name))
        c.commit()

    def signin(pw):
        return requests.post(api.url + "/api/v1/session",
                             json={"username": name, "password": pw})
    assert signin("wrong-password").status_code == 401
    assert api.scalar("SELECT password_hash FROM users WHERE username = ?",
                      name) == OLD_HASH
    assert signin("old-setting-pass").status_code == 201
    renewed = api.scalar("SELECT password_hash FROM users WHERE"
                         " username = ?", name)
    assert renewed.startswith("$argon2id$v=19$m=12288,t=3,p=1$")
    assert signin("old-setting-pass").status_code == 201
    assert signin("wrong-password").status_code == 401


def test_signing_in_again_with_a_live_session_cookie_works(api):
    s = requests.Session()
    for user in ("resident1", "resident2"):
        r = s.post(api.url + "/api/v1/session",
                   json={"username": user, "password": PASSWORD})
        assert r.status_code == 201, r.text
    me = s.get(api.url + "/api/v1/me").json()
    assert me["username"] == "resident2"
    r = s.delete(api.url + "/api/v1/session",
                 headers={"X-CSRF-Token": s.cookies.get("cg_csrf")})
    assert r.status_code == 200
    assert "cg_csrf" not in s.cookies


def test_password_guessing_is_stopped_per_account(api):
    name = new_user(api)
    url = api.url + "/api/v1/session"
    for _ in range(10):
        r = requests.post(url, json={"username": name, "password": "wrong-1"})
        assert r.status_code == 401
    r = requests.post(url, json={"username": name, "password": PASSWORD})
    assert r.status_code == 429, r.text
    assert "minutes" in err_of(r)["message"]
    # Other accounts are not affected.
    r = requests.post(url, json={"username": "resident2",
                                 "password": PASSWORD})
    assert r.status_code == 201


def test_merge_into_a_case_out_of_scope_is_refused(api, city):
    name = new_user(api, role="dispatcher", area="150103")
    mine = make_case(api, city, "filed")
    theirs = make_case(api, city, "filed", area=city.outside)
    tok = requests.post(api.url + "/api/v1/session",
                        json={"username": name, "password": PASSWORD}).json()
    h = {"Authorization": "Bearer " + tok["token"]}
    before = api.case(mine)["version"]
    r = requests.post(api.url + "/api/v1/cases/%d/actions" % mine, headers=h,
                      json={"action": "merge", "target": theirs})
    assert r.status_code == 422, r.text
    assert "may see" in err_of(r)["message"]
    assert api.case(mine)["version"] == before


def test_anonymised_view_names_no_compound(api, city):
    with api.db() as c:
        row = c.execute("SELECT code FROM areas WHERE level = 5"
                        " AND code LIKE '150103%' LIMIT 1").fetchone()
    assert row, "the demo has no compound in 回民区"
    cid = api.report("resident1", category=city.general, area=row[0],
                     description="楼道灯坏了，晚上很黑")["id"]
    seen = api.get("/api/v1/cases/%d" % cid, "resident2").json()
    assert "reporter" not in seen and "address" not in seen
    assert seen["area"]["code"] != row[0]
    assert row[0].startswith(seen["area"]["code"])
    own = api.get("/api/v1/cases/%d" % cid, "resident1").json()
    assert own["area"]["code"] == row[0]


def test_a_refused_form_stores_no_photo(api, city):
    before = api.scalar("SELECT COUNT(*) FROM photos")
    r = api.post("/api/v1/cases", "resident1",
                 files={"photo": ("x.png", png_bytes(33, 21), "image/png")},
                 data={"description": "x" * 5000, "category": city.general,
                       "area": city.grid})
    assert r.status_code == 422, r.text
    assert api.scalar("SELECT COUNT(*) FROM photos") == before


def test_a_raced_retry_of_an_action_gets_the_first_answer(api, city):
    cid = make_case(api, city, "filed")
    key = "dispatch-" + uuid.uuid4().hex
    out = []

    def go():
        out.append(api.post("/api/v1/cases/%d/actions" % cid, "dispatcher",
                            headers={"Idempotency-Key": key},
                            json={"action": "dispatch"}))

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in out] == [200] * 4, [r.text for r in out]
    assert len([e for e in api.events(cid) if e["action"] == "dispatch"]) == 1


def test_an_emergency_is_due_in_clock_hours_not_working_hours(api, city):
    from datetime import datetime
    tree = api.get("/api/v1/categories").json()["items"]
    emergencies = [k for b in tree for k in b["children"]
                   if k["level"] == "emergency"]
    assert all(k["deadline"]["unit"] == "clock_hours" for k in emergencies)
    assert emergencies, "the catalogue has no emergency class"
    k = emergencies[0]
    c = api.report("resident1", category=k["code"], area=city.grid,
                   description="闻到很重的燃气味，可能泄漏")
    hours = (datetime.fromisoformat(c["due_at"]) -
             datetime.fromisoformat(c["reported_at"])).total_seconds() / 3600
    grade_limits = {k["deadline"][g] for g in "ABC"}
    assert hours in grade_limits, (hours, k)


def test_a_multipart_retry_with_a_new_boundary_gets_the_first_case(api, city):
    key = "form-" + uuid.uuid4().hex
    ids = []
    for boundary in ("one-boundary-1234", "another-boundary-5678"):
        body = ("--{b}\r\nContent-Disposition: form-data; name=\"description\""
                "\r\n\r\n井盖缺失，非常危险\r\n--{b}\r\nContent-Disposition: "
                "form-data; name=\"category\"\r\n\r\n{c}\r\n--{b}\r\n"
                "Content-Disposition: form-data; name=\"area\"\r\n\r\n{a}\r\n"
                "--{b}--\r\n").format(b=boundary, c=city.general,
                                      a=city.grid).encode()
        r = api.post("/api/v1/cases", "resident1", data=body, headers={
            "Content-Type": "multipart/form-data; boundary=" + boundary,
            "Idempotency-Key": key})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert ids[0] == ids[1]


def test_a_crowd_signing_in_leaves_threads_for_everyone_else(api):
    """Forty sign-ins at once: at most two hash a password at a time, the
    rest are told at once to come back in a second (429 with Retry-After),
    and a reader is answered meanwhile (how fast is measured in
    bench/hostile)."""
    import concurrent.futures
    import time

    def signin(_):
        return requests.post(api.url + "/api/v1/session",
                             json={"username": "resident1",
                                   "password": "civicgrid-demo"}, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        futures = [pool.submit(signin, i) for i in range(40)]
        time.sleep(0.05)
        r = requests.get(api.url + "/api/v1/categories", timeout=60)
        answers = [f.result() for f in futures]
    assert r.status_code == 200
    codes = [a.status_code for a in answers]
    assert set(codes) <= {201, 429}, codes
    assert 201 in codes
    for a in answers:
        if a.status_code == 429:
            assert a.headers.get("Retry-After") == "1"
            assert a.json()["error"]["code"] == "too_many_signins"
