"""Money as integer micro-units; decimal strings in and out (never binary floats)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from paramstack.errors import InvalidRequest

MICROS_PER_UNIT = 1_000_000


def parse_micros(text: str, *, field: str) -> int:
    """'0.0015' -> 1500. Refuses negatives and more precision than a micro-unit."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidRequest(f"{field}: {text!r} is not a decimal number", param=field) from None
    if not value.is_finite() or value < 0:
        raise InvalidRequest(f"{field}: must be a non-negative amount, got {text!r}", param=field)
    micros = value * MICROS_PER_UNIT
    if micros != micros.to_integral_value():
        raise InvalidRequest(f"{field}: {text!r} is finer than one micro-unit (6 decimals)", param=field)
    return int(micros)


def format_micros(micros: int) -> str:
    return f"{Decimal(micros) / MICROS_PER_UNIT:f}"
