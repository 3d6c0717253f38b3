import pytest
from rig import Rig, make_rig


@pytest.fixture
def rig() -> Rig:
    return make_rig()
