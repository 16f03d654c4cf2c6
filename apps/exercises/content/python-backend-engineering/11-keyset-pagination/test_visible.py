"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import decode_cursor, encode_cursor, paginate


def posts():
    return [
        {"id": 1, "created_at": "2026-03-01T09:00", "title": "a"},
        {"id": 2, "created_at": "2026-03-01T10:00", "title": "b"},
        {"id": 3, "created_at": "2026-03-01T10:00", "title": "c"},
        {"id": 4, "created_at": "2026-03-01T11:00", "title": "d"},
    ]


def test_cursor_round_trip(check):
    cursor = encode_cursor(["2026-03-01T10:00", 3])
    check("encode_cursor(['2026-03-01T10:00', 3])", cursor)
    check("decode_cursor(encode_cursor(['2026-03-01T10:00', 3]))", decode_cursor(cursor))


def test_first_page_newest_first_with_tiebreak(check):
    page = paginate(posts(), limit=2)
    check("ids of paginate(posts, limit=2).items", [p["id"] for p in page.items])
    check("page 1 has a next_cursor (more rows follow)", page.next_cursor is not None)


def test_pages_are_stable_under_inserts(check):
    rows = posts()
    page1 = paginate(rows, limit=2)
    rows.append({"id": 5, "created_at": "2026-03-01T12:00", "title": "new"})
    page2 = paginate(rows, limit=2, cursor=page1.next_cursor)
    check("ids of page 2 after post 5 was inserted", [p["id"] for p in page2.items])
    check("page 2 next_cursor (no rows follow)", page2.next_cursor)
