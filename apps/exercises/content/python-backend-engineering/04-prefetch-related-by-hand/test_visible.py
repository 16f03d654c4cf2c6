"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label. `FakeDB.queries` lists the ids of every query made.
"""

from solution import attach_authors, attach_books

AUTHORS = {1: {"id": 1, "name": "Ada"}, 2: {"id": 2, "name": "Linus"}, 3: {"id": 3, "name": "Grace"}}
BOOKS = [
    {"id": 10, "title": "Engines", "author_id": 1},
    {"id": 11, "title": "Kernels", "author_id": 2},
    {"id": 12, "title": "Notes", "author_id": 1},
    {"id": 13, "title": "Anonymous", "author_id": None},
]


class FakeDB:
    """Counts queries like CaptureQueriesContext would."""

    def __init__(self):
        self.queries = []

    def fetch_authors(self, ids):
        self.queries.append(list(ids))
        return [AUTHORS[i] for i in reversed(ids) if i in AUTHORS]  # any order

    def fetch_books(self, author_ids):
        self.queries.append(list(author_ids))
        return [b for b in BOOKS if b["author_id"] in author_ids]


def test_authors_are_attached(check):
    db = FakeDB()
    result = attach_authors(BOOKS, db.fetch_authors)
    check("(title, author name) of each book", [(b["title"], b["author"] and b["author"]["name"]) for b in result])


def test_one_query_for_all_authors(check):
    db = FakeDB()
    attach_authors(BOOKS, db.fetch_authors)
    check("queries made by attach_authors(BOOKS)", db.queries)


def test_inputs_are_not_modified(check):
    db = FakeDB()
    books = [dict(b) for b in BOOKS]
    result = attach_authors(books, db.fetch_authors)
    check("the input books afterwards", books)
    check("result[0] is the input dict books[0]", result[0] is books[0])


def test_reverse_relation_in_one_query(check):
    db = FakeDB()
    authors = [AUTHORS[1], AUTHORS[2], AUTHORS[3]]
    result = attach_books(authors, db.fetch_books)
    check("titles of each author's books", {a["name"]: [b["title"] for b in a["books"]] for a in result})
    check("queries made by attach_books", db.queries)
