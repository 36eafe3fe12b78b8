"""``python -m emlib.cases.fraud``: the comparisons printed at the fraud page's defaults. With
no argument (or an unknown one), ``main`` prints the ULB comparison at 0%, 20% and 40% of the
fields hidden; ``mixed [seed]`` runs ``mixed_main`` (the Gaussian mixture on the numeric fields
against the mixed model, on the credit-approval data) and ``t [seed]`` runs ``student_main``
(the Gaussian mixture against t components, on both bundled data sets).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from emlib.cases.fraud.data import credit_approval_transactions, creditcard_transactions
from emlib.cases.fraud.mixed import CRX_CATEGORICAL, compare_mixed_credit
from emlib.cases.fraud.run import FraudConfig, run_fraud
from emlib.cases.fraud.student import compare_student


def main(rates: Sequence[float] = (0.0, 0.2, 0.4), mechanism: str = "MCAR", seed: int = 0):
    """Print the comparison on the ULB data at several missing shares (the page's defaults)."""
    from emlib.datasets import load_creditcard

    data = creditcard_transactions(load_creditcard())
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for rate in rates:
            result = run_fraud(data, FraudConfig(missing_rate=rate, mechanism=mechanism, seed=seed))
            print(f"\n{rate:.0%} of {', '.join(data.hideable)} hidden ({mechanism}), "
                  f"K = {result.n_components} by BIC, seed {seed}")  # fmt: skip
            print(result.table.round(4).to_string())


def mixed_main(seed: int = 0) -> None:
    """Print the Gaussian-on-numeric against mixed comparison on the credit-approval data at
    the fraud page's defaults for that data (30% of the hideable fields hidden, MCAR)."""
    from emlib.datasets import load_credit_approval, load_credit_approval_frame

    data = credit_approval_transactions(load_credit_approval())
    categories = load_credit_approval_frame().frame[list(CRX_CATEGORICAL)]
    config = FraudConfig(missing_rate=0.3, seed=seed)
    result = compare_mixed_credit(data, categories, config)
    print(f"Credit approval, seed {seed}, K = {result.n_components}, positive: class + "
          f"(approved), recall at the top {data.alert_budget:.0%} of scores")  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_colwidth", 40):
        print(result.table.round(4).to_string())
    for note in result.notes:
        print(note)


def student_main(seed: int = 0) -> None:
    """Print the Gaussian against the t mixture on both bundled data sets at the fraud page's
    defaults (30% of the hideable fields hidden, MCAR, K by BIC, full covariances, MAP)."""
    from emlib.datasets import load_credit_approval, load_creditcard

    bundled = (
        creditcard_transactions(load_creditcard()),
        credit_approval_transactions(load_credit_approval()),
    )
    columns = ["ROC AUC", "average precision", "recall at budget"]
    for data in bundled:
        result = compare_student(data, FraudConfig(missing_rate=0.3, seed=seed))
        dof = ", ".join(f"{v:.3g}" for v in result.dof)
        print(f"\n{data.name}, seed {seed}, K = {result.n_components}, recall at the top "
              f"{data.alert_budget:.1%} of scores; t degrees of freedom: {dof}")  # fmt: skip
        print(result.table[columns].round(4).to_string())
        for note in result.notes:
            print(note)


if __name__ == "__main__":
    import sys

    modes = {"mixed": mixed_main, "t": student_main}
    if sys.argv[1:2] and sys.argv[1] in modes:
        modes[sys.argv[1]](int(sys.argv[2]) if sys.argv[2:] else 0)
    else:
        main()
