"""Build script for dynboltz.

The four layer folders install under the one import package ``dynboltz``
(``dynboltz.symbolic``, ``dynboltz.codegen``, ``dynboltz.generated``,
``dynboltz.runtime`` and their subpackages) through ``package_dir``: their bare names
belong to other projects on PyPI.  ``package_root/`` is the package root itself (``import
dynboltz``: version, and the plain-Python facts every layer shares).  Every ``.pyx``
file under ``runtime/`` and ``generated/`` is compiled by the build, in parallel: Cython
translates the files on ``os.cpu_count()`` processes and ``build_ext`` compiles the C
files as many at a time (``DYNBOLTZ_BUILD_JOBS`` sets another number).
"""
import os
import re
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

_HERE = Path(__file__).parent
_VERSION = re.search(r'__version__ = "([^"]+)"', (_HERE / "package_root" / "__init__.py").read_text()).group(1)
_LAYERS = ("symbolic", "codegen", "generated", "runtime")


def _packages():
    """``{import name: folder}``: the shared root (``package_root/``), the layers, and the subfolders of both."""
    packages = {"dynboltz": "package_root"}
    for init in sorted((_HERE / "package_root").rglob("__init__.py")):
        folder = init.parent.relative_to(_HERE)
        packages[".".join(("dynboltz",) + folder.parts[1:])] = folder.as_posix()
    for layer in _LAYERS:
        for init in sorted((_HERE / layer).rglob("__init__.py")):
            folder = init.parent.relative_to(_HERE)
            packages["dynboltz." + ".".join(folder.parts)] = folder.as_posix()
    return packages


def _jobs():
    """Processes for the build: ``DYNBOLTZ_BUILD_JOBS`` or every core."""
    given = os.environ.get("DYNBOLTZ_BUILD_JOBS", "")
    return int(given) if given.isdigit() and int(given) > 0 else (os.cpu_count() or 1)


class ParallelBuildExt(build_ext):
    """``build_ext`` that compiles the extensions in parallel unless ``-j`` says
    otherwise (setuptools compiles them one by one by default)."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = _jobs()


def _extensions():
    from Cython.Build import cythonize

    extensions = [
        Extension(
            "dynboltz." + ".".join(pyx.relative_to(_HERE).with_suffix("").parts),
            [pyx.relative_to(_HERE).as_posix()],
            extra_compile_args=["-O3"],
            libraries=["m"],
        )
        for folder in ("runtime", "generated")
        for pyx in sorted((_HERE / folder).rglob("*.pyx"))
    ]
    return cythonize(
        extensions,
        nthreads=_jobs(),
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )


setup(
    name="dynboltz",
    version=_VERSION,
    description=(
        "Reaction motifs to compiled reduced models: moment equations, "
        "dynamic Boltzmann basis functions, stochastic simulation and learning."
    ),
    long_description=(_HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=list(_packages()),
    package_dir=_packages(),
    package_data={name: ["*.pyx", "*.pxd", "*.pxi", "*.in", "*.toml"] for name in _packages()},
    ext_modules=_extensions(),
    cmdclass={"build_ext": ParallelBuildExt},
    install_requires=[
        "numpy>=2.0",
        "scipy>=1.10",
        "sympy>=1.12",
        "symengine>=0.11",
        "Cython>=3.0",
        "setuptools>=68",
        "matplotlib>=3.7",
        "tqdm>=4.60",
        "scikit-learn>=1.2",
    ],
    extras_require={
        "dask": ["dask[distributed]>=2023.1"],
        "sbml": ["python-libsbml>=5.19"],
        # pytest-timeout: a test that hangs fails by name instead of running CI out of time
        "test": ["pytest>=7", "pytest-timeout>=2.1", "dask[distributed]>=2023.1",
                 "python-libsbml>=5.19"],
    },
    entry_points={"console_scripts": ["dynboltz = dynboltz.runtime.cli.main:main"]},
    zip_safe=False,
)
