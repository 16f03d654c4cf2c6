import re

from solution import decode_cursor, encode_cursor, paginate


def make_rows(n):
    # Many rows share a timestamp, so the id tie-breaker matters.
    return [{"id": i, "created_at": f"2026-01-01T00:{i // 3:02d}"} for i in range(1, n + 1)]


def walk(rows, limit, **kw):
    """Follow next_cursor from the first page: (ids seen in order, pages read)."""
    seen, cursor, pages = [], None, 0
    while pages < 100:  # a walk that never ends stops here (and reports 100 pages)
        page = paginate(rows, limit=limit, cursor=cursor, **kw)
        pages += 1
        seen.extend(r["id"] for r in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return seen, pages


def test_walks_every_row_once_across_equal_timestamps(check):
    seen, pages = walk(make_rows(20), 4)
    check("ids seen walking 20 rows, 4 per page", seen)
    check("pages read walking 20 rows, 4 per page", pages)


def test_no_empty_last_page(check):
    rows = make_rows(6)
    page1 = paginate(rows, limit=3)
    page2 = paginate(rows, limit=3, cursor=page1.next_cursor)
    check("six rows, limit three: number of items on page 2", len(page2.items))
    check("six rows, limit three: page 2 next_cursor", page2.next_cursor)


def test_ascending_order(check):
    seen, _ = walk(make_rows(7), 3, descending=False)
    check("ids seen walking 7 rows ascending, 3 per page", seen)


def test_custom_key_and_unsorted_input(check):
    rows = [{"sku": s, "price": p} for s, p in [("c", 5), ("a", 5), ("b", 1), ("d", 9)]]
    page = paginate(rows, limit=3, key=("price", "sku"), descending=False)
    check("skus of the page (key=('price', 'sku'), ascending, limit=3)", [r["sku"] for r in page.items])
    check("decode_cursor(page.next_cursor)", decode_cursor(page.next_cursor))


def test_deleting_seen_rows_does_not_shift_pages(check):
    rows = make_rows(9)
    page1 = paginate(rows, limit=3)
    seen = {r["id"] for r in page1.items}
    rows = [r for r in rows if r["id"] not in seen]
    page2 = paginate(rows, limit=3, cursor=page1.next_cursor)
    check("ids of page 2 after page 1's rows were deleted", [r["id"] for r in page2.items])


def test_empty_table(check):
    page = paginate([], limit=10)
    check("paginate([], limit=10).items", page.items)
    check("paginate([], limit=10).next_cursor", page.next_cursor)


def test_cursor_is_url_safe_without_padding(check):
    for values in (["x", 1], ["2026-01-01T00:00", 12345], ["?&/+=", 0], [1]):
        cursor = encode_cursor(values)
        check(
            f"encode_cursor({values!r}) uses only A-Z a-z 0-9 - _",
            re.fullmatch(r"[A-Za-z0-9_-]+", cursor) is not None,
        )
        check(f"decode_cursor(encode_cursor({values!r}))", decode_cursor(cursor))


def test_garbage_cursors_raise_value_error(check):
    rows = make_rows(3)
    # not base64, "not json", the JSON number 1 (not a list), a key of the wrong length
    for label, bad in (
        ("'%%%'", "%%%"),
        ("'bm90IGpzb24'", "bm90IGpzb24"),
        ("'MQ'", "MQ"),
        ("encode_cursor([1, 2, 3])", encode_cursor([1, 2, 3])),
    ):
        check.raises(f"paginate(3 rows, limit=2, cursor={label})", ValueError, paginate, rows, limit=2, cursor=bad)
    good = encode_cursor(["2026-01-01T00:01", 3])
    page = paginate(rows, limit=2, cursor=good)
    check("ids after cursor encode_cursor(['2026-01-01T00:01', 3])", [r["id"] for r in page.items])


def test_limit_bounds(check):
    for limit in (0, -1, 101):
        check.raises(f"paginate(3 rows, limit={limit})", ValueError, paginate, make_rows(3), limit=limit)
    check("150 rows at the largest allowed limit: number of items", len(paginate(make_rows(150), limit=100).items))


def test_input_not_modified(check):
    rows = make_rows(5)
    paginate(rows, limit=2)
    check("the rows (in their order) after paginate(rows, limit=2)", rows)
