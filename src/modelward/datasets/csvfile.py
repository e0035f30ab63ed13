"""Read delimited text with polars' native reader; translate what goes wrong into `InputError`.

polars is fast but says little when a file is malformed (no line numbers, short rows padded
with nulls, duplicate names renamed), so the checks it cannot do happen around it: the header is
parsed here, and a ragged row is located with pyarrow's single-threaded parser, which numbers
rows, only when polars failed or the last column holds nulls.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import tempfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv

from modelward.datasets.columns import clean_names
from modelward.datasets.textscan import SAMPLE_BYTES, check_head, is_utf8, scan_text
from modelward.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
_TAB_SUFFIXES = frozenset({".tsv", ".tab", ".txt"})
_SNIFF_LINES = 50
# Enough rows that a column is rarely mis-typed; a late misfit triggers a full-inference re-read.
_INFER_ROWS = 10_000
_UNPARSED = re.compile(
    r"could not parse `.*?` as dtype `(?P<dtype>.*?)` at column '(?P<column>.*?)'", re.DOTALL
)
_ORIGINAL = re.compile(r"Original error: `*(?P<reason>.*?)`*$", re.DOTALL)
_BLANK = r"^\s+$"
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_FIX_ROWS = "export the data with a header row and at least one data row"


def read_csv_file(
    path: Path, head: bytes, codec: str, source: str, *, dates: bool = True
) -> pl.DataFrame:
    """Parse the file at `path` (its first bytes in `head`) as delimited text in `codec`.

    `dates`: recognize date and time columns (polars' inference of them costs about a second
    on 10,000 rows); False keeps them as text, for a caller that knows its columns' types.
    """
    check_head(head, codec, source)
    if is_utf8(codec):
        scan_text(path, codec, source)
        return _parse(path, path.suffix, source, dates)
    with tempfile.TemporaryDirectory(prefix="modelward-") as tmp:
        utf8 = Path(tmp) / "utf8.csv"
        with utf8.open("wb") as sink:
            scan_text(path, codec, source, sink)
        return _parse(utf8, path.suffix, source, dates)


def sniff_delimiter(sample: str, suffix: str) -> str:
    """The delimiter that splits the header and agrees with the next lines; the suffix breaks ties.

    `.tsv`/`.tab`/`.txt` prefer a tab, anything else a comma.
    """
    preferred = "\t" if suffix.lower() in _TAB_SUFFIXES else ","
    lines = sample.splitlines()[:_SNIFF_LINES]

    def fit(sep: str) -> tuple[bool, bool, bool, int]:
        widths = [len(row) for row in csv.reader(lines, delimiter=sep)]
        agree = sum(width == widths[0] for width in widths) >= 0.9 * len(widths)
        return widths[0] > 1, agree, sep == preferred, widths[0]

    return max((preferred, *DELIMITERS), key=fit)


def _parse(path: Path, suffix: str, source: str, dates: bool) -> pl.DataFrame:
    sample = _sample(path)
    if not sample.strip():
        raise InputError(f"{source}: no header row (the file holds only blank lines); {_FIX_ROWS}")
    sep = sniff_delimiter(sample, suffix)
    names = clean_names(_header(sample, sep, source), source)
    frame = _read_polars(path, sep, len(names), source, dates)
    if frame.width and frame.get_column(frame.columns[-1]).null_count() > 0:
        # polars reads a blank line as a row of nulls, and pads a short row with nulls.
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
        if frame.width > 1:
            _raise_if_ragged(path, sep, frame.width, source)
    if frame.height == 0:
        raise InputError(f"{source}: a header row but no data rows; {_FIX_ROWS}")
    if len(names) == frame.width:
        frame.columns = names
    return _tidy(frame)


def _header(sample: str, sep: str, source: str) -> list[str]:
    """The header row's fields; InputError for a header the csv format cannot read or would
    misread: a bare carriage return in it ends a line for some readers and not for others."""
    first = sample.split("\n", 1)[0].removesuffix("\r")
    problem = "a carriage return (\\r) inside the header row" if "\r" in first else None
    if problem is None:
        try:
            return next(csv.reader(io.StringIO(sample), delimiter=sep))
        except csv.Error as exc:
            problem = str(exc)
    raise InputError(
        f"{source}: the header row cannot be read as comma-separated text ({problem}); save "
        "the file with one kind of line ending (\\n or \\r\\n) and no bare \\r in a field"
    )


def _sample(path: Path) -> str:
    with path.open("rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    # polars skips blank lines before the header too.
    text = raw.decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip("\r\n")
    if len(raw) == SAMPLE_BYTES and "\n" in text:
        text = text[: text.rindex("\n")]  # the last line may be cut mid-row
    return text


def _read_polars(path: Path, sep: str, width: int, source: str, dates: bool) -> pl.DataFrame:
    overrides: dict[str, pl.DataType] = {}
    infer: int | None = _INFER_ROWS
    while True:
        try:
            return pl.read_csv(
                path,
                separator=sep,
                try_parse_dates=dates,
                infer_schema_length=infer,
                schema_overrides=overrides or None,
                truncate_ragged_lines=False,
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError as exc:
            match = _UNPARSED.search(str(exc))
            # A text column that fails to parse is malformed CSV, not a type misfit.
            if match is None or match["dtype"] == "str" or match["column"] in overrides:
                raise _translate(exc, path, sep, width, source) from exc
            # A value late in the file misfits the type guessed from the first rows: infer
            # from every row; if the column still misfits, keep it as text.
            if infer is None:
                overrides[match["column"]] = pl.String()
            infer = None


def _translate(exc: Exception, path: Path, sep: str, width: int, source: str) -> InputError:
    if "fields" in str(exc):  # "found more fields than defined in 'Schema'"
        _raise_if_ragged(path, sep, width, source)
    return InputError(
        f"{source}: cannot be parsed as {_SEP_NAMES[sep]}-separated text ({_reason(exc)}); "
        "check the delimiter and the quoting"
    )


def _reason(exc: Exception) -> str:
    """polars' own diagnosis, on one short line: its messages span many, with advice for coders."""
    text = str(exc).strip()
    original = _ORIGINAL.search(text)
    if original is not None:
        text = original["reason"]
    words = " ".join(text.split()) or type(exc).__name__
    return words if len(words) <= 160 else words[:157] + "..."


def _raise_if_ragged(path: Path, sep: str, width: int, source: str) -> None:
    bad: list[pa_csv.InvalidRow] = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        bad.append(row)
        return "error"  # stop at the first one

    columns = [f"_{i}" for i in range(width)]
    # ArrowInvalid: a row was refused (and recorded in `bad`), or the text is malformed in a
    # way the caller reports from polars' error.
    with contextlib.suppress(pa.ArrowInvalid):
        pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(use_threads=False, column_names=columns, skip_rows=1),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pa_csv.ConvertOptions(
                include_columns=columns[:1], column_types={columns[0]: pa.string()}
            ),
        )
    if bad:
        row = bad[0]
        line = _physical_line(path, sep, width) or row.number
        raise InputError(
            f"{source}: line {line} has {_fields(row.actual_columns)}, expected "
            f"{row.expected_columns} as in the header; fix that row (quote values that contain "
            f"the delimiter {sep!r})"
        )


def _fields(count: int) -> str:
    return "1 field" if count == 1 else f"{count} fields"


def _physical_line(path: Path, sep: str, width: int) -> int | None:
    """The line of the first ragged row; pyarrow counts records, which differ when a quoted
    value spans lines. Slow, so only run once a ragged row is known to exist."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        for row in reader:
            if row and len(row) != width:
                return reader.line_num
    return None


def _tidy(frame: pl.DataFrame) -> pl.DataFrame:
    """Blank strings become null; a text column that was numeric but for blanks becomes numeric."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    has_blank = frame.select(pl.col(name).str.contains(_BLANK).any() for name in text).row(0)
    blank = [name for name, found in zip(text, has_blank, strict=True) if found]
    if not blank:
        return frame
    frame = frame.with_columns(
        pl.when(~pl.col(name).str.contains(_BLANK)).then(pl.col(name)).alias(name) for name in blank
    )
    return frame.with_columns(_numeric(frame, blank))


def _numeric(frame: pl.DataFrame, names: list[str]) -> list[pl.Expr]:
    """Casts for the columns whose every non-null value parses as a number."""
    casts: list[pl.Expr] = []
    for name in names:
        nulls = frame.get_column(name).null_count()
        if nulls == frame.height:
            continue
        for dtype in (pl.Int64(), pl.Float64()):
            cast = pl.col(name).str.strip_chars().cast(dtype, strict=False)
            if frame.select(cast.null_count()).item() == nulls:
                casts.append(cast.alias(name))
                break
    return casts
