"""Build script for dynboltz.

The four source folders install under the one import package ``dynboltz``
(``dynboltz.symbolic``, ``dynboltz.codegen``, ``dynboltz.generated``,
``dynboltz.runtime``) through ``package_dir``: their bare names belong to other
projects on PyPI.  Every ``.pyx`` file in ``runtime/`` and ``generated/`` is
compiled by the build.
"""
from pathlib import Path

from setuptools import Extension, setup

_HERE = Path(__file__).parent
_PACKAGES = ("symbolic", "codegen", "generated", "runtime")


def _extensions():
    from Cython.Build import cythonize

    extensions = [
        Extension(
            f"dynboltz.{pyx.parent.name}.{pyx.stem}",
            [pyx.relative_to(_HERE).as_posix()],
            extra_compile_args=["-O3"],
            libraries=["m"],
        )
        for folder in ("runtime", "generated")
        for pyx in sorted((_HERE / folder).glob("*.pyx"))
    ]
    return cythonize(
        extensions,
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
    version="0.1.0",
    description=(
        "Reaction motifs to compiled reduced models: moment equations, "
        "dynamic Boltzmann basis functions, stochastic simulation and learning."
    ),
    long_description=(_HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=[f"dynboltz.{name}" for name in _PACKAGES],
    package_dir={f"dynboltz.{name}": name for name in _PACKAGES},
    package_data={"dynboltz.generated": ["*.pyx", "*.pxi", "*.toml"],
                  "dynboltz.runtime": ["*.pyx", "*.pxd"]},
    ext_modules=_extensions(),
    install_requires=[
        "numpy>=2.0",
        "scipy>=1.10",
        "sympy>=1.12",
        "symengine>=0.11",
        "Cython>=3.0",
        "setuptools>=68",
        "matplotlib>=3.7",
        "tqdm>=4.60",
    ],
    extras_require={
        "dask": ["dask[distributed]>=2023.1"],
        "test": ["pytest>=7", "dask[distributed]>=2023.1"],
    },
    entry_points={"console_scripts": ["dynboltz = dynboltz.runtime.cli:main"]},
    zip_safe=False,
)
