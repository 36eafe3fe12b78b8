"""EM's thread limits: one BLAS and one OpenMP thread inside fits (emlib.threads)."""

from threadpoolctl import threadpool_info

import emlib  # noqa: F401  (loads numpy's BLAS and scikit-learn's OpenMP, as a fit does)
from emlib.threads import single_blas_thread


def test_inside_the_context_blas_and_openmp_run_one_thread_and_are_restored_after():
    before = {p["filepath"]: p["num_threads"] for p in threadpool_info()}
    apis = {p["user_api"] for p in threadpool_info()}
    assert {"blas", "openmp"} <= apis  # the k-means start's OpenMP pool is loaded with emlib
    with single_blas_thread():
        inside = threadpool_info()
    assert all(p["num_threads"] == 1 for p in inside if p["user_api"] in ("blas", "openmp"))
    assert {p["filepath"]: p["num_threads"] for p in threadpool_info()} == before
