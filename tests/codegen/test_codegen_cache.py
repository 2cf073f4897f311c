"""Tier 3: the compiled-module cache (hits, corruption, concurrency, failures).

Builds happen in subprocesses where a fresh interpreter matters (a cache hit
must not start a compiler nor import Cython; concurrent builders must be
separate processes).  A spy around ``build._run_build`` reports whether a
process compiled anything.  Each test uses its own temporary cache.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from dynboltz.codegen import build, cache_dir, clear_cache, load_module
from dynboltz.errors import CacheDirectoryError, CompileError

# A child process compiles exp(-a*x) + x**3 and reports values, builds and imports.
CHILD = textwrap.dedent("""
    import json, sys
    import sympy
    from dynboltz.codegen import build, compile_expressions
    forbid_build = sys.argv[1] == "forbid-build"
    builds = []
    real_build = build._run_build
    def spy(*args):
        if forbid_build:
            raise AssertionError("compiler invoked on a cache hit")
        builds.append(args[1])
        return real_build(*args)
    build._run_build = spy
    x, a = sympy.symbols("x a", real=True)
    if sys.argv[2] == "wait":
        print("ready", flush=True)
        sys.stdin.readline()
    f = compile_expressions([sympy.exp(-a * x) + x**3], [x], [a], name="child")
    print(json.dumps({"values": f([[0.5], [2.0]], [1.5]).ravel().tolist(),
                      "builds": len(builds), "cython_imported": "Cython" in sys.modules}))
""")
EXPECTED = [pytest.approx(2.718281828459045**-0.75 + 0.125, rel=1e-14),
            pytest.approx(2.718281828459045**-3.0 + 8.0, rel=1e-14)]


def start_child(cache, mode, wait="go"):
    env = dict(os.environ, DYNBOLTZ_CACHE=str(cache))
    return subprocess.Popen([sys.executable, "-c", CHILD, mode, wait], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def child_report(process):
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    report = json.loads(stdout.splitlines()[-1])
    assert report["values"] == EXPECTED
    return report


def entries(cache):
    """Cache entries; hidden names are lock files and in-flight build directories."""
    return sorted(p for p in (cache / "modules").iterdir() if not p.name.startswith("."))


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory):
    """Two processes build the same module into an empty cache at the same moment."""
    cache = tmp_path_factory.mktemp("concurrent_cache")
    children = [start_child(cache, "allow-build", wait="wait") for _ in range(2)]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    reports = [child_report(child) for child in children]
    return cache, reports


def test_concurrent_builders_both_succeed_and_leave_one_entry(built_cache):
    cache, reports = built_cache
    assert sorted(report["builds"] for report in reports) == [0, 1]
    (entry,) = entries(cache)
    assert len(list(entry.glob("*.so"))) == 1
    leftovers = [p.name for p in (cache / "modules").iterdir() if p.is_dir() and p != entry]
    assert leftovers == []


def test_cache_hit_in_a_fresh_process_needs_no_compiler_nor_cython(built_cache):
    cache, _ = built_cache
    report = child_report(start_child(cache, "forbid-build"))
    assert report["builds"] == 0 and report["cython_imported"] is False


@pytest.mark.parametrize("damage", ["truncate", "garbage", "no_sidecar", "wrong_key",
                                    "no_shared_object", "sidecar_not_json"])
def test_every_kind_of_damaged_entry_is_detected(built_cache, tmp_path, damage):
    cache, _ = built_cache
    shutil.copytree(cache, tmp_path / "cache")
    (entry,) = entries(tmp_path / "cache")
    key = json.loads((entry / "entry.json").read_text())["key"]
    assert build._entry_is_valid(entry, entry.name, key)
    shared_object = next(entry.glob("*.so"))
    size = shared_object.stat().st_size
    if damage == "truncate":
        shared_object.write_bytes(shared_object.read_bytes()[: size // 2])
    elif damage == "garbage":
        shared_object.write_bytes(os.urandom(size))
    elif damage == "no_sidecar":
        (entry / "entry.json").unlink()
    elif damage == "wrong_key":
        (entry / "entry.json").write_text(json.dumps({"key": "0" * 64}))
    elif damage == "no_shared_object":
        shared_object.unlink()
    else:
        (entry / "entry.json").write_text("{not json")
    assert not build._entry_is_valid(entry, entry.name, key)


def test_truncated_shared_object_is_rebuilt_not_loaded(built_cache, tmp_path):
    cache, _ = built_cache
    shutil.copytree(cache, tmp_path / "cache")
    (entry,) = entries(tmp_path / "cache")
    shared_object = next(entry.glob("*.so"))
    good_size = shared_object.stat().st_size
    shared_object.write_bytes(shared_object.read_bytes()[:4096])
    report = child_report(start_child(tmp_path / "cache", "allow-build"))
    assert report["builds"] == 1
    (rebuilt,) = entries(tmp_path / "cache")
    assert rebuilt.name == entry.name
    assert next(rebuilt.glob("*.so")).stat().st_size == good_size


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DYNBOLTZ_CACHE", str(tmp_path / "explicit"))
    assert cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("DYNBOLTZ_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "dynboltz"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "dynboltz"


UNBUILT = {"unusable_cache.pyx": "def answer():\n    return 7\n"}


@pytest.mark.parametrize("where", ["a file", "below a file", "not writable"])
def test_an_unusable_cache_directory_is_named_with_the_way_out(tmp_path, monkeypatch, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    # sysfs refuses new folders even to root (CI runs as root, where a 0o555
    # directory would still be writable).
    cache = {"a file": blocker, "below a file": blocker / "cache",
             "not writable": Path("/sys") / "dynboltz-cache"}[where]
    monkeypatch.setenv("DYNBOLTZ_CACHE", str(cache))
    with pytest.raises(CacheDirectoryError, match=rf"cache directory '{re.escape(str(cache))}' "
                       r"\(DYNBOLTZ_CACHE\) cannot be used: .*; set DYNBOLTZ_CACHE to a "
                       r"writable directory") as failure:
        load_module(UNBUILT, "unusable_cache")
    assert isinstance(failure.value, OSError) and failure.value.path == cache
    assert not list(tmp_path.glob("**/*unusable_cache*"))


def test_an_unusable_default_cache_directory_points_to_dynboltz_cache(tmp_path, monkeypatch):
    (tmp_path / "xdg").write_text("not a directory")
    monkeypatch.delenv("DYNBOLTZ_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(CacheDirectoryError, match=rf"'{re.escape(str(tmp_path / 'xdg' / 'dynboltz'))}' "
                       r"\(the default, as DYNBOLTZ_CACHE is not set\) cannot be used: "
                       r"Not a directory; set DYNBOLTZ_CACHE"):
        load_module(UNBUILT, "unusable_cache")


def test_clear_cache_removes_compiled_modules(built_cache, tmp_path, monkeypatch):
    cache, _ = built_cache
    shutil.copytree(cache, tmp_path / "cache")
    monkeypatch.setenv("DYNBOLTZ_CACHE", str(tmp_path / "cache"))
    clear_cache()
    assert not (tmp_path / "cache" / "modules").exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []
    clear_cache()


def test_cache_key_changes_with_sources_flags_and_hint(monkeypatch):
    sources = {"m.pyx": "x = 1\n"}
    key = build.cache_key(sources, "m")
    assert key == build.cache_key(dict(sources), "m")
    assert key != build.cache_key({"m.pyx": "x = 2\n"}, "m")
    assert key != build.cache_key(sources, "other")
    monkeypatch.setitem(build.BUILD_FLAGS, "extra_compile_args", ["-O2"])
    assert key != build.cache_key(sources, "m")


def test_missing_compiler_raises_compile_error_with_its_output(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNBOLTZ_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(CompileError) as failure:
        load_module({"tiny.pyx": "def answer():\n    return 42\n"}, "tiny")
    assert "/nonexistent/cc" in failure.value.output
    assert failure.value.command[0] == sys.executable
    assert "/nonexistent/cc" in str(failure.value)
    assert [p.name for p in (tmp_path / "modules").iterdir() if not p.name.endswith(".lock")] == []


def test_broken_source_raises_compile_error_with_cython_output(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNBOLTZ_CACHE", str(tmp_path))
    with pytest.raises(CompileError) as failure:
        load_module({"broken.pyx": "def broken(:\n    pass\n"}, "broken")
    assert "Error compiling Cython file" in failure.value.output
    assert "def broken(:" in failure.value.output
    assert [p.name for p in (tmp_path / "modules").iterdir() if not p.name.endswith(".lock")] == []


@pytest.mark.parametrize("sources, hint, error", [
    ({"a.pyx": "", "b.pyx": ""}, "m", ValueError),
    ({"../a.pyx": ""}, "m", ValueError),
    ({"a.pxd": ""}, "m", ValueError),
    ({"a.pyx": 1}, "m", TypeError),
    ({"a.pyx": ""}, "9m", ValueError),
])
def test_load_module_validates_its_arguments(sources, hint, error):
    with pytest.raises(error):
        load_module(sources, hint)


def test_cache_key_changes_with_the_numpy_version(monkeypatch):
    """Generated modules read numpy's array struct and C-API, so numpy is in the key."""
    sources = {"m.pyx": "x = 1\n"}
    key = build.cache_key(sources, "m")
    real_version = build.importlib.metadata.version
    monkeypatch.setattr(build.importlib.metadata, "version",
                        lambda package: "0.0.fake" if package == "numpy"
                        else real_version(package))
    build._versions.cache_clear()
    try:
        assert build._versions()["numpy"] == "0.0.fake"
        assert key != build.cache_key(sources, "m")
    finally:
        monkeypatch.undo()
        build._versions.cache_clear()
    assert key == build.cache_key(sources, "m")


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_written_sources_get_the_mode_the_umask_gives(tmp_path, umask):
    previous = os.umask(umask)
    try:
        (path,) = build.write_sources({"m.pyx": "x = 1\n"}, tmp_path)
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert path.read_text() == "x = 1\n"


def test_failed_write_leaves_old_content_and_no_temporary_file(tmp_path):
    build.write_sources({"a.pyx": "old a\n", "b.pyx": "old b\n"}, tmp_path)
    # A lone surrogate cannot be encoded as UTF-8: the write of b.pyx fails midway.
    with pytest.raises(UnicodeEncodeError):
        build.write_sources({"a.pyx": "new a\n", "b.pyx": "new b \udc80\n"}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pyx", "b.pyx"]
    assert (tmp_path / "a.pyx").read_text() == "new a\n"
    assert (tmp_path / "b.pyx").read_text() == "old b\n"


def _current_umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_a_cache_entry_folder_gets_the_mode_a_plain_mkdir_gives(built_cache):
    # it used to keep mkdtemp's 0700
    cache, _ = built_cache
    (entry,) = entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o777 & ~_current_umask()


def _aged(path, age):
    stamp = time.time() - age
    for inner in [path, *path.rglob("*")]:
        os.utime(inner, (stamp, stamp), follow_symlinks=False)
    return path


def test_the_next_build_removes_folders_that_killed_builds_left(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNBOLTZ_CACHE", str(tmp_path))
    modules = tmp_path / "modules"
    old = build.STALE_SECONDS + 60
    folders = {}
    for name in (".m_1.build-abc", ".m_2.stale-def", ".m_3.build-ghi", ".m_4.build-jkl",
                 "user_folder", ".other"):
        (modules / name / "build").mkdir(parents=True)
        (modules / name / "build" / "m.o").write_bytes(b"object")
        folders[name] = _aged(modules / name, old)
    _aged(modules / ".m_3.build-ghi", 10)  # a build in progress
    (folders[".m_4.build-jkl"] / "build" / "m.o").touch()  # still writing inside it

    def killed_build(workdir, module_name):
        raise CompileError("stopped", ["cc"], "")

    monkeypatch.setattr(build, "_run_build", killed_build)
    with pytest.raises(CompileError):
        load_module({"m.pyx": "x = 1\n"}, "m")
    assert sorted(p.name for p in modules.iterdir() if p.is_dir()) == [
        ".m_3.build-ghi", ".m_4.build-jkl", ".other", "user_folder"]
    # clear_cache does the same for the folders of a clear_cache that was killed
    cleared = _aged(Path(tempfile.mkdtemp(prefix=".cleared-", dir=tmp_path)), old)
    clear_cache()
    assert not cleared.exists()
