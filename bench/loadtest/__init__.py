"""bench/load.py in parts: Frontline measured on the bench database through gunicorn."""
