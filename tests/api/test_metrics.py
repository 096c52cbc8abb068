"""
GET /metrics: the operator's figures in the Prometheus text format, read
the way a monitoring agent on the same machine reads them.
"""
import re

import requests

LINE = re.compile(r'^([a-z_]+)(\{(?:[^"}]|"[^"]*")*\})? (-?[0-9.e+-]+|\+Inf)$')


def scrape(api):
    r = requests.get(api.url + "/metrics", timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in r.text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, "not a sample line: %r" % line
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def test_requests_are_counted_by_route(api):
    key = 'civicgrid_http_requests_total{route="GET /api/v1/categories",' \
          'code="2xx"}'
    before = scrape(api).get(key, 0)
    for _ in range(3):
        assert requests.get(api.url + "/api/v1/categories",
                            timeout=30).status_code == 200
    after = scrape(api)
    assert after[key] == before + 3
    count = 'civicgrid_http_request_duration_seconds_count{route=' \
            '"GET /api/v1/categories"}'
    inf = 'civicgrid_http_request_duration_seconds_bucket{route=' \
          '"GET /api/v1/categories",le="+Inf"}'
    assert after[count] == after[inf] >= 3
    assert after["civicgrid_database_up"] == 1
    assert after["civicgrid_database_connections"] >= 1
    assert after["civicgrid_process_resident_bytes"] > 1e6


def test_cases_by_state_add_up_to_every_case(api):
    m = scrape(api)
    by_state = {k: v for k, v in m.items() if k.startswith("civicgrid_cases{")}
    total = api.get("/api/v1/cases", "admin",
                    params={"per_page": 1}).json()["total"]
    assert sum(by_state.values()) == total, (by_state, total)
    overdue = sum(v for k, v in m.items()
                  if k.startswith("civicgrid_cases_overdue{"))
    listed = api.get("/api/v1/cases", "admin",
                     params={"overdue": 1, "per_page": 1}).json()["total"]
    assert overdue == listed
