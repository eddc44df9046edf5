import pytest
import torch

from seg.models import CheckpointError
from seg.train import checkpointing
from seg.train.checkpointing import AtomicCheckpointIO, checkpoint_step, remove_stale_temp_files


def test_atomic_save_replaces_whole_file(tmp_path):
    path = tmp_path / "checkpoints" / "last.ckpt"
    io = AtomicCheckpointIO()
    io.save_checkpoint({"global_step": 1, "w": torch.ones(3)}, path)
    io.save_checkpoint({"global_step": 2, "w": torch.zeros(3)}, path)
    assert torch.load(path, weights_only=False)["global_step"] == 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.ckpt"]  # no temp file left behind


def test_interrupted_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    """A write that dies half-way (here: torch.save raises after writing some bytes) never touches the target."""
    path = tmp_path / "last.ckpt"
    AtomicCheckpointIO().save_checkpoint({"global_step": 7}, path)
    before = path.read_bytes()

    def dying_save(obj, file):
        file.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt  # stands in for a crash or SIGTERM mid-write

    monkeypatch.setattr(checkpointing.torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        AtomicCheckpointIO().save_checkpoint({"global_step": 8}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]


def test_stale_temp_files_are_removed_and_steps_read(tmp_path):
    (tmp_path / ".last.ckpt.abc123.tmp").write_bytes(b"partial")
    AtomicCheckpointIO().save_checkpoint({"global_step": 12}, tmp_path / "last.ckpt")
    assert [p.name for p in remove_stale_temp_files(tmp_path)] == [".last.ckpt.abc123.tmp"]
    assert checkpoint_step(tmp_path / "last.ckpt") == 12
    torch.save({"model": 1}, tmp_path / "weights.pt")
    with pytest.raises(CheckpointError, match="not a Lightning training checkpoint"):
        checkpoint_step(tmp_path / "weights.pt")
    (tmp_path / "broken.ckpt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CheckpointError, match="cannot be read"):
        checkpoint_step(tmp_path / "broken.ckpt")
