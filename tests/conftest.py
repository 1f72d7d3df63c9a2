"""Shared pytest configuration: hypothesis profiles.

Profiles: ``dev`` (quick, for local iteration) and ``ci`` (more examples, no deadline).
Select with ``HYPOTHESIS_PROFILE=dev|ci``; the default is ``ci`` when the ``CI`` environment variable is set,
``dev`` otherwise.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# make tests/helpers.py importable from test files in sub-folders too
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
