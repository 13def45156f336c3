"""Fixed latency buckets shared by the roll-up SQL and the percentile maths.

Bucket i counts requests with BOUNDS[i-1] <= duration_ms < BOUNDS[i] (the first from 0,
the last open-ended). A percentile over summed histograms is the upper bound of the
bucket where the cumulative count reaches it: exact to the bucket, whatever the range.
"""

BOUNDS_MS = (50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 30000)
BUCKET_COUNT = len(BOUNDS_MS) + 1
OPEN_END_MS = 60000  # what the open-ended last bucket reports


def bucket_of(duration_ms: int) -> int:
    for index, bound in enumerate(BOUNDS_MS):
        if duration_ms < bound:
            return index
    return len(BOUNDS_MS)


def percentile_from_hist(hist: list[int], fraction: float) -> float | None:
    """The upper bound (ms) of the bucket holding the `fraction` quantile; None for no requests."""
    total = sum(hist)
    if not total:
        return None
    target = fraction * total
    cumulative = 0
    for index, count in enumerate(hist):
        cumulative += count
        if cumulative >= target:
            return float(BOUNDS_MS[index]) if index < len(BOUNDS_MS) else float(OPEN_END_MS)
    return float(OPEN_END_MS)


def sum_hists(hists) -> list[int]:
    total = [0] * BUCKET_COUNT
    for hist in hists:
        for index, count in enumerate(hist or ()):
            total[index] += count
    return total
