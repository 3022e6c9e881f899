"""Measurement models (rollups, QA, reports) land here."""
