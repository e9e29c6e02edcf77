#!/usr/bin/env bash
# The test command: installs what the tests need, then runs the whole suite.
# PostgreSQL / MariaDB tests run when TEST_POSTGRES_URL / TEST_MYSQL_URL are set (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -r requirements.txt
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests"
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null) ||
    echo "could not install chromium: browser tests will be skipped"
fi
exec python -m pytest "$@"
