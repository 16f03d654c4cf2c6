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


def test_no_filters_has_no_where(check):
    sql, params = build_user_query({})
    check("sql for build_user_query({})", sql)
    check("params for build_user_query({})", params)


def test_empty_in_list_matches_nothing(check):
    sql, params = build_user_query({"team_id": []})
    check("{'team_id': []}: '1 = 0' in sql", "1 = 0" in sql)
    check("{'team_id': []}: 'IN ()' in sql", "IN ()" in sql)
    check("{'team_id': []}: params", params)
    check("{'team_id': []}: ids of the rows", ids(make_db(), (sql, params)))


def test_none_means_is_null(check):
    sql, params = build_user_query({"status": None})
    check("{'status': None}: 'status IS NULL' in sql", "status IS NULL" in sql)
    check("{'status': None}: params", params)
    check("{'status': None}: ids of the rows", ids(make_db(), (sql, params)))


def test_like_wildcards_are_escaped(check):
    db = make_db()
    for search in ("ann_", "100%", "k\\s", "ann"):
        check(f"ids for search={search!r}", ids(db, build_user_query({}, search=search)))


def test_search_param_and_sql_shape(check):
    sql, params = build_user_query({"role": "admin"}, search="a%b_c\\d", limit=5)
    check(
        "sql ends with \"WHERE role = ? AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?\"",
        sql.endswith("WHERE role = ? AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?"),
    )
    check("params for {'role': 'admin'}, search='a%b_c\\\\d', limit=5", params)


def test_empty_search_is_ignored(check):
    sql, params = build_user_query({}, search="")
    check("search='': 'LIKE' in sql", "LIKE" in sql)
    check("search='': params", params)


def test_tuple_values_and_filter_order(check):
    sql, params = build_user_query({"status": ("active", "banned"), "role": "member"})
    check("'WHERE status IN (?, ?) AND role = ?' in sql", "WHERE status IN (?, ?) AND role = ?" in sql)
    check("params for {'status': ('active', 'banned'), 'role': 'member'}", params)


def test_limit_validation(check):
    for bad in (0, 101, -5, True, 10.0, "10"):
        check.raises(f"build_user_query({{}}, limit={bad!r})", ValueError, build_user_query, {}, limit=bad)
    check("params for build_user_query({}, limit=100)", build_user_query({}, limit=100)[1])


def test_attack_strings_never_reach_sql_text(check):
    attack = "x'); DROP TABLE users; --"
    sql, params = build_user_query({"role": attack, "team_id": [attack]}, search=attack)
    check(f"attack {attack!r} in every filter and the search: 'DROP' in sql", "DROP" in sql)
    db = make_db()
    db.execute(sql, params).fetchall()
    check("users left in the table afterwards", db.execute("SELECT count(*) FROM users").fetchone()[0])


def test_all_sort_orders(check):
    db = make_db()
    for order in ("name", "-name", "created", "-created"):
        sql, params = build_user_query({}, order=order)
        check(f"first id for order={order!r}", db.execute(sql, params).fetchone()[0])
