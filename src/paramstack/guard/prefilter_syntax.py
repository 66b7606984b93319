"""A Python regex rewritten as a Hyperscan expression that matches *at least* what it matches, on ASCII text.

The prefilter (``prefilter.py``) asks Hyperscan which of the guard's patterns could match a folded text
and runs CPython's ``re`` only for those. That is exact only if every rewritten expression accepts a
superset of its pattern's matches. The rewrite walks the pattern's parse tree (CPython's own parser,
so the syntax is read exactly as ``re`` reads it) and keeps what Hyperscan does identically on ASCII
text; where it cannot, it widens:

- lookahead, lookbehind and ``\\b``/``\\B`` assertions are dropped (zero-width: dropping them can only
  add matches);
- a repeat ``{m,n}`` becomes ``{min(m, 3),}`` when ``n`` exceeds 3 (fewer states to compile, more text
  accepted), a back-reference becomes "any run of characters";
- classes keep their ASCII members; ``\\s`` is spelt out as CPython's ASCII whitespace (which has
  ``\\x1c``-``\\x1f``, unlike PCRE's).

Only ASCII text is ever scanned (a folded text almost always is; anything else takes the old path), so a
non-ASCII literal simply never matches. A pattern with a flag other than DOTALL, or a construct this
rewrite does not know, raises ``Unrewritable``: the prefilter then always lets it run.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]  # CPython's own regex parser
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

LONGEST_BOUNDED_REPEAT = 3  # above this, {m,n} is widened to {m,}: Hyperscan compiles it much faster

_ASCII_CATEGORIES = {
    sre.CATEGORY_WORD: r"\w",  # PCRE's ASCII \w is CPython's \w restricted to ASCII
    sre.CATEGORY_NOT_WORD: r"\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f",
    sre.CATEGORY_DIGIT: r"0-9",
    sre.CATEGORY_NOT_DIGIT: r"\x00-\x2f\x3a-\x7f",
    sre.CATEGORY_SPACE: r"\x09-\x0d\x1c-\x20",
    sre.CATEGORY_NOT_SPACE: r"\x00-\x08\x0e-\x1b\x21-\x7f",
}
_NEVER = r"\x80"  # a byte no ASCII text has: the branch cannot match
_ALLOWED_FLAGS = re.UNICODE | re.DOTALL


class Unrewritable(ValueError):
    """The pattern uses something the rewrite does not handle; it is not prefiltered."""


def hyperscan_expression(pattern: re.Pattern[str]) -> str:
    """The Hyperscan expression accepting a superset of ``pattern``'s matches on ASCII text."""
    if pattern.flags & ~_ALLOWED_FLAGS:
        raise Unrewritable(f"flags {pattern.flags:#x}")
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except re.error as error:
        raise Unrewritable(str(error)) from None
    return _sequence(tree, dotall=bool(pattern.flags & re.DOTALL))


def _byte(code: int) -> str:
    character = chr(code)
    return character if character.isascii() and character.isalnum() else f"\\x{code:02x}"


def _sequence(nodes: Any, *, dotall: bool) -> str:
    return "".join(_node(op, value, dotall) for op, value in nodes)


def _node(op: Any, value: Any, dotall: bool) -> str:
    if op is sre.LITERAL:
        return _byte(value) if value < 128 else _NEVER
    if op is sre.NOT_LITERAL:
        return f"[^{_byte(value)}]" if value < 128 else r"[\x00-\x7f]"
    if op is sre.ANY:
        return r"[\x00-\x7f]" if dotall else r"[^\n]"
    if op is sre.IN:
        return _class(value)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _repeat(*value, dotall=dotall)
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = value
        if add_flags & ~_ALLOWED_FLAGS or del_flags:
            raise Unrewritable("inline flags")
        return f"(?:{_sequence(body, dotall=dotall or bool(add_flags & re.DOTALL))})"
    if op is sre.ATOMIC_GROUP:
        return f"(?:{_sequence(value, dotall=dotall)})"
    if op is sre.BRANCH:
        return "(?:" + "|".join(_sequence(branch, dotall=dotall) for branch in value[1]) + ")"
    if op is sre.AT:
        return _anchor(value)
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return ""
    if op is sre.GROUPREF:
        return r"[\x00-\x7f]*"
    raise Unrewritable(f"construct {op}")


def _repeat(low: int, high: Any, body: Any, *, dotall: bool) -> str:
    inner = f"(?:{_sequence(body, dotall=dotall)})"
    low = min(low, LONGEST_BOUNDED_REPEAT)
    if high > LONGEST_BOUNDED_REPEAT:  # MAXREPEAT (unbounded) included
        return inner + ("*" if low == 0 else "+" if low == 1 else f"{{{low},}}")
    return inner + f"{{{low},{high}}}"


def _anchor(where: Any) -> str:
    if where in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY):
        return ""
    if where in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
        return "^"
    if where in (sre.AT_END, sre.AT_END_STRING):
        return "$"  # PCRE's "$" also matches before a final newline: wider than "\\Z", never narrower
    raise Unrewritable(f"anchor {where}")


def _class(items: Any) -> str:
    negated = False
    members: list[str] = []
    for op, value in items:
        if op is sre.NEGATE:
            negated = True
        elif op is sre.LITERAL:
            if value < 128:
                members.append(_byte(value))
        elif op is sre.RANGE:
            low, high = value
            if low < 128:
                members.append(f"{_byte(low)}-{_byte(min(high, 127))}")
        elif op is sre.CATEGORY:
            members.append(_ASCII_CATEGORIES[value])
        else:
            raise Unrewritable(f"class member {op}")
    body = "".join(members)
    if negated:
        return f"[^{body}]" if body else r"[\x00-\x7f]"
    return f"[{body}]" if body else _NEVER
