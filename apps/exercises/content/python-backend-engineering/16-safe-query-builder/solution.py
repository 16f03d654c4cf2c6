"""Build a filtered SQL query without injection."""

from collections.abc import Mapping

SORTABLE = {"name": "name", "-name": "name DESC", "created": "created_at", "-created": "created_at DESC"}
FILTERABLE = {"role": "role", "status": "status", "team_id": "team_id"}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def build_user_query(
    filters: Mapping[str, object],
    *,
    search: str | None = None,
    order: str = "name",
    limit: int = 50,
) -> tuple[str, list]:
    """Return (sql, params) for a filtered, sorted, limited user list."""
    conditions: list[str] = []
    params: list = []
    for name, value in filters.items():
        column = FILTERABLE.get(name)
        if column is None:
            raise ValueError(f"cannot filter by {name!r}")
        if isinstance(value, (list, tuple)):
            if not value:
                conditions.append("1 = 0")
            else:
                conditions.append(f"{column} IN ({', '.join('?' for _ in value)})")
                params.extend(value)
        elif value is None:
            conditions.append(f"{column} IS NULL")
        else:
            conditions.append(f"{column} = ?")
            params.append(value)
    if search:
        conditions.append("name LIKE ? ESCAPE '\\'")
        params.append(f"%{_escape_like(search)}%")

    clause = SORTABLE.get(order)
    if clause is None:
        raise ValueError(f"cannot sort by {order!r}")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100:
        raise ValueError("limit must be an integer from 1 to 100")

    sql = "SELECT id, name, email FROM users"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY {clause} LIMIT ?"
    params.append(limit)
    return sql, params
