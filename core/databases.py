"""Dropping scratch databases (e2e, bench, restores) as the unprivileged application role."""

from psycopg import sql


def drop_database(conn, name: str) -> None:
    """Drop `name`, ending this role's own sessions on it first.

    Not `WITH (FORCE)`: FORCE has to be allowed to terminate every session, an autovacuum worker's
    too, which a role without pg_signal_backend may not; a plain DROP stops autovacuum by itself.
    `conn` is an autocommit psycopg connection to another database.
    """
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
        [name],
    )
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
