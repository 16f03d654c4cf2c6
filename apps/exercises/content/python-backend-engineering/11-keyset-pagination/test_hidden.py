import re

from solution import Page, decode_cursor, encode_cursor, paginate


def make_rows(n):
    # Many rows share a timestamp, so the id tie-breaker matters.
    return [{"id": i, "created_at": f"2026-01-01T00:{i // 3:02d}"} for i in range(1, n + 1)]


def walk(rows, limit, **kw):
    seen, cursor, pages = [], None, 0
    while True:
        page = paginate(rows, limit=limit, cursor=cursor, **kw)
        pages += 1
        seen.extend(r["id"] for r in page.items)
        if page.next_cursor is None:
            return seen, pages
        cursor = page.next_cursor
        assert pages < 100, "pagination does not terminate"


def test_walks_every_row_once_across_equal_timestamps():
    rows = make_rows(20)
    seen, pages = walk(rows, 4)
    want = [r["id"] for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)]
    assert seen == want, f"expected every row exactly once in order, got {seen!r}"
    assert pages == 5, f"20 rows / 4 per page is 5 pages, got {pages}"


def test_no_empty_last_page():
    rows = make_rows(6)
    page1 = paginate(rows, limit=3)
    page2 = paginate(rows, limit=3, cursor=page1.next_cursor)
    assert len(page2.items) == 3 and page2.next_cursor is None, f"exact multiple: page 2 is the last, got {page2!r}"


def test_ascending_order():
    seen, _ = walk(make_rows(7), 3, descending=False)
    assert seen == [1, 2, 3, 4, 5, 6, 7], f"ascending walk: expected 1..7, got {seen!r}"


def test_custom_key_and_unsorted_input():
    rows = [{"sku": s, "price": p} for s, p in [("c", 5), ("a", 5), ("b", 1), ("d", 9)]]
    page = paginate(rows, limit=3, key=("price", "sku"), descending=False)
    assert [r["sku"] for r in page.items] == ["b", "a", "c"], f"unexpected order {page.items!r}"
    assert decode_cursor(page.next_cursor) == (5, "c"), f"unexpected cursor contents {decode_cursor(page.next_cursor)!r}"


def test_deleting_seen_rows_does_not_shift_pages():
    rows = make_rows(9)
    page1 = paginate(rows, limit=3)
    rows = [r for r in rows if r["id"] not in {r2["id"] for r2 in page1.items}]
    page2 = paginate(rows, limit=3, cursor=page1.next_cursor)
    assert [r["id"] for r in page2.items] == [6, 5, 4], f"unexpected page after deletes {page2.items!r}"


def test_empty_table():
    got = paginate([], limit=10)
    assert got == Page([], None), f"expected Page([], None), got {got!r}"


def test_cursor_is_url_safe_without_padding():
    for values in (["x", 1], ["2026-01-01T00:00", 12345], ["?&/+=", 0], [1]):
        cursor = encode_cursor(values)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor), f"cursor {cursor!r} is not URL-safe or has padding"
        assert decode_cursor(cursor) == tuple(values), f"round trip failed for {values!r}"


def test_garbage_cursors_raise_value_error():
    rows = make_rows(3)
    # not base64, "not json", the JSON number 1 (not a list), a key of the wrong length
    for bad in ("%%%", "bm90IGpzb24", "MQ", encode_cursor([1, 2, 3])):
        try:
            paginate(rows, limit=2, cursor=bad)
        except ValueError:
            continue
        raise AssertionError(f"cursor {bad!r} should raise ValueError")


def test_limit_bounds():
    for limit in (0, -1, 101):
        try:
            paginate(make_rows(3), limit=limit)
        except ValueError:
            continue
        raise AssertionError(f"limit={limit} should raise ValueError")
    assert len(paginate(make_rows(150), limit=100).items) == 100


def test_input_not_modified():
    rows = make_rows(5)
    before = [dict(r) for r in rows]
    order = [r["id"] for r in rows]
    paginate(rows, limit=2)
    assert rows == before and [r["id"] for r in rows] == order, "paginate must not sort or change the input"
