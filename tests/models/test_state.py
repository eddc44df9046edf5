import torch

from seg.models.state import compare_state, describe_mismatch


def test_mismatch_is_counted_with_examples_and_shapes_stored_first():
    own = {"a": torch.zeros(2), "b": torch.zeros(3, 1), "c": torch.zeros(1), "d": torch.zeros(1)}
    stored = {"a": torch.zeros(2), "b": torch.zeros(4, 1), "x1": torch.zeros(1), "x2": torch.zeros(1)}
    mismatch = compare_state(stored, own)
    assert (mismatch.unexpected, mismatch.missing, mismatch.misshaped) == (["x1", "x2"], ["c", "d"], ["b"])
    assert describe_mismatch(mismatch, stored, own, shown=str.upper) == (
        "2 keys this model has no place for, e.g. x1, x2; 2 of this model's tensors are missing, e.g. c, d; "
        "1 tensors have another shape (stored vs this model's), e.g. B (4, 1) vs (3, 1)"
    )
    assert not compare_state(own, own)


def test_long_lists_are_cut_to_three_examples():
    own = {f"k{i}": torch.zeros(1) for i in range(5)}
    assert describe_mismatch(compare_state({}, own), {}, own) == (
        "5 of this model's tensors are missing, e.g. k0, k1, k2 ..."
    )
