"""Faces of Lantian: the FastAPI service, the ``lantian`` CLI and the SQLite stores.

Routes and commands parse, call the engine and serialise; they hold no arithmetic.
"""
