from tests.conftest import Api


def test_crud_and_workflow_smoke(client, competition):
    opd = Api(client, "opd_a")
    r = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA", "unit_id": 999})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    r = opd.get(f"/api/v1/innovation/{pk}")
    assert r.get_json()["result"]["state"] == "draft"
    r = opd.get(f"/api/v1/innovation/{pk}/transitions")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "draft"
    assert {a["trigger"] for a in body["available"]} == {"submit", "withdraw"}
    r = opd.post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"state": "withdrawn"}
    r = opd.get(f"/api/v1/innovation/{pk}/history")
    assert r.get_json()["result"][0]["user"] == "opd_a"
