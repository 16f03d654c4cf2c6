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


def test_authors_are_attached():
    db = FakeDB()
    got = [(b["title"], b["author"] and b["author"]["name"]) for b in attach_authors(BOOKS, db.fetch_authors)]
    want = [("Engines", "Ada"), ("Kernels", "Linus"), ("Notes", "Ada"), ("Anonymous", None)]
    assert got == want, f"expected {want!r}, got {got!r}"


def test_one_query_for_all_authors():
    db = FakeDB()
    attach_authors(BOOKS, db.fetch_authors)
    assert db.queries == [[1, 2]], f"expected a single query for ids [1, 2], got queries {db.queries!r}"


def test_inputs_are_not_modified():
    db = FakeDB()
    books = [dict(b) for b in BOOKS]
    result = attach_authors(books, db.fetch_authors)
    assert books == BOOKS, "attach_authors must not modify the input dicts"
    assert result[0] is not books[0], "return new dicts, not the input ones"


def test_reverse_relation_in_one_query():
    db = FakeDB()
    authors = [AUTHORS[1], AUTHORS[2], AUTHORS[3]]
    got = {a["name"]: [b["title"] for b in a["books"]] for a in attach_books(authors, db.fetch_books)}
    want = {"Ada": ["Engines", "Notes"], "Linus": ["Kernels"], "Grace": []}
    assert got == want, f"expected {want!r}, got {got!r}"
    assert db.queries == [[1, 2, 3]], f"expected one query for [1, 2, 3], got {db.queries!r}"
