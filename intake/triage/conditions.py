"""Declarative show-if conditions for the question catalogue.

Conditions are plain data, not lambdas, so that the web front-end can serialise them with
``to_dict()`` and reveal dependent questions in place with JavaScript, while the engine
evaluates exactly the same conditions in Python with ``holds()``.

Spec §2.3: any comparison with a missing value (``None``) is false. That includes ``Ne``:
``Ne("leg_swollen", "no")`` is false while ``leg_swollen`` is unanswered, so a question that
depends on it stays hidden until the patient has answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["All", "Between", "Condition", "Eq", "In", "Ne"]

# Tuples, not ``X | Y`` unions: on Python 3.11 a union is rebuilt at every call.
_UNHASHABLE = (list, dict, set)
_NUMBER = (int, float)


class Condition(Protocol):
    """What every show-if condition offers."""

    def holds(self, answers: Mapping[str, object]) -> bool:
        """True when the condition is met by ``answers`` (missing values never match)."""
        ...

    def codes(self) -> tuple[str, ...]:
        """The question codes this condition reads."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description for the front-end."""
        ...


@dataclass(frozen=True, slots=True)
class Eq:
    """``answers[code] == value``."""

    code: str
    value: object

    def holds(self, answers: Mapping[str, object]) -> bool:
        """True when the answer equals ``value``; a missing answer is never equal."""
        actual = answers.get(self.code)
        return actual is not None and actual == self.value

    def codes(self) -> tuple[str, ...]:
        """The single question this condition reads."""
        return (self.code,)

    def to_dict(self) -> dict[str, Any]:
        """``{"op": "eq", "code": ..., "value": ...}``."""
        return {"op": "eq", "code": self.code, "value": self.value}


@dataclass(frozen=True, slots=True)
class Ne:
    """``answers[code] != value``, and false while the question is unanswered (§2.3)."""

    code: str
    value: object

    def holds(self, answers: Mapping[str, object]) -> bool:
        """True when there is an answer and it differs from ``value``."""
        actual = answers.get(self.code)
        return actual is not None and actual != self.value

    def codes(self) -> tuple[str, ...]:
        """The single question this condition reads."""
        return (self.code,)

    def to_dict(self) -> dict[str, Any]:
        """``{"op": "ne", "code": ..., "value": ...}``."""
        return {"op": "ne", "code": self.code, "value": self.value}


@dataclass(frozen=True, slots=True)
class In:
    """``answers[code] ∈ values`` for a single-choice answer."""

    code: str
    values: tuple[object, ...]

    def holds(self, answers: Mapping[str, object]) -> bool:
        """True when the answer is one of ``values``; a missing answer is in nothing."""
        actual = answers.get(self.code)
        if actual is None or isinstance(actual, _UNHASHABLE):
            # Unhashable garbage must not raise: validate() reports it separately.
            return False
        return actual in self.values

    def codes(self) -> tuple[str, ...]:
        """The single question this condition reads."""
        return (self.code,)

    def to_dict(self) -> dict[str, Any]:
        """``{"op": "in", "code": ..., "values": [...]}``."""
        return {"op": "in", "code": self.code, "values": list(self.values)}


@dataclass(frozen=True, slots=True)
class Between:
    """``lo <= answers[code] <= hi`` (inclusive), false for a missing or non-numeric answer."""

    code: str
    lo: int
    hi: int

    def holds(self, answers: Mapping[str, object]) -> bool:
        """True when the answer is a number within the inclusive bounds."""
        actual = answers.get(self.code)
        # bool is an int subclass, but True is not an age.
        if isinstance(actual, bool) or not isinstance(actual, _NUMBER):
            return False
        return self.lo <= actual <= self.hi

    def codes(self) -> tuple[str, ...]:
        """The single question this condition reads."""
        return (self.code,)

    def to_dict(self) -> dict[str, Any]:
        """``{"op": "between", "code": ..., "lo": ..., "hi": ...}``."""
        return {"op": "between", "code": self.code, "lo": self.lo, "hi": self.hi}


@dataclass(frozen=True, slots=True, init=False)
class All:
    """Every sub-condition holds (logical AND)."""

    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition) -> None:
        object.__setattr__(self, "conditions", tuple(conditions))

    def holds(self, answers: Mapping[str, object]) -> bool:
        """True when all sub-conditions hold."""
        # A plain loop rather than all(<generator>): this runs on every evaluate() call.
        for condition in self.conditions:  # noqa: SIM110
            if not condition.holds(answers):
                return False
        return True

    def codes(self) -> tuple[str, ...]:
        """Every question any sub-condition reads, in order, without repeats."""
        seen: dict[str, None] = {}
        for condition in self.conditions:
            for code in condition.codes():
                seen[code] = None
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        """``{"op": "all", "conditions": [...]}``."""
        return {"op": "all", "conditions": [c.to_dict() for c in self.conditions]}
