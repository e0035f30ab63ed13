"""The `train --task forecast` job: a backtested, interval-calibrated forecaster, registered.

The job backtests from rolling origins first (each origin's model sees only the periods before
it, as the future would have found it), then fits on the whole history. The backtest is the
model's evidence: its rows are what evaluation, gates and monitoring judge it by.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from modelward.spec import Forecast, ProjectSpec, Task
from modelward.training.budget import Budget
from modelward.training.evidence import Evidence
from modelward.training.forecast.backtest import Backtest, backtest
from modelward.training.forecast.model import ForecastModel
from modelward.training.forecast.predictor import forecast_manifest
from modelward.training.forecast.series import Series, SeriesSpec, check_series
from modelward.training.job import Step, finish_job, start_job
from modelward.training.options import TrainOptions
from modelward.training.result import TrainResult
from modelward.training.setup import ForecastSetup
from modelward.training.source import Source
from modelward.training.target import Target
from modelward.training.version import Built
from modelward.workspace import Workspace

BASELINES = ("seasonal_naive", "ets")


@dataclass(frozen=True)
class ForecastJob:
    spec: ProjectSpec
    options: TrainOptions
    series: Series

    def run(self, ws: Workspace, source: Source, budget: Budget, step: Step) -> TrainResult:
        started = start_job(ws, source, self.spec, self.options)
        with started.run:
            started.run.log_params(self._params())
            step("backtesting from rolling origins")
            tested = backtest(
                self.series,
                origins=self._section.origins,
                seed=self.options.seed,
                threads=self._threads,
                level=self._section.interval,
            )
            step("fitting on the whole history")
            model = ForecastModel.fit(
                self.series,
                seed=self.options.seed,
                threads=self._threads,
                level=self._section.interval,
            )
            step("registering the forecaster")
            fitted = self._fitted(model, tested)
            return finish_job(ws, source, self.spec, started, fitted, budget)

    @property
    def _threads(self) -> int:
        # A few thousand rows per series: one thread fits faster than two contending ones.
        return self.options.workers or 1

    @property
    def _section(self) -> Forecast:
        assert self.spec.forecast is not None
        return self.spec.forecast

    def _params(self) -> dict[str, object]:
        spec = self.series.spec
        return ForecastSetup(
            task=Task.FORECAST.value,
            target=spec.target,
            time_column=spec.time,
            groups=tuple(spec.groups),
            covariates=tuple(spec.covariates),
            horizon=spec.horizon,
            country=spec.country,
            frequency=self.series.frequency.value,
            series=len(self.series.keys),
            rows=self.series.frame.height,
            metric=self.spec.primary_metric,
            origins=self._section.origins,
            interval=self._section.interval,
            seed=self.options.seed,
        ).to_params()

    def _fitted(self, model: ForecastModel, tested: Backtest) -> Built:
        metric = self.spec.primary_metric
        score = tested.overall()["model"][metric]
        manifest, files = forecast_manifest(model, self.series.spec, metric=metric, score=score)
        notes = []
        if self.options.budget is not None or self.options.trials is not None:
            notes.append("--budget and --trials do not apply to a forecast: one model, backtested")
        return Built(
            task=Task.FORECAST.value,
            metric=metric,
            score=score,
            manifest=manifest,
            files=files,
            evidence=_evidence(self.series, tested),
            members=({"family": "lightgbm", "weight": 1.0, "runtime": "lightgbm"},),
            trials=1,
            ensemble=False,
            sections={"backtest": tested.to_json()},
            notes=tuple(notes),
        )


def plan_forecast(
    source: Source, spec: ProjectSpec, options: TrainOptions, step: Step
) -> ForecastJob:
    """Every check of a forecast job (the series, its regularity, its history), before any
    write."""
    step("checking the series")
    assert spec.forecast is not None
    assert spec.time_column is not None
    assert spec.target is not None
    series_spec = SeriesSpec(
        time=spec.time_column,
        target=spec.target,
        groups=spec.forecast.groups,
        covariates=spec.forecast.covariates,
        horizon=spec.forecast.horizon,
        country=spec.forecast.country,
    )
    return ForecastJob(spec, options, check_series(source.frame, series_spec))


def _evidence(series: Series, tested: Backtest) -> Evidence:
    """The backtest's rows with their inputs: what each origin's model forecast, against what
    happened, beside the two baselines. `folds` holds each row's origin."""
    spec = series.spec
    keys = [*spec.groups, spec.time]
    rows = tested.rows.with_columns(pl.col(spec.time).cast(series.frame[spec.time].dtype))
    joined = rows.join(series.frame, on=keys, how="left", maintain_order="left")
    frame = joined.select(series.frame.columns)
    return Evidence(
        target=Target(spec.target, Task.FORECAST),
        frame=frame,
        y=rows["actual"].to_numpy(),
        oof=rows["model"].to_numpy(),
        # A forecaster has no in-sample predictions worth keeping (nothing reads them for a
        # forecast): the backtest's stand in.
        fitted=rows["model"].to_numpy(),
        baselines={name: rows[name].to_numpy() for name in BASELINES},
        folds=rows["origin"].to_numpy(),
    )
