"""The hostile corpus through the inbox and the loader: never a crash, a hang or a lost file,
memory bounded, and each file accepted only when it really is a good report."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import cases
from reliability import BOUNDED_MIB, run_cases

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, object]:
    chosen = cases()
    assert len(chosen) >= 60
    found = run_cases(chosen, Path(tmp_path_factory.mktemp("corpus")))
    return {o.case_id: o for o in found}


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.case_id)
def test_each_hostile_file_ends_as_it_should(outcomes, case):
    outcome = outcomes[case.case_id]
    assert outcome.outcome not in ("crash", "hang", "lost"), outcome.reason
    assert outcome.peak_mib < BOUNDED_MIB, f"{outcome.peak_mib} MiB"
    assert outcome.outcome == case.expect, outcome.reason
    if outcome.outcome != "accepted":
        assert outcome.located, f"the reason does not say where: {outcome.reason}"
