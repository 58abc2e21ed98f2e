"""Hypothesis settings of the fuzz tests, as profiles.

``fuzz-ci`` (the default) is derandomized: the examples come from a seed fixed by each test's
name, so a failure in CI happens again on any machine, and no example database is read or written.
``fuzz-explore`` draws new examples on every run and keeps failing ones in ``.hypothesis/``, for
looking harder locally. ``FUZZ_EXAMPLES`` replaces every test's modest number of examples::

    FUZZ_PROFILE=fuzz-explore FUZZ_EXAMPLES=500 pytest tests/fuzz

Each test applies its profile itself (``@fuzz(30)``) rather than loading one for the whole run, so
the property tests elsewhere keep Hypothesis's defaults."""

import os

from hypothesis import HealthCheck, Phase, settings

_SUPPRESSED = [
    HealthCheck.function_scoped_fixture,  # the database is reset per example by a savepoint
    HealthCheck.too_slow,  # an example is a file through the web app: slower than a pure function
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
]

settings.register_profile(
    "fuzz-ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=_SUPPRESSED,
)
settings.register_profile(
    "fuzz-explore",
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
)

PROFILE = os.environ.get("FUZZ_PROFILE", "fuzz-ci")


def fuzz(examples: int) -> settings:
    """The settings of one fuzz test: its profile, with ``examples`` unless ``FUZZ_EXAMPLES`` says."""
    count = int(os.environ.get("FUZZ_EXAMPLES") or examples)
    return settings(settings.get_profile(PROFILE), max_examples=count)
