"""The fitted segmentation: labels and memberships as the fitted model gives them, as JSON."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from modelward.training.segment.encode import fit_encoder
from modelward.training.segment.fit import SegmentFit
from modelward.training.segment.model import (
    Method,
    Segmentation,
    fit_kmeans,
    fit_mixture,
    fit_segmentation,
    segment_label,
)


@pytest.fixture(scope="module")
def fitted(blob_frame: tuple[pl.DataFrame, np.ndarray]) -> dict[Method, Segmentation]:
    frame = blob_frame[0]
    encoder = fit_encoder(frame, outcome="churn")
    points = encoder.transform(frame)
    return {m: fit_segmentation(encoder, points, m, 3, seed=0)[0] for m in Method}


@pytest.mark.parametrize("method", list(Method))
def test_json_round_trip_assigns_identically(
    fitted: dict[Method, Segmentation],
    blob_frame: tuple[pl.DataFrame, np.ndarray],
    method: Method,
) -> None:
    segmentation = fitted[method]
    again = Segmentation.from_json(json.loads(json.dumps(segmentation.to_json())))
    assert again.to_json() == segmentation.to_json()
    labels, membership = segmentation.assign(blob_frame[0])
    labels_again, membership_again = again.assign(blob_frame[0])
    assert np.array_equal(labels, labels_again)
    assert np.array_equal(membership, membership_again)


@pytest.mark.parametrize("method", list(Method))
def test_segments_numbered_by_size_and_memberships_are_probabilities(
    fitted: dict[Method, Segmentation],
    blob_frame: tuple[pl.DataFrame, np.ndarray],
    method: Method,
) -> None:
    segmentation = fitted[method]
    labels, membership = segmentation.assign(blob_frame[0])
    assert labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [300, 200, 100]
    assert segmentation.labels == ("segment 1", "segment 2", "segment 3")
    assert np.allclose(membership.sum(axis=1), 1.0)
    assert np.array_equal(membership.argmax(axis=1), labels)
    assert not segmentation.centers.flags.writeable


def test_kmeans_labels_are_the_nearest_center(blob_frame: tuple[pl.DataFrame, np.ndarray]) -> None:
    frame = blob_frame[0]
    encoder = fit_encoder(frame, outcome="churn")
    points = encoder.transform(frame)
    means = fit_kmeans(points, 3, seed=0, n_init=1)
    segmentation, trained = fit_segmentation(encoder, points, Method.KMEANS, 3, seed=0)
    labels, _ = segmentation.assign_matrix(points)
    assert np.array_equal(labels, trained)
    centers = means.cluster_centers_
    order = [int(np.argmin(((centers - c) ** 2).sum(1))) for c in segmentation.centers]
    assert np.array_equal(np.array(order)[labels], means.predict(points))


def test_mixture_memberships_are_its_posterior(
    blob_frame: tuple[pl.DataFrame, np.ndarray],
) -> None:
    frame = blob_frame[0]
    encoder = fit_encoder(frame, outcome="churn")
    points = encoder.transform(frame)[:, :2]  # the two numbers: posteriors that are not all 0/1
    points = points + np.random.default_rng(0).normal(scale=0.8, size=points.shape)
    mixture = fit_mixture(points, fit_kmeans(points, 3, seed=0, n_init=1), seed=0)
    ours = Segmentation(
        encoder, Method.GMM, mixture.means_, mixture.covariances_, mixture.weights_, 1.0
    )
    _, membership = ours.assign_matrix(points)
    assert np.allclose(membership, mixture.predict_proba(points), atol=1e-9)


def test_training_rows_get_their_training_segments(
    blob_fit: SegmentFit, blob_frame: tuple[pl.DataFrame, np.ndarray]
) -> None:
    labels, _ = blob_fit.segmentation.assign(blob_frame[0])
    assert np.array_equal(labels, blob_fit.labels)
    sizes = [p.size for p in blob_fit.profiles]
    assert np.bincount(labels, minlength=3).tolist() == sizes
    assert segment_label(0) == "segment 1"


@pytest.mark.parametrize("method", list(Method))
def test_assign_gives_the_fitted_models_own_labels(
    blob_frame: tuple[pl.DataFrame, np.ndarray], method: Method
) -> None:
    frame = blob_frame[0]
    encoder = fit_encoder(frame, outcome="churn")
    points = encoder.transform(frame)
    points[:, :2] += np.random.default_rng(1).normal(scale=2.0, size=(points.shape[0], 2))
    segmentation, trained = fit_segmentation(encoder, points, method, 4, seed=0)
    labels, _ = segmentation.assign_matrix(points)
    assert np.array_equal(labels, trained)
