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
            (2, "annie", "annie@example.com", "member", "active", 4, "2026-01-02"),
            (3, "ann_b", "annb@example.com", "admin", None, 4, "2026-01-03"),
            (4, "100% real", "real@example.com", "member", "banned", 5, "2026-01-04"),
            (5, "1000 real", "k@example.com", "member", "active", 5, "2026-01-05"),
            (6, "back\\slash", "bs@example.com", "member", "active", 5, "2026-01-06"),
        ],
    )
    return db


def ids(db, query):
    sql, params = query
    return sorted(row[0] for row in db.execute(sql, params))


def test_no_filters_has_no_where():
    sql, params = build_user_query({})
    assert sql == "SELECT id, name, email FROM users ORDER BY name LIMIT ?", f"unexpected SQL {sql!r}"
    assert params == [50], f"default limit 50 expected, got {params!r}"


def test_empty_in_list_matches_nothing():
    sql, params = build_user_query({"team_id": []})
    assert "1 = 0" in sql and "IN ()" not in sql, f"empty list must become 1 = 0: {sql!r}"
    assert ids(make_db(), (sql, params)) == []


def test_none_means_is_null():
    sql, params = build_user_query({"status": None})
    assert "status IS NULL" in sql and params == [50], f"unexpected {sql!r} {params!r}"
    assert ids(make_db(), (sql, params)) == [3]


def test_like_wildcards_are_escaped():
    db = make_db()
    assert ids(db, build_user_query({}, search="ann_")) == [3], "'_' must match a literal underscore only"
    assert ids(db, build_user_query({}, search="100%")) == [4], "'%' must match a literal percent only"
    assert ids(db, build_user_query({}, search="k\\s")) == [6], "a backslash must match a literal backslash"
    assert ids(db, build_user_query({}, search="ann")) == [1, 2, 3]


def test_search_param_and_sql_shape():
    sql, params = build_user_query({"role": "admin"}, search="a%b_c\\d", limit=5)
    assert sql.endswith("WHERE role = ? AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?"), f"unexpected SQL {sql!r}"
    assert params == ["admin", "%a\\%b\\_c\\\\d%", 5], f"unexpected params {params!r}"


def test_empty_search_is_ignored():
    sql, params = build_user_query({}, search="")
    assert "LIKE" not in sql and params == [50], f"an empty search adds nothing: {sql!r} {params!r}"


def test_tuple_values_and_filter_order():
    sql, params = build_user_query({"status": ("active", "banned"), "role": "member"})
    assert "WHERE status IN (?, ?) AND role = ?" in sql, f"conditions must follow filter order: {sql!r}"
    assert params == ["active", "banned", "member", 50], f"unexpected params {params!r}"


def test_limit_validation():
    for bad in (0, 101, -5, True, 10.0, "10"):
        try:
            build_user_query({}, limit=bad)
        except ValueError:
            continue
        raise AssertionError(f"limit={bad!r} should raise ValueError")
    assert build_user_query({}, limit=100)[1] == [100]


def test_attack_strings_never_reach_sql_text():
    attack = "x'); DROP TABLE users; --"
    sql, params = build_user_query({"role": attack, "team_id": [attack]}, search=attack)
    assert "DROP" not in sql, f"a value leaked into the SQL text: {sql!r}"
    db = make_db()
    db.execute(sql, params).fetchall()
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 6, "the table must survive"


def test_all_sort_orders():
    db = make_db()
    for order, want_first in [("name", 4), ("-name", 6), ("created", 1), ("-created", 6)]:
        sql, params = build_user_query({}, order=order)
        first = db.execute(sql, params).fetchone()[0]
        assert first == want_first, f"order={order!r}: expected id {want_first} first, got {first}"
