# Steady's production image: slim, non-root, `steady run`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    MPLBACKEND=Agg \
    STEADY_CONFIG_DIR=/app/config
COPY --from=build /install /usr/local
COPY config /app/config
RUN useradd --create-home --uid 10001 steady
USER steady
WORKDIR /home/steady
# Migrations run on start; SQLite lands in ~/.local/share/steady unless STEADY_DATABASE_URL is set.
CMD ["steady", "run"]
