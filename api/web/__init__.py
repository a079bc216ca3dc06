"""The web page at ``/`` and the local assets of the API docs (package data, no Python code).

Third-party files and their licences: ``THIRD_PARTY.md`` beside this file.
"""
