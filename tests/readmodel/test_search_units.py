"""Recipient search without a server: phone normalization and the folded-prefix condition."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smlog.errors import InvalidArgumentError
from smlog.readmodel.search import normalize_phone
from smlog.store.dialect import POSTGRES, PREFIX_TOP, SQLITE, folded

_AREA = st.integers(200, 999)
_LINE = st.integers(0, 9_999_999)


@given(area=_AREA, line=_LINE, form=st.integers(0, 4))
def test_every_common_form_of_a_north_american_number_is_one_e164(
    area: int, line: int, form: int
) -> None:
    exchange, last = divmod(line, 10_000)
    exchange = 200 + exchange % 800  # a valid exchange code starts 2-9
    e164 = f"+1{area}{exchange}{last:04d}"
    written = [
        f"({area}) {exchange}-{last:04d}",
        f"{area}.{exchange}.{last:04d}",
        f"+1 {area} {exchange} {last:04d}",
        f"1-{area}-{exchange}-{last:04d}",
        f"{area}{exchange}{last:04d}",
    ][form]
    assert normalize_phone(written) == e164


def test_numbers_with_a_country_code_keep_it() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("text", ["", "call me", "12", "+1 555"])
def test_not_a_phone_number(text: str) -> None:
    with pytest.raises(InvalidArgumentError):
        normalize_phone(text)


@given(names=st.lists(st.text(min_size=0, max_size=6), max_size=20), prefix=st.text(max_size=3))
def test_sqlite_prefix_range_matches_startswith(names: list[str], prefix: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE r (name TEXT)")
    conn.executemany("INSERT INTO r VALUES (?)", [(n,) for n in names])
    prefix_folded = _ascii_lower(prefix)  # SQLite's lower() folds ASCII letters only
    column = folded(SQLITE, "name")
    sql = f"SELECT name FROM r WHERE {column} >= ? AND {column} < ?"
    found = sorted(r[0] for r in conn.execute(sql, (prefix_folded, prefix_folded + PREFIX_TOP)))
    assert found == sorted(n for n in names if _ascii_lower(n).startswith(prefix_folded))


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def test_postgres_compares_in_the_c_collation_of_its_index() -> None:
    assert folded(POSTGRES, "r.name") == 'lower(r.name) COLLATE "C"'
