"""Dataclass fields for parameter classes that hold Brian2 quantities."""

from __future__ import annotations

from dataclasses import field

__all__ = ["quantity"]


def quantity(value):
    """A dataclass field holding a Brian2 quantity (Quantities are arrays, hence the factory)."""
    return field(default_factory=lambda: value)
