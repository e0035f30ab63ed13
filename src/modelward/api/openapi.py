"""OpenAPI descriptions of the bodies the scoring handlers parse themselves (for speed)."""

from __future__ import annotations

from typing import Any

_VALUE = {"type": ["string", "number", "integer", "boolean", "null"]}
_RECORDS = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "additionalProperties": _VALUE},
}

PREDICT_BODY: dict[str, Any] = {
    "parameters": [
        {
            "name": "x-modelward-answers",
            "in": "header",
            "required": False,
            "description": "This request's answer: `modelward` (rows with probabilities, "
            'decision, model and request id) or `mlflow` (`{"predictions": [value, ...]}`); '
            "the deployment's `answers` setting when absent",
            "schema": {"type": "string", "enum": ["modelward", "mlflow"]},
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["dataframe_records"],
                            "properties": {"dataframe_records": _RECORDS},
                        },
                        {
                            "type": "object",
                            "required": ["instances"],
                            "properties": {"instances": _RECORDS},
                        },
                        {
                            "type": "object",
                            "required": ["inputs"],
                            "properties": {
                                "inputs": {
                                    "anyOf": [
                                        _RECORDS,
                                        {
                                            "type": "object",
                                            "description": "column name -> list of values",
                                            "additionalProperties": {
                                                "type": "array",
                                                "items": _VALUE,
                                            },
                                        },
                                    ]
                                }
                            },
                        },
                        {
                            "type": "object",
                            "required": ["dataframe_split"],
                            "properties": {
                                "dataframe_split": {
                                    "type": "object",
                                    "required": ["columns", "data"],
                                    "properties": {
                                        "columns": {"type": "array", "items": {"type": "string"}},
                                        "data": {
                                            "type": "array",
                                            "items": {"type": "array", "items": _VALUE},
                                        },
                                    },
                                }
                            },
                        },
                    ]
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        },
    },
}

_ERROR = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            }
        }
    }
}

_ROW = {
    "type": "object",
    "properties": {
        "prediction": {
            **_VALUE,
            "description": "The most probable class, or the value",
        },
        "decision": {
            **_VALUE,
            "description": "Classification: what the business "
            "does under the approved policy (the spec's action or "
            "`none`; else the decided label)",
        },
        "proba": {
            "type": "object",
            "additionalProperties": {"type": "number"},
        },
        "lower": {
            "type": "number",
            "description": "Forecast: prediction interval's low end",
        },
        "upper": {
            "type": "number",
            "description": "Forecast: prediction interval's high end",
        },
    },
}

PREDICT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One prediction per row, in row order",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "predictions": {
                            "type": "array",
                            "items": {
                                "anyOf": [_ROW, {**_VALUE, "description": "mlflow: the value"}]
                            },
                        },
                        "model": {"type": "string"},
                        "request_id": {"type": "string"},
                    },
                }
            }
        },
    },
    401: {"description": "Missing or invalid API token", **_ERROR},
    403: {"description": "The token's role does not allow this", **_ERROR},
    404: {"description": "No such deployment", **_ERROR},
    413: {"description": "Body over the size limit", **_ERROR},
    422: {"description": "Invalid input: the message names the field", **_ERROR},
    429: {"description": "Rate limit reached; see Retry-After", **_ERROR},
    503: {"description": "The deployment's models cannot be loaded now (the reason)", **_ERROR},
}

FEEDBACK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["feedback"],
                    "properties": {
                        "feedback": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["request_id", "label"],
                                "properties": {"request_id": {"type": "string"}, "label": _VALUE},
                            },
                        }
                    },
                }
            }
        },
    }
}
