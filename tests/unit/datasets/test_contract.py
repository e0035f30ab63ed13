from __future__ import annotations

import datetime as dt
import json
import random

import pandera.polars as pa
import polars as pl
import pytest

from modelward.datasets.conformance import to_pandera, validate
from modelward.datasets.contract import (
    ColumnContract,
    Contract,
    Role,
    infer_contract,
)
from modelward.datasets.dtypes import parse_dtype
from modelward.errors import InputError


def _people(n: int = 200) -> pl.DataFrame:
    rng = random.Random(3)
    shuffled = list(range(1, n + 1))
    rng.shuffle(shuffled)
    return pl.DataFrame(
        {
            "seq": range(100, 100 + n),
            "shuffled": shuffled,
            "user_id": [rng.randrange(10**9) for _ in range(n)],
            "age": [rng.randrange(18, 90) for _ in range(n)],
            "score": [rng.random() if i % 10 else None for i in range(n)],
            "member": [i % 3 == 0 for i in range(n)],
            "city": [rng.choice(["Oslo", "Lima", "Pune"]) for _ in range(n)],
            "note": [f"note {i}" for i in range(n)],
            "joined": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "seen": [dt.datetime(2024, 1, 1, 12) + dt.timedelta(hours=i) for i in range(n)],
        }
    )


def test_roles_are_inferred() -> None:
    contract = infer_contract(_people())
    roles = {column.name: column.role for column in contract.columns}
    assert roles == {
        "seq": Role.IDENTIFIER,
        "shuffled": Role.IDENTIFIER,
        "user_id": Role.IDENTIFIER,
        "age": Role.INTEGER,
        "score": Role.NUMERIC,
        "member": Role.BOOLEAN,
        "city": Role.CATEGORICAL,
        "note": Role.TEXT,
        "joined": Role.DATE,
        "seen": Role.DATETIME,
    }
    assert contract.n_rows == 200


def test_column_facts_are_recorded() -> None:
    contract = infer_contract(_people())
    score, city, joined = (contract.get(name) for name in ("score", "city", "joined"))
    assert score is not None
    assert city is not None
    assert joined is not None
    assert score.nullable
    assert score.null_count == 20
    assert score.minimum is not None
    assert 0 <= float(score.minimum) < 0.1
    assert city.categories == ("Lima", "Oslo", "Pune")
    assert city.n_unique == 3
    assert not city.nullable
    assert (joined.minimum, joined.maximum) == ("2020-01-01", "2020-07-18")
    assert contract.get("missing") is None


def test_many_repeated_strings_are_categorical_without_a_list() -> None:
    frame = pl.DataFrame({"zip": [f"z{i % 60}" for i in range(2_000)]})
    (column,) = infer_contract(frame).columns
    assert column.role is Role.CATEGORICAL
    assert column.categories is None  # 60 > 50 values: too many to list


def test_the_churn_contract(churn: pl.DataFrame) -> None:
    contract = infer_contract(churn)
    assert contract.n_rows == 7043
    by_name = {column.name: column for column in contract.columns}
    assert by_name["rownames"].role is Role.IDENTIFIER
    assert by_name["total_charges"].role is Role.NUMERIC
    assert by_name["total_charges"].null_count == 11
    assert by_name["tenure"].role is Role.INTEGER
    assert (by_name["tenure"].minimum, by_name["tenure"].maximum) == (0.0, 72.0)
    assert by_name["contract"].categories == ("Month-to-month", "One year", "Two year")
    assert by_name["churn"].role is Role.CATEGORICAL
    assert validate(churn, contract) == []


def test_the_contract_round_trips_through_json(churn: pl.DataFrame) -> None:
    for frame in (churn, _people()):
        contract = infer_contract(frame)
        text = json.dumps(contract.to_json(), allow_nan=False)
        assert Contract.from_json(json.loads(text)) == contract


def test_a_malformed_contract_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"contract: got .*; expected an object with n_rows"):
        Contract.from_json({"columns": [{"name": "a"}], "n_rows": 1})


def test_the_pandera_schema_accepts_the_frame() -> None:
    frame = _people()
    schema = to_pandera(infer_contract(frame))
    assert isinstance(schema, pa.DataFrameSchema)
    assert set(schema.columns) == set(frame.columns)
    schema.validate(frame)


def test_violations_name_the_column_the_value_and_the_expectation(churn: pl.DataFrame) -> None:
    contract = infer_contract(churn)
    broken = churn.drop("female").with_columns(
        pl.when(pl.col("rownames") <= 4)
        .then(None)
        .otherwise("senior_citizen")
        .alias("senior_citizen"),
        pl.when(pl.col("rownames") == 1).then(-3).otherwise("tenure").alias("tenure"),
        pl.col("contract").replace({"Two year": "Weekly"}),
        pl.col("monthly_charges").cast(pl.String),
    )
    assert validate(broken, contract) == [
        "female: missing from the data; expected a column of dtype Int64",
        "senior_citizen: got 4 null values; expected none (the column is not nullable)",
        "tenure: got 1 values out of range, e.g. -3; expected 0 to 72",
        "contract: got 1695 unknown values, e.g. 'Weekly'; "
        "expected one of 'Month-to-month', 'One year', 'Two year'",
        "monthly_charges: got dtype String; expected Float64",
    ]


def test_dates_are_checked_against_their_iso_range() -> None:
    contract = infer_contract(_people())
    later = _people().with_columns(pl.col("joined") + pl.duration(days=35))
    (message,) = validate(later, contract)
    assert message.startswith("joined: got 35 values out of range, e.g. 2020-07-19")
    assert message.endswith("expected 2020-01-01 to 2020-07-18")


def test_a_contract_built_by_hand() -> None:
    column = ColumnContract("x", "Int64", Role.INTEGER, nullable=False, minimum=0, maximum=9)
    contract = Contract(columns=(column,), n_rows=3)
    assert validate(pl.DataFrame({"x": [1, 2, 3]}), contract) == []
    assert validate(pl.DataFrame({"x": [1, 20, 30]}), contract) == [
        "x: got 2 values out of range, e.g. 20, 30; expected 0 to 9"
    ]


@pytest.mark.parametrize(
    "dtype",
    [
        pl.Int64(),
        pl.UInt8(),
        pl.Float32(),
        pl.String(),
        pl.Boolean(),
        pl.Date(),
        pl.Datetime("ns", "Europe/Paris"),
        pl.Duration("ms"),
        pl.Decimal(10, 2),
        pl.List(pl.Int64()),
        pl.Enum(["a", "b"]),
        pl.Categorical(),
    ],
)
def test_dtype_text_round_trips(dtype: pl.DataType) -> None:
    assert parse_dtype(str(dtype)) == dtype


@pytest.mark.parametrize(
    "text", ["__import__('os')", "DataType", "NumericType", "Nope", "List(Nope)", "("]
)
def test_only_concrete_dtypes_are_parsed(text: str) -> None:
    assert parse_dtype(text) is None
