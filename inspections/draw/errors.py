"""Errors of the draw engine.

Why a module of its own: callers (services, the verify command) catch these to turn a refused
input into a message, without catching programming errors such as ``TypeError``.
"""

from __future__ import annotations


class DrawError(ValueError):
    """An input the draw engine refuses: the draw must not go ahead with it."""


class LabelError(DrawError):
    """A label that is not canonical (or cannot be made canonical)."""


class FrameError(DrawError):
    """A frame that is inconsistent: duplicate labels, quota above size, unknown stratum..."""


class MissingDependencyError(DrawError):
    """The algorithm needs a package that is not installed.

    Raised instead of silently switching to another order function: a draw's algorithm is
    named in its evidence and must never change with the machine it runs on.
    """
