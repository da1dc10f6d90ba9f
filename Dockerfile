# kg API image for docker-compose.yml: the GraphQL API (kg serve) over a Neo4j store.
# Build: docker compose build   (or: docker build -t kg .)
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (cached while only code changes), then the package itself.
COPY pyproject.toml README* ./
COPY kg ./kg
COPY data ./data
COPY queries ./queries
RUN pip install ".[all]"

# The bundled vocabulary and seed live in /app/data; with /app first on the path, `import kg` uses the
# copy beside them (kg.config.default_data_dir) whatever the wheel packs.
ENV PYTHONPATH=/app

RUN useradd --create-home --uid 10001 kg && mkdir -p /app/.kg && chown kg /app/.kg
USER kg

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["kg", "serve", "--host", "0.0.0.0", "--port", "8000"]
