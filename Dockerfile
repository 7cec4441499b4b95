# The Migo onboarding bot. `docker compose up` builds and runs it (see the README, "Deploy").

# Build the project's wheel alone; its dependencies are resolved in the runtime stage.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY locales ./locales
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# The wheel and its runtime dependencies only: no test extra, no sources, no compilers.
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels
RUN useradd --system --user-group --no-log-init --uid 10001 --home-dir /app --create-home migo
WORKDIR /app
USER migo
# The webhook server (WEBHOOK_PORT); polling needs no port.
EXPOSE 8443
# Healthy while the session store answers a ping and the Leads API URL is usable.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["migo-bot", "health"]
CMD ["migo-bot", "telegram"]
