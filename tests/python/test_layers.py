"""The dependency rule (layers.json) is enforced twice: by the build (each
layer's library compiles against an include root holding only the folders
it may see) and by tools/check_layers.py, run as a ctest. These tests show
that both catch an include that points up or sideways."""
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD, REPO

sys.path.insert(0, str(REPO / "tools"))
import check_layers  # noqa: E402


def make_tree(tmp_path, files):
    shutil.copy(REPO / "layers.json", tmp_path / "layers.json")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def test_repository_obeys_the_rule():
    assert check_layers.violations(REPO) == []


def test_check_reports_upward_and_sideways_includes(tmp_path):
    root = make_tree(tmp_path, {
        "sim/clock.hpp": '#include "sim/errors.hpp"\n#include "noc/topology.hpp"\n',
        "memory/hbm.cpp": '#include "memory/hbm.hpp"\n#include "sim/stats.hpp"\n\n#include "npu/core/ai_core.hpp"\n',
        "noc/fabric.cpp": '#include "models/chip_sim.hpp"\n',
        "models/job.cpp": '#include "memory/hbm.hpp"\n#include "noc/topology.hpp"\n#include "workload/player.hpp"\n',
        "workload/player.cpp": '#include "models/job.hpp"\n#include <vector>\n',
    })
    bad = check_layers.violations(root)
    assert bad == [
        "sim/clock.hpp:2: includes noc/ but layer 'sim' may include only sim (layers.json)",
        "memory/hbm.cpp:4: includes npu/ but layer 'memory' may include only memory, sim (layers.json)",
        "noc/fabric.cpp:1: includes models/ but layer 'noc' may include only noc, sim (layers.json)",
        "models/job.cpp:3: includes workload/ but layer 'models' may include only memory, models, noc, npu, sim "
        "(layers.json)",
    ]
    run = subprocess.run([sys.executable, str(REPO / "tools" / "check_layers.py"), str(root)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "4 include(s) break the dependency rule" in run.stdout


def test_check_passes_a_clean_tree(tmp_path):
    root = make_tree(tmp_path, {"noc/a.cpp": '#include "sim/params.hpp"\n#include "noc/a.hpp"\n'})
    run = subprocess.run([sys.executable, str(REPO / "tools" / "check_layers.py"), str(root)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout
    assert "every include points down" in run.stdout


@pytest.mark.skipif(not (BUILD / "layers" / "memory").is_dir(), reason="build tree not configured")
@pytest.mark.parametrize("layer,header,compiles", [
    ("memory", "noc/topology.hpp", False),   # sideways: a component never includes another
    ("sim", "memory/hbm_config.hpp", False),  # upward out of the framework
    ("noc", "models/op_job.hpp", False),      # upward into the assembled systems
    ("noc", "noc/topology.hpp", True),        # its own folder
    ("models", "noc/topology.hpp", True),     # downward
])
def test_build_include_roots_refuse_other_layers(tmp_path, layer, header, compiles):
    src = tmp_path / "probe.cpp"
    src.write_text(f'#include "{header}"\n')
    run = subprocess.run(["c++", "-std=c++17", "-fsyntax-only", f"-I{BUILD / 'layers' / layer}", str(src)],
                         capture_output=True, text=True)
    assert (run.returncode == 0) == compiles, run.stderr[-2000:]
    if not compiles:
        assert f"{header}: No such file" in run.stderr
