"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

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
    """The ids of the rows the (sql, params) query returns, in its order."""
    sql, params = query
    return [row[0] for row in db.execute(sql, params)]


def test_exact_sql_and_params(check):
    sql, params = build_user_query({"role": "admin", "team_id": [3, 4]}, order="-created", limit=20)
    check("sql for {'role': 'admin', 'team_id': [3, 4]}, order='-created', limit=20", sql)
    check("params", params)


def test_injection_in_a_value_is_just_data(check):
    db = make_db()
    check("ids for role \"nobody' OR '1'='1\"", ids(db, build_user_query({"role": "nobody' OR '1'='1"})))
    check("ids for role 'admin'", ids(db, build_user_query({"role": "admin"})))


def test_unknown_filter_and_sort_are_rejected(check):
    check.raises("build_user_query({'role = role OR 1': 'x'})", ValueError, build_user_query, {"role = role OR 1": "x"})
    check.raises("build_user_query({'password_hash': 'x'})", ValueError, build_user_query, {"password_hash": "x"})
    check.raises(
        "build_user_query({}, order='name; DROP TABLE users')",
        ValueError,
        build_user_query,
        {},
        order="name; DROP TABLE users",
    )
    check("ids for {'role': 'admin'}, order='-name'", ids(make_db(), build_user_query({"role": "admin"}, order="-name")))


def test_runs_against_sqlite(check):
    db = make_db()
    check("ids for {'team_id': [4, 5]}, order='name'", ids(db, build_user_query({"team_id": [4, 5]}, order="name")))
