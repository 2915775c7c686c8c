"""Shared test helpers: loopback servers, a TCP proxy, a browser, the crash
runner and the fork-server probe (run as modules or imported by tests)."""
