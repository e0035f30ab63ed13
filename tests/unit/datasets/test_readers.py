from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import polars as pl
import pytest

from modelward.datasets.csvfile import sniff_delimiter
from modelward.datasets.readers import read_file
from modelward.errors import InputError
from tests.unit.datasets.conftest import Write


def test_csv_types_are_inferred(write: Write) -> None:
    path = write(
        "customers.csv",
        " id ,amount,active,joined,seen,plan\n"
        "1,10.5,true,2024-01-02,2024-01-02T03:04:05,basic\n"
        "2,,false,2024-02-03,2024-02-03 10:00:00,\n"
        "3,7,true,2024-03-04,2024-03-04T00:00:00,  \n",
    )
    frame = read_file(path)
    assert frame.columns == ["id", "amount", "active", "joined", "seen", "plan"]
    assert frame.schema == pl.Schema(
        {
            "id": pl.Int64(),
            "amount": pl.Float64(),
            "active": pl.Boolean(),
            "joined": pl.Date(),
            "seen": pl.Datetime("us"),
            "plan": pl.String(),
        }
    )
    assert frame["joined"][0] == dt.date(2024, 1, 2)
    assert frame["plan"].to_list() == ["basic", None, None]  # blank strings become null
    assert frame["amount"].null_count() == 1


def test_blank_values_do_not_turn_a_numeric_column_into_text(write: Write) -> None:
    # IBM's churn CSV writes its 11 missing total charges as a single space.
    frame = read_file(write("c.csv", "id,total\n1, 29.85\n2, \n3,108.15\n"))
    assert frame["total"].dtype == pl.Float64
    assert frame["total"].to_list() == [29.85, None, 108.15]


def test_a_late_misfit_value_keeps_the_column_as_text(write: Write) -> None:
    rows = "".join(f"{i},{i * 2}\n" for i in range(20_000))
    frame = read_file(write("late.csv", "id,amount\n" + rows + "20000,unknown\n"))
    assert frame["id"].dtype == pl.Int64
    assert frame["amount"].dtype == pl.String
    assert frame.height == 20_001
    assert frame["amount"][-1] == "unknown"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a.csv", "a;b;c\n1;2;3\n4;5;6\n"),
        ("a.csv", "a|b|c\n1|2|3\n"),
        ("a.tsv", "a\tb\tc\n1\t2\t3\n"),
        ("a.txt", "a,b,c\n1,2,3\n"),
        ("a.dat", '"a","b","c"\n"1","2","3"\n'),
    ],
)
def test_the_delimiter_is_sniffed(write: Write, name: str, text: str) -> None:
    frame = read_file(write(name, text))
    assert frame.columns == ["a", "b", "c"]
    assert frame.row(0) == (1, 2, 3)


def test_the_suffix_breaks_a_tie_between_delimiters() -> None:
    sample = "a,b\tc\n1,2\t3\n"
    assert sniff_delimiter(sample, ".csv") == ","
    assert sniff_delimiter(sample, ".tsv") == "\t"


def test_blank_lines_are_skipped_and_quoted_newlines_kept(write: Write) -> None:
    frame = read_file(write("a.csv", '\n\na,b\n1,"two\nlines"\n\n3,x\n\n\n'))
    assert frame.rows() == [(1, "two\nlines"), (3, "x")]


def test_windows_line_ends_are_read(write: Write) -> None:
    assert read_file(write("a.csv", "a,b\r\n1,2\r\n3,4\r\n")).rows() == [(1, 2), (3, 4)]


def test_a_bare_carriage_return_in_the_header_is_refused_not_an_internal_error(
    write: Write,
) -> None:
    path = write("a.csv", "a\rb,c\n1,2\n3,4\n")
    with pytest.raises(InputError, match=r"a carriage return \(\\r\) inside the header row"):
        read_file(path)


def test_a_quote_left_open_is_refused(write: Write) -> None:
    path = write("a.csv", 'a,b\n1,"open\n3,4\n')
    with pytest.raises(InputError, match=r"cannot be parsed as comma-separated text \(.*escaped"):
        read_file(path)


def test_parquet_is_known_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    path = tmp_path / "really-parquet.csv"
    pl.DataFrame({" a ": [1, 2], "b": ["x", "y"]}).write_parquet(path)
    frame = read_file(path)
    assert frame.columns == ["a", "b"]
    assert frame.rows() == [(1, "x"), (2, "y")]


def test_other_encodings_are_read_when_named(write: Write) -> None:
    path = write("latin.csv", "name,city\nJosé,Zürich\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"byte 0xe9 at offset 13 \(line 2\).*--encoding latin-1"):
        read_file(path)
    assert read_file(path, encoding="latin-1").row(0) == ("José", "Zürich")


def test_a_utf8_bom_is_ignored(write: Write) -> None:
    assert read_file(write("bom.csv", b"\xef\xbb\xbfa,b\n1,2\n")).columns == ["a", "b"]


def _random_bytes(size: int) -> bytes:
    return random.Random(7).randbytes(size)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", r"empty.csv: the file is empty \(0 bytes\); export"),
        ("blank.csv", b"\n\n \n", r"no header row"),
        ("header.csv", b"a,b,c\n", r"header.csv: a header row but no data rows"),
        ("long.csv", b"a,b,c\n1,2,3\n4,5,6,7\n", r"line 3 has 4 fields, expected 3"),
        ("short.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n", r"line 3 has 2 fields, expected 3"),
        ("quoted.csv", b'a,b,c\n1,"x\ny",3\n4,5\n', r"line 4 has 2 fields, expected 3"),
        ("nul.csv", b"a,b\n1,\x002\n", r"binary data: NUL byte at offset 6"),
        ("late-nul.csv", b"a,b\n" + b"1,2\n" * 300_000 + b"3,\x00\n", r"NUL character on line"),
        ("noise.bin", _random_bytes(4096), r"not a CSV or Parquet file \(binary data"),
        ("utf8.csv", b"a,b\n1,caf\xe9\n", r"not UTF-8 text: byte 0xe9 at offset 9 \(line 2\)"),
        ("utf16.csv", "a,b\n1,2\n".encode("utf-16"), r"UTF-16 text.*--encoding utf-16"),
        ("dup.csv", b"a,b, a\n1,2,3\n", r"duplicate column names 'a'; rename"),
        ("noname.csv", b"a,,c\n1,2,3\n", r"column 2 has an empty name"),
        ("bad.parquet", b"PAR1" + _random_bytes(200), r"not a readable Parquet file"),
    ],
)
def test_bad_files_are_refused_with_the_fix(
    write: Write, name: str, content: bytes, message: str
) -> None:
    path = write(name, content)
    with pytest.raises(InputError, match=message) as caught:
        read_file(path)
    assert "\n" not in caught.value.message
    assert str(path) in caught.value.message


def test_a_truncated_parquet_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    pl.DataFrame({"a": range(1000)}).write_parquet(path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(InputError, match=r"cut.parquet: not a readable Parquet file"):
        read_file(path)


def test_a_parquet_file_without_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "none.parquet"
    pl.DataFrame({"a": []}, schema={"a": pl.Int64}).write_parquet(path)
    with pytest.raises(InputError, match=r"the Parquet file has no rows"):
        read_file(path)


def test_a_missing_file_suggests_close_names(tmp_path: Path, write: Write) -> None:
    write("customers.csv", "a\n1\n")
    with pytest.raises(InputError, match=r"customer.csv: no such file; did you mean customers.csv"):
        read_file(tmp_path / "customer.csv")
    with pytest.raises(InputError, match=r"no such file; check the path"):
        read_file(tmp_path / "nowhere" / "x.csv")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is a directory, not a file"):
        read_file(tmp_path)


@pytest.mark.timeout(10)
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"not a regular file \(a pipe, socket or device\)"):
        read_file(fifo)


def test_an_unknown_encoding_names_the_flag(write: Write) -> None:
    with pytest.raises(InputError, match=r"--encoding: got 'klingon'; expected a Python codec"):
        read_file(write("a.csv", "a\n1\n"), encoding="klingon")


def test_an_undecodable_byte_in_another_encoding_is_located(write: Write) -> None:
    path = write("a.csv", b"a,b\n1,2\n3,\x81\n")
    with pytest.raises(InputError, match=r"not cp1252 text: byte 0x81 at offset 10 \(line 3\)"):
        read_file(path, encoding="cp1252")


def test_the_churn_csv_reads_back_with_its_types(churn: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "wa_churn.csv"
    # Written the way IBM ships it: a space where total_charges is missing.
    churn.with_columns(pl.col("total_charges").cast(pl.String).fill_null(" ")).write_csv(path)
    frame = read_file(path)
    assert frame.shape == (7043, 21)
    assert frame["total_charges"].dtype == pl.Float64
    assert frame["total_charges"].null_count() == 11
    assert frame.schema == churn.schema
