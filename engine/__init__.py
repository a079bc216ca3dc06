"""Computation and decisions of Lantian (蓝天). Never opens files or sockets.

The domain core (docs/design.md): it imports no other package of the project. Sub-modules:
``errors`` (the exception tree), ``cst`` (China Standard Time), ``units`` (concentration
units), ``texts`` and ``policy`` (policy data), ``aqi`` (HJ 633 AQI), ``daily`` (daily
statistics), ``aggregate`` (regional means), ``regional`` (regional daily AQI), ``levels``
(alert levels), ``ensemble`` (levels of many regions, ensembles), ``episodes``, ``linkage``,
``response`` (the response of a region), ``measures`` (enterprise measures), ``kernels`` (numba
kernels with numpy twins).
"""
