"""The coverage report: what it counts, that every primitive has both modes, and the command line."""
import importlib
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import chainrule
import chainrule.numpy.rules
import chainrule.scipy
from chainrule import coverage
from chainrule.core import Primitive
from chainrule.numpy import registry


def _all_primitives():
    """Every primitive in the registry tables and in the rule modules (the internal ones too)."""
    found = {}
    for table in (registry.UFUNCS, registry.FUNCTIONS):
        for handler in table.values():
            if isinstance(handler, Primitive):
                found[id(handler)] = handler
    for package in (chainrule.numpy.rules, chainrule.scipy):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, Primitive):
                    found[id(value)] = value
    return list(found.values())


def test_every_primitive_has_a_jvp_wherever_it_has_a_vjp():
    """What lets the report count a composite (written with primitives) as having both modes."""
    primitives = _all_primitives()
    assert len(primitives) > 150
    for prim in primitives:
        vjp_args = {a for a, m in prim.vjp_makers.items() if m is not None}
        jvp_args = {a for a, r in prim.jvp_rules.items() if r is not None}
        assert vjp_args == jvp_args, f"{prim.name}: VJP for arguments {vjp_args}, JVP for {jvp_args}"
        assert (prim.vjp_argnum is None) == (prim.jvp_argnum is None), prim.name


@pytest.fixture(scope="module")
def rows():
    return {row.namespace: row for row in coverage.report()}


def test_namespaces_and_consistent_counts(rows):
    assert list(rows) == ["numpy", "numpy.linalg", "numpy.fft", "scipy.special", "scipy.stats", "scipy.linalg"]
    for row in rows.values():
        assert row.vjp == row.jvp, row.namespace
        assert row.vjp + row.nondifferentiable + len(row.missing) == row.counted, row.namespace
        assert len(set(row.missing)) == len(row.missing)


def test_scipy_namespaces_beat_autograd(rows):
    for namespace in ("scipy.special", "scipy.stats", "scipy.linalg"):
        assert rows[namespace].vjp >= coverage.AUTOGRAD[namespace][0], namespace


def test_what_counts(rows):
    special, numpy = rows["scipy.special"], rows["numpy"]
    assert "hyp2f1" in special.missing and "expit" not in special.missing
    assert "roots_legendre" not in special.missing and "jn_zeros" not in special.missing  # out of scope
    assert "save" not in numpy.missing and "copyto" not in numpy.missing  # out of scope: I/O, in-place
    candidates = coverage._candidates("numpy", np)
    assert ("abs" in candidates) != ("absolute" in candidates)  # aliases count once
    assert "zeros" not in candidates  # not reachable by a traced array: calls nothing chainrule can intercept
    assert "truncnorm" in rows["scipy.stats"].missing and "norm" not in rows["scipy.stats"].missing


def test_a_new_rule_moves_a_function_out_of_the_missing_group():
    row = coverage._namespace_row("numpy", np)
    if "unwrap" not in row.missing:
        pytest.skip("np.unwrap has a rule now")
    handler = Primitive(np.unwrap, "unwrap")
    registry.FUNCTIONS[np.unwrap] = handler
    try:
        after = coverage._namespace_row("numpy", np)
        assert "unwrap" in after.missing and after.vjp == row.vjp  # a primitive without rules is not covered
        handler.vjp_makers[0] = handler.jvp_rules[0] = lambda *args: None
        after = coverage._namespace_row("numpy", np)
        assert "unwrap" not in after.missing and after.vjp == row.vjp + 1 and after.jvp == row.jvp + 1
    finally:
        del registry.FUNCTIONS[np.unwrap]


def test_command_line_text_and_markdown():
    text = subprocess.run([sys.executable, "-m", "chainrule.coverage"], capture_output=True, text=True, check=True).stdout
    assert "scipy.special" in text and "without a rule" in text
    markdown = subprocess.run([sys.executable, "-m", "chainrule.coverage", "--markdown"], capture_output=True,
                              text=True, check=True).stdout
    lines = markdown.splitlines()
    assert lines[0].startswith("| namespace |") and "HIPS autograd" in lines[0]
    assert any(line.startswith("| scipy.stats |") and "8 distributions" in line for line in lines)
    assert any(line.startswith("| numpy.linalg |") and "| 10 (1) |" in line for line in lines)


def test_missing_scipy_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)  # `import scipy` now raises ImportError
    for name in [n for n in sys.modules if n == "chainrule.scipy" or n.startswith("chainrule.scipy.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[scipy\]'"):
        importlib.import_module("chainrule.scipy")


def test_degrees_and_radians_are_the_same_rules_as_rad2deg_and_deg2rad():
    import chainrule as cr
    cr.check_grads(np.degrees, modes=("fwd", "rev"), order=2)(np.array([0.3, -1.2]))
    cr.check_grads(np.radians, modes=("fwd", "rev"), order=2)(np.array([30.0, 200.0]))
    assert registry.UFUNCS[np.degrees] is registry.UFUNCS[np.rad2deg]
