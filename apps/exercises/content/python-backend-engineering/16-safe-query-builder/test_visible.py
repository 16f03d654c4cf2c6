import sqlite3

from solution import build_user_query


def make_db():
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, role TEXT, "
        "status TEXT, team_id INTEGER, created_at TEXT)"
    )
    db.executemany(
        "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (1, "ann", "ann@example.com", "admin", "active", 3, "2026-01-01"),
            (2, "bob", "bob@example.com", "member", "active", 4, "2026-01-02"),
            (3, "ann_b", "annb@example.com", "admin", None, 4, "2026-01-03"),
            (4, "cy", "cy@example.com", "member", "banned", 5, "2026-01-04"),
        ],
    )
    return db


def ids(db, query):
    sql, params = query
    return [row[0] for row in db.execute(sql, params)]


def test_exact_sql_and_params():
    sql, params = build_user_query({"role": "admin", "team_id": [3, 4]}, order="-created", limit=20)
    want_sql = "SELECT id, name, email FROM users WHERE role = ? AND team_id IN (?, ?) ORDER BY created_at DESC LIMIT ?"
    assert sql == want_sql, f"expected SQL:\n{want_sql}\ngot:\n{sql}"
    assert params == ["admin", 3, 4, 20], f"expected params ['admin', 3, 4, 20], got {params!r}"


def test_injection_in_a_value_is_just_data():
    db = make_db()
    got = ids(db, build_user_query({"role": "nobody' OR '1'='1"}))
    assert got == [], f"the attack string must match no user, got ids {got!r}"


def test_unknown_filter_and_sort_are_rejected():
    for call in (
        lambda: build_user_query({"role = role OR 1": "x"}),
        lambda: build_user_query({"password_hash": "x"}),
        lambda: build_user_query({}, order="name; DROP TABLE users"),
    ):
        try:
            call()
        except ValueError:
            continue
        raise AssertionError("unknown filter names and sort orders must raise ValueError")


def test_runs_against_sqlite():
    db = make_db()
    got = ids(db, build_user_query({"team_id": [4, 5]}, order="name"))
    assert got == [3, 2, 4], f"team 4 or 5 sorted by name: expected [3, 2, 4], got {got!r}"
