"""Exceptions and warnings raised by emlib."""

from __future__ import annotations

from sklearn.exceptions import ConvergenceWarning

__all__ = ["CollapsedComponentError", "ConvergenceWarning"]


class CollapsedComponentError(ValueError):
    """A component's covariance became singular.

    Attributes
    ----------
    component : int or None
        The component's index (0-based; the message counts from 1); None for the shared
        covariance of a tied mixture.
    history : list of EMStep
        The iterations EM had recorded before the collapse (empty when raised outside a fit).
    """

    def __init__(self, message: str, component: int | None = None, history=None):
        super().__init__(message)
        self.component = component
        self.history = list(history or [])
