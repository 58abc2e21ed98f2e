"""Settings of the load benchmark: the project's own settings, read from the environment as in
production (run.sh sets ``APP_ENV=production``), with one addition: a URL configuration that adds
the bare view the pages are measured against. Nothing else differs from what production runs."""

from carehomes_les.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load.urls"
