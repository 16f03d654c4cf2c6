from solution import attach_authors, attach_books


class CountingDB:
    def __init__(self, n_authors):
        self.authors = {i: {"id": i, "name": f"author {i}"} for i in range(1, n_authors + 1)}
        self.queries = []

    def fetch_authors(self, ids):
        self.queries.append(list(ids))
        return [self.authors[i] for i in ids if i in self.authors]


def test_no_query_when_nothing_to_fetch():
    db = CountingDB(3)
    assert attach_authors([], db.fetch_authors) == [], "empty input should give an empty list"
    got = attach_authors([{"id": 1, "author_id": None}], db.fetch_authors)
    assert got == [{"id": 1, "author_id": None, "author": None}], f"unexpected result {got!r}"
    assert db.queries == [], f"expected no queries, got {db.queries!r}"


def test_chunking_long_id_lists():
    db = CountingDB(1200)
    books = [{"id": 10_000 + i, "author_id": i} for i in range(1, 1201)]
    result = attach_authors(books, db.fetch_authors, chunk_size=500)
    sizes = [len(q) for q in db.queries]
    assert sizes == [500, 500, 200], f"expected chunks of [500, 500, 200] ids, got {sizes!r}"
    assert db.queries[0][0] == 1 and db.queries[2][-1] == 1200, "ids should be fetched in first-seen order"
    assert all(b["author"]["id"] == b["author_id"] for b in result), "every book should get its own author"


def test_duplicates_are_fetched_once_in_first_seen_order():
    db = CountingDB(5)
    books = [{"id": i, "author_id": a} for i, a in enumerate([3, 1, 3, 2, 1, 3])]
    attach_authors(books, db.fetch_authors, chunk_size=2)
    assert db.queries == [[3, 1], [2]], f"expected [[3, 1], [2]], got {db.queries!r}"


def test_missing_author_becomes_none():
    db = CountingDB(1)
    got = attach_authors([{"id": 1, "author_id": 1}, {"id": 2, "author_id": 99}], db.fetch_authors)
    assert got[0]["author"] == {"id": 1, "name": "author 1"}, f"unexpected author {got[0]['author']!r}"
    assert got[1]["author"] is None, f"a deleted author should give None, got {got[1]['author']!r}"


def test_reverse_keeps_database_order_and_chunks():
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
    got = {a["id"]: [b["id"] for b in a["books"]] for a in attach_books(authors, fetch_books, chunk_size=2)}
    assert got == {2: [5, 9], 1: [3], 3: [1], 4: []}, f"unexpected grouping {got!r}"
    assert queries == [[2, 1], [3, 4]], f"expected [[2, 1], [3, 4]], got {queries!r}"


def test_reverse_empty_lists_are_independent():
    result = attach_books([{"id": 1}, {"id": 2}], lambda ids: [])
    result[0]["books"].append("x")
    assert result[1]["books"] == [], "each author needs its own list, not one shared list"


def test_reverse_does_not_modify_input():
    authors = [{"id": 1, "name": "Ada"}]
    result = attach_books(authors, lambda ids: [{"id": 7, "author_id": 1}])
    assert authors == [{"id": 1, "name": "Ada"}], f"input modified: {authors!r}"
    assert result == [{"id": 1, "name": "Ada", "books": [{"id": 7, "author_id": 1}]}], f"unexpected {result!r}"
