from tests.celery_worker import celery_workers  # noqa: F401 - real workers, started per test
from tests.faults.redis_server import redis_server  # noqa: F401 - a private Redis to stop
