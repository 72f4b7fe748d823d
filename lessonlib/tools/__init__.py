"""Tools around the lecture, never imported by a notebook: the build and its page renderer (build, page), make
sync (sync), the browser driver of the tests and benchmarks (labdriver, labdriver.js), the kernels' environment."""
