"""The two significance tests of the trend tables, written out instead of imported from scipy.stats.

Importing ``scipy.stats`` costs ~0.45 s of every run's start-up (and of every worker process of
``--engine processes``) for two functions. Both here agree with scipy's own
(``binomtest(k, n, p).pvalue`` and ``2 * norm.sf(abs(z))``) to ~1e-9 relative;
tests/stages/test_stats.py checks that against scipy itself.
"""

from __future__ import annotations

import math

import numpy as np

#: outcomes whose probability is within this relative tolerance of the observed one count as "as
#: extreme" (scipy's ``binomtest`` uses the same 1e-7, so ties on symmetric distributions agree)
_RELATIVE_TIE = 1 + 1e-7


def normal_two_sided_p(z: float) -> float:
    """Two-sided p of a standard normal statistic: P(|Z| >= |z|)."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(X = i) for i = 0..n, X ~ Binomial(n, p), computed in log space (no overflow for large n)."""
    i = np.arange(n + 1, dtype=np.float64)
    if p <= 0.0 or p >= 1.0:
        return (i == (0 if p <= 0.0 else n)).astype(np.float64)
    # log C(n, i) by the running product C(n, i) = C(n, i-1) * (n - i + 1) / i
    log_choose = np.concatenate(([0.0], np.cumsum(np.log((n - i[1:] + 1) / i[1:]))))
    return np.exp(log_choose + i * math.log(p) + (n - i) * math.log1p(-p))


def binomial_two_sided_p(k: int, n: int, p: float) -> float:
    """Exact two-sided binomial test of k successes in n trials against probability p.

    The p-value sums the probabilities of every outcome no more likely than k (the "minimum
    likelihood" definition of scipy.stats.binomtest)."""
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if k == p * n:
        return 1.0
    pmf = binomial_pmf(n, p)
    observed = pmf[k]
    return float(min(1.0, pmf[pmf <= observed * _RELATIVE_TIE].sum()))
