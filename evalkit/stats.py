"""Small, seeded statistics for comparing runs: bootstrap intervals, Wilson intervals, a paired
bootstrap for score differences and McNemar's test for paired pass/fail.

Everything here is deterministic for a given seed, so the same two runs always produce the
same report and the same gate verdict. Bootstraps resample *cases*; one :class:`Bootstrap`
draws its resampling weights once and reuses them for every metric of a slice, which keeps
10,000 cases × many metrics cheap. Missing values (``nan``) are left out of each resample
(a ratio estimator), so one weight matrix serves metrics measured on different subsets.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from evalkit.aggregate import Estimate

__all__ = [
    "Bootstrap",
    "McNemar",
    "PairedResult",
    "mcnemar",
    "paired_bootstrap",
    "wilson",
]

Z95 = 1.959963984540054
SMALL_N = 20
"""Below this many values a mean's interval is a Student t interval, not a bootstrap."""
_BLOCK = 4_000_000
"""Resampling draws per block when building bootstrap weights (bounds temporary memory)."""
_KEEP = 25_000_000
"""Most weights a :class:`Bootstrap` keeps (100 MB of float32: 1,000 resamples of 25,000
cases). Above it the weights are drawn again, block by block, for each product: the same
weights from the same seed (intervals equal up to float32 rounding), in bounded memory (a
100,000-case run summary held 400 MB of weights) at the price of drawing them once per
product."""


@dataclass(frozen=True)
class PairedResult:
    """Mean of ``b - a`` over pairs with both values, its interval and a two-sided p-value."""

    delta: float | None
    low: float | None
    high: float | None
    p_value: float | None
    n: int


@dataclass(frozen=True)
class McNemar:
    """McNemar's test on paired verdicts: ``b`` pairs went pass→fail, ``c`` fail→pass."""

    b: int
    c: int
    p_exact: float
    """Two-sided exact binomial p-value (conservative)."""
    p_mid: float
    """Mid-p variant (the exact p minus the observed point probability): closer to the
    nominal size, recommended by Fagerland et al. (2013); the one comparisons report."""


class Bootstrap:
    """Case-resampling weights for ``n`` cases, drawn once: ``n_boot`` rows of counts."""

    def __init__(self, n: int, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95):
        self.n, self.n_boot, self.level = n, n_boot, level
        self._seed = seed
        self._recording = False
        self._pending: dict[bytes, np.ndarray] = {}
        self._cache: dict[bytes, tuple[float, np.ndarray, int]] = {}
        self._kept: np.ndarray | None = None
        if n == 0:
            self._kept = np.zeros((n_boot, 0), dtype=np.float32)
        elif n_boot * n <= _KEEP:
            self._kept = self._draw()

    @property
    def weights(self) -> np.ndarray:
        """The whole ``(n_boot, n)`` weight matrix (drawn now when it is not kept)."""
        return self._kept if self._kept is not None else self._draw()

    def _draw(self) -> np.ndarray:
        out = np.empty((self.n_boot, self.n), dtype=np.float32)
        for start, block in self._blocks():
            out[start : start + len(block)] = block
        return out

    def _blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """The weights in blocks of rows, drawn from the seed. The generator's stream is the
        same as one ``(n_boot, n)`` draw, so the weights do not depend on the block size, while
        the int64 temporaries stay near _BLOCK values instead of 2 x 8 bytes x n_boot x n."""
        rng = np.random.default_rng(self._seed)
        n = self.n
        rows = max(1, _BLOCK // n)
        for start in range(0, self.n_boot, rows):
            k = min(rows, self.n_boot - start)
            idx = rng.integers(0, n, size=(k, n))
            idx += (np.arange(k) * n)[:, None]
            counts = np.bincount(idx.ravel(), minlength=k * n)
            yield start, counts.reshape(k, n).astype(np.float32)

    def _products(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(weights @ a, weights @ b)`` for float32 matrices of ``n`` rows, without keeping
        the weights when they are too many to keep (:data:`_KEEP`): one pass of drawing then
        serves both products."""
        if self._kept is not None:
            return self._kept @ a, self._kept @ b
        out_a = np.empty((self.n_boot, *a.shape[1:]), dtype=np.float32)
        out_b = np.empty((self.n_boot, *b.shape[1:]), dtype=np.float32)
        for start, block in self._blocks():
            out_a[start : start + len(block)] = block @ a
            out_b[start : start + len(block)] = block @ b
        return out_a, out_b

    def record(self) -> None:
        """Start a dry pass: ``_means`` only remembers its inputs (results are placeholders).

        Callers run their computation twice, ``record()`` → compute → :meth:`flush` → compute,
        so every vector of a slice is resampled in one matrix product: on 10,000 cases that is
        one pass over the weight matrix instead of one per metric.
        """
        self._recording = True

    def flush(self) -> None:
        """Resample every vector seen since :meth:`record` in one product; end the dry pass."""
        self._recording = False
        pending = [x for key, x in self._pending.items() if key not in self._cache]
        self._pending.clear()
        if not pending or self.n == 0:
            return
        xs = np.stack(pending, axis=1)
        mask = ~np.isnan(xs)
        centre = np.array([_centre(x) for x in pending])
        # float32 on both sides: a float64 operand would upcast the whole weight matrix.
        num, den = self._products(
            np.where(mask, xs - centre, 0.0).astype(np.float32), mask.astype(np.float32)
        )
        for j, x in enumerate(pending):
            self._cache[x.tobytes()] = self._finish(x, mask[:, j], num[:, j], den[:, j], centre[j])

    def _finish(
        self, x: np.ndarray, mask: np.ndarray, num: np.ndarray, den: np.ndarray, centre: float
    ) -> tuple[float, np.ndarray, int]:
        k = int(mask.sum())
        if k == 0:
            return math.nan, np.empty(0), 0
        with np.errstate(invalid="ignore", divide="ignore"):
            boots = num.astype(np.float64) / den + centre
        boots = boots[den > 0]
        # The float32 products leave noise of about 1e-8 of the data's spread: a resample of
        # zero differences read 5.68e-09 and a mean of 0s and 1s dipped to -1e-8 ("-0.000").
        # A mean cannot leave the data's range, and noise that small around 0 is 0.
        vals = x[mask]
        lo, hi = float(vals.min()), float(vals.max())
        boots = np.clip(boots, lo, hi)
        boots[np.abs(boots) <= 1e-6 * max(hi - lo, abs(lo), abs(hi))] = 0.0
        return float(vals.mean()), boots, k

    def _means(self, x: np.ndarray) -> tuple[float, np.ndarray, int]:
        key = x.tobytes()
        if key in self._cache:
            return self._cache[key]
        mask = ~np.isnan(x)
        if self._recording:
            self._pending[key] = x
            k = int(mask.sum())
            return (float(x[mask].mean()) if k else math.nan), np.zeros(1), k
        centre = _centre(x)
        xm = np.where(mask, x - centre, 0.0).astype(np.float32)
        num, den = self._products(xm, mask.astype(np.float32))
        return self._finish(x, mask, num, den, centre)

    def _interval(self, boots: np.ndarray) -> tuple[float | None, float | None]:
        if boots.size == 0:
            return None, None
        tail = (1 - self.level) / 2 * 100
        lo, hi = np.percentile(boots, [tail, 100 - tail])
        return float(lo), float(hi)

    def mean_ci(self, values: Sequence[float] | np.ndarray) -> Estimate:
        """Mean of the non-nan values (scores and pass rates, in [0, 1]) with an interval.

        A percentile bootstrap from :data:`SMALL_N` values on; below it a Student t interval,
        because the bootstrap of a few cases is too narrow (two cases gave the range of their
        two values). Values that do not vary at all carry no spread to go on, and every
        resample would claim the zero-width interval [m, m]: they get the Wilson interval at
        their mean, the widest a [0, 1] score of that mean can need, as a pass rate of all-0
        or all-1 verdicts does. Values that are all 0 or 1 are verdicts, and get the pass
        rate's Wilson interval at any n, so a 0/1 scorer's mean and pass rate read alike. One
        value gives no interval (``low``/``high`` ``None``).
        """
        from evalkit.aggregate import Estimate

        x = np.asarray(values, dtype=float)
        if x.size != self.n:
            raise ValueError(f"bootstrap: expected {self.n} values, got {x.size}")
        mean, boots, k = self._means(x)
        if k == 0:
            return Estimate(None, None, None, 0)
        if k == 1:
            return Estimate(mean, None, None, 1)
        finite = x[~np.isnan(x)]
        z = NormalDist().inv_cdf(0.5 + self.level / 2)
        lo: float | None
        hi: float | None
        if bool(np.all((finite == 0.0) | (finite == 1.0))):  # verdicts: as the pass rate
            lo, hi = _wilson_p(mean, k, z)
        elif float(np.ptp(finite)) <= 1e-9:  # one value (up to float rounding)
            lo, hi = _wilson_p(min(max(mean, 0.0), 1.0), k, z)
        elif k < SMALL_N:
            half = _t_quantile(0.5 + self.level / 2, k - 1) * float(finite.std(ddof=1)) / k**0.5
            lo, hi = max(0.0, mean - half), min(1.0, mean + half)
        else:
            lo, hi = self._interval(boots)
        return Estimate(mean, lo, hi, k)

    def paired(
        self, a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray
    ) -> PairedResult:
        """Mean of ``b - a`` over cases where both are present, with interval and p-value.

        The p-value is two-sided: twice the smaller share of resampled means on either side
        of zero (with the +1 correction, so it is never exactly 0), and never below
        ``2 / 2**k`` for ``k`` pairs, the smallest p-value an exact sign-flip test on ``k``
        pairs can reach: with one pair every resample is that pair, and the bootstrap alone
        would call a single difference significant at p = 0.002.
        """
        d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
        if d.size != self.n:
            raise ValueError(f"bootstrap: expected {self.n} pairs, got {d.size}")
        mean, boots, k = self._means(d)
        if k == 0:
            return PairedResult(None, None, None, None, 0)
        lo, hi = self._interval(boots)
        if np.all(np.abs(d[~np.isnan(d)]) <= 1e-12):
            return PairedResult(0.0, 0.0, 0.0, 1.0, k)
        m = boots.size
        below = (int((boots <= 0).sum()) + 1) / (m + 1)
        above = (int((boots >= 0).sum()) + 1) / (m + 1)
        floor = 2.0 / 2.0 ** min(k, 1023)
        return PairedResult(mean, lo, hi, min(1.0, max(2 * min(below, above), floor)), k)


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], *, n_boot: int = 1000, seed: int = 0
) -> PairedResult:
    """One-off :meth:`Bootstrap.paired` (``nan`` marks a missing value)."""
    return Bootstrap(len(a), n_boot=n_boot, seed=seed).paired(a, b)


def _centre(x: np.ndarray) -> float:
    """The mean of the non-nan values (0 when there are none).

    Resampled means are computed as ``centre + mean(x - centre)``: the products run in
    float32, and on raw values their rounding (about 1e-7 relative) put the interval of a
    constant column beside its own mean; deviations from the mean lose nothing that matters.
    """
    finite = x[~np.isnan(x)]
    return float(finite.mean()) if finite.size else 0.0


def wilson(successes: int, n: int, *, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval for a binomial proportion (good near 0 and 1, unlike Wald)."""
    if n <= 0:
        return None, None
    return _wilson_p(successes / n, n, z)


def _wilson_p(p: float, n: int, z: float) -> tuple[float, float]:
    """The Wilson interval at a share ``p`` of ``n`` (a mean of [0, 1] values is one too)."""
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 and 1 the bound is exactly 0 or 1; rounding left 5.55e-17 for 0 of 3.
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return low, high


def _t_quantile(p: float, df: int) -> float:
    """Student t quantile without scipy: exact for 1 and 2 degrees of freedom, else the
    Cornish-Fisher expansion around the normal quantile (within 0.3% at df = 3, 0.05% from 5)."""
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return float(z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4)


def mcnemar(b: int, c: int) -> McNemar:
    """Exact and mid-p McNemar tests: binomial(b + c, 1/2) on the discordant pairs."""
    n = b + c
    if n == 0:
        return McNemar(b, c, 1.0, 1.0)
    k = min(b, c)
    # Sum binomial point probabilities in log space: comb(n, i) / 2**n underflows for large n.
    logs = [_log_binom_half(n, i) for i in range(k + 1)]
    top = max(logs)
    tail = math.exp(top) * sum(math.exp(v - top) for v in logs)
    point = math.exp(logs[-1])
    p_exact = min(1.0, 2 * tail)
    p_mid = min(1.0, 2 * tail - point) if b != c else 1.0
    return McNemar(b, c, p_exact, max(0.0, p_mid))


def _log_binom_half(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) - n * math.log(2)
