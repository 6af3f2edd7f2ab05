def pytest_configure(config):
    config.addinivalue_line("markers", "bench: runs a benchmark script end to end on a tiny dataset (about 30 s)")
