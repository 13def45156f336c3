"""Cost figures are billing (accounts.policy.may_see_cost): a read shown to someone who may not see them loses them.

Reads are cached whole, once for everyone; the figures are taken out where the read is handed to a person
(page, API response, CSV), so one cache entry serves both audiences.
"""

from accounts.policy import may_see_cost

COST_KEYS = frozenset(
    {
        "cost",
        "usage_cost",
        "usage_cost_total",
        "monthly_price",
        "overage",
        "overage_price_per_1k_tokens",
        "price_per_1k_tokens",
        "revenue",
        "mrr",
    }
)


def without_cost(read):
    """A copy of `read` (dicts and lists, nested) without any key of COST_KEYS."""
    if isinstance(read, dict):
        return {key: without_cost(value) for key, value in read.items() if key not in COST_KEYS}
    if isinstance(read, list):
        return [without_cost(value) for value in read]
    return read


def cost_for(user, read, *, tenant=None):
    """`read` as `user` may see it: whole, or without its cost figures."""
    return read if may_see_cost(user, tenant) else without_cost(read)
