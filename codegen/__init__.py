"""dynboltz.codegen: sympy expressions -> Cython source -> cached compiled modules."""
from .build import CacheDirectoryError, CompileError, cache_dir, clear_cache, load_module
from .emit import emit_expressions
from .export import export_motif
from .expressions import compile_expressions
from .closures import EMITTERS, compile_motif
from .motif import emit_motif
from .printer import CythonCodePrinter, UnsupportedExpressionError

__all__ = [
    "CacheDirectoryError",
    "CompileError",
    "CythonCodePrinter",
    "EMITTERS",
    "UnsupportedExpressionError",
    "cache_dir",
    "clear_cache",
    "compile_expressions",
    "compile_motif",
    "emit_expressions",
    "emit_motif",
    "export_motif",
    "load_module",
]
