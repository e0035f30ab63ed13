"""The scorer of a running server: live deployments, routing, shadow scoring and logging.

It watches the deployments' generations (one small query per `poll_interval`), so a route
switch made by any process takes effect without a restart. The new routes' models are loaded
before the swap; the swap replaces one reference, so a request sees the old routes or the new
ones, never a mix, and no request fails during a switch. A deployment whose models cannot be
loaded fails alone: it keeps its previous routes, and the others go on serving and switching.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl

from modelward.errors import BackendError, ModelwardError, NotFound, RateLimited
from modelward.events import utc_now
from modelward.serving.contract import Flag
from modelward.serving.deployments import generations, get_deployment
from modelward.serving.metrics import ServingMetrics
from modelward.serving.models import OUT_OF_CONTRACT, ModelCache, Scored, ServedModel
from modelward.serving.predlog import LogRow, PredictionLog
from modelward.serving.records import Answers, RouteName, Validation
from modelward.serving.router import LiveDeployment
from modelward.serving.usage import UsageMeter
from modelward.workspace import Workspace

Batch = Sequence[Mapping[str, Any]] | pl.DataFrame  # JSON records, or a CSV/Parquet frame
MISS_REFRESH_SECONDS = 0.25  # an unknown name re-reads the store at most this often
LOAD_RETRY_SECONDS = 30.0  # a deployment that could not load is tried again this often
_log = logging.getLogger("modelward.serving")
REFUSED = "refused"  # the log's route (and answer key) of a refused row
REFUSED_LOGGED_PER_SECOND = 2_000  # refused rows logged per deployment and second, at most
UNPROCESSABLE = 422


@dataclass(frozen=True)
class LoadFailure:
    """Why a deployment's routes of `generation` could not be loaded, and when to try again."""

    generation: int
    reason: str
    since: str
    retry_at: float  # monotonic seconds


@dataclass(frozen=True)
class Answer:
    deployment: str
    model: str
    route: str
    request_id: str
    predictions: list[dict[str, Any]]
    answers: Answers = Answers.MODELWARD  # the deployment's answer format

    def to_json(self) -> dict[str, Any]:
        return {"predictions": self.predictions, "model": self.model, "request_id": self.request_id}

    def to_mlflow(self) -> dict[str, Any]:
        """MLflow's answer: one value per row (None where a row was refused)."""
        return {"predictions": [row.get("prediction") for row in self.predictions]}

    def body(self, answers: Answers | None = None) -> dict[str, Any]:
        """The answer in `answers` format, or the deployment's."""
        chosen = answers or self.answers
        return self.to_mlflow() if chosen is Answers.MLFLOW else self.to_json()


class Scorer:
    """Thread-safe. `start()` loads every deployment and starts the watcher and the log."""

    def __init__(
        self,
        ws: Workspace,
        *,
        log: PredictionLog | None = None,
        metrics: ServingMetrics | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self._ws = ws
        self.log = log or PredictionLog(ws)
        self.metrics = metrics or ServingMetrics()
        self.poll_interval = poll_interval
        self._cache = ModelCache(ws)
        self._live: dict[str, LiveDeployment] = {}
        self._failed: dict[str, LoadFailure] = {}
        self._refresh_lock = threading.Lock()
        self._last_miss = 0.0
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._shadow = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shadow")
        self._series_cache: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
        self.usage = UsageMeter(ws)
        self._ids = RequestIds()
        self._refusal_budget = RefusalBudget()

    def start(self) -> None:
        self.refresh()
        self.log.start()
        self._watcher = threading.Thread(target=self._watch, name="routes", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        """Stop watching, finish shadow work, drain the prediction log."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        self._shadow.shutdown(wait=True)
        self.log.close()
        self.usage.flush()

    @property
    def ready(self) -> bool:
        return self._watcher is not None and self._watcher.is_alive()

    def refresh(self) -> list[str]:
        """Reload the deployments whose generation changed; the names reloaded.

        Each deployment loads on its own: one whose models cannot be loaded (a key nobody
        registered, a missing blob) keeps its previous routes, or none, is reported in
        `degraded`, and is tried again after a change or `LOAD_RETRY_SECONDS`; every other
        deployment loads and switches as if nothing happened."""
        with self._refresh_lock:
            stored = generations(self._ws)
            now = time.monotonic()
            changed = [
                n for n, g in stored.items() if self._generation(n) != g and self._due(n, g, now)
            ]
            live = {n: d for n, d in self._live.items() if n in stored}
            failed = {n: f for n, f in self._failed.items() if n in stored}
            loaded = []
            for name in changed:
                try:
                    live[name] = LiveDeployment.load(get_deployment(self._ws, name), self._cache)
                except Exception as exc:  # one deployment must not stop the others
                    failed[name] = self._failure(name, stored[name], exc, failed.get(name), now)
                    continue
                if failed.pop(name, None) is not None:
                    self.metrics.degraded.labels(name).set(0)
                loaded.append(name)
            self._live = live  # one reference swap: readers see old or new, never a mix
            self._failed = failed
            return loaded

    @property
    def degraded(self) -> list[dict[str, Any]]:
        """The deployments whose newest routes could not be loaded, with the reason."""
        return [
            {
                "deployment": name,
                "reason": failure.reason,
                "since": failure.since,
                "serving": "previous routes" if name in self._live else "nothing",
            }
            for name, failure in sorted(self._failed.items())
        ]

    def _due(self, name: str, generation: int, now: float) -> bool:
        failure = self._failed.get(name)
        return failure is None or failure.generation != generation or now >= failure.retry_at

    def _failure(
        self,
        name: str,
        generation: int,
        exc: Exception,
        previous: LoadFailure | None,
        now: float,
    ) -> LoadFailure:
        reason = exc.message if isinstance(exc, ModelwardError) else f"{type(exc).__name__}: {exc}"
        fresh = previous is None or (previous.generation, previous.reason) != (generation, reason)
        if fresh:  # logged and counted once per reason, not once per retry
            serving = "its previous routes" if name in self._live else "nothing"
            _log.warning("deployment %s cannot load (serving %s): %s", name, serving, reason)
            self.metrics.load_failures.labels(name).inc()
            self.metrics.degraded.labels(name).set(1)
        since = utc_now() if fresh or previous is None else previous.since
        return LoadFailure(generation, reason, since, now + LOAD_RETRY_SECONDS)

    def model(self, ref: str) -> ServedModel:
        """A loaded model version (each is loaded once per process)."""
        return self._cache.get(ref)

    def live(self, name: str) -> LiveDeployment:
        found = self._live.get(name)
        if found is None and time.monotonic() - self._last_miss > MISS_REFRESH_SECONDS:
            self._last_miss = time.monotonic()
            self.refresh()
            found = self._live.get(name)
        if found is None:
            failure = self._failed.get(name)
            if failure is not None:
                raise BackendError(
                    f"deployment {name!r} cannot load its models: {failure.reason}; it is tried "
                    f"again every {LOAD_RETRY_SECONDS:.0f} s and after each change"
                )
            raise NotFound(f"no deployment {name!r}; create it with `modelward deploy create`")
        return found

    def predict(
        self,
        name: str,
        records: Batch,
        *,
        key: str | None = None,
        token: str = "",
    ) -> Answer:
        started, cpu = time.perf_counter(), time.thread_time()
        live = self.live(name)
        route, model = live.choose(key)
        options = live.deployment.options
        try:
            scored = _score(
                model, records, options.validation, options.round_probabilities, options.per_row
            )
        except ModelwardError as exc:
            self.metrics.requests.labels(name, route.value, str(exc.http_status)).inc()
            if exc.http_status == UNPROCESSABLE:
                self._log_refused(name, model, records, exc, token, options.validation)
            raise
        request_id = self._ids.next()
        seconds = time.perf_counter() - started
        answer = Answer(
            name, model.ref, route.value, request_id, scored.predictions, options.answers
        )
        kept = None  # every row
        if scored.refused:  # per-row strict: the refused rows are logged as refused
            kept = [i for i in range(len(records)) if i not in scored.refused]
            self._log_refused_rows(answer, model, records, scored, token)
        self._record(answer, records, seconds, token, kept)
        scored_rows = len(records) if kept is None else len(kept)
        self.usage.add(name, model.ref, scored_rows, time.thread_time() - cpu)
        if live.shadow is not None:
            self._shadow.submit(self._score_shadow, live, live.shadow, records, request_id, token)
        return answer

    def refused(self, name: str, records: Batch, error: RateLimited, token: str = "") -> None:
        """Log the rows of a request refused before scoring (rate limit, extraction throttle),
        so that monitoring sees all the traffic a deployment received."""
        live = self._live.get(name)
        if live is not None:
            validation = live.deployment.options.validation
            self._log_refused(name, live.primary, records, error, token, validation)

    def _log_refused(
        self,
        name: str,
        model: ServedModel,
        records: Batch,
        error: ModelwardError,
        token: str,
        validation: Validation,
    ) -> None:
        """Count and log a refused request's rows; never fails: the refusal is the answer."""
        try:
            reasons = refusals(model, records, error, validation)
            for why, n in Counter(str(r["reason"]) for r in reasons).items():
                self.metrics.refused_rows.labels(name, why).inc(n)
            kind = "throttled" if isinstance(error, RateLimited) else "rows"
            logged = self._refusal_budget.take((name, kind), len(records))
            if not logged:
                return  # a flood of refused rows is counted, not logged past the bound
            kept = records[:logged]
            answer = Answer(name, model.ref, REFUSED, self._ids.next(), [])
            said = [{REFUSED: reason} for reason in reasons[:logged]]
            self.log.append(_rows(answer, kept, said, 0.0, token))
        except Exception as exc:  # a refusal the log cannot hold must still be answered
            _log.warning("refused rows of %s not logged: %s", name, exc)

    def _log_refused_rows(
        self, answer: Answer, model: ServedModel, records: Batch, scored: Scored, token: str
    ) -> None:
        """The rows a per-row strict batch refused, logged with their fields as refused."""
        indices = sorted(scored.refused)
        reasons = [_outside(scored.refused[i]) for i in indices]
        self.metrics.refused_rows.labels(answer.deployment, "contract").inc(len(indices))
        logged = self._refusal_budget.take((answer.deployment, "rows"), len(indices))
        refused = Answer(answer.deployment, model.ref, REFUSED, answer.request_id, [])
        said = [{REFUSED: reason} for reason in reasons[:logged]]
        rows = _rows(refused, records, said, 0.0, token, indices[:logged])
        self.log.append(rows)

    def _record(
        self,
        answer: Answer,
        records: Batch,
        seconds: float,
        token: str,
        kept: Sequence[int] | None = None,
    ) -> None:
        served, rows, latency = self._series(answer.deployment, answer.route)
        served.inc()
        rows.inc(len(records) if kept is None else len(kept))
        latency.observe(seconds)
        flagged = [p[OUT_OF_CONTRACT] for p in answer.predictions if OUT_OF_CONTRACT in p]
        for flags in flagged:
            for flag in flags:
                self.metrics.out_of_contract.labels(answer.deployment, str(flag["field"])).inc()
        predictions = answer.predictions
        if kept is not None:
            predictions = [predictions[i] for i in kept]
        latency_ms = seconds * 1000 / len(records)
        self.log.append(_rows(answer, records, predictions, latency_ms, token, kept))

    def _score_shadow(
        self,
        live: LiveDeployment,
        shadow: ServedModel,
        records: Batch,
        request_id: str,
        token: str,
    ) -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            scored = _score(shadow, records, live.deployment.options.validation, None)
            predictions = scored.predictions
        except Exception as exc:  # a shadow must never hurt the primary: log, count, go on
            self.metrics.shadow_errors.labels(live.name).inc()
            message = exc.message if isinstance(exc, ModelwardError) else type(exc).__name__
            predictions = [{"error": message}] * len(records)
        seconds = time.perf_counter() - started
        answer = Answer(live.name, shadow.ref, RouteName.SHADOW.value, request_id, predictions)
        self.metrics.rows.labels(live.name, RouteName.SHADOW.value).inc(len(records))
        self.usage.add(live.name, shadow.ref, len(records), time.thread_time() - cpu)
        self.log.append(_rows(answer, records, predictions, seconds * 1000 / len(records), token))

    def _series(self, name: str, route: str) -> tuple[Any, Any, Any]:
        """The metric series of a route; looking up labels costs more than counting."""
        found = self._series_cache.get((name, route))
        if found is None:
            metrics = self.metrics
            found = (
                metrics.requests.labels(name, route, "200"),
                metrics.rows.labels(name, route),
                metrics.latency.labels(name, route),
            )
            self._series_cache[(name, route)] = found
        return found

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self.refresh()
                if self.usage.due():
                    self.usage.flush()
            except Exception:  # noqa: S112 - the store may be briefly down: keep serving
                continue
            finally:
                stats = self.log.stats()
                self.metrics.log_pending.set(stats.pending)
                self.metrics.log_dropped.set(stats.dropped)

    def _generation(self, name: str) -> int | None:
        found = self._live.get(name)
        return None if found is None else found.generation


class RequestIds:
    """Random 128-bit ids in hex, as `uuid4().hex` is random, drawn from a pool of the operating
    system's randomness: one system call per 256 requests instead of one each. Thread-safe."""

    POOL_BYTES = 16 * 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0

    def next(self) -> str:
        with self._lock:
            if self._at >= len(self._pool):
                self._pool, self._at = os.urandom(self.POOL_BYTES), 0
            drawn = self._pool[self._at : self._at + 16]
            self._at += 16
        return drawn.hex()


def refusals(
    model: ServedModel, records: Batch, error: ModelwardError, validation: Validation
) -> list[dict[str, Any]]:
    """Why each row of a refused request was refused: a rate or throttle (429) for all; else
    the row the error names (its fields outside training under strict validation, else the
    error), and `batch` for the rows refused only because they came with it."""
    if isinstance(error, RateLimited):
        return [{"reason": error.reason, "status": 429}] * len(records)
    named = _row_named(error.message)
    flags: dict[int, list[Flag]] = {}
    if validation is Validation.STRICT:
        try:
            if isinstance(records, pl.DataFrame):
                flags = model.contract.flags_frame(records, refuse_types=False)
            else:
                flags = model.contract.flags(records, refuse_types=False)
        except Exception:
            flags = {}
    found: list[dict[str, Any]] = []
    for i in range(len(records)):
        if i in flags:
            found.append(_outside(flags[i]))
        elif named is None or named == i:
            found.append({"reason": "input", "status": 422, "message": error.message})
        else:
            found.append({"reason": "batch", "status": 422, "message": error.message})
    return found


def _outside(flags: list[Flag]) -> dict[str, Any]:
    """The logged reason of a row refused for values outside training (strict)."""
    fields = [{"field": f["field"], "expected": f["expected"]} for f in flags]
    return {"reason": "contract", "status": 422, "fields": fields}


def _row_named(message: str) -> int | None:
    """The row index an input error names (`records[3].tenure: ...`), if any."""
    found = re.match(r"(?:dataframe_)?records\[(\d+)\]", message)
    return None if found is None else int(found.group(1))


class RefusalBudget:
    """At most `per_second` refused rows logged per deployment and second: a caller who is
    refused costs the log no more than a bounded share. Thread-safe."""

    def __init__(self, per_second: int = REFUSED_LOGGED_PER_SECOND) -> None:
        self.per_second = per_second
        self._lock = threading.Lock()
        self._spent: dict[tuple[str, str], tuple[int, int]] = {}  # -> (second, rows)

    def take(self, key: tuple[str, str], rows: int) -> int:
        """How many of `rows` may be logged now for `key` (deployment, kind of refusal): the
        first ones of the request, as many as this second's bound leaves."""
        second = int(time.monotonic())
        with self._lock:
            at, spent = self._spent.get(key, (second, 0))
            spent = spent if at == second else 0
            granted = max(0, min(rows, self.per_second - spent))
            self._spent[key] = (second, spent + granted)
            return granted


def row_ids(request_id: str, n: int) -> list[str]:
    """The ids feedback names rows by: the request id for one row, `ID:i` within a batch."""
    return [request_id] if n == 1 else [f"{request_id}:{i}" for i in range(n)]


def _score(
    model: ServedModel,
    records: Batch,
    validation: Validation,
    digits: int | None,
    per_row: bool = False,
) -> Scored:
    if isinstance(records, pl.DataFrame):
        return model.score_frame(records, validation=validation, digits=digits, per_row=per_row)
    return model.score(records, validation=validation, digits=digits, per_row=per_row)


def _inputs(records: Batch) -> list[str]:
    """Each row's inputs as JSON text, for the log."""
    if isinstance(records, pl.DataFrame):
        # One line per row: split on newlines only (U+2028 inside a value is not one).
        return records.write_ndjson().split("\n")[: records.height]
    return [orjson.dumps(record).decode() for record in records]


def _rows(
    answer: Answer,
    records: Batch,
    predictions: Sequence[Mapping[str, Any]],
    latency_ms: float,
    token: str,
    indices: Sequence[int] | None = None,
) -> list[LogRow]:
    """Log rows of `records` (only those at `indices`, when given, in `predictions`' order)."""
    at = time.time()
    ids = row_ids(answer.request_id, len(records))
    inputs = _inputs(records)
    if indices is not None:
        ids, inputs = [ids[i] for i in indices], [inputs[i] for i in indices]
    return [
        (
            at,
            answer.deployment,
            row_id,
            answer.route,
            answer.model,
            sent,
            orjson.dumps(prediction).decode(),
            latency_ms,
            token,
        )
        for row_id, sent, prediction in zip(ids, inputs, predictions, strict=True)
    ]
