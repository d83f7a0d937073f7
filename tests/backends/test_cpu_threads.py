"""A job's MKL thread limit must not reach vLLM's CPU workers (measured 10x slower decoding under Snakemake)."""

from __future__ import annotations

from mtcodegen.generate.backends.vllm_backend import drop_mkl_thread_limit


def test_mkl_thread_limit_is_dropped_and_other_limits_kept():
    environ = {"MKL_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}
    drop_mkl_thread_limit(environ)
    assert environ == {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}


def test_nothing_to_drop_is_fine():
    environ = {"PATH": "/bin"}
    drop_mkl_thread_limit(environ)
    assert environ == {"PATH": "/bin"}
