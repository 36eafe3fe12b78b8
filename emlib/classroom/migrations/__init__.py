"""The classroom database's migrations, applied in order of their number.

Each module ``vNNN_what.py`` has ``VERSION`` (NNN), ``DESCRIPTION`` and ``upgrade(connection)``,
which changes the schema with SQLAlchemy Core constructs (so the same file runs on SQLite and
PostgreSQL). A migration describes its own tables as they were then: later files never edit
earlier ones. ``emlib.classroom.store.migrate`` applies those not yet in ``schema_version``.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def migrations() -> list[ModuleType]:
    """Every migration module, ordered by ``VERSION`` (1, 2, ...; no gap, no repeat)."""
    found = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("v")
    ]
    found.sort(key=lambda module: module.VERSION)
    versions = [module.VERSION for module in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"classroom migrations must be numbered 1, 2, ...; got {versions}")
    return found
