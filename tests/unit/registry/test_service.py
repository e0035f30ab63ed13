"""Registering, finding and loading model versions, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

import modelward
from modelward.backends.store.tables import model_versions
from modelward.errors import InputError, NotFound
from modelward.registry import Stage, get_model, list_models, load_bundle
from tests.unit.registry.conftest import FILES, Register


def test_registered_model_is_found_by_every_ref_form(
    ws: modelward.Workspace, register: Register
) -> None:
    register()
    model = register(score=0.9)
    assert model.ref == "churn/v2"
    assert model.stage is Stage.CANDIDATE
    assert (model.task, model.metric, model.score, model.created_by) == (
        "binary",
        "roc_auc",
        0.9,
        "ana",
    )
    for ref in ("churn/v2", "churn/2", "churn@2", "churn@candidate", "churn@latest", "churn"):
        assert get_model(ws, ref) == model, ref
    assert get_model(ws, "churn/v1").version == 1


def test_bundle_loads_the_identical_bytes(ws: modelward.Workspace, register: Register) -> None:
    model = register()
    bundle = load_bundle(ws, get_model(ws, model.ref))
    assert bundle.files == FILES
    assert bundle.manifest["format"] == "modelward.bundle/1"
    listed = bundle.manifest["files"]
    assert listed["model.onnx"] == {
        "sha256": hashlib.sha256(FILES["model.onnx"]).hexdigest(),
        "size": len(FILES["model.onnx"]),
    }
    assert sorted(listed) == sorted(FILES)
    assert model.size_bytes > sum(len(b) for b in FILES.values())


def test_versions_count_per_project(ws: modelward.Workspace, register: Register) -> None:
    refs = [register(project=p).ref for p in ("churn", "prices", "churn", "prices", "churn")]
    assert refs == ["churn/v1", "prices/v1", "churn/v2", "prices/v2", "churn/v3"]
    assert [m.ref for m in list_models(ws)] == list(reversed(refs))
    assert [m.ref for m in list_models(ws, project="prices")] == ["prices/v2", "prices/v1"]


def test_stage_label_finds_the_newest_version_in_that_stage(
    ws: modelward.Workspace, register: Register
) -> None:
    for _ in range(3):
        register()
    with ws.transaction() as conn:
        conn.execute(
            update(model_versions)
            .where(model_versions.c.version.in_([1, 2]))
            .values(stage=Stage.STAGING.value)
        )
    assert get_model(ws, "churn@staging").ref == "churn/v2"
    assert get_model(ws, "churn").ref == "churn/v3"
    assert [m.ref for m in list_models(ws, stage=Stage.STAGING)] == ["churn/v2", "churn/v1"]
    with pytest.raises(
        NotFound, match=r"no model in stage production; see `modelward models list`"
    ):
        get_model(ws, "churn@production")


def test_the_store_holds_one_production_version_per_project(
    ws: modelward.Workspace, register: Register
) -> None:
    for _ in range(2):
        register()
    make_production = update(model_versions).values(stage=Stage.PRODUCTION.value)
    with ws.transaction() as conn:
        conn.execute(make_production.where(model_versions.c.version == 1))
    with pytest.raises(IntegrityError), ws.transaction() as conn:
        conn.execute(make_production.where(model_versions.c.version == 2))
    assert [m.ref for m in list_models(ws, stage=Stage.PRODUCTION)] == ["churn/v1"]


def test_registration_is_one_chained_event(ws: modelward.Workspace, register: Register) -> None:
    model = register()
    (event,) = ws.read_events(action="model.registered")
    assert event.subject == "model/churn/v1"
    payload = event.payload_data()
    assert payload["manifest_sha256"] == model.manifest_sha256
    assert payload["key_id"] == model.key_id
    assert payload["files"]["model.onnx"] == hashlib.sha256(FILES["model.onnx"]).hexdigest()
    assert (payload["run"], payload["metric"], payload["score"]) == (None, "roc_auc", 0.84)
    assert ws.verify_events().ok


def test_model_links_to_its_run(ws: modelward.Workspace, register: Register) -> None:
    with ws.start_run(project="churn") as run:
        run.log_metric("roc_auc", 0.84)
    model = register(run_uid=run.uid)
    assert get_model(ws, model.ref).run == run.uid
    assert model.to_json()["run"] == run.uid


def test_unknown_project_or_run_is_not_found(ws: modelward.Workspace, register: Register) -> None:
    with pytest.raises(NotFound, match="project 'nope' not found"):
        register(project="nope")
    with pytest.raises(NotFound, match="run 'f00d' not found"):
        register(run_uid="f00d")
    with pytest.raises(NotFound, match="project 'nope' not found"):
        list_models(ws, project="nope")
    with pytest.raises(NotFound, match=r"model churn/v1 not found; see `modelward models list`"):
        get_model(ws, "churn/v1")
    with pytest.raises(NotFound, match="'nope' has no model versions"):
        get_model(ws, "nope")
    assert list_models(ws) == []
    assert ws.read_events(action="model.registered") == []


def test_run_of_another_project_is_refused(ws: modelward.Workspace, register: Register) -> None:
    with ws.start_run(project="prices") as run:
        pass
    with pytest.raises(InputError, match=r"run_uid: got .*; expected a run of project 'churn'"):
        register(run_uid=run.uid)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"files": {"../model.onnx": b"x"}}, "file name: got '../model.onnx'"),
        ({"files": {"sub/model.onnx": b"x"}}, "file name: got 'sub/model.onnx'"),
        ({"files": {".hidden": b"x"}}, "file name: got '.hidden'"),
        ({"files": {"model.onnx": "text"}}, "file model.onnx: got 'str'; expected bytes"),
        ({"manifest": {"files": {}}}, "manifest: got 'files'"),
        ({"manifest": {"when": object()}}, "manifest: .*expected JSON-serializable"),
        ({"summary": {"score": float("nan")}}, "summary: .*expected JSON-serializable"),
        ({"score": float("inf")}, "score: got inf; expected a finite number"),
        ({"task": ""}, "task: got ''; expected text of 1 to 16"),
        ({"metric": "m" * 65}, "metric: got .*; expected text of 1 to 64"),
    ],
)
def test_bad_registrations_are_refused(
    ws: modelward.Workspace, register: Register, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        register(**overrides)
    assert list_models(ws) == []


def test_stored_schemas_round_trip(ws: modelward.Workspace, register: Register) -> None:
    schema = {"columns": [{"name": "région", "dtype": "String", "allowed": ["a", "b"]}]}
    model = register(input_schema=schema, summary={"notes": ["ok"]})
    found = get_model(ws, model.ref)
    assert found.input_schema == schema
    assert found.summary == {"notes": ["ok"]}
    assert json.loads(json.dumps(found.to_json()))["input_schema"] == schema


def test_concurrent_registrations_take_distinct_numbers(
    ws: modelward.Workspace, register: Register
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(lambda i: register(score=i / 10), range(8)))
    assert sorted(m.version for m in made) == list(range(1, 9))
    assert ws.verify_events().ok
