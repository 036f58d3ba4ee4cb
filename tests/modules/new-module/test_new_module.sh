#!/usr/bin/env bash
# test_new_module.sh — tools/new-module, tried on a scratch copy of the sources it needs.
#
# In a temporary folder (removed at exit) holding tools/new-module, modules/MODULES,
# modules/EXAMPLES, .clang-format and engine/include: bad names are refused with a message and
# change nothing; `tools/new-module demo_gain` writes its files and appends to MODULES and
# EXAMPLES; the module it wrote builds alone with gcc (the project's warnings, as errors) into
# a .so, which the engine's loader finds, checks and runs (check_module), which passes the
# generic properties (the build's test_properties), and whose starter quality test, built with
# the test host, passes; the files are clang-format clean; a second run refuses the name.
# Usage: test_new_module.sh SOURCE_ROOT TEST_PROPERTIES CHECK_MODULE
set -euo pipefail

SRC=$1
PROPS=$2
CHECK=$3
NAME=demo_gain
T=$(mktemp -d "${TMPDIR:-/tmp}/chronus-new-module.XXXXXX")
trap 'rm -rf -- "$T"' EXIT
FAILED=0

fail() {
	printf 'FAIL: %s\n' "$*"
	FAILED=1
}

mkdir -p "$T/tools" "$T/modules" "$T/engine" "$T/build/$NAME"
cp "$SRC/tools/new-module" "$T/tools/"
cp "$SRC/modules/MODULES" "$T/modules/"
if [[ -f $SRC/modules/EXAMPLES ]]; then
	cp "$SRC/modules/EXAMPLES" "$T/modules/"
else
	: >"$T/modules/EXAMPLES"
fi
cp "$SRC/.clang-format" "$T/"
cp -r "$SRC/engine/include" "$T/engine/"
modules_before=$(cat "$T/modules/MODULES")
existing=$(sed -n '/[a-z]/{s/[[:space:]]//g;p;q}' "$T/modules/MODULES")

# Bad names: refused, with a sentence that names the problem, and nothing written.
for bad in "Bad" "1abc" "a-b" "ab.c" "" "abcdefghijklmnopqrstuvwx" "$existing"; do
	if out=$("$T/tools/new-module" "$bad" 2>&1); then
		fail "tools/new-module '$bad' succeeded; it must refuse the name"
	elif ! grep -qE "not a valid module name|at most 23|exists already|usage" <<<"$out"; then
		fail "tools/new-module '$bad' gave no clear reason: $out"
	else
		printf "refused '%s': %s\n" "$bad" "$(head -n1 <<<"$out")"
	fi
done
[[ $(cat "$T/modules/MODULES") == "$modules_before" ]] || fail "a refused name changed modules/MODULES"
[[ ! -e $T/modules/Bad && ! -e $T/tests ]] || fail "a refused name left files behind"

# The module.
"$T/tools/new-module" "$NAME" >"$T/new-module.out" 2>&1 || {
	cat "$T/new-module.out"
	fail "tools/new-module $NAME failed"
	exit 1
}
for f in "modules/$NAME/$NAME.c" "modules/$NAME/meson.build" "tests/modules/$NAME/meson.build" \
	"tests/modules/$NAME/test_$NAME.c"; do
	[[ -s $T/$f ]] || fail "tools/new-module did not write $f"
done
[[ $(tail -n1 "$T/modules/MODULES") == "$NAME" ]] || fail "modules/MODULES does not end with $NAME"
grep -q "^$NAME: create " "$T/modules/EXAMPLES" || fail "modules/EXAMPLES has no line for $NAME"
grep -q "^${NAME}_mod = shared_module('$NAME', '$NAME.c',$" "$T/modules/$NAME/meson.build" ||
	fail "modules/$NAME/meson.build does not define ${NAME}_mod"
grep -q "^Next:" "$T/new-module.out" || fail "tools/new-module printed no next steps"
echo "tools/new-module $NAME: wrote $(grep -c '^  [mt]' "$T/new-module.out") files, next steps printed"

# Built alone, as a module author would, with the project's warnings as errors.
WARN=(-std=c11 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes -Wvla -Wundef -Werror -D_GNU_SOURCE)
gcc "${WARN[@]}" -shared -fPIC -fvisibility=hidden -I "$T/engine/include" \
	"$T/modules/$NAME/$NAME.c" -o "$T/build/$NAME/$NAME.so" -lm ||
	fail "modules/$NAME/$NAME.c does not build warning-free"
nm -D --defined-only "$T/build/$NAME/$NAME.so" | grep -qw chronus_module ||
	fail "$NAME.so does not export chronus_module"
[[ $(nm -D --defined-only "$T/build/$NAME/$NAME.so" | grep -c ' [TDRB] ') == 1 ]] ||
	fail "$NAME.so exports more than its descriptor"

# The engine's loader, then the generic properties.
"$CHECK" "$T/build" "$NAME" || fail "the engine's loader rejects $NAME.so (above)"
"$PROPS" "$T/build/$NAME/$NAME.so" >"$T/props.out" 2>&1 || {
	cat "$T/props.out"
	fail "$NAME fails the generic properties (above)"
}
grep -E "^$NAME .*(extremes|tail)" "$T/props.out" | head -n 2
echo "test_properties $NAME.so: $(tail -n1 "$T/props.out")"

# The starter quality test, with the test host.
gcc "${WARN[@]}" -I "$T/engine/include" -I "$SRC/tests/modules" \
	"$T/tests/modules/$NAME/test_$NAME.c" "$SRC/tests/modules/host.c" \
	"$SRC/tests/modules/measure.c" -o "$T/test_$NAME" -lsndfile -ldl -lm ||
	fail "tests/modules/$NAME/test_$NAME.c does not build warning-free"
if [[ -x $T/test_$NAME ]]; then
	"$T/test_$NAME" "$T/build/$NAME/$NAME.so" || fail "the starter test test_$NAME fails"
fi

if command -v clang-format >/dev/null 2>&1; then
	(cd "$T" && clang-format --dry-run --Werror "modules/$NAME/$NAME.c" \
		"tests/modules/$NAME/test_$NAME.c") || fail "the written files are not clang-format clean"
fi

if "$T/tools/new-module" "$NAME" >/dev/null 2>&1; then
	fail "a second tools/new-module $NAME succeeded; it must refuse an existing module"
fi

if ((FAILED)); then
	echo "new-module: FAIL"
	exit 1
fi
echo "new-module: ok"
