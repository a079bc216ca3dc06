"""Chemical mechanisms as data: species, reactions, rate expressions (docs/chemistry.md §2).

A mechanism is a TOML table (the packaged ones are ``engine/data/mechanisms/*.toml``): its
species with molar mass, nitrogen atoms, deposition velocity and background mixing ratio; its
clear-sky photolysis frequencies; how the inventory's ``voc`` and ``nox`` become model species;
and its reactions with one or two reactants, products, a rate expression and an uncertainty
factor. Rate constants are given in the units the source uses (``first_order_units``,
``second_order_units``) and converted here, once, to the solver's ppb and seconds:

* ``arrhenius``: k = A · (T / 300)^B · exp(C / T);
* ``photolysis``: k = j_X(z) · A · (T / 300)^B · exp(C / T), ``A`` dimensionless, with the clear-sky
  frequency j_X = l · cos(z)^m · exp(−n / cos(z)) [s⁻¹] (MCM form; docs/chemistry.md §3).

A second-order constant in cm³ molecule⁻¹ s⁻¹ becomes ppb⁻¹ s⁻¹ by the number density of air
per ppb, N(T) = 1e-9 · p / (k_B T) [molecule cm⁻³], which is folded into ``A`` and ``B`` (B − 1)
so the kernel sees one expression. Every key is required: a missing or malformed one is a
:class:`~engine.errors.PolicyError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.errors import PolicyError
from engine.photochem._sparse import sparse_structure

__all__ = ["Mechanism", "Reaction", "load_mechanism", "mechanisms", "parse_mechanism"]

_BOLTZMANN = 1.380649e-23  # J K⁻¹ (exact, SI 2019)
_PRESSURE_PA = 101325.0  # the conversion of cm³ molecule⁻¹ s⁻¹ at standard surface pressure
# per-ppb number density at 300 K [molecule cm⁻³]: 1e-9 · p / (k_B · 300 K) · 1e-6 m³ cm⁻³
_PPB_AT_300 = 1e-9 * _PRESSURE_PA / (_BOLTZMANN * 300.0) * 1e-6

# unit of a rate constant → (factor to ppb and s, extra power of T / 300)
_FIRST_ORDER = {"s-1": (1.0, 0.0), "min-1": (1.0 / 60.0, 0.0), "h-1": (1.0 / 3600.0, 0.0)}
_SECOND_ORDER = {
    "ppb-1 s-1": (1.0, 0.0),
    "ppm-1 min-1": (1e-3 / 60.0, 0.0),
    "ppm-1 s-1": (1e-3, 0.0),
    "cm3 molecule-1 s-1": (_PPB_AT_300, -1.0),
}
_SPECIES_KEYS = ("molar_mass", "nitrogen", "deposition_velocity", "background")


@dataclasses.dataclass(frozen=True)
class Reaction:
    """One reaction as the data file states it (rate constant in the file's units)."""

    id: str
    equation: str
    reactants: tuple[str, ...]
    products: dict[str, float]
    rate_type: str
    a: float
    b: float
    c: float
    photolysis: str | None
    uncertainty_factor: float
    source: str


@dataclasses.dataclass(frozen=True, eq=False)
class Mechanism:
    """A parsed mechanism with the arrays the kernel reads (ppb, s, m s⁻¹).

    Attributes
    ----------
    id, name, source : str
    species : tuple of str
        Species in state order.
    molar_mass : ndarray (species,) [g mol⁻¹]
    nitrogen : ndarray (species,) [1]
        Nitrogen atoms per molecule.
    deposition_velocity : ndarray (species,) [m s⁻¹]
    background : ndarray (species,) [ppb]
    reactions : tuple of Reaction
    photolysis : tuple of str
        Names of the photolysis frequencies, in the order of ``photolysis_lmn``.
    photolysis_lmn : ndarray (photolysis, 3)
        ``l`` [s⁻¹], ``m``, ``n`` of each frequency.
    emissions : dict
        ``"voc"`` / ``"nox"`` → ``(molar_mass [g mol⁻¹], species indices, mole fractions)``.
    """

    id: str
    name: str
    source: str
    species: tuple[str, ...]
    molar_mass: NDArray[np.float64]
    nitrogen: NDArray[np.float64]
    deposition_velocity: NDArray[np.float64]
    background: NDArray[np.float64]
    reactions: tuple[Reaction, ...]
    photolysis: tuple[str, ...]
    photolysis_lmn: NDArray[np.float64]
    emissions: dict[str, tuple[float, NDArray[np.int64], NDArray[np.float64]]]
    first_order_units: str
    second_order_units: str

    def index(self, name: str) -> int:
        """Position of species ``name`` in the state."""
        try:
            return self.species.index(name)
        except ValueError:
            raise PolicyError(
                f"mechanism {self.id} has no species {name!r}; it has {', '.join(self.species)}"
            ) from None

    @functools.cached_property
    def kernel_arrays(self) -> dict[str, NDArray[Any]]:
        """The arrays of :func:`engine.kernels.photochem.simulate`, rates in ppb and s.

        Species are in *kernel order* (``order[i]`` is the file species at kernel position
        ``i``, ``rank`` the inverse; docs/chemistry.md §8): ``ra``, ``rb`` reactant positions
        (``rb`` −1 for one reactant); ``ka``, ``kb``, ``kc`` the converted A, B, C; ``kphot``
        the photolysis index (−1 thermal); ``pl``, ``pm``, ``pn``; ``eptr``, ``esp``,
        ``ecoef`` the net stoichiometry, CSR by reaction; and the sparse LU structure of
        :func:`engine.photochem._sparse.sparse_structure`.
        """
        index = {s: i for i, s in enumerate(self.species)}
        photo = {p: i for i, p in enumerate(self.photolysis)}
        reactants: list[tuple[int, int]] = []
        nets: list[list[tuple[int, float]]] = []
        ka, kb, kc, kphot = [], [], [], []
        for r in self.reactions:
            a = index[r.reactants[0]]
            b = index[r.reactants[1]] if len(r.reactants) == 2 else -1
            reactants.append((a, b))
            if r.rate_type == "photolysis":
                factor, power = 1.0, 0.0
                kphot.append(photo[r.photolysis or ""])
            else:
                table = _FIRST_ORDER if b < 0 else _SECOND_ORDER
                unit = self.first_order_units if b < 0 else self.second_order_units
                factor, power = table[unit]
                kphot.append(-1)
            ka.append(r.a * factor)
            kb.append(r.b + power)
            kc.append(r.c)
            net: dict[int, float] = {}
            for s in r.reactants:
                net[index[s]] = net.get(index[s], 0.0) - 1.0
            for s, coef in r.products.items():
                net[index[s]] = net.get(index[s], 0.0) + coef
            nets.append([(s, c) for s, c in sorted(net.items()) if c != 0.0])
        structure = sparse_structure(len(self.species), reactants, nets)
        rank = structure["rank"]
        eptr = np.zeros(len(nets) + 1, np.int64)
        eptr[1:] = np.cumsum([len(n) for n in nets])
        lmn = self.photolysis_lmn
        return structure | {
            "ra": np.array([rank[a] for a, _ in reactants], np.int64),
            "rb": np.array([rank[b] if b >= 0 else -1 for _, b in reactants], np.int64),
            "ka": np.array(ka, np.float64),
            "kb": np.array(kb, np.float64),
            "kc": np.array(kc, np.float64),
            "kphot": np.array(kphot, np.int64),
            "pl": np.ascontiguousarray(lmn[:, 0]),
            "pm": np.ascontiguousarray(lmn[:, 1]),
            "pn": np.ascontiguousarray(lmn[:, 2]),
            "eptr": eptr,
            "esp": np.array([rank[s] for n in nets for s, _ in n], np.int64),
            "ecoef": np.array([c for n in nets for _, c in n], np.float64),
        }

    @property
    def uncertainty_factors(self) -> NDArray[np.float64]:
        """One-sigma multiplicative uncertainty of each reaction's rate constant [1]."""
        return np.array([r.uncertainty_factor for r in self.reactions])


def _need(table: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise PolicyError(f"{where}: missing required key {key!r}")
    return table[key]


def _number(table: Mapping[str, Any], key: str, where: str) -> float:
    value = _need(table, key, where)
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise PolicyError(f"{where}: {key!r} must be a finite number, got {value!r}")
    return float(value)


def parse_mechanism(data: Mapping[str, Any], *, where: str) -> Mechanism:
    """Build a :class:`Mechanism` from a parsed TOML table.

    Parameters
    ----------
    data : mapping
        The TOML document (see ``engine/data/mechanisms/grs.toml`` for every key).
    where : str
        Name of the source, for error messages (a file name).

    Raises
    ------
    PolicyError
        A key is missing or malformed, a reaction names an unknown species or photolysis
        frequency, a unit is unknown, or a reaction has other than one or two reactants.
    """
    mid = str(_need(data, "id", where))
    first_units = str(_need(data, "first_order_units", where))
    second_units = str(_need(data, "second_order_units", where))
    if first_units not in _FIRST_ORDER:
        raise PolicyError(f"{where}: first_order_units {first_units!r} not in {list(_FIRST_ORDER)}")
    if second_units not in _SECOND_ORDER:
        raise PolicyError(
            f"{where}: second_order_units {second_units!r} not in {list(_SECOND_ORDER)}"
        )
    species_table = _need(data, "species", where)
    if not isinstance(species_table, Mapping) or not species_table:
        raise PolicyError(f"{where}: [species] must hold at least one species table")
    species = tuple(species_table)
    props = {key: [] for key in _SPECIES_KEYS}  # type: dict[str, list[float]]
    for name, table in species_table.items():
        for key in _SPECIES_KEYS:
            props[key].append(_number(table, key, f"{where} [species.{name}]"))
    for name, table in species_table.items():
        _need(table, "source", f"{where} [species.{name}]")
    photolysis_table = data.get("photolysis", {})
    photolysis = tuple(photolysis_table)
    lmn = np.array(
        [
            [_number(t, k, f"{where} [photolysis.{p}]") for k in ("l", "m", "n")]
            for p, t in photolysis_table.items()
        ],
        dtype=np.float64,
    ).reshape(len(photolysis), 3)

    reactions = []
    for n, table in enumerate(_need(data, "reaction", where)):
        rid = str(_need(table, "id", f"{where} [[reaction]] #{n + 1}"))
        at = f"{where} reaction {rid}"
        reactants = tuple(str(s) for s in _need(table, "reactants", at))
        products = {str(k): float(v) for k, v in dict(_need(table, "products", at)).items()}
        if len(reactants) not in (1, 2):
            raise PolicyError(f"{at}: {len(reactants)} reactants; one or two are supported")
        for s in (*reactants, *products):
            if s not in species:
                raise PolicyError(f"{at}: unknown species {s!r} (known: {', '.join(species)})")
        rate = _need(table, "rate", at)
        rtype = str(_need(rate, "type", f"{at} rate"))
        if rtype not in ("arrhenius", "photolysis"):
            raise PolicyError(f"{at}: rate type {rtype!r} is neither 'arrhenius' nor 'photolysis'")
        photo = None
        if rtype == "photolysis":
            photo = str(_need(rate, "j", f"{at} rate"))
            if photo not in photolysis:
                raise PolicyError(f"{at}: photolysis {photo!r} is not in [photolysis]")
            if len(reactants) != 1:
                raise PolicyError(f"{at}: a photolysis has one reactant")
        factor = _number(table, "uncertainty_factor", at)
        if factor < 1.0:
            raise PolicyError(f"{at}: uncertainty_factor {factor} must be ≥ 1")
        reactions.append(
            Reaction(
                id=rid,
                equation=str(_need(table, "equation", at)),
                reactants=reactants,
                products=products,
                rate_type=rtype,
                a=_number(rate, "A", f"{at} rate"),
                b=_number(rate, "B", f"{at} rate"),
                c=_number(rate, "C", f"{at} rate"),
                photolysis=photo,
                uncertainty_factor=factor,
                source=str(_need(table, "source", at)),
            )
        )
    emissions = {}
    for key in ("voc", "nox"):
        table = _need(_need(data, "emissions", where), key, f"{where} [emissions]")
        at = f"{where} [emissions.{key}]"
        share = dict(_need(table, "species", at))
        for s in share:
            if s not in species:
                raise PolicyError(f"{at}: unknown species {s!r}")
        emissions[key] = (
            _number(table, "molar_mass", at),
            np.array([species.index(s) for s in share], np.int64),
            np.array([float(v) for v in share.values()], np.float64),
        )
    return Mechanism(
        id=mid,
        name=str(_need(data, "name", where)),
        source=str(_need(data, "source", where)),
        species=species,
        molar_mass=np.array(props["molar_mass"]),
        nitrogen=np.array(props["nitrogen"]),
        deposition_velocity=np.array(props["deposition_velocity"]) / 100.0,  # cm s⁻¹ → m s⁻¹
        background=np.array(props["background"]),
        reactions=tuple(reactions),
        photolysis=photolysis,
        photolysis_lmn=lmn,
        emissions=emissions,
        first_order_units=first_units,
        second_order_units=second_units,
    )


def mechanisms() -> list[str]:
    """Ids of the packaged mechanisms (file stems of ``engine/data/mechanisms``)."""
    folder = resources.files("engine.data").joinpath("mechanisms")
    return sorted(
        e.name[: -len(".toml")].upper()
        for e in folder.iterdir()
        if e.name.endswith(".toml") and e.name != "model.toml"
    )


@functools.cache
def load_mechanism(name: str = "GRS") -> Mechanism:
    """A packaged mechanism by id (``"GRS"``, the default, or ``"CONDENSED"``)."""
    stem = name.lower()
    entry = resources.files("engine.data").joinpath("mechanisms", f"{stem}.toml")
    if stem == "model" or not entry.is_file():
        raise PolicyError(f"no packaged mechanism {name!r}; known: {', '.join(mechanisms())}")
    where = f"engine/data/mechanisms/{stem}.toml"
    try:
        data = tomllib.loads(entry.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{where} is not valid TOML: {error}") from None
    return parse_mechanism(data, where=where)
