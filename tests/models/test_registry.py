import pytest

from seg.models import Registry


def test_duplicate_and_unknown_names_are_errors_listing_what_exists():
    registry = Registry("widget", {"a": len})
    registry.register("b", len)
    with pytest.raises(KeyError, match=r"A widget named 'a' is already registered; registered widgets: \['a', 'b'\]"):
        registry.register("a", len)
    with pytest.raises(KeyError, match=r"Unknown widget 'c'; registered widgets: \['a', 'b'\]"):
        registry.get("c")
    assert registry.get("b") is len and "a" in registry and list(registry) == ["a", "b"] and len(registry) == 2
