"""Fix an N+1 with a hand-written prefetch."""

from collections.abc import Callable

Row = dict[str, object]


def attach_authors(
    books: list[Row],
    fetch_authors: Callable[[list[int]], list[Row]],
    *,
    chunk_size: int = 500,
) -> list[Row]:
    """Return copies of `books`, each with an "author" row (or None)."""
    # Correct output, one query per book: the N+1 pattern.
    result = []
    for book in books:
        rows = fetch_authors([book["author_id"]]) if book["author_id"] is not None else []
        result.append({**book, "author": rows[0] if rows else None})
    return result


def attach_books(
    authors: list[Row],
    fetch_books: Callable[[list[int]], list[Row]],
    *,
    chunk_size: int = 500,
) -> list[Row]:
    """Return copies of `authors`, each with a "books" list."""
    raise NotImplementedError
