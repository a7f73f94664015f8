import pytest

from projects import services
from projects.models import Project


@pytest.fixture(autouse=True)
def projects_layer_gates_only(monkeypatch):
    """These tests exercise the projects layer alone. The gates and stage hooks that higher
    layers register (responsibility/: signed letters and pledges) are tested in their apps."""
    supervision = [services._missing_mandatory_parties]
    gates = {
        Project.Stage.UNDER_SUPERVISION: supervision,
        services.PERMIT_GATE: [services._missing_mandatory_parties],
    }
    monkeypatch.setattr(services, "STAGE_GATES", gates)
    monkeypatch.setattr(services, "SUPERVISION_GATES", supervision)
    monkeypatch.setattr(services, "STAGE_ENTERED", {})
