"""Photochemistry of the peak-shift scenario simulator (docs/chemistry.md)."""

from engine.photochem._mechanism import (
    Mechanism,
    Reaction,
    load_mechanism,
    mechanisms,
    parse_mechanism,
)

__all__ = ["Mechanism", "Reaction", "load_mechanism", "mechanisms", "parse_mechanism"]
