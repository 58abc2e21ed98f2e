# The one image for every process of docker-compose.yml: each service runs one of the bin/ scripts
# (bin/web, bin/worker, bin/worker-pdf, bin/beat; bin/release once per deployment).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# WeasyPrint renders PDFs with Pango.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# The processes run as this unprivileged user; the code and static files stay root's, read-only.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home app
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install -r requirements.lock
COPY . .
# Static files collected in production mode (hashed names and a manifest), as production serves them.
RUN bin/build-static
# The only place the service writes to disk (PRIVATE_STORAGE_ROOT is var/private by default).
ENV VAR_DIR=/app/var
RUN mkdir -p /app/var && chown app:app /app/var
USER app
EXPOSE 8000
CMD ["bin/web"]
