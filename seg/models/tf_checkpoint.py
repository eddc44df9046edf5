"""Read a TensorFlow checkpoint (the V2 "tensor bundle": ``PREFIX.index`` + ``PREFIX.data-0000N-of-0000M``)
without TensorFlow.

No maintained pure-Python reader exists: ``tensorflow-checkpoint-reader`` (PyPI, 0.2.2, 2023) says it is in
development, pins protobuf < 3.19 (onnx needs a newer one) and ships TensorFlow's generated protobuf modules.
The format is small enough to read here (tensorflow/core/util/tensor_bundle/tensor_bundle.h, table_builder.cc):

- the ``.index`` file is a LevelDB-style SSTable: a 48-byte footer (two block handles, magic
  0xdb4775248b80fb57), an index block whose values are the handles of the data blocks, and data blocks of
  prefix-compressed ``key -> value`` entries (TensorFlow writes them uncompressed);
- key "" holds a ``BundleHeaderProto`` (number of shards, endianness), every other key is a tensor name whose
  value is a ``BundleEntryProto`` (dtype, shape, shard, offset, size, crc32c);
- each tensor's bytes are ``size`` bytes at ``offset`` of its shard, little-endian, row-major.

The two protobuf messages are decoded from the wire format directly (a varint reader, a dozen lines), so
nothing beyond NumPy is needed. The CRC32C of each tensor is not checked (a pure-Python CRC over 17 MB takes
seconds); a truncated file is caught by the offsets and sizes instead.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from seg.models.checkpoint import CheckpointError

_MAGIC = 0xDB4775248B80FB57
_FOOTER = 48
# tensorflow/core/framework/types.proto DataType -> NumPy (the types a model checkpoint holds).
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64, 10: np.bool_,
           19: np.float16}  # fmt: skip


class TFCheckpointError(CheckpointError):
    """A file is not a readable TensorFlow checkpoint; the message names the file and what is wrong."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("varint runs past the end")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(message: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of a protobuf message: ints for varint/fixed fields, bytes for nested ones."""
    fields, pos = [], 0
    while pos < len(message):
        tag, pos = _varint(message, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(message, pos)
        elif wire == 1:
            value, pos = int.from_bytes(message[pos : pos + 8], "little"), pos + 8
        elif wire == 2:
            length, pos = _varint(message, pos)
            value, pos = message[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = int.from_bytes(message[pos : pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.append((number, value))
    return fields


def _block(data: bytes, handle: bytes) -> list[tuple[bytes, bytes]]:
    """The entries of the SSTable block that ``handle`` (offset, size varints) points to."""
    offset, pos = _varint(handle, 0)
    size, _ = _varint(handle, pos)
    if offset + size + 5 > len(data):
        raise ValueError("a block runs past the end of the file")
    if data[offset + size] != 0:
        raise ValueError("compressed blocks are not supported (TensorFlow writes none)")
    block = data[offset : offset + size]
    restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * restarts
    entries, pos, key = [], 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        entries.append((key, block[pos : pos + length]))
        pos += length
    return entries


def _entries(index: bytes) -> list[tuple[bytes, bytes]]:
    if len(index) < _FOOTER or int.from_bytes(index[-8:], "little") != _MAGIC:
        raise ValueError("no SSTable footer (the file is truncated or not a TensorFlow .index)")
    footer = index[-_FOOTER:]
    _, pos = _varint(footer, 0)  # metaindex handle: offset
    _, pos = _varint(footer, pos)  # and size (TensorFlow writes an empty metaindex)
    blocks = _block(index, footer[pos:])
    return [entry for _, handle in blocks for entry in _block(index, handle)]


def _entry(value: bytes) -> tuple[int, tuple[int, ...], int, int, int, bool]:
    """BundleEntryProto -> (dtype, shape, shard, offset, size, sliced)."""
    dtype = shard = offset = size = 0
    shape: tuple[int, ...] = ()
    sliced = False
    for number, field in _fields(value):
        if number == 1:
            dtype = int(field)  # type: ignore[arg-type]
        elif number == 2:
            dims = [f for n, f in _fields(field) if n == 2]  # type: ignore[arg-type]
            shape = tuple(next((int(v) for n, v in _fields(d) if n == 1), 0) for d in dims)  # type: ignore[arg-type]
        elif number == 3:
            shard = int(field)  # type: ignore[arg-type]
        elif number == 4:
            offset = int(field)  # type: ignore[arg-type]
        elif number == 5:
            size = int(field)  # type: ignore[arg-type]
        elif number == 7:
            sliced = True
    return dtype, shape, shard, offset, size, sliced


def read_bundle(index: bytes, shard: Callable[[int, int], bytes], name: str) -> dict[str, np.ndarray]:
    """Every tensor of a bundle: ``index`` is the .index file's bytes, ``shard(i, count)`` the bytes of data
    shard i of count; ``name`` names the checkpoint in messages."""
    try:
        entries = _entries(index)
    except (ValueError, struct.error, IndexError) as error:
        raise TFCheckpointError(f"{name}.index cannot be read as a TensorFlow checkpoint index: {error}.") from None
    header = dict(_fields(entries[0][1])) if entries and entries[0][0] == b"" else {}
    shards = int(header.get(1, 1))  # type: ignore[arg-type]
    if header.get(2, 0):
        raise TFCheckpointError(f"{name}.index is a big-endian checkpoint; only little-endian ones are read.")
    data = [shard(i, shards) for i in range(shards)]
    tensors = {}
    for key, value in entries:
        if key == b"":
            continue
        tensor = key.decode()
        dtype, shape, index_of_shard, offset, size, sliced = _entry(value)
        if sliced or dtype not in _DTYPES:
            raise TFCheckpointError(
                f"{name}: variable {tensor} is partitioned or of TensorFlow dtype {dtype}, not read here."
            )
        if offset + size > len(data[index_of_shard]):
            raise TFCheckpointError(
                f"{name}: the data file is truncated: variable {tensor} needs bytes {offset}..{offset + size} of "
                f"shard {index_of_shard}, which has {len(data[index_of_shard])}. Download the checkpoint again."
            )
        array = np.frombuffer(data[index_of_shard], dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"), count=size
                              // np.dtype(_DTYPES[dtype]).itemsize, offset=offset)  # fmt: skip
        if array.size != int(np.prod(shape)):
            raise TFCheckpointError(f"{name}: variable {tensor} has {array.size} values for shape {shape}.")
        tensors[tensor] = array.reshape(shape).copy()
    return tensors


def read_checkpoint(prefix: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint at ``prefix`` (``model.ckpt-NNN``, beside its .index and .data files)."""
    prefix = Path(prefix)
    index = Path(f"{prefix}.index")
    if not index.is_file():
        raise TFCheckpointError(f"{index} does not exist; pass the checkpoint prefix (model.ckpt-NNN).")

    def shard(i: int, count: int) -> bytes:
        path = Path(f"{prefix}.data-{i:05d}-of-{count:05d}")
        if not path.is_file():
            raise TFCheckpointError(f"{path} is missing: a TensorFlow checkpoint needs its .index and .data files.")
        return path.read_bytes()

    return read_bundle(index.read_bytes(), shard, str(prefix))
