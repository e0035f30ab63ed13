"""Turning fitted models into ONNX graphs with one shape: input "input", tensor outputs.

Every exported graph takes one (n, p) tensor named "input" and, for classifiers, gives an
(n, K) tensor named "probabilities" (no ZipMap); regressors give one (n, 1) or (n,) tensor.
"""

from __future__ import annotations

from typing import Any

import onnx
from onnx import helper

from modelward.training.families.base import Artifact

INPUT = "input"
PROBABILITIES = "probabilities"
FILENAME = "model.onnx"
OPSET = 15  # the highest onnxmltools accepts; skl2onnx and onnxruntime handle it too
ML_OPSET = 3
TREE_OPS = ("TreeEnsembleClassifier", "TreeEnsembleRegressor")
# What converters raise for a model they cannot express; export_onnx then answers None.
CONVERSION_ERRORS = (RuntimeError, ValueError, TypeError, NotImplementedError, KeyError)


def from_sklearn(
    estimator: Any, n_features: int, *, double: bool, trees: list[Any] | None = None
) -> Artifact | None:
    """skl2onnx's graph of `estimator`; `trees` (sklearn `Tree`s) route missing values.

    `double` keeps float64 inputs (linear models: exact agreement); trees must take float32.
    """
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    tensor = DoubleTensorType if double else FloatTensorType
    options = {id(estimator): {"zipmap": False}} if hasattr(estimator, "classes_") else None
    try:
        model = to_onnx(
            estimator,
            initial_types=[(INPUT, tensor([None, n_features]))],
            options=options,
            target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
        )
    except CONVERSION_ERRORS:
        return None
    if trees is not None:
        route_missing(model, trees)
    return finish(model)


def route_missing(model: onnx.ModelProto, trees: list[Any]) -> None:
    """Send NaN down the branch sklearn sends it (skl2onnx leaves every NaN on the false one).

    sklearn learns, per split, whether missing values go left (`missing_go_to_left`); the
    converters put a split's left child on the true branch, so the flag maps one to one.
    """
    for node in model.graph.node:
        if node.op_type not in TREE_OPS:
            continue
        attrs = {a.name: a for a in node.attribute}
        tree_ids = list(attrs["nodes_treeids"].ints)
        node_ids = list(attrs["nodes_nodeids"].ints)
        modes = list(attrs["nodes_modes"].strings)
        tracks = [
            0 if mode == b"LEAF" else int(trees[t].missing_go_to_left[n])
            for t, n, mode in zip(tree_ids, node_ids, modes, strict=True)
        ]
        if "nodes_missing_value_tracks_true" in attrs:
            node.attribute.remove(attrs["nodes_missing_value_tracks_true"])
        node.attribute.append(helper.make_attribute("nodes_missing_value_tracks_true", tracks))


def finish(model: onnx.ModelProto) -> Artifact:
    """Rename the input to "input", replace a ZipMap by its probability tensor, serialize."""
    graph = model.graph
    if graph.input[0].name != INPUT:
        _rename(graph, graph.input[0].name, INPUT)
    for zipmap in [n for n in graph.node if n.op_type == "ZipMap"]:
        _strip_zipmap(graph, zipmap)
    onnx.checker.check_model(model)
    return Artifact("onnx", FILENAME, model.SerializeToString())


def _strip_zipmap(graph: onnx.GraphProto, zipmap: onnx.NodeProto) -> None:
    source, target = zipmap.input[0], zipmap.output[0]
    graph.node.remove(zipmap)
    outputs = [o for o in graph.output if o.name == target]
    for output in outputs:
        graph.output.remove(output)
    _rename(graph, source, PROBABILITIES)
    graph.output.append(
        helper.make_tensor_value_info(PROBABILITIES, onnx.TensorProto.FLOAT, [None, None])
    )


def _rename(graph: onnx.GraphProto, old: str, new: str) -> None:
    for value in (*graph.input, *graph.output, *graph.value_info):
        if value.name == old:
            value.name = new
    for node in graph.node:
        for names in (node.input, node.output):
            for i, name in enumerate(names):
                if name == old:
                    names[i] = new
