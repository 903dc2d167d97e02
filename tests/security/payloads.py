"""Hypothesis strategies for hostile input: recorded payloads with parts broken at random.

A payload off the wire keeps most of its shape; what breaks is a key gone missing, a value
of the wrong type or a string full of markup. ``mutated(recorded)`` keeps each value,
drops it, or swaps it for random JSON, all the way down, so the shrunk failure shows the
one change that mattered.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["hostile_text", "json_values", "mutated"]

_GONE = object()

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "<!everyone>",
            "<!here> <!channel>",
            "@everyone @here",
            "<@U0ALICE>",
            "<@&900000000000000020>",
            "<#C0ITHELP>",
            "<https://evil.example|click me>",
            "[click](https://evil.example)",
            "'; DROP TABLE tickets; --",
            "../../etc/passwd",
            "T-1",
            "T-99999999999999999999",
            "\x00\ud7ff\ufffe",
            "'unbalanced",
            '"',
            "*bold* _it_ ~x~ `code` ```block```",
        ]
    ),
)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | hostile_text,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def mutated(value: Any) -> st.SearchStrategy[Any]:
    """``value`` (a recorded payload) with any part kept, removed or replaced."""
    if isinstance(value, dict):
        parts = {
            key: st.one_of(mutated(item), json_values, st.just(_GONE))
            for key, item in value.items()
        }
        return st.fixed_dictionaries(parts).map(
            lambda drawn: {k: v for k, v in drawn.items() if v is not _GONE}
        )
    if isinstance(value, list):
        return st.tuples(*(mutated(item) for item in value)).map(list) | json_values
    return st.just(value) | json_values
