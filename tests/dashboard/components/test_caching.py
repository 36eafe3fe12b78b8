"""``caching.shared``: a figure built once per key, for every session."""

from __future__ import annotations

from dashboard.components import caching


def test_a_shared_result_is_built_once_per_key_and_kept_in_its_bound():
    caching._shared.clear()
    built = []

    def build(name):
        def make():
            built.append(name)
            return {"figure": name}

        return make

    first = caching.shared(("test", 1), build("a"))
    assert caching.shared(("test", 1), build("b")) is first  # the same key: not rebuilt
    assert caching.shared(("test", 2), build("c")) == {"figure": "c"}
    assert built == ["a", "c"]
    for i in range(caching.FIGURE):  # the bound: the least recently used key goes
        caching.shared(("fill", i), build(f"fill {i}"))
    caching.shared(("test", 1), build("d"))
    assert built[-1] == "d"
    caching._shared.clear()
