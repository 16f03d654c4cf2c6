from solution import decode_cursor, encode_cursor, paginate


def posts():
    return [
        {"id": 1, "created_at": "2026-03-01T09:00", "title": "a"},
        {"id": 2, "created_at": "2026-03-01T10:00", "title": "b"},
        {"id": 3, "created_at": "2026-03-01T10:00", "title": "c"},
        {"id": 4, "created_at": "2026-03-01T11:00", "title": "d"},
    ]


def test_cursor_round_trip():
    cursor = encode_cursor(["2026-03-01T10:00", 3])
    assert cursor == "WyIyMDI2LTAzLTAxVDEwOjAwIiwzXQ", f"unexpected cursor {cursor!r}"
    got = decode_cursor(cursor)
    assert got == ("2026-03-01T10:00", 3), f"round trip failed: {got!r}"


def test_first_page_newest_first_with_tiebreak():
    page = paginate(posts(), limit=2)
    got = [p["id"] for p in page.items]
    assert got == [4, 3], f"expected ids [4, 3], got {got!r}"
    assert page.next_cursor is not None, "there are more rows, so next_cursor must be set"


def test_pages_are_stable_under_inserts():
    rows = posts()
    page1 = paginate(rows, limit=2)
    rows.append({"id": 5, "created_at": "2026-03-01T12:00", "title": "new"})
    page2 = paginate(rows, limit=2, cursor=page1.next_cursor)
    got = [p["id"] for p in page2.items]
    assert got == [2, 1], f"expected page 2 to be [2, 1] despite the insert, got {got!r}"
    assert page2.next_cursor is None, f"no rows follow, expected next_cursor None, got {page2.next_cursor!r}"
