"""The paper's experiments, one module each with its figure beside it.

``galton_watson`` (Figs. 1-5), ``continuous`` (Fig. 6), ``lattice_basis`` (Figs. 7-8),
``barw`` + ``barw_figures`` (Figs. 9-10), ``sep_ann`` with ``ann`` and
``parameter_trajectories`` (Fig. 11); ``report`` runs them all into one HTML page.
Like the command line, this package may build models from symbolic input.
"""
