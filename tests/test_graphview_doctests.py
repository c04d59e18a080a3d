"""The examples in the graphview docstrings run and give what they show."""
import doctest
import importlib
import pkgutil

import pytest

import chainrule.graphview as graphview

MODULES = sorted(info.name for info in pkgutil.iter_modules(graphview.__path__, "chainrule.graphview."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
