"""Accord: removals under agreements, with due process as a hard constraint."""

__version__ = "0.1.0"
