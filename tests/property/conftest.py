"""Hypothesis profiles for the property tests.

"ci" (the default): 200 examples per property, derandomized (the same
examples on every run, so CI never flakes on a new one), no deadline (the
2-core CI machine is shared), no example database written to the tree.
"explore": HYPOTHESIS_PROFILE=explore for a long random search when
changing the code under test; a failure it finds becomes a regular test.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=5000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
