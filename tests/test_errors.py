"""One exceptions module; errors name the public function the user called."""
import inspect

import pytest

import dynboltz.errors as errors
from dynboltz.errors import (ConvergenceError, DynboltzError, IntegrationError,
                             InvalidArgumentError, InvalidTypeError)
from dynboltz.messages import invalid, public
from dynboltz.runtime.learning.settings import OptimizerSettings
from dynboltz.symbolic import LatticeMotif


def test_every_class_derives_from_the_package_base_and_its_builtin():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if c.__module__ == "dynboltz.errors"]
    assert {c.__name__ for c in classes} == set(errors.__all__)
    for c in classes:
        assert issubclass(c, (DynboltzError, errors.DynboltzWarning))
    assert issubclass(InvalidTypeError, TypeError) and issubclass(InvalidTypeError, ValueError)
    assert issubclass(IntegrationError, FloatingPointError)
    assert issubclass(IntegrationError, ConvergenceError)


def test_no_other_module_defines_an_exception_class():
    import ast
    import importlib
    from pathlib import Path
    for layer in ("symbolic", "codegen", "generated", "runtime"):
        folder = Path(importlib.import_module(f"dynboltz.{layer}").__file__).parent
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    bases = {ast.unparse(b) for b in node.bases}
                    assert not any(b.endswith(("Error", "Exception", "Warning"))
                                   for b in bases), (path, node.name)


def test_a_bad_rule_names_the_class_the_user_built_not_the_parser():
    with pytest.raises(InvalidArgumentError, match="of `LatticeMotif`"):
        LatticeMotif(species=["A"], processes={"x": ["A _ -> _ Q"]})


def test_settings_built_directly_name_themselves():
    with pytest.raises(InvalidArgumentError, match="of `OptimizerSettings`"):
        OptimizerSettings(learning_rate=-1.0)


def test_the_outermost_public_function_is_named_and_attributes_are_kept():
    @public
    def inner(value):
        raise invalid("value", "a_private_helper", "positive", value)

    @public
    def outer(value):
        return inner(value)

    with pytest.raises(InvalidArgumentError) as caught:
        outer(-1)
    assert "`value` of `outer`" in str(caught.value)
    assert (caught.value.param, caught.value.function, caught.value.value) == \
        ("value", "outer", -1)
    # outside any public call the written name stays
    assert "of `a_private_helper`" in str(invalid("value", "a_private_helper", "positive", -1))
    assert isinstance(invalid("v", "f", "c", 1, TypeError), InvalidTypeError)
    assert type(invalid("v", "f", "c", 1, SystemExit)) is SystemExit
