"""Fix an N+1 with a hand-written prefetch."""

from collections.abc import Callable, Iterable, Iterator

Row = dict[str, object]


def _distinct(values: Iterable[object]) -> list:
    """Distinct non-None values in first-seen order."""
    return list(dict.fromkeys(v for v in values if v is not None))


def _chunks(ids: list, size: int) -> Iterator[list]:
    if size < 1:
        raise ValueError("chunk_size must be at least 1")
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def attach_authors(
    books: list[Row],
    fetch_authors: Callable[[list[int]], list[Row]],
    *,
    chunk_size: int = 500,
) -> list[Row]:
    """Return copies of `books`, each with an "author" row (or None)."""
    ids = _distinct(book["author_id"] for book in books)
    by_id: dict[object, Row] = {}
    for chunk in _chunks(ids, chunk_size):
        for author in fetch_authors(chunk):
            by_id[author["id"]] = author
    return [{**book, "author": by_id.get(book["author_id"])} for book in books]


def attach_books(
    authors: list[Row],
    fetch_books: Callable[[list[int]], list[Row]],
    *,
    chunk_size: int = 500,
) -> list[Row]:
    """Return copies of `authors`, each with a "books" list."""
    ids = _distinct(author["id"] for author in authors)
    grouped: dict[object, list[Row]] = {}
    for chunk in _chunks(ids, chunk_size):
        for book in fetch_books(chunk):
            grouped.setdefault(book["author_id"], []).append(book)
    return [{**author, "books": list(grouped.get(author["id"], []))} for author in authors]
