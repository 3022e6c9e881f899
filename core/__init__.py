"""Mechanisms that know no app: cache versions and the versioned memo, spreadsheet-safe
writers, the COPY writer, HTML helpers and the URL memo. Nothing here imports teams, tickets,
metrics or support; a rule about tickets, people or metrics never lives here."""
