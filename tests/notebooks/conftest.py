"""The notebooks run against the same demo run as the end-to-end tests (one CLI run per session)."""

from tests.e2e.conftest import demo_run  # noqa: F401  (re-exported fixture)
