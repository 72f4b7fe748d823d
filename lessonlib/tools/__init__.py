"""Tools around the lecture, not used by the notebooks: the kernels' environment (and, by design, the build)."""
