"""core/memo.py: values kept in process memory while their cache version stands."""

from __future__ import annotations

import pytest

from core.cache import cache_version_bump
from core.memo import Memo

VERSION = "test:memo:version"


class Reads:
    """A stand-in for rows: counts how often they are read."""

    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return f"read {self.count}"


def test_a_value_is_read_once_while_its_version_stands(db):
    memo, read = Memo(VERSION, size=8), Reads()
    assert memo.get("a", read) == "read 1"
    assert memo.get("a", read) == "read 1"
    assert read.count == 1


def test_a_moved_version_reads_the_rows_again(db):
    memo, read = Memo(VERSION, size=8), Reads()
    memo.get("a", read)
    cache_version_bump(VERSION)
    assert memo.get("a", read) == "read 2"
    assert memo.get("a", read) == "read 2"


def test_a_full_memo_starts_over_rather_than_grow(db):
    memo, read = Memo(VERSION, size=3), Reads()
    for key in "abc":
        memo.get(key, read)
    assert len(memo) == 3
    memo.get("d", read)
    assert len(memo) == 1
    memo.get("a", read)
    assert read.count == 5  # "a" was let go and read again


def test_a_reader_of_several_keys_sees_one_version(db):
    memo = Memo(VERSION, size=8)
    held = memo.current()
    assert held.find("a") is None
    held.put("a", 1)
    held.put("b", 2)
    assert (memo.current().find("a"), memo.current().find("b")) == (1, 2)
    cache_version_bump(VERSION)
    moved = memo.current()
    assert moved.version != held.version
    assert moved.find("a") is None


def test_a_memo_without_a_version_keeps_values_until_cleared(db):
    memo, read = Memo(None, size=8), Reads()
    memo.get("a", read)
    cache_version_bump(VERSION)
    assert memo.get("a", read) == "read 1"
    assert len(memo) == 1
    memo.clear()
    assert len(memo) == 0
    assert memo.get("a", read) == "read 2"


def test_a_failed_read_keeps_nothing(db):
    memo = Memo(VERSION, size=8)

    def broken():
        raise TypeError("no")

    with pytest.raises(TypeError):
        memo.get("a", broken)
    assert len(memo) == 0
