#!/usr/bin/env bash
# Shared by run.sh and test.sh: the Swift toolchain on PATH.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi
