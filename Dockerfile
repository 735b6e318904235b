# The dump-models GitHub Action. GitHub builds this on the runner for `runs: using: docker`.
# BASE_IMAGE is an argument so that machines without a registry can build on a local stand-in
# (see .ci/image.sh); the image only needs python3 (3.10+), venv and git.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# git is needed for publishing; python:3.12-slim lacks it, the Debian stand-in has it.
# Not pinned (DL3008): the version depends on the base image's Debian release.
# hadolint ignore=DL3008
RUN if ! command -v git >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends git ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pyproject.toml is the single source of dependencies; a venv because Debian's Python refuses
# system-wide installs. The sources are copied, installed, and kept for entrypoint.py.
COPY pyproject.toml README.md entrypoint.py /src/
COPY dump_models /src/dump_models
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir /src \
    && rm -rf /src/build /src/*.egg-info

# No USER and no WORKDIR: GitHub runs the action as root in its own workspace.
ENTRYPOINT ["/opt/venv/bin/python", "/src/entrypoint.py"]
