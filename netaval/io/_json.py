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


#: zlib expands data at most about 1032-fold, so a larger claimed size is a forgery (a
#: "zip bomb") and is refused before anything is decompressed.
_MAX_ZLIB_RATIO = 1032


def decode_array(spec: dict[str, Any]) -> np.ndarray:
    """The array `encode_array` wrote; ValueError for anything malformed (bounded memory)."""
    dtype = np.dtype(spec["dtype"])
    shape = spec["shape"]
    if dtype.hasobject or not isinstance(shape, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError(f"array of dtype {spec['dtype']!r} and shape {shape!r}")
    packed = base64.b64decode(spec["__ndarray__"], validate=True)
    size = dtype.itemsize * int(np.prod(shape, dtype=object))
    if size > _MAX_ZLIB_RATIO * len(packed) + 64:
        raise ValueError(f"an array of {size} bytes cannot come from {len(packed)} "
                         "compressed bytes")
    inflate = zlib.decompressobj()
    raw = inflate.decompress(packed, size + 1)
    if len(raw) != size or not inflate.eof or inflate.unused_data:
        raise ValueError(f"the array data holds {len(raw)} bytes, its shape needs {size}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


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
