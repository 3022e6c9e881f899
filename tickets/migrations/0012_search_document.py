"""A stored full-text search document per ticket, on PostgreSQL only.

Searching used to compute to_tsvector over the subject and over every message per query
(611 ms p95 at 1,000,000 tickets in `make bench`). Now tickets_ticketsearch holds one
tsvector per ticket (subject weighted A, then the text of every message) under a GIN index,
and tickets.filters.search_q reads only that table.

Triggers keep it current whoever writes — services, the importer's bulk path, COPY, a
privacy erasure rewriting subjects and bodies: a new ticket gets its row; new messages are
appended set-based per statement (one UPDATE for a bulk insert of many messages); a changed
subject or message body, or a deleted message, recomputes the ticket's document; a deleted
ticket takes its row along, and TRUNCATE of tickets (the test runner's flush) empties it.

The table is not a Django model, on purpose: ticket queries never select the document (a
wide column on tickets_ticket would slow every page and scan), and no foreign key ties it to
tickets_ticket so the test runner's TRUNCATE needs no CASCADE. Each message adds at most its
first 20,000 characters (tsvector values are limited to 1 MB).
SQLite has no tsvector: nothing is created and search falls back to icontains.
"""

from django.db import migrations

DOCUMENT_OF = """
CREATE OR REPLACE FUNCTION tickets_search_document(tid bigint) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector('simple', coalesce(t.subject, '')), 'A')
      || coalesce((SELECT to_tsvector('simple', string_agg(left(coalesce(m.body_text, ''), 20000), ' '))
                   FROM tickets_message m WHERE m.ticket_id = tid), ''::tsvector)
  FROM tickets_ticket t WHERE t.id = tid
$$;

CREATE OR REPLACE FUNCTION tickets_search_ticket_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tickets_ticketsearch (ticket_id, document)
  SELECT n.id, setweight(to_tsvector('simple', coalesce(n.subject, '')), 'A') FROM new_rows n
  ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_search_ticket_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM tickets_ticketsearch WHERE ticket_id = OLD.id;
  ELSE
    INSERT INTO tickets_ticketsearch (ticket_id, document)
    VALUES (NEW.id, tickets_search_document(NEW.id))
    ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_search_tickets_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE tickets_ticketsearch;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_search_messages_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tickets_ticketsearch AS s (ticket_id, document)
  SELECT n.ticket_id, to_tsvector('simple', string_agg(left(coalesce(n.body_text, ''), 20000), ' '))
  FROM new_rows n GROUP BY n.ticket_id
  ON CONFLICT (ticket_id) DO UPDATE SET document = s.document || EXCLUDED.document;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_search_message_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE tickets_ticketsearch SET document = tickets_search_document(OLD.ticket_id)
    WHERE ticket_id = OLD.ticket_id;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id THEN
    UPDATE tickets_ticketsearch SET document = tickets_search_document(NEW.ticket_id)
    WHERE ticket_id = NEW.ticket_id;
  END IF;
  RETURN NULL;
END $$;
"""

CREATE = """
CREATE TABLE IF NOT EXISTS tickets_ticketsearch (
  ticket_id bigint PRIMARY KEY,
  document tsvector NOT NULL
);
DO $$
BEGIN
  -- Only into an empty table (the migration re-run under another name does not redo it).
  IF NOT EXISTS (SELECT 1 FROM tickets_ticketsearch) THEN
    INSERT INTO tickets_ticketsearch (ticket_id, document)
    SELECT t.id, setweight(to_tsvector('simple', coalesce(t.subject, '')), 'A')
                 || coalesce(m.document, ''::tsvector)
    FROM tickets_ticket t
    LEFT JOIN (SELECT ticket_id,
                      to_tsvector('simple', string_agg(left(coalesce(body_text, ''), 20000), ' '))
                        AS document
               FROM tickets_message GROUP BY ticket_id) m ON m.ticket_id = t.id;
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS ticketsearch_document ON tickets_ticketsearch USING GIN (document);
DROP INDEX IF EXISTS ticket_subject_fts;
DROP INDEX IF EXISTS message_body_fts;
"""

TRIGGERS = """
CREATE OR REPLACE TRIGGER search_ticket_inserted AFTER INSERT ON tickets_ticket
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION tickets_search_ticket_inserted();
CREATE OR REPLACE TRIGGER search_ticket_subject AFTER UPDATE OF subject ON tickets_ticket
  FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject)
  EXECUTE FUNCTION tickets_search_ticket_changed();
CREATE OR REPLACE TRIGGER search_ticket_deleted AFTER DELETE ON tickets_ticket
  FOR EACH ROW EXECUTE FUNCTION tickets_search_ticket_changed();
CREATE OR REPLACE TRIGGER search_tickets_truncated AFTER TRUNCATE ON tickets_ticket
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_tickets_truncated();
CREATE OR REPLACE TRIGGER search_messages_inserted AFTER INSERT ON tickets_message
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION tickets_search_messages_inserted();
CREATE OR REPLACE TRIGGER search_message_body AFTER UPDATE OF body_text, ticket_id ON tickets_message
  FOR EACH ROW WHEN (OLD.body_text IS DISTINCT FROM NEW.body_text
                     OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
  EXECUTE FUNCTION tickets_search_message_changed();
CREATE OR REPLACE TRIGGER search_message_deleted AFTER DELETE ON tickets_message
  FOR EACH ROW EXECUTE FUNCTION tickets_search_message_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS search_ticket_inserted ON tickets_ticket;
DROP TRIGGER IF EXISTS search_ticket_subject ON tickets_ticket;
DROP TRIGGER IF EXISTS search_ticket_deleted ON tickets_ticket;
DROP TRIGGER IF EXISTS search_tickets_truncated ON tickets_ticket;
DROP TRIGGER IF EXISTS search_messages_inserted ON tickets_message;
DROP TRIGGER IF EXISTS search_message_body ON tickets_message;
DROP TRIGGER IF EXISTS search_message_deleted ON tickets_message;
DROP FUNCTION IF EXISTS tickets_search_ticket_inserted();
DROP FUNCTION IF EXISTS tickets_search_ticket_changed();
DROP FUNCTION IF EXISTS tickets_search_tickets_truncated();
DROP FUNCTION IF EXISTS tickets_search_messages_inserted();
DROP FUNCTION IF EXISTS tickets_search_message_changed();
DROP FUNCTION IF EXISTS tickets_search_document(bigint);
DROP TABLE IF EXISTS tickets_ticketsearch;
CREATE INDEX IF NOT EXISTS ticket_subject_fts ON tickets_ticket
  USING GIN (to_tsvector('simple'::regconfig, COALESCE(subject, '')));
CREATE INDEX IF NOT EXISTS message_body_fts ON tickets_message
  USING GIN (to_tsvector('simple'::regconfig, COALESCE(body_text, '')));
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute(DOCUMENT_OF)
        schema_editor.execute(TRIGGERS)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_webhook_beat_schedule")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
