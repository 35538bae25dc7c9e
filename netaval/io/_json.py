"""JSON encoding of metadata shared by the file formats: exact arrays, non-finite floats, CRC-32."""

from __future__ import annotations

import base64
import zlib
from typing import Any

import numpy as np

from netaval.errors import InvalidParameterError

__all__ = ["crc", "decode_array", "encode_array", "from_json", "to_json"]


def encode_array(array: np.ndarray) -> dict[str, Any]:
    array = np.ascontiguousarray(array)
    if array.dtype.hasobject:
        raise InvalidParameterError(f"Cannot save an object array ({array!r}).")
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {"__ndarray__": base64.b64encode(zlib.compress(little.tobytes())).decode("ascii"),
            "dtype": little.dtype.str, "shape": list(array.shape)}


def decode_array(spec: dict[str, Any]) -> np.ndarray:
    raw = zlib.decompress(base64.b64decode(spec["__ndarray__"]))
    return np.frombuffer(raw, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"]).copy()


def to_json(value: Any) -> Any:
    """Python and numpy values to JSON, tagging what JSON cannot hold (arrays, tuples)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if np.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.ndarray):
        return encode_array(value)
    if isinstance(value, tuple):
        return {"__tuple__": [to_json(v) for v in value]}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise InvalidParameterError(f"Cannot save a dict with non-string keys: {value!r}.")
        return {k: to_json(v) for k, v in value.items()}
    raise InvalidParameterError(f"Cannot save a value of type {type(value).__name__}: {value!r}.")


def from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return decode_array(value)
        if "__tuple__" in value:
            return tuple(from_json(v) for v in value["__tuple__"])
        if "__float__" in value:
            return float(value["__float__"])
        return {k: from_json(v) for k, v in value.items()}
    return value


def crc(array: np.ndarray) -> int:
    return zlib.crc32(memoryview(np.ascontiguousarray(array)).cast("B"))
