"""The central database: models, engine and migrations."""
