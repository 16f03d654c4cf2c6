from solution import attach_authors, attach_books


class CountingDB:
    def __init__(self, n_authors):
        self.authors = {i: {"id": i, "name": f"author {i}"} for i in range(1, n_authors + 1)}
        self.queries = []

    def fetch_authors(self, ids):
        self.queries.append(list(ids))
        return [self.authors[i] for i in ids if i in self.authors]


def test_no_query_when_nothing_to_fetch(check):
    db = CountingDB(3)
    check("attach_authors([])", attach_authors([], db.fetch_authors))
    check("attach_authors([{'id': 1, 'author_id': None}])", attach_authors([{"id": 1, "author_id": None}], db.fetch_authors))
    check("queries made", db.queries)


def test_chunking_long_id_lists(check):
    db = CountingDB(1200)
    books = [{"id": 10_000 + i, "author_id": i} for i in range(1, 1201)]
    result = attach_authors(books, db.fetch_authors, chunk_size=500)
    check("ids per query", [len(q) for q in db.queries])
    check("first and last id fetched", (db.queries[0][:1], db.queries[-1][-1:]) if db.queries else None)
    wrong = [b["author_id"] for b in result if not isinstance(b["author"], dict) or b["author"].get("id") != b["author_id"]]
    check("books without their own author", wrong)


def test_duplicates_are_fetched_once_in_first_seen_order(check):
    db = CountingDB(5)
    books = [{"id": i, "author_id": a} for i, a in enumerate([3, 1, 3, 2, 1, 3])]
    attach_authors(books, db.fetch_authors, chunk_size=2)
    check("queries for author ids [3, 1, 3, 2, 1, 3], chunk_size=2", db.queries)


def test_missing_author_becomes_none(check):
    db = CountingDB(1)
    got = attach_authors([{"id": 1, "author_id": 1}, {"id": 2, "author_id": 99}], db.fetch_authors)
    check("author of the book by author 1", got[0]["author"])
    check("author of the book by deleted author 99", got[1]["author"])


def test_reverse_keeps_database_order_and_chunks(check):
    books = [
        {"id": 5, "author_id": 2},
        {"id": 3, "author_id": 1},
        {"id": 9, "author_id": 2},
        {"id": 1, "author_id": 3},
    ]
    queries = []

    def fetch_books(ids):
        queries.append(list(ids))
        return [b for b in books if b["author_id"] in ids]

    authors = [{"id": 2}, {"id": 1}, {"id": 3}, {"id": 4}]
    result = attach_books(authors, fetch_books, chunk_size=2)
    check("book ids per author", {a["id"]: [b["id"] for b in a["books"]] for a in result})
    check("queries made", queries)


def test_reverse_empty_lists_are_independent(check):
    result = attach_books([{"id": 1}, {"id": 2}], lambda ids: [])
    result[0]["books"].append("x")
    check("books of author 2 after appending to author 1's list", result[1]["books"])
    check("books of author 1", result[0]["books"])


def test_reverse_does_not_modify_input(check):
    authors = [{"id": 1, "name": "Ada"}]
    result = attach_books(authors, lambda ids: [{"id": 7, "author_id": 1}])
    check("the input authors afterwards", authors)
    check("attach_books([{'id': 1, 'name': 'Ada'}])", result)
