# Shared by scripts/serve and scripts/test: create .venv and install the project when needed.
# Usage: . scripts/_venv.sh EXTRAS   (EXTRAS: "" or "test")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating virtual environment in .venv ..."
  "$PYTHON" -m venv .venv
fi
extras="${1:-}"
spec="."
[ -n "$extras" ] && spec=".[$extras]"
# Reinstall only when the packaging metadata changed since the last install with these extras.
stamp=".venv/.installed-${extras:-base}"
want="$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing the project and its dependencies into .venv (first run takes a few minutes) ..."
  # -qq: errors only (a first run prints what a person needs, not every build step); the editable
  # install's notice about same-named folders in the working directory is expected here.
  .venv/bin/python -m pip install --upgrade -qq pip
  PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install -qq -e "$spec"
  echo "$want" > "$stamp"
fi
# Message catalogues (translations/*/LC_MESSAGES/*.po -> .mo); fast, so done on every run.
.venv/bin/pybabel -q compile -d translations
export PATH="$ROOT/.venv/bin:$PATH"
