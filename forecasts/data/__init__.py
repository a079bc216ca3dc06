"""Model layouts of forecast files (data)."""
