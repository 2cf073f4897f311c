"""Templates of generated Cython modules.

Templates are dumb: ``string.Template`` text with ``${name}`` slots that the
emitter fills with blocks it has already printed.  No logic lives here.

The expression module is read best from the bottom up: ``_eval`` (printed
kernel, one point), ``_eval_rows`` (loop over rows), ``evaluate`` (the Python
entry point).  ``evaluate`` has a fast path for the commonest call, one point
given as 1-D C-contiguous float64 numpy arrays: it reads the data pointer
straight from the array object instead of going through the buffer protocol,
because acquiring buffers or memoryviews costs more than evaluating a typical
basis function.  The project builds without numpy headers, so the leading
fields of numpy's array struct (``PyArrayObject_fields``, unchanged since numpy
1.7 and kept by numpy 2) are declared here, and the layout is verified against
``__array_interface__`` at import; if the check fails the fast path is simply
never taken.  For the same reason the result array of the fast path is made by
numpy's C-API function ``PyArray_New``, looked up in numpy's ``_ARRAY_API``
capsule exactly as ``import_array()`` does (slot 93, ABI-stable), only after
checking the ABI version; otherwise ``numpy.empty`` is used.
"""
from string import Template

EXPRESSION_MODULE = Template('''\
${header}
# cython: language_level=3, boundscheck=False, wraparound=False
# cython: cdivision=True, initializedcheck=False
"""Compiled expressions: ``evaluate(x, p)`` -> float64 array (..., ${n_exprs})."""
from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_WRITABLE
from cpython.buffer cimport PyBuffer_Release, PyObject_GetBuffer
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_New
from cpython.ref cimport PyObject
${libm_cimport}
import numpy as _np

cdef enum:
    _N_INPUTS = ${n_inputs}
    _N_PARAMS = ${n_params}
    _N_EXPRS = ${n_exprs}

N_INPUTS = _N_INPUTS
N_PARAMS = _N_PARAMS
N_EXPRS = _N_EXPRS
INPUT_NAMES = ${input_names}
PARAM_NAMES = ${param_names}
SYMBOLIC_SHA256 = "${symbolic_sha256}"
${helpers}

cdef inline void _eval(const double* _x, const double* _p, double* _out) noexcept nogil:
${kernel_body}


cdef void _eval_rows(const double* x, const double* p, double* out,
                     Py_ssize_t n_rows) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n_rows):
        _eval(x + i * _N_INPUTS, p, out + i * _N_EXPRS)


cdef extern from *:
    """
    typedef struct {
        PyObject_HEAD
        char *data;
        int nd;
        Py_ssize_t *dimensions;
        Py_ssize_t *strides;
        PyObject *base;
        PyObject *descr;
        int flags;
    } dynboltz_ndarray_head;
    """
    ctypedef struct dynboltz_ndarray_head:
        char* data
        int nd
        Py_ssize_t* dimensions
        Py_ssize_t* strides
        PyObject* descr
        int flags

# numpy array flags (NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED [| WRITEABLE]).
cdef enum:
    _READABLE_VECTOR = 0x0101
    _WRITABLE_VECTOR = 0x0501

cdef object _ndarray = _np.ndarray
cdef object _float64 = _np.dtype(_np.float64)
cdef object _empty = _np.empty


cdef bint _array_head_matches_numpy():
    probe = _np.arange(3.0)
    cdef dynboltz_ndarray_head* head = <dynboltz_ndarray_head*><PyObject*>probe
    return (head.nd == 1 and head.dimensions[0] == 3 and head.strides[0] == 8
            and <size_t>head.data == probe.__array_interface__["data"][0]
            and head.descr == <PyObject*>_float64
            and (head.flags & _WRITABLE_VECTOR) == _WRITABLE_VECTOR
            and ((<dynboltz_ndarray_head*><PyObject*>probe[::2]).flags & 1) == 0)


cdef bint _fast_path_ok = _array_head_matches_numpy()

ctypedef object (*_array_new_t)(void*, int, Py_ssize_t*, int, Py_ssize_t*,
                                void*, int, int, void*)
ctypedef unsigned int (*_abi_version_t)() noexcept
cdef _array_new_t _array_new = NULL
cdef void* _array_type = NULL
cdef Py_ssize_t _out_dims[1]
_out_dims[0] = _N_EXPRS


cdef int _find_array_new() except -1:
    global _array_new, _array_type
    try:
        from numpy._core._multiarray_umath import _ARRAY_API
    except ImportError:
        from numpy.core._multiarray_umath import _ARRAY_API
    cdef void** api = <void**>PyCapsule_GetPointer(_ARRAY_API, NULL)
    # NPY_ABI_VERSION of numpy 1.x and 2.x; slots 0, 2, 93 are the same in both.
    if (<_abi_version_t>api[0])() in (0x01000009, 0x02000000):
        _array_new = <_array_new_t>api[93]
        _array_type = api[2]
    return 0


_find_array_new()


cdef inline object _new_vector():
    if _array_new != NULL:
        return _array_new(_array_type, 1, _out_dims, 12, NULL, NULL, 0, 0, NULL)
    return _empty(_N_EXPRS)


cdef inline double* _vector_data(object a, Py_ssize_t n, int flags):
    """Data of a 1-D float64 numpy array of length n with these flags, else NULL."""
    cdef dynboltz_ndarray_head* head
    if not _fast_path_ok or type(a) is not _ndarray:
        return NULL
    head = <dynboltz_ndarray_head*><PyObject*>a
    if (head.descr != <PyObject*>_float64 or head.nd != 1
            or head.dimensions[0] != n or (head.flags & flags) != flags):
        return NULL
    return <double*>head.data


def evaluate(x, p=None, out=None):
    """Evaluate the compiled expressions at the points ``x`` for parameters ``p``.

    Parameters
    ----------
    x : array_like, shape (..., N_INPUTS)
        Points, one per row; a 1-D ``x`` of length N_INPUTS is one point.
    p : array_like, shape (N_PARAMS,), optional if N_PARAMS == 0
        Parameter values, in the order of PARAM_NAMES.
    out : numpy.ndarray, shape (..., N_EXPRS), optional
        Writeable C-contiguous float64 array for the result (must not
        overlap ``x``).

    Returns
    -------
    numpy.ndarray, shape (..., N_EXPRS)
        The expressions, in order, at every point.
    """
    cdef const double* xp = _vector_data(x, _N_INPUTS, _READABLE_VECTOR)
    cdef const double* pp = _vector_data(p, _N_PARAMS, _READABLE_VECTOR)
    cdef double* op
    if xp != NULL and pp != NULL:
        if out is None:
            out = _new_vector()
        op = _vector_data(out, _N_EXPRS, _WRITABLE_VECTOR)
        if op != NULL:
            _eval(xp, pp, op)
            return out
    return _evaluate_general(x, p, out)


cdef object _evaluate_general(object x, object p, object out):
    xa = _np.ascontiguousarray(x, dtype=_float64)
    pa = _np.ascontiguousarray(() if p is None else p, dtype=_float64)
    if xa.ndim == 0 or xa.shape[xa.ndim - 1] != _N_INPUTS:
        raise ValueError(f"`x` of `evaluate` must be `an array of shape "
                         f"(..., {_N_INPUTS})`; got `shape {xa.shape}`")
    if pa.shape != (_N_PARAMS,):
        raise ValueError(f"`p` of `evaluate` must be `an array of shape "
                         f"({_N_PARAMS},)`; got `shape {pa.shape}`")
    shape = xa.shape[:xa.ndim - 1] + (_N_EXPRS,)
    if out is None:
        out = _empty(shape)
    elif not (isinstance(out, _ndarray) and out.dtype == _float64
              and out.shape == shape and out.flags.c_contiguous
              and out.flags.writeable):
        raise ValueError(f"`out` of `evaluate` must be `a writeable C-contiguous "
                         f"float64 array of shape {shape}`; got "
                         f"`{getattr(out, 'shape', type(out).__name__)}`")
    _run_rows(xa, pa, out, out.size // _N_EXPRS)
    return out


cdef void _run_rows(object xa, object pa, object out, Py_ssize_t n_rows) except *:
    cdef Py_buffer xb, pb, ob
    PyObject_GetBuffer(xa, &xb, PyBUF_C_CONTIGUOUS)
    try:
        PyObject_GetBuffer(pa, &pb, PyBUF_C_CONTIGUOUS)
        try:
            PyObject_GetBuffer(out, &ob, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE)
            try:
                with nogil:
                    _eval_rows(<const double*>xb.buf, <const double*>pb.buf,
                               <double*>ob.buf, n_rows)
            finally:
                PyBuffer_Release(&ob)
        finally:
            PyBuffer_Release(&pb)
    finally:
        PyBuffer_Release(&xb)


evaluate.n_inputs = _N_INPUTS
evaluate.n_params = _N_PARAMS
evaluate.n_exprs = _N_EXPRS
evaluate.input_names = INPUT_NAMES
evaluate.param_names = PARAM_NAMES
evaluate.symbolic_sha256 = SYMBOLIC_SHA256
# C entry for compiled callers: void (const double* x, const double* p,
# double* out, Py_ssize_t n_rows) noexcept nogil, rows as in evaluate().
evaluate.rows_kernel = PyCapsule_New(<void*>_eval_rows, b"dynboltz.codegen.rows_kernel", NULL)
''')

HELPERS = {
    "_ipow": '''
cdef inline double _ipow(double base, int n) noexcept nogil:
    # Repeated squaring; with a literal n the C compiler unrolls the loop.
    cdef double result = 1.0
    while n:
        if n & 1:
            result *= base
        base *= base
        n >>= 1
    return result
''',
}
