#!/bin/sh
# Starts the server. Settings come from the environment (see src/config.js),
# e.g.  PORT=8080 NODE_ENV=production ./start.sh
cd "$(dirname "$0")" || exit 1
exec node src/server.js "$@"
