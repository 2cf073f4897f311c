"""Compile generated Cython sources into a content-addressed cache and import them.

Layout: ``cache_dir()/modules/<module>/`` holds ``<module><EXT_SUFFIX>``, its
``.pyx`` (kept for reading) and ``entry.json``, a sidecar with the cache key
and the sha256 of the shared object.  ``<module>`` is ``<name_hint>_<key[:20]>``
where the key is the sha256 of the sources, the build flags, the dynboltz,
Cython and numpy versions and the Python ABI tag, so two different modules
never share a name, and changing any of these rebuilds.

Concurrency: a build takes an ``fcntl`` lock per module, compiles in a private
temporary directory inside the cache and renames it into place, so readers see
either a complete entry or none, and concurrent builders of the same module
end with one entry.  A cache hit imports the shared object by path without
starting a compiler or importing Cython.  Build, stale and cleared folders that a
killed process left (nothing in them changed for ``STALE_SECONDS``) are removed by
the next build or `clear_cache`.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from dynboltz.atomic_files import STALE_SECONDS, atomic_writer, plain_mode
from dynboltz.errors import CacheDirectoryError, CompileError
from dynboltz.messages import invalid

from .names import check_module_name

BUILD_FLAGS = {
    "extra_compile_args": ["-O3", "-g0"],
    "libraries": ["m"],
    "directives": {
        "language_level": 3,
        "boundscheck": False,
        "wraparound": False,
        "cdivision": True,
        "initializedcheck": False,
    },
}

_SIDECAR = "entry.json"
_SOURCE_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")

# Runs in a fresh interpreter inside the build directory, so that the
# compiler's and Cython's output can be captured whole for CompileError.
_BUILD_SCRIPT = """\
import json, sys
from Cython.Build import cythonize
from setuptools import Distribution, Extension
name, flags = sys.argv[1], json.loads(sys.argv[2])
extension = Extension(name, [name + ".pyx"],
                      extra_compile_args=flags["extra_compile_args"],
                      libraries=flags["libraries"])
modules = cythonize([extension], compiler_directives=flags["directives"], quiet=True)
distribution = Distribution({"name": name, "ext_modules": modules})
build_ext = distribution.get_command_obj("build_ext")
build_ext.inplace = True
build_ext.build_temp = "build"
distribution.run_command("build_ext")
"""

_LOADED: dict[str, ModuleType] = {}


def cache_dir() -> Path:
    """Return the dynboltz cache directory (not created by this call).

    ``$DYNBOLTZ_CACHE`` if set, else ``$XDG_CACHE_HOME/dynboltz``, else
    ``~/.cache/dynboltz``; read at every call.

    Returns
    -------
    pathlib.Path
    """
    if os.environ.get("DYNBOLTZ_CACHE"):
        return Path(os.environ["DYNBOLTZ_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "dynboltz"


def clear_cache() -> None:
    """Delete every compiled module in :func:`cache_dir` (``modules/``).

    Modules already imported in this process stay usable; the next
    :func:`load_module` of the same sources rebuilds on disk only in a new
    process.
    """
    modules = cache_dir() / "modules"
    _remove_abandoned_folders(cache_dir())
    if not modules.exists():
        return
    doomed = Path(tempfile.mkdtemp(prefix=".cleared-", dir=cache_dir()))
    os.rename(modules, doomed / "modules")
    shutil.rmtree(doomed, ignore_errors=True)


def write_sources(sources: Mapping[str, str], directory: os.PathLike | str) -> list[Path]:
    """Write ``{filename: text}`` into ``directory`` atomically, one file at a time.

    Each file is written to a temporary file in ``directory``, synced and
    renamed onto its name with the permissions a plain ``open`` gives under
    the current umask; on failure the temporary file is removed and the
    previous content stays.

    Parameters
    ----------
    sources : dict of str to str
    directory : path-like
        Created if missing.

    Returns
    -------
    list of pathlib.Path
        The written files, in sorted filename order.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for filename in sorted(sources):
        target = directory / filename
        with atomic_writer(target, "w") as stream:
            stream.write(sources[filename])
        written.append(target)
    return written


def load_module(sources: Mapping[str, str], name_hint: str) -> ModuleType:
    """Compile (or find in the cache) and import a generated Cython module.

    Parameters
    ----------
    sources : dict of str to str
        ``{filename: text}`` with exactly one ``.pyx`` file (renamed to the
        module name; a ``.pxd`` of the same stem follows it) plus any files
        it includes.
    name_hint : str
        Readable prefix of the module name: a letter followed by up to 63
        letters, digits or ``_``.

    Returns
    -------
    module
        The imported extension module (also registered in ``sys.modules``).

    Raises
    ------
    TypeError, ValueError
        For malformed ``sources`` or ``name_hint``.
    CompileError
        If Cython or the C compiler fails; carries the command and output.
    CacheDirectoryError
        If the module must be built but :func:`cache_dir` cannot be created
        or written (an ``OSError`` naming the directory and DYNBOLTZ_CACHE).
    """
    _check_sources(sources, name_hint)
    key = cache_key(sources, name_hint)
    module_name = f"{name_hint}_{key[:20]}"
    if module_name in _LOADED:
        return _LOADED[module_name]
    entry = cache_dir() / "modules" / module_name
    module = _import_entry(entry, module_name, key)
    if module is None:
        _check_writable(entry.parent)
        _remove_abandoned_folders(entry.parent)
        with _locked(entry):
            module = _import_entry(entry, module_name, key)
            if module is None:
                _build_entry(sources, entry, module_name, key)
                module = _import_entry(entry, module_name, key, must_succeed=True)
    _LOADED[module_name] = module
    return module


def cache_key(sources: Mapping[str, str], name_hint: str) -> str:
    """sha256 hex key of sources + build flags + dynboltz/Cython/numpy versions + ABI tag.

    Parameters
    ----------
    sources : dict of str to str
    name_hint : str

    Returns
    -------
    str
    """
    material = {
        "sources": sorted(sources.items()),
        "name_hint": name_hint,
        "flags": BUILD_FLAGS,
        "versions": _versions(),
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


@functools.cache
def _versions():
    # numpy: generated expression modules read its array struct layout and a C-API slot.
    return {package: importlib.metadata.version(package)
            for package in ("dynboltz", "Cython", "numpy")}


def _check_sources(sources, name_hint):
    check_module_name(name_hint, "name_hint", "load_module")
    if not isinstance(sources, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in sources.items()):
        raise invalid("sources", "load_module", "a dict of filename str to source str",
                      type(sources), TypeError)
    bad = [name for name in sources if not _SOURCE_FILE.match(name)]
    pyx = [name for name in sources if name.endswith(".pyx")]
    if bad or len(pyx) != 1:
        raise invalid("sources", "load_module",
                      "keyed by plain file names with exactly one .pyx file", sorted(sources))


def _shared_object(entry, module_name):
    return entry / (module_name + sysconfig.get_config_var("EXT_SUFFIX"))


def _sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _entry_is_valid(entry, module_name, key):
    """True if the entry's sidecar matches ``key`` and the shared object's hash."""
    try:
        sidecar = json.loads((entry / _SIDECAR).read_text())
        shared_object = _shared_object(entry, module_name)
        return (sidecar.get("key") == key
                and sidecar.get("sha256") == _sha256_file(shared_object))
    except (OSError, ValueError, AttributeError):
        return False


def _import_entry(entry, module_name, key, must_succeed=False):
    """Import a valid cache entry; None if it is missing, corrupt or fails to import."""
    if not _entry_is_valid(entry, module_name, key):
        if must_succeed:
            raise RuntimeError(f"cache entry {entry} is invalid right after building it")
        return None
    spec = importlib.util.spec_from_file_location(
        module_name, _shared_object(entry, module_name))
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:
        if must_succeed:
            raise
        return None
    sys.modules[module_name] = module
    return module


def _check_writable(directory):
    # Fail with the path and the way out, not with a bare errno from deep in a build.
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise CacheDirectoryError(cache_dir(), error) from error


@contextlib.contextmanager
def _locked(entry):
    with open(entry.parent / f".{entry.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# the temporary folders of _build_entry and clear_cache
_TEMPORARY_FOLDER = re.compile(r"^\.(?:.+\.(?:build|stale)|cleared)-")


def _last_change(folder):
    newest = folder.lstat().st_mtime
    for path in folder.rglob("*"):
        with contextlib.suppress(FileNotFoundError):
            newest = max(newest, path.lstat().st_mtime)
    return newest


def _remove_abandoned_folders(directory):
    """Remove temporary folders in ``directory`` that nothing changed for a long time."""
    try:
        candidates = [path for path in Path(directory).iterdir()
                      if _TEMPORARY_FOLDER.match(path.name) and path.is_dir()
                      and not path.is_symlink()]
    except FileNotFoundError:
        return
    for folder in candidates:
        with contextlib.suppress(FileNotFoundError):
            if time.time() - _last_change(folder) > STALE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)


def _build_entry(sources, entry, module_name, key):
    """Build into a temporary directory, then rename it over ``entry``."""
    workdir = Path(tempfile.mkdtemp(prefix=f".{module_name}.build-", dir=entry.parent))
    # mkdtemp gives 0700; the entry gets the mode a plain mkdir would
    os.chmod(workdir, plain_mode(folder=True))
    try:
        write_sources(_renamed_sources(sources, module_name), workdir)
        _run_build(workdir, module_name)
        shared_object = _shared_object(workdir, module_name)
        for byproduct in (workdir / "build", workdir / f"{module_name}.c"):
            shutil.rmtree(byproduct) if byproduct.is_dir() else byproduct.unlink()
        write_sources({_SIDECAR: json.dumps(
            {"key": key, "sha256": _sha256_file(shared_object)}, indent=1)}, workdir)
        if entry.exists():
            stale = Path(tempfile.mkdtemp(prefix=f".{module_name}.stale-", dir=entry.parent))
            os.rename(entry, stale / "entry")
            shutil.rmtree(stale, ignore_errors=True)
        os.rename(workdir, entry)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _renamed_sources(sources, module_name):
    stem = next(name for name in sources if name.endswith(".pyx"))[:-len(".pyx")]
    renamed = {}
    for filename, text in sources.items():
        base, dot, extension = filename.rpartition(".")
        if base == stem and extension in ("pyx", "pxd"):
            filename = f"{module_name}.{extension}"
        renamed[filename] = text
    return renamed


def _run_build(workdir, module_name):
    command = [sys.executable, "-c", _BUILD_SCRIPT, module_name, json.dumps(BUILD_FLAGS)]
    try:
        completed = subprocess.run(command, cwd=workdir, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
    except OSError as error:
        raise CompileError(f"could not start the build of {module_name}: {error}",
                           command, "") from error
    if completed.returncode != 0:
        raise CompileError(f"building {module_name} failed with exit code "
                           f"{completed.returncode}", command, completed.stdout)
    if not _shared_object(workdir, module_name).exists():
        raise CompileError(f"building {module_name} produced no "
                           f"{_shared_object(workdir, module_name).name}",
                           command, completed.stdout)
