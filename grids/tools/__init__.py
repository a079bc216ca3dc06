"""Developer tools of :mod:`grids` (regeneration of the bundled boundaries)."""
