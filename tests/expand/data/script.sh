#!/bin/sh
echo "args: $*"
echo second line
exit ${1:-0}
