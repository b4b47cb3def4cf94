"""The bearer-token cache: fresh entries hit, stale ones and unknown secrets miss."""

from __future__ import annotations

from baogong.web.principals import TokenCache


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_at_most_its_ttl() -> None:
    """A cached value is returned within the TTL and forgotten after it."""
    clock = Clock()
    cache: TokenCache[str] = TokenCache(ttl_s=10, clock=clock)
    cache.put("secret", "alice", valid_s=3600)
    clock.now += 9.9
    assert cache.get("secret") == "alice"
    clock.now += 0.2
    assert cache.get("secret") is None


def test_an_entry_never_outlives_its_token() -> None:
    """A token that expires in 2 s is cached for 2 s, not the full TTL; an expired one not at
    all."""
    clock = Clock()
    cache: TokenCache[str] = TokenCache(ttl_s=10, clock=clock)
    cache.put("short", "bob", valid_s=2)
    cache.put("gone", "carol", valid_s=-1)
    clock.now += 2.5
    assert cache.get("short") is None
    assert cache.get("gone") is None
    assert cache.get("never-seen") is None


def test_the_cache_is_bounded() -> None:
    """Past max_entries the cache starts over instead of growing."""
    cache: TokenCache[int] = TokenCache(ttl_s=10, max_entries=3)
    for i in range(4):
        cache.put(f"s{i}", i, valid_s=60)
    assert cache.get("s0") is None and cache.get("s3") == 3
