"""Environment API: sensor registry, reading ingestion (JSON, CSV), series, quarantine."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import MintToken

API = "/api/v1/environment"
PROBLEM = "application/problem+json"
NEVERS = {"lon": 3.159, "lat": 46.99}
T0 = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sensor_body(sensor_id: str = "nevers-1", **overrides):
    body = {"id": sensor_id, "name": "École Jules Ferry", "kind": "low_cost", **NEVERS,
            "quantities": {"pm25": "µg/m³", "no2": "ppb"}, "operator": "Atmo BFC"}  # fmt: skip
    return body | overrides


@pytest.fixture
def admin(mint_token: MintToken) -> dict[str, str]:
    return auth(mint_token("territory_admin", scope="departement/58"))


@pytest.fixture
def integrator(mint_token: MintToken) -> dict[str, str]:
    return auth(mint_token("professional"))


@pytest.fixture
def registered(writable_client: TestClient, admin: dict[str, str]) -> TestClient:
    answer = writable_client.post(f"{API}/sensors", json=sensor_body(), headers=admin)
    assert answer.status_code == 201, answer.text
    return writable_client


def reading(hours: float = 0, value: float = 10.0, **overrides):
    moment = (T0 + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
    return {"sensor_id": "nevers-1", "quantity": "pm25", "observed_at": moment,
            "value": value} | overrides  # fmt: skip


def hours_after_t0(moment: str) -> float:
    return (datetime.fromisoformat(moment) - T0) / timedelta(hours=1)


def assert_problem(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


def test_create_sensor_locates_its_commune_and_reads_back(
    writable_client: TestClient, admin: dict[str, str]
) -> None:
    created = writable_client.post(f"{API}/sensors", json=sensor_body(), headers=admin)

    assert created.status_code == 201
    assert created.json()["commune_code"] == "58194"
    assert created.json()["quantities"] == {"pm25": "µg/m³", "no2": "ppb"}
    listed = writable_client.get(f"{API}/sensors", params={"commune": "58194"}).json()
    assert [s["id"] for s in listed["sensors"]] == ["nevers-1"]


def test_sensor_writes_need_an_admin_scoped_on_the_commune(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    cher = auth(mint_token("territory_admin", scope="departement/18"))
    professional = auth(mint_token("professional"))

    assert_problem(writable_client.post(f"{API}/sensors", json=sensor_body()), 401)
    assert_problem(
        writable_client.post(f"{API}/sensors", json=sensor_body(), headers=professional), 403
    )
    assert_problem(writable_client.post(f"{API}/sensors", json=sensor_body(), headers=cher), 403)
    assert writable_client.get(f"{API}/sensors").json()["count"] == 0


def test_create_sensor_refuses_bad_units_and_places(
    writable_client: TestClient, admin: dict[str, str]
) -> None:
    bad_unit = sensor_body(quantities={"pm25": "ppb"})
    nowhere = sensor_body(lon=5.0, lat=47.3)

    assert (
        "ppb"
        in assert_problem(
            writable_client.post(f"{API}/sensors", json=bad_unit, headers=admin), 422
        )["detail"]
    )
    assert (
        "commune"
        in assert_problem(writable_client.post(f"{API}/sensors", json=nowhere, headers=admin), 422)[
            "detail"
        ]
    )


def test_patch_and_delete_sensor(registered: TestClient, admin: dict[str, str]) -> None:
    patched = registered.patch(f"{API}/sensors/nevers-1", json={"status": "inactive"},
                               headers=admin)  # fmt: skip

    assert patched.json()["status"] == "inactive"
    assert registered.delete(f"{API}/sensors/nevers-1", headers=admin).status_code == 204
    assert_problem(registered.get(f"{API}/sensors/nevers-1"), 404)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        (None, None, 401),
        ("citizen", None, 403),
        ("professional", None, 403),
        ("territory_admin", "departement/18", 403),
        ("operator", "departement/18", 403),  # the top role, but Nevers is outside its scope
    ],
)
def test_sensor_patch_and_delete_are_refused_outside_an_admin_scope(
    registered: TestClient, mint_token: MintToken, method: str, role: str | None,
    scope: str | None, status: int,
) -> None:  # fmt: skip
    headers = auth(mint_token(role, scope=scope)) if role else {}
    before = registered.get(f"{API}/sensors/nevers-1").json()

    body = {"status": "inactive"} if method == "PATCH" else None
    answer = registered.request(method, f"{API}/sensors/nevers-1", json=body, headers=headers)

    assert_problem(answer, status)
    assert registered.get(f"{API}/sensors/nevers-1").json() == before
    assert before["status"] == "active"


def test_an_unscoped_operator_may_write_sensors(
    registered: TestClient, mint_token: MintToken
) -> None:
    # Roles are ranked (auth.models.ROLE_RANK): an operator may do what an admin may do.
    operator = auth(mint_token("operator"))

    patched = registered.patch(f"{API}/sensors/nevers-1", json={"status": "inactive"},
                               headers=operator)  # fmt: skip
    deleted = registered.delete(f"{API}/sensors/nevers-1", headers=operator)

    assert (patched.status_code, patched.json()["status"]) == (200, "inactive")
    assert deleted.status_code == 204
    assert_problem(registered.get(f"{API}/sensors/nevers-1"), 404)


def test_admin_cannot_move_a_sensor_out_of_its_scope(
    registered: TestClient, admin: dict[str, str]
) -> None:
    before = registered.get(f"{API}/sensors/nevers-1").json()

    answer = registered.patch(f"{API}/sensors/nevers-1",
                              json={"commune_code": "18033", "name": "Bourges"},
                              headers=admin)  # fmt: skip

    assert "departement/58" in assert_problem(answer, 403)["detail"]
    # the update ran before the second scope check: it was rolled back
    assert registered.get(f"{API}/sensors/nevers-1").json() == before


def test_import_sensors_csv_is_all_or_nothing(
    writable_client: TestClient, admin: dict[str, str]
) -> None:
    header = "id,name,kind,quantities,lon,lat,commune_code,operator,status\n"
    good = "a1,Station A,reference,no2:ppb;o3:µg/m³,3.15,46.99,,Atmo,active\n"
    bad = "a2,Station B,satellite,pm25:µg/m³,3.16,46.99,,,\n"
    csv_headers = admin | {"Content-Type": "text/csv"}

    refused = writable_client.post(f"{API}/sensors/import", content=header + good + bad,
                                   headers=csv_headers)  # fmt: skip
    accepted = writable_client.post(f"{API}/sensors/import", content=header + good,
                                    headers=csv_headers)  # fmt: skip

    error = assert_problem(refused, 422)["errors"][0]
    assert (error["location"], error["field"], error["value"]) == ("line 3", "kind", "satellite")
    assert accepted.json()["count"] == 1
    assert writable_client.get(f"{API}/sensors").json()["count"] == 1


def test_post_observations_json_stores_valid_and_quarantines_invalid(
    registered: TestClient, integrator: dict[str, str], mint_token: MintToken
) -> None:
    batch = [reading(0), reading(1, unit="mg/m3", value=0.02), reading(2, sensor_id="ghost"),
             reading(3) | {"observed_at": "2026-07-01T10:00:00"}]  # fmt: skip

    answer = registered.post(f"{API}/observations", json={"observations": batch},
                             headers=integrator)  # fmt: skip
    retry = registered.post(f"{API}/observations", json=batch, headers=integrator)

    report = answer.json()
    assert answer.status_code == 200
    assert (report["received"], report["accepted"], report["quarantined"]) == (4, 2, 2)
    assert [(e["index"], e["reason"], e["field"]) for e in report["errors"]] == [
        (2, "unknown_sensor", "sensor_id"),
        (3, "naive_timestamp", "observed_at"),
    ]
    assert (retry.json()["accepted"], retry.json()["duplicates"]) == (0, 2)
    raw = registered.get(f"{API}/observations", params={"sensor": "nevers-1"}).json()
    assert [o["value"] for o in raw["observations"]] == [10.0, 20.0]
    operator = auth(mint_token("operator"))
    quarantine = registered.get(f"{API}/quarantine", headers=operator).json()
    assert {e["reason"] for e in quarantine["entries"]} == {"unknown_sensor", "naive_timestamp"}
    assert_problem(registered.get(f"{API}/quarantine", headers=integrator), 403)


def test_quarantine_of_a_scoped_operator_holds_its_territory_sensors_only(
    registered: TestClient, integrator: dict[str, str], mint_token: MintToken
) -> None:
    batch = [reading() | {"value": "abc"}, reading(sensor_id="ghost")]
    assert registered.post(f"{API}/observations", json=batch,
                           headers=integrator).json()["quarantined"] == 2  # fmt: skip

    def sensors_seen(scope: str | None) -> list[str | None]:
        headers = auth(mint_token("operator", scope=scope))
        entries = registered.get(f"{API}/quarantine", headers=headers).json()["entries"]
        return sorted(e["sensor_id"] for e in entries)

    assert sensors_seen(None) == ["ghost", "nevers-1"]  # national: every entry
    assert sensors_seen("departement/58") == ["nevers-1"]  # Nevers' sensor, not the unknown id
    assert sensors_seen("commune/58194") == ["nevers-1"]
    assert sensors_seen("departement/18") == []


def test_post_observations_csv_names_lines(registered: TestClient, integrator: dict) -> None:
    stamp = reading()["observed_at"]
    body = (
        "sensor_id,quantity,observed_at,value,unit\n"
        f"nevers-1,no2,{stamp},10,ppb\n"
        f"nevers-1,pm25,{stamp},-3,\n"
    )

    answer = registered.post(f"{API}/observations", content=body,
                             headers=integrator | {"Content-Type": "text/csv"})  # fmt: skip

    report = answer.json()
    assert (report["accepted"], report["quarantined"]) == (1, 1)
    assert report["errors"][0] | {"message": "", "expected": ""} == {
        "index": 1, "line": 3, "reason": "out_of_range", "field": "value", "value": -3.0,
        "expected": "", "sensor_id": "nevers-1", "quantity": "pm25", "message": "",
    }  # fmt: skip
    latest = registered.get(f"{API}/sensors/nevers-1/latest").json()["latest"]
    assert [(x["quantity"], round(x["value"], 2), x["unit"]) for x in latest] == [
        ("no2", 19.13, "µg/m³")
    ]


@pytest.mark.parametrize(
    ("content", "media_type", "status", "field"),
    [
        (b'[{"sensor_id": "nevers-1",', "application/json", 422, "body"),
        (b'{"readings": []}', "application/json", 422, "body"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 422, "body"),  # was a 500
        (b"sensor,value\nx,1\n", "text/csv", 422, "header"),
        (b"sensor_id,quantity,observed_at,value,unit\na,b\n", "text/csv", 422, "row"),
        (b"<xml/>", "application/xml", 415, None),
    ],
)
def test_post_observations_refuses_unreadable_bodies(
    registered: TestClient, integrator: dict, content: bytes, media_type: str, status: int,
    field: str | None,
) -> None:  # fmt: skip
    answer = registered.post(f"{API}/observations", content=content,
                             headers=integrator | {"Content-Type": media_type})  # fmt: skip

    body = assert_problem(answer, status)
    if field is not None:
        assert body["errors"][0]["field"] == field
        assert body["errors"][0]["expected"]
    assert registered.get(f"{API}/observations").json()["count"] == 0


def test_post_observations_quarantines_times_and_values_beyond_range(
    registered: TestClient, integrator: dict
) -> None:
    # Each was a 500 (OverflowError): years past 9999 or before 1 once in UTC, an integer
    # past a double (JSON reads it as an integer, not as 1e999's infinity).
    batch = [reading(0), reading(1) | {"observed_at": "9999-12-31T23:59:59-14:00"},
             reading(2) | {"observed_at": "0001-01-01T00:00:00+14:00"},
             reading(3, value=int("9" * 400))]  # fmt: skip

    answer = registered.post(f"{API}/observations", content=json.dumps(batch),
                             headers=integrator | {"Content-Type": "application/json"})  # fmt: skip

    assert answer.status_code == 200, answer.text
    assert [(e["index"], e["reason"], e["field"], e["value"]) for e in answer.json()["errors"]] == [
        (1, "future_timestamp", "observed_at", "10000-01-01T13:59:59.000000Z"),
        (2, "too_old", "observed_at", "0000-12-31T10:00:00.000000Z"),
        (3, "not_finite", "value", "inf"),
    ]
    assert registered.get(f"{API}/observations").json()["count"] == 1


def test_post_observations_refuses_oversized_bodies(
    registered: TestClient, integrator: dict
) -> None:
    huge = b"[" + b" " * (10 * 1024 * 1024) + b"]"

    answer = registered.post(f"{API}/observations", content=huge,
                             headers=integrator | {"Content-Type": "application/json"})  # fmt: skip

    assert_problem(answer, 413)


def test_post_observations_needs_a_professional_token(
    registered: TestClient, mint_token: MintToken
) -> None:
    citizen = auth(mint_token("citizen"))

    assert_problem(registered.post(f"{API}/observations", json=[reading()]), 401)
    assert_problem(registered.post(f"{API}/observations", json=[reading()], headers=citizen), 403)


def test_scoped_integrator_cannot_report_for_other_territories(
    registered: TestClient, mint_token: MintToken
) -> None:
    cher = auth(mint_token("professional", scope="departement/18"))

    answer = registered.post(f"{API}/observations", json=[reading()], headers=cher)

    # nothing of the batch stored: the request fails as a whole, its reading is quarantined
    report = assert_problem(answer, 422)
    assert report["type"].endswith("/readings-quarantined")
    assert (report["received"], report["accepted"], report["quarantined"]) == (1, 0, 1)
    assert report["errors"][0]["reason"] == "out_of_scope"


def test_get_observations_aggregates_by_hour_and_day(
    registered: TestClient, integrator: dict
) -> None:
    batch = [reading(0, 10.0), reading(0.5, 30.0), reading(1, 50.0)]
    registered.post(f"{API}/observations", json=batch, headers=integrator)

    hourly = registered.get(f"{API}/observations",
                            params={"commune": "58194", "resolution": "hourly"}).json()  # fmt: skip
    daily = registered.get(f"{API}/observations", params={"resolution": "daily"}).json()

    assert [(a["count"], a["mean"], a["min"], a["max"]) for a in hourly["aggregates"]] == [
        (2, 20.0, 10.0, 30.0),
        (1, 50.0, 50.0, 50.0),
    ] or T0.hour == 23  # the three readings may straddle midnight UTC
    assert sum(a["count"] for a in daily["aggregates"]) == 3
    naive = registered.get(f"{API}/observations", params={"from": "2026-07-01T00:00:00"})
    assert_problem(naive, 422)


def test_get_observations_keeps_the_period_from_included_to_excluded(
    registered: TestClient, integrator: dict
) -> None:
    # from = T0 + 1 h, to = T0 + 3 h: 10 is before, 20 at from, 50 at to (hour T0 + 3 h)
    batch = [reading(0, 10.0), reading(1, 20.0), reading(1.5, 30.0), reading(2, 40.0),
             reading(3, 50.0)]  # fmt: skip
    assert registered.post(f"{API}/observations", json=batch,
                           headers=integrator).json()["accepted"] == 5  # fmt: skip
    period = {"from": reading(1)["observed_at"], "to": reading(3)["observed_at"]}

    raw = registered.get(f"{API}/observations", params=period).json()
    hourly = registered.get(f"{API}/observations", params=period | {"resolution": "hourly"}).json()

    assert [(hours_after_t0(o["observed_at"]), o["value"]) for o in raw["observations"]] == [
        (1, 20.0),
        (1.5, 30.0),
        (2, 40.0),
    ]
    assert raw["count"] == 3
    # hours T0 + 1 h (20 and 30) and T0 + 2 h (40); the hour starting at to is left out
    assert [(hours_after_t0(a["period_start"]), a["count"], a["mean"])
            for a in hourly["aggregates"]] == [(1, 2, 25.0), (2, 1, 40.0)]  # fmt: skip


def test_get_observations_daily_gives_whole_days_starting_in_the_period(
    registered: TestClient, integrator: dict
) -> None:
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)  # fmt: skip

    def at(hours: float, value: float) -> dict:
        moment = (day + timedelta(hours=hours)).isoformat()
        return reading(observed_at=moment, value=value)

    batch = [at(-2, 10.0), at(-1, 30.0), at(1, 50.0)]  # 22:00 and 23:00 the day before, 01:00
    assert registered.post(f"{API}/observations", json=batch,
                           headers=integrator).json()["accepted"] == 3  # fmt: skip

    def daily(start: datetime, end: datetime) -> list[tuple[str, int, float]]:
        params = {"resolution": "daily", "from": start.isoformat(), "to": end.isoformat()}
        found = registered.get(f"{API}/observations", params=params).json()["aggregates"]
        return [(a["period_start"], a["count"], a["mean"]) for a in found]

    stamp = day.isoformat().replace("+00:00", "Z")
    before = (day - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    # from 23:00: the day before starts earlier and is left out, not cut to its last hour
    assert daily(day - timedelta(hours=1), day + timedelta(hours=12)) == [(stamp, 1, 50.0)]
    assert daily(day - timedelta(days=1), day) == [(before, 2, 20.0)]
    assert daily(day - timedelta(days=1), day + timedelta(minutes=1)) == [
        (before, 2, 20.0), (stamp, 1, 50.0)
    ]  # fmt: skip


def test_get_observations_as_csv_goes_back_in_by_post(
    registered: TestClient, integrator: dict
) -> None:
    # 0.1 + 0.2 has no short decimal, nor has NO2 converted from ppb: written to the last digit
    batch = [reading(0, 0.1 + 0.2), reading(0.5, 30.0), reading(1, 50.0, quantity="no2")]
    registered.post(f"{API}/observations", json=batch, headers=integrator)
    hourly_pm25 = {"format": "csv", "resolution": "hourly", "quantity": "pm25"}

    as_json = registered.get(f"{API}/observations").json()["observations"]
    raw = registered.get(f"{API}/observations", params={"format": "csv"})
    hourly = registered.get(f"{API}/observations", params=hourly_pm25)
    back = registered.post(f"{API}/observations", content=raw.content,
                           headers=integrator | {"Content-Type": "text/csv"})  # fmt: skip

    assert raw.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in raw.headers["content-disposition"]
    lines = raw.text.splitlines()
    assert lines[0] == "sensor_id,quantity,observed_at,value,unit,flags,flag_names"
    assert [line.split(",") for line in lines[1:]] == [
        ["nevers-1", o["quantity"], datetime.fromisoformat(o["observed_at"]).isoformat(),
         repr(o["value"]), "µg/m³", str(o["flags"]), "|".join(o["flag_names"])]
        for o in as_json
    ]  # fmt: skip
    assert [o["value"] for o in as_json][:2] == [0.1 + 0.2, 30.0]
    # the same readings, to the last digit: duplicates, not conflicts
    answer = back.json()
    assert (answer["accepted"], answer["duplicates"], answer["conflicts"]) == (0, 3, 0)
    assert hourly.text.splitlines() == [
        "sensor_id,quantity,unit,period_start,count,mean,min,max",
        f"nevers-1,pm25,µg/m³,{T0.isoformat()},2,{(0.1 + 0.2 + 30.0) / 2!r},{0.1 + 0.2!r},30.0",
    ]
    assert_problem(registered.get(f"{API}/observations", params={"format": "xml"}), 422)


def test_sensors_say_which_are_silent(
    registered: TestClient, admin: dict[str, str], integrator: dict[str, str]
) -> None:
    # The API reads the clock: readings 5 h (pm25 limit 3 h: silent) and 1 h (fresh) old.
    now = datetime.now(UTC).replace(microsecond=0)
    five_h, one_h = now - timedelta(hours=5), now - timedelta(hours=1)
    for sensor_id in ("never-1", "off-1"):
        registered.post(f"{API}/sensors", json=sensor_body(sensor_id), headers=admin)
    batch = [
        reading(sensor_id=sensor_id, quantity=quantity, observed_at=moment.isoformat())
        for sensor_id, quantity, moment in (
            ("nevers-1", "pm25", five_h), ("nevers-1", "no2", one_h), ("off-1", "pm25", five_h)
        )
    ]  # fmt: skip
    stored = registered.post(f"{API}/observations", json=batch, headers=integrator).json()
    registered.patch(f"{API}/sensors/off-1", json={"status": "inactive"}, headers=admin)

    one = registered.get(f"{API}/sensors/nevers-1").json()
    silent = registered.get(f"{API}/sensors", params={"silent": "true"}).json()
    others = registered.get(f"{API}/sensors", params={"silent": "false"}).json()
    everyone = {s["id"]: s for s in registered.get(f"{API}/sensors").json()["sensors"]}

    assert stored["accepted"] == 3
    assert one["silent"] is True
    assert {q: (datetime.fromisoformat(f["latest_observed_at"]), f["silent"])
            for q, f in one["freshness"].items()} == {"pm25": (five_h, True),
                                                      "no2": (one_h, False)}  # fmt: skip
    assert [s["id"] for s in silent["sensors"]] == ["nevers-1"]
    # never-1 was registered just now: it has its 3 h to send before it counts as silent
    assert [s["id"] for s in others["sensors"]] == ["never-1", "off-1"]
    assert everyone["never-1"]["freshness"]["pm25"] == {"latest_observed_at": None, "silent": False}
    assert everyone["off-1"]["silent"] is False  # inactive: its old reading is expected
    assert everyone["off-1"]["freshness"]["pm25"]["silent"] is False
    assert_problem(registered.get(f"{API}/sensors", params={"silent": "maybe"}), 422)
