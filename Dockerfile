# The anju image: every server-side command (`anju db migrate`, `anju ingest`,
# `anju platform serve`, `anju simulate ...`). Build: docker build -t anju .

# Build stage: the anju wheel with the hot detection modules compiled by mypyc
# (scripts/build_native.py; gcc and mypy stay in this stage). The wheel carries the compiled
# files and their manifest (pyproject.toml, [tool.hatch.build] artifacts); the same Python
# image runs them below.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY common ./common
COPY cli ./cli
COPY ingest ./ingest
COPY platform ./platform
COPY edge ./edge
COPY simulators ./simulators
COPY bench ./bench
COPY dashboards ./dashboards
COPY scripts/build_native.py ./scripts/
RUN python -m venv /opt/build && /opt/build/bin/pip install ".[server]" "mypy>=1.10" setuptools \
    && /opt/build/bin/python scripts/build_native.py \
    && /opt/build/bin/pip wheel --no-deps . -w /wheels

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A CJK font for the PDF evidence pack (ANJU_PLATFORM_PDF_FONT points at it).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# the wheel holds every package (sources, data, the compiled modules): no sources here
COPY --from=build /wheels /wheels
RUN pip install "$(ls /wheels/anju-*.whl)[server]" && rm -rf /wheels \
    && python -c "from anju_platform.detect import day_pass, native; \
print('compiled detection:', native.is_compiled(day_pass))"

# Never run as root inside the container.
RUN useradd --system --uid 10001 --home-dir /app anju \
    && mkdir -p /app/var /var/lib/anju && chown anju /app/var /var/lib/anju
USER anju

ENTRYPOINT ["anju"]
CMD ["--help"]
