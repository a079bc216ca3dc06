"""Grids, region polygons and fractional coverage weights."""
