"""Build a filtered SQL query without injection."""

from collections.abc import Mapping

SORTABLE = {"name": "name", "-name": "name DESC", "created": "created_at", "-created": "created_at DESC"}
FILTERABLE = {"role": "role", "status": "status", "team_id": "team_id"}


def build_user_query(
    filters: Mapping[str, object],
    *,
    search: str | None = None,
    order: str = "name",
    limit: int = 50,
) -> tuple[str, list]:
    """Return (sql, params) for a filtered, sorted, limited user list."""
    # Works in the demo. Every value is pasted into the SQL text.
    conditions = [f"{name} = '{value}'" for name, value in filters.items()]
    if search:
        conditions.append(f"name LIKE '%{search}%'")
    sql = "SELECT id, name, email FROM users"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY {order} LIMIT {limit}"
    return sql, []
