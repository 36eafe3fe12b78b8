"""Exceptions and warnings raised by emlib."""

from __future__ import annotations

from sklearn.exceptions import ConvergenceWarning

__all__ = ["CollapsedComponentError", "ConvergenceWarning"]


class CollapsedComponentError(ValueError):
    """A component's covariance became singular; ``component`` is its index (None: tied)."""

    def __init__(self, message: str, component: int | None = None):
        super().__init__(message)
        self.component = component
