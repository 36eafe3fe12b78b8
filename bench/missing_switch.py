"""CPU of the Missing data lab's "switch mechanism": its fits, kept across runs or not.

    python -m bench.missing_switch

For the lab's two simulated data sets (synthetic and Old Faithful, 30% hidden, K = 3, full
covariances, seed 0), runs the lab's pipeline (``run_missing_lab`` without its own cache)
for MCAR, then MAR, then MNAR, as a student switching the mechanism does, and prints each
run's CPU time (``time.thread_time``, one process): first with every fit made afresh
(``compare_methods`` without ``fit``, as before issue 21), then with the lab's kept fits
(``kept_fit``), where a switch finds the main fit, the bias fits and the reference made by
the previous runs and fits only the two baselines (the first run, on an empty cache, costs
about what it did). One warm-up pass runs first. The load average is printed: the machine
may be shared.
"""

from __future__ import annotations

import os
import time
import warnings
from unittest import mock

from dashboard.app_pages.missing_lab import run
from dashboard.components.settings import SyntheticSpec
from emlib.missing import fit_em

MECHANISMS = ("MCAR", "MAR", "MNAR")


def switches(dataset: str, keep: bool) -> list[float]:
    """ms of the lab's pipeline for each mechanism in turn (see the module docstring)."""
    times = []
    for mechanism in MECHANISMS:
        settings = run.MissingLabSettings(
            dataset, SyntheticSpec(), "Temp", "Ozone", mechanism, 0.3, 3, "full", 0
        )
        start = time.thread_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if keep:
                run.run_missing_lab.__wrapped__(settings)
            else:  # every fit afresh: compare_methods's own fit
                with mock.patch.object(run, "kept_fit", fit_em):
                    run.run_missing_lab.__wrapped__(settings)
        times.append(1000 * (time.thread_time() - start))
    return times


def main() -> None:
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    switches("synthetic", False)  # warm up: imports, BLAS threads, first-call costs
    for dataset in ("synthetic", "faithful"):
        for keep in (False, True):
            times = switches(dataset, keep)
            runs = ", ".join(f"{m} {ms:.0f} ms" for m, ms in zip(MECHANISMS, times, strict=True))
            print(f"{dataset:<10} {'kept fits' if keep else 'afresh':<9}  {runs}")


if __name__ == "__main__":
    main()
