"""Faces of Lantian: the FastAPI service, the ``lantian`` CLI and the decision store.

Routes and commands parse, call the engine and serialise; they hold no arithmetic.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lantian")
    """The installed package's version (one literal: ``pyproject.toml``)."""
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
