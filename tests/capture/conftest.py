"""The offline-capture cast: the inspections tree (a unit work, its floor and an inspection
lot in self-check) and the materials fixtures (a cable batch, the contractor's inspector, a
lab), on top of tests/conftest.py's project and actors."""

from tests.inspections.conftest import building, floor, leads, sam, tree  # noqa: F401
from tests.materials.conftest import (  # noqa: F401
    cable_batch,
    cable_maker,
    catalogue,
    contractor_person,
    lab,
)
