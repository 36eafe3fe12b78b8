"""One BLAS thread (and one OpenMP thread) for EM's products.

EM's matrix products have small inner dimensions; on a few cores, BLAS threads waking and
spinning for each of them cost far more than they save (measured on 2 cores: a 1-megapixel fit
took 5 to 7 times longer with two OpenBLAS threads than with one, and an E-step on it 4 times).
The k-means start runs scikit-learn's OpenMP Lloyd loop, which suffers the same way once the
other core is busy: on the shared 2-core machine a k-means start on 23,570 x 4 took 0.2-0.3 s
with two OpenMP threads and 0.01 s with one.
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController


@functools.cache
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


def single_blas_thread():
    """A context in which BLAS and OpenMP use one thread (cheap to enter: about 10 us)."""
    return _threadpools().limit(limits=1)


def with_single_blas_thread(function):
    """Decorate ``function`` to run with one BLAS thread."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with single_blas_thread():
            return function(*args, **kwargs)

    return wrapper
