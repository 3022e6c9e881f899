"""bench/generate.py in parts: the bench data set, streamed into PostgreSQL with COPY."""
