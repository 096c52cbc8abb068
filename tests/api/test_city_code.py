"""
Every row that belongs to a case carries the city's code, the same as its
case's, so that a country's deployment can keep each city's rows together
(docs/scaling.md).
"""
import uuid

import requests

from conftest import run

TABLES = [
    ("events", "SELECT COUNT(*) FROM events t JOIN cases c ON c.id = "
               "t.case_id WHERE t.city_code IS NULL OR t.city_code <> "
               "c.city_code"),
    ("event_photos", "SELECT COUNT(*) FROM event_photos t JOIN events e ON "
                     "e.id = t.event_id WHERE t.city_code IS NULL OR "
                     "t.city_code <> e.city_code"),
    ("idempotency", "SELECT COUNT(*) FROM idempotency t JOIN cases c ON "
                    "c.id = t.case_id WHERE t.city_code IS NULL OR "
                    "t.city_code <> c.city_code"),
    ("pii_access", "SELECT COUNT(*) FROM pii_access t JOIN cases c ON "
                   "c.id = t.case_id WHERE t.city_code IS NULL OR "
                   "t.city_code <> c.city_code"),
    ("open311_requests", "SELECT COUNT(*) FROM open311_requests t JOIN cases"
                         " c ON c.id = t.case_id WHERE t.city_code IS NULL "
                         "OR t.city_code <> c.city_code"),
    ("supporters", "SELECT COUNT(*) FROM supporters t JOIN cases c ON "
                   "c.id = t.case_id WHERE t.city_code IS NULL OR "
                   "t.city_code <> c.city_code"),
]


def test_rows_of_a_case_carry_its_city(api, city):
    photo = api.photo("resident1")
    r = api.post("/api/v1/cases", "resident1",
                 json={"area": city.grid, "category": city.general,
                       "description": "楼道灯坏了，电话13800001111",
                       "photos": [photo]},
                 headers={"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    api.case(cid, "dispatcher")  # a look at the reporter's data is logged
    key = run(["client", "add", "city-code-check", "--db", api.srv.db])
    assert key.returncode == 0, key.stderr
    r = requests.post(api.url + "/open311/v2/requests.json", timeout=30,
                      data={"api_key": key.stdout.strip(),
                            "service_code": city.general,
                            "attribute[urgency]": "normal",
                            "address_id": city.grid,
                            "description": "外部客户端上报"})
    assert r.status_code == 200, r.text
    for table, sql in TABLES:
        assert api.scalar(sql) == 0, table
        assert api.scalar("SELECT COUNT(*) FROM %s" % table) > 0 or \
            table == "supporters", table
