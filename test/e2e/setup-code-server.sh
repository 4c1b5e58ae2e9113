#!/usr/bin/env bash
# Installs code-server (a real VS Code host, run from the system Node 20) into DIR, offline except the npm registry.
# Follows ../shared/reference/vscode-host.md: --ignore-scripts, then code-server's postinstall steps by hand (its
# @vscode/ripgrep postinstall would download rg from GitHub, so Debian's /usr/bin/rg is linked in).
# Needs apt packages ripgrep and libkrb5-dev (the kerberos addon), g++/make/python3. About 45 s with a cold npm cache.
# Usage: setup-code-server.sh DIR [VERSION]
set -euo pipefail
DIR=$1; VER=${2:-4.100.3}
export npm_config_yes=true     # node-pty's postinstall runs `npx node-gyp`
export npm_config_update_notifier=false
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); cd "$DIR"
rm -f .complete
[ -f package.json ] || echo '{"name":"cs-host","private":true}' > package.json
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$VER"
npm rebuild --build-from-source --loglevel=error argon2
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
NATIVE=$(cd node_modules && ls -d */binding.gyp @*/*/binding.gyp | xargs -n1 dirname | grep -v windows- | grep -v '^cpu-features$')
# shellcheck disable=SC2086
npm rebuild --loglevel=error $NATIVE
if [ -d node_modules/@vscode/ripgrep ]; then
  mkdir -p node_modules/@vscode/ripgrep/bin && ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
fi
if grep -q '^  symlink_asar' ../../postinstall.sh; then rm -rf node_modules.asar; ln -s node_modules node_modules.asar; fi
(cd bin/remote-cli && ln -sfn code-linux.sh code-server); (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --no-audit --no-fund --loglevel=error)
for m in $NATIVE; do node -e "require('$m')"; done
touch "$DIR/.complete"
echo "code-server $VER installed in $DIR"
