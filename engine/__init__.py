"""Computation and decisions of Lantian (蓝天). Never opens files or sockets.

Sub-modules: ``errors`` (the exception tree), ``units`` (concentration units), ``aqi``
(HJ 633 AQI), ``daily`` (daily statistics in China Standard Time), ``levels`` (alert levels),
``pipeline`` (forecast → response), ``kernels`` (numba kernels with numpy twins).
"""
