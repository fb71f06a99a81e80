"""The trend tests written out in stages/_stats.py agree with scipy.stats, which they replace."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, binomtest, norm

from voc_pipeline.stages._stats import binomial_pmf, binomial_two_sided_p, normal_two_sided_p


@st.composite
def binomial_cases(draw):
    n = draw(st.integers(min_value=1, max_value=3000))
    k = draw(st.integers(min_value=0, max_value=n))
    p = draw(st.one_of(st.sampled_from([0.5, 0.25, 1 / 3, 0.0, 1.0]),
                       st.floats(min_value=1e-4, max_value=1 - 1e-4)))
    return k, n, p


@settings(max_examples=300, deadline=None)
@given(binomial_cases())
def test_binomial_two_sided_p_equals_scipy(case):
    k, n, p = case
    ours = binomial_two_sided_p(k, n, p)
    theirs = binomtest(k, n, p).pvalue
    assert 0.0 <= ours <= 1.0
    # far in the tail scipy's own pmf drifts (5.6e-5 relative at (26, 2464, 0.25), p ~ 1e-259): there the
    # reference is the same definition summed at 40 digits
    reference = theirs if theirs > 1e-200 else _two_sided_at_40_digits(k, n, p)
    assert math.isclose(ours, reference, rel_tol=1e-9, abs_tol=1e-300), (k, n, p, ours, reference, theirs)


def _two_sided_at_40_digits(k: int, n: int, p: float) -> float:
    with mpmath.workdps(40):
        p = mpmath.mpf(p)
        pmf = [mpmath.binomial(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
        bound = pmf[k] * (1 + mpmath.mpf("1e-7"))
        return float(mpmath.fsum(x for x in pmf if x <= bound))


def test_the_far_tail_reference_is_exact_where_scipy_drifts():
    # hypothesis found it: scipy 2.855121875804485e-259, ours and 60-digit mpmath 2.8549613525596e-259
    assert math.isclose(binomial_two_sided_p(26, 2464, 0.25), 2.8549613525596225e-259, rel_tol=1e-12)
    assert math.isclose(_two_sided_at_40_digits(26, 2464, 0.25), 2.8549613525596225e-259, rel_tol=1e-12)


def test_binomial_two_sided_p_far_tail_is_exact():
    # 50-digit mpmath sum of the same definition: 6.64458220962936692...e-281; scipy 6.6445821925e-281
    assert math.isclose(binomial_two_sided_p(519, 538, 0.25), 6.6445822096293669e-281, rel_tol=1e-12)


@pytest.mark.parametrize(("k", "n", "p"), [
    (10, 10, 0.5),        # every mention is new this period (trends' pain_new alert)
    (30, 40, 0.5),
    (3, 40, 0.5),          # symmetric: ties between the two tails must count once each
    (0, 25, 0.2),
    (2_000, 2_500, 0.7),   # large n: log-space pmf, no overflow
    (7, 20_000, 0.001),
])
def test_binomial_two_sided_p_known_cases(k, n, p):
    assert math.isclose(binomial_two_sided_p(k, n, p), binomtest(k, n, p).pvalue, rel_tol=1e-9)


def test_binomial_pmf_is_a_distribution():
    pmf = binomial_pmf(500, 0.37)
    assert math.isclose(pmf.sum(), 1.0, rel_tol=1e-12)
    np.testing.assert_allclose(pmf, binom.pmf(np.arange(501), 500, 0.37), rtol=1e-9, atol=1e-300)


def test_binomial_two_sided_p_rejects_impossible_counts():
    with pytest.raises(ValueError):
        binomial_two_sided_p(5, 4, 0.5)
    with pytest.raises(ValueError):
        binomial_two_sided_p(1, 4, 1.5)


@given(st.floats(min_value=-40, max_value=40))
def test_normal_two_sided_p_equals_scipy(z):
    assert math.isclose(normal_two_sided_p(z), 2 * norm.sf(abs(z)), rel_tol=1e-12, abs_tol=1e-300)
