"""The distinct first and last names of all people (PostgreSQL only).

A million people share a few tens of thousands of names. Member search finds the names that
contain what was typed in this small table (a trigram index), then walks the people who bear
them along the name indexes, in order: the work follows the names matched and the twenty rows
shown, not the number of people who match (``groups.queries.users_search``).

The table is kept by a trigger on ``accounts_user`` (every way a person is created or renamed,
bulk loads included); ``refresh`` fills it from the users (after a load with triggers off).
Names nobody bears any more stay: they match nobody, which costs one index probe.
"""

TABLE = "accounts_person_name"
FIRST, LAST = "f", "l"

CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    kind char(1) NOT NULL CHECK (kind IN ('{FIRST}', '{LAST}')),
    value varchar(150) NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX IF NOT EXISTS {TABLE}_trgm ON {TABLE} USING gin (UPPER(value) gin_trgm_ops);
CREATE OR REPLACE FUNCTION {TABLE}_keep() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TABLE} (kind, value)
        SELECT kind, value FROM (VALUES ('{FIRST}', NEW.first_name), ('{LAST}', NEW.last_name))
            AS names(kind, value)
        WHERE value <> ''
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TABLE}_keep ON accounts_user;
CREATE TRIGGER {TABLE}_keep AFTER INSERT OR UPDATE OF first_name, last_name ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_keep();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TABLE}_keep ON accounts_user;
DROP FUNCTION IF EXISTS {TABLE}_keep();
DROP TABLE IF EXISTS {TABLE};
"""

REFRESH = f"""
INSERT INTO {TABLE} (kind, value)
    SELECT DISTINCT '{FIRST}', first_name FROM accounts_user WHERE first_name <> ''
    UNION SELECT DISTINCT '{LAST}', last_name FROM accounts_user WHERE last_name <> ''
ON CONFLICT DO NOTHING
"""


def refresh(cursor) -> None:
    """Add the names of every person (a no-op for names already there)."""
    cursor.execute(REFRESH)
