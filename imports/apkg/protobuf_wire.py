"""A tiny reader for protobuf's wire format, enough for the few Anki messages we read.

Anki stores package metadata, the media list and note type, field, template and
deck configs as protobuf. Decoding them needs no schema: a message is a list of
(field number, value) pairs, and we know which numbers we want. Django-free.
"""

from __future__ import annotations

from typing import Any

# Deeper nesting than Anki uses is not needed: messages are parsed one level at a time.
MAX_FIELD_NUMBER = (1 << 29) - 1


class WireError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise WireError("varint too long")


def parse(data: bytes) -> dict[int, list[Any]]:
    """Field number -> values: ints for varint/fixed fields, bytes for length-delimited ones."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise WireError("not bytes")
    data = bytes(data)
    fields: dict[int, list[Any]] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire_type = key >> 3, key & 0x7
        if number == 0 or number > MAX_FIELD_NUMBER:
            raise WireError("bad field number")
        if wire_type == 0:
            value, pos = _varint(data, pos)
        elif wire_type == 1:
            if pos + 8 > len(data):
                raise WireError("truncated fixed64")
            value = int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
        elif wire_type == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise WireError("truncated bytes")
            value = data[pos : pos + length]
            pos += length
        elif wire_type == 5:
            if pos + 4 > len(data):
                raise WireError("truncated fixed32")
            value = int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        else:
            raise WireError(f"unsupported wire type {wire_type}")
        fields.setdefault(number, []).append(value)
    return fields


def first_int(fields: dict[int, list[Any]], number: int, default: int) -> int:
    for value in fields.get(number, []):
        if isinstance(value, int):
            # int64 fields carry negative numbers as 64-bit two's complement.
            return value - (1 << 64) if value >= 1 << 63 else value
    return default


def first_bytes(fields: dict[int, list[Any]], number: int) -> bytes | None:
    for value in fields.get(number, []):
        if isinstance(value, bytes):
            return value
    return None


def first_str(fields: dict[int, list[Any]], number: int) -> str:
    value = first_bytes(fields, number)
    return value.decode("utf-8", "replace") if value is not None else ""
