"""Component families: what a mixture's components are, one module per family.

``base`` (the ``Block`` interface, ``MixtureParams``, ``FamilyPrior``), ``counts`` (Bernoulli,
binomial, Poisson), ``categorical``, ``gaussian_block`` (numeric columns of a mixed model) and
``kinds`` (which family a table's column gets). The estimators are in ``emlib.mixtures``.
"""

from emlib.families.base import FamilyPrior, MixtureParams

__all__ = ["FamilyPrior", "MixtureParams"]
