# The anju image: every server-side command (`anju db migrate`, `anju ingest`,
# `anju platform serve`, `anju simulate ...`). Build: docker build -t anju .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A CJK font for the PDF evidence pack (ANJU_PLATFORM_PDF_FONT points at it).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY common ./common
COPY cli ./cli
COPY ingest ./ingest
COPY platform ./platform
COPY edge ./edge
COPY simulators ./simulators
COPY bench ./bench
COPY dashboards ./dashboards
RUN pip install ".[server]"

# Never run as root inside the container.
RUN useradd --system --uid 10001 --home-dir /app anju \
    && mkdir -p /app/var /var/lib/anju && chown anju /app/var /var/lib/anju
USER anju

ENTRYPOINT ["anju"]
CMD ["--help"]
